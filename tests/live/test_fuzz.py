"""Fuzz (issue #17): over 20,000 mutated packets built from the real address space, sent over
UDP to a running `livegen serve` (JACK dummy server, internal clock, recording on). The daemon
keeps answering `/livegen/status`, its settings change only through well-formed messages (the
status before and after agree; a well-formed message sent last is obeyed), and the recording
has no silent gap longer than 50 ms. Bounded and seeded; prints its figures."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from tests.support.fuzz import packets
from tests.support.performer import Listener, free_port, reap

pytestmark = pytest.mark.skipif(
    __import__("shutil").which("jackd") is None, reason="jackd is not installed"
)
SEED, COUNT = 17, 21_000
ISSUE_PACKETS = [  # issue #17 item 1: before, the first three were applied as 0.0, the last as 65
    (b"/livegen/gain\0\0\0,f\0\0", "/livegen/gain"),
    (b"/livegen/guidance\0\0\0,f\0\0", "/livegen/guidance"),
    (b"/livegen/variation\0\0,f\0\0", "/livegen/variation"),
    (b"/livegen/hold\0\0\0,ci\0\0\0\0A\0\0\0\1", "/livegen/hold"),
]
SETTINGS = ("bpm", "playing", "clock", "prompt", "steps", "guidance", "seed")
SILENT, GAP = 1e-5, 0.050  # a gap: |x| below -100 dBFS for longer than 50 ms


def longest_gap(audio: np.ndarray, rate: int) -> float:
    """The longest run of silence (s) after the first sound."""
    loud = np.flatnonzero(np.abs(audio).max(axis=1) > SILENT)
    if len(loud) < 2:
        return len(audio) / rate
    return float(np.diff(loud).max() - 1) / rate


def test_mutated_packets_change_nothing_and_the_music_never_stops(jack_server, tmp_path):
    take, port = tmp_path / "take.wav", free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "livegen.live.serve", "--source", "loops", "--clock", "internal",
         "--bpm", "124", "--osc-port", str(port), "--record", str(take), "--quiet",
         "--no-oscquery"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    me = Listener(port)
    try:
        me.wait_until_answering(timeout=30)
        time.sleep(2.0)  # the first bar is playing
        before = me.status()
        for data, address in ISSUE_PACKETS:  # the issue's own, first: each answered by name
            me.sock.sendto(data, me.target)
            me.wait_for("/livegen/error", lambda a, address=address: a[0] == address, timeout=3)
        sent = skipped = slowest = 0.0
        started = time.monotonic()
        for k, (data, valid) in enumerate(packets(SEED, COUNT)):
            if valid:  # made well-formed and valid by chance: it may change settings
                skipped += 1
                continue
            me.sock.sendto(data, me.target)
            sent += 1
            if k % 200 == 199:
                time.sleep(0.01)  # ~20,000 packets/s in bursts
                me.inbox.clear()
                me.pump(0.0)
            if k % 3000 == 2999:  # the daemon answers all along
                asked = time.monotonic()
                me.status()
                slowest = max(slowest, time.monotonic() - asked)
        fuzz_s = time.monotonic() - started
        time.sleep(0.5)
        me.pump(0.2)
        after = me.status()
        me.send("/livegen/seed", 4242)  # a well-formed message still works
        time.sleep(0.2)
        final = me.status()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        reap(proc)
    audio, rate = sf.read(take, dtype="float32")
    gap = longest_gap(audio, rate)
    print(f"\nfuzz: {sent:.0f} mutated packets sent in {fuzz_s:.1f} s ({skipped:.0f} valid by "
          f"chance, not sent); slowest status reply {slowest * 1e3:.0f} ms; osc_dropped "
          f"{after['osc_dropped']}, kernel {after['osc_kernel_dropped']}; longest silence "
          f"{gap * 1e3:.1f} ms in {len(audio) / rate:.1f} s; underruns {after['underruns']}")  # fmt: skip
    assert proc.returncode == 0, out
    assert sent >= 20_000
    assert {k: after[k] for k in SETTINGS} == {k: before[k] for k in SETTINGS}, (before, after)
    assert final["seed"] == 4242 and after["timed_pending"] == 0
    assert gap <= GAP
