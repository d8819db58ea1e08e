"""`livegen render` writes what the daemon plays: the same model, settings and tempo give the same
samples (to the 24-bit file's last bit), bar after bar, crossfades and all.

The daemon is the real one (`Daemon` with the generator source and the internal clock), run on
virtual time by its own two steps and its own audio callback (tests/support/virtual.py); render
is the command itself. The first downbeat is put on a whole output frame, where both grids agree.
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import soundfile as sf

pytest.importorskip("torch")  # the tiny package is trained here

from livegen.clock.sources import InternalClock
from livegen.control.state import Session
from livegen.live import render
from livegen.live.daemon import Daemon
from livegen.live.pipeline.source import GeneratorSource
from livegen.runtime.generator import Generator
from livegen.units import bar_starts
from tests.support.models import tiny_package_one_thread
from tests.support.virtual import VirtualAudio, VirtualTime, run_daemon

RATE, BLOCK, BPM, BARS = 48_000, 256, 124, 4
SETTINGS = {"seed": 4, "steps": 2, "guidance": 1.0, "variation": 0.5}


@pytest.fixture(scope="module")
def pkg(tmp_path_factory):
    return tiny_package_one_thread(tmp_path_factory.mktemp("render_daemon"))


def daemon_output(pkg) -> tuple[np.ndarray, int]:
    """The daemon's left channel from its first downbeat, and that downbeat's output frame."""
    vt = VirtualTime(100.0)
    latency = BLOCK / RATE
    clock = InternalClock(str(BPM), vt, playing=False)
    clock.start(vt.t + 1.0)  # heard 1 s from now: output frame (1 s - latency) * rate
    source = GeneratorSource(Generator.load(pkg, "cpu", 1))
    session = Session(prompts=(), **SETTINGS)
    daemon = Daemon(source, clock, session, RATE, now=vt)
    daemon.prepare()
    audio = VirtualAudio(daemon.engine.callback, vt, RATE, BLOCK, latency)
    run_daemon(daemon, vt, audio, vt.t + 1.0 + (BARS + 0.5) * 240 / BPM)
    first = round((1.0 - latency) * RATE)
    placed = sorted(p.plan.start for p in daemon.producer.stats.history)
    assert placed[:BARS] == [first + s for s in bar_starts(BARS - 1, BPM, RATE)]
    return audio.output()[:, 0], first


def test_render_and_the_daemon_play_the_same_samples(pkg, tmp_path):
    live, first = daemon_output(pkg)
    parser = argparse.ArgumentParser()
    render.add_arguments(parser)
    out = tmp_path / "bars.wav"
    args = parser.parse_args(
        ["--model", str(pkg), "--threads", "1", "--bpm", str(BPM), "--bars", str(BARS),
         "--sample-rate", str(RATE), "--out", str(out)]
        + [f"--{k}={v}" for k, v in SETTINGS.items()]
    )  # fmt: skip
    assert render.run(args) == 0
    offline, rate = sf.read(out, dtype="float64")
    n = bar_starts(BARS, BPM, RATE)[-1]
    assert rate == RATE and len(offline) == n
    played = live[first : first + n].astype(np.float64)
    assert np.abs(played).max() > 1e-3  # music, not silence
    lsb = 2.0**-23  # the file is 24-bit
    assert np.abs(played - offline).max() <= lsb, np.abs(played - offline).max()
    # and the bars differ from each other (variation 0.5 moves the noise): not one bar repeated
    starts = bar_starts(BARS, BPM, RATE)
    a, b = offline[starts[1] : starts[2]], offline[starts[2] : starts[3]]
    m = min(len(a), len(b))
    rms = lambda x: float(np.sqrt(np.mean(x**2)))  # noqa: E731
    assert rms(a[:m] - b[:m]) > 0.1 * rms(a)
