"""`livegen serve` as a command: it starts, records, stops cleanly on SIGINT with exit 0 and a
finalized file, and without any audio output it says how to start a JACK server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.support.performer import Listener, free_port, jack_run, reap, wait_for_port

pytestmark = pytest.mark.skipif(
    __import__("shutil").which("jackd") is None, reason="jackd is not installed"
)
RATE = 48_000


def test_the_command_runs_records_and_stops_cleanly_on_sigint(jack_server, tmp_path):
    take = tmp_path / "take.wav"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "livegen.live.serve", "--source", "loops", "--clock", "internal",
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
        reap(proc)
    assert proc.returncode == 0, out
    print(f"\nstartup to first audible bar: {first_bar} s")
    # The 3 s goal is a benchmark figure (the demo source: 2.0-3.2 s after start on this 2-core
    # machine); 4 s still fails a daemon that lets its first bar go by (4.3 s: one bar later).
    assert first_bar is not None and first_bar <= 4.0

    audio, rate = sf.read(take, dtype="float32")
    assert rate == RATE and len(audio) > RATE and np.abs(audio).max() > 0.05


def test_without_a_jack_server_it_says_how_to_start_one(tmp_path):
    env = dict(os.environ, JACK_DEFAULT_SERVER=f"nobody-{uuid.uuid4().hex[:6]}",
               JACK_NO_START_SERVER="1")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "livegen.live.serve", "--source", "loops", "--clock", "internal",
         "--osc-port", str(free_port())],
        capture_output=True, text=True, env=env, timeout=60, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert done.returncode == 1
    assert "jackd" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("start", ["midi", "internal"])
def test_clock_switches_while_a_midi_clock_streams_leave_the_daemon_playing(
    jack_server, tmp_path, start
):
    """`/livegen/clock` away from MIDI parks the input: closing it could freeze the daemon (RtMidi's
    callback ran in JACK's thread, tests/clock/test_midi_io.py), and opening or closing a JACK
    client dropped 0.5-1 s of audio (one underrun per switch). A daemon started on the internal
    clock has its MIDI port open already. Switched as a performer would, while jack_midi_clock
    streams: the audio keeps pace, the port stays connected, and tempo, transport and
    song position followed all along: back on MIDI it plays in phase at once."""
    take, port = tmp_path / "take.wav", free_port()
    sender = subprocess.Popen(["jack_midi_clock", "-b", "126", "-B"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "livegen.live.serve", "--source", "loops", "--clock", start,
         "--midi-api", "jack", "--midi-virtual", "lgswitch", "--osc-port", str(port),
         "--record", str(take), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    me = Listener(port)
    order = ("internal", "midi") if start == "midi" else ("midi", "internal")
    clocks = []
    try:
        wait_for_port("jack_midi_clock:mclk_out", timeout=10)
        me.wait_until_answering(timeout=30)
        wait_for_port("lgswitch:clock_in", timeout=10)
        jack_run("jack_connect", "jack_midi_clock:mclk_out", "lgswitch:clock_in")
        jack_run("jack_transport", stdin="locate 0\nplay\nquit\n")  # the input hears Start
        started, first = time.monotonic(), me.status()
        for _ in range(6):
            for clock in order:
                time.sleep(0.3)  # ticks flowing into the input it is about to leave
                me.send("/livegen/clock", clock)
                deadline = time.monotonic() + 5
                while me.status()["clock"] != clock and time.monotonic() < deadline:
                    time.sleep(0.05)
                clocks.append(me.status()["clock"])
        if start == "internal":
            me.send("/livegen/clock", "midi")
        time.sleep(2.5)  # more than a bar: what plays now was planned on the MIDI clock
        final = me.status()
        played = time.monotonic() - started
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        reap(proc)
        sender.terminate()
        sender.wait(timeout=10)
    assert proc.returncode == 0, out
    assert clocks == list(order) * 6
    assert final["clock"] == "midi" and abs(final["bpm"] - 126) <= 0.5, final
    assert final["bar"] >= 2, final  # the song position went on while parked
    underruns = final["underruns"] - first["underruns"]
    print(f"\n12 switches in {played:.1f} s: {underruns} underruns, {final['late_bars']} late bars")
    # Before parking: one per switch, 12. Without real-time scheduling on 2 cores, xruns come
    # anyway: 0-6 were seen in this window on an idle machine, whichever clock it starts on.
    assert underruns < 12
    # From livegen's own 124 BPM to the DAW's phase the first time: the bar then due may be late.
    # Every later switch is in phase and keeps the bars planned; an xrun (a skipped period) may
    # leave one more bar late.
    allowed = (1 if start == "internal" else 0) + (1 if underruns else 0)
    assert final["late_bars"] <= allowed, final
    audio, rate = sf.read(take, dtype="float32")
    assert len(audio) >= (played - 0.5) * rate  # the audio never stopped (before: 9 s missing)
    assert np.abs(audio[-rate:]).max() > 0.05
