"""`livegen serve` as a command: it starts, records, stops cleanly on SIGINT with exit 0 and a
finalized file, and without any audio output it says how to start a JACK server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.skipif(
    __import__("shutil").which("jackd") is None, reason="jackd is not installed"
)
RATE = 48_000


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_command_runs_records_and_stops_cleanly_on_sigint(jack_server, tmp_path):
    take = tmp_path / "take.wav"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "livegen.server.serve", "--source", "loops", "--clock", "internal",
         "--bpm", "130", "--osc-port", str(port), "--record", str(take), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        first_bar = None
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "first bar audible" in line:
                first_bar = float(line.split("audible")[1].split()[0])
                break
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    print(f"\nstartup to first audible bar: {first_bar} s")
    assert first_bar is not None and first_bar <= 3.0

    audio, rate = sf.read(take, dtype="float32")
    assert rate == RATE and len(audio) > RATE and np.abs(audio).max() > 0.05


def test_without_a_jack_server_it_says_how_to_start_one(tmp_path):
    env = dict(os.environ, JACK_DEFAULT_SERVER=f"nobody-{uuid.uuid4().hex[:6]}",
               JACK_NO_START_SERVER="1")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "livegen.server.serve", "--source", "loops", "--clock", "internal",
         "--osc-port", str(free_port())],
        capture_output=True, text=True, env=env, timeout=60, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 1
    assert "jackd" in done.stderr and "Traceback" not in done.stderr
