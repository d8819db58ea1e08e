"""The daemon against real peers: a JACK dummy server, `jack_midi_clock` on a JACK MIDI port,
UDP OSC from python-osc and liblo's `oscsend`, and the audio captured through JACK.

One performance is played once per module (~25 s) and the tests below each check one promise
about it. The bar source is test-only (the generator is not shipped yet): `ClickSource` renders
a bar of a sine whose pitch names the prompt ("A" 500 Hz, "B" 1000 Hz) with a click 10 ms after
the downbeat (after the 4 ms declick), so the capture tells which bar plays where. A JACK-Client
recorder takes the daemon's output and jack_midi_clock's ticks in the same JACK cycles, so both
are on JACK's frame clock: the alignment error is measured in frames, not in guesses.

Skipped when jackd, jack_midi_clock, oscsend or the JACK-Client package are missing.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pythonosc.udp_client import SimpleUDPClient

from livegen.live import serve
from livegen.live.audio.output import REWATCH, WATCH
from livegen.live.pipeline.source import BarSpec, Rendered
from livegen.units import bar_samples
from tests.support.performer import Listener, free_port, jack_run, wait_for_port

NEEDED = ("jackd", "jack_midi_clock", "jack_connect", "oscsend")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in NEEDED), reason="JACK / liblo tools not installed"
)
jack = pytest.importorskip("jack", reason="the JACK-Client package records the capture")

RATE = 48_000
BPM = 128.0
BAR = 240.0 / BPM
MARK = 240  # click at 24 kHz sample 240: 10 ms after the downbeat
TONES = {"A": 500.0, "B": 1000.0}
# More xruns than this in one performance: the CPU is taken by something else (no real-time
# scheduling here), and timing below a period cannot be judged; those checks skip and say so.
OVERLOAD = 12
# Frames after an xrun during which the engine may still be finding how many frames it lost:
# its longest watch (every rewatch) in blocks of the server's 256-frame period.
SETTLE = WATCH * (REWATCH + 1) * 256


class ClickSource:
    """Test-only BarSource: a sine per prompt plus a click; `delay` makes it a slow model."""

    sample_rate = 24_000

    def __init__(self) -> None:
        self.delay = 0.0

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        t0 = time.perf_counter()
        if self.delay:
            time.sleep(self.delay)
        n = bar_samples(spec.bpm)
        cycles = round(TONES.get(spec.prompts[0][0], 250.0) * n / self.sample_rate)
        audio = 0.2 * np.sin(2 * np.pi * cycles * np.arange(n) / n)
        audio[MARK] += 0.7
        return Rendered(audio.astype(np.float32), (time.perf_counter() - t0) * 1e3)

    def warm_up(self) -> None:
        pass


class Capture:
    """The recorder process (jack_capture.py): the daemon's output and the clock's ticks on
    JACK's frame clock, in its own interpreter so the daemon's GIL cannot make it miss cycles."""

    def __init__(self, seconds: float, out: Path) -> None:
        self.out = out
        script = Path(__file__).with_name("jack_capture.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), "lgcap", str(seconds), str(out)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        data = np.load(self.out)
        self.audio = data["audio"]
        self.first = int(data["first"])
        self.first_wall = float(data["first_wall"])
        self.midi = [(int(f), int(b)) for f, b in data["midi"]]

    def frame_at(self, wall: float) -> int:
        """Capture index of a time.monotonic() instant (the dummy driver keeps to the wall
        clock within ~1 ms)."""
        return round((wall - self.first_wall) * RATE)


def serve_args(*extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(["--source", "loops", "--quiet", *extra])


@pytest.fixture(scope="module")
def performance(jack_server, tmp_path_factory):
    """Play: start, prompt change, status, garbage and a flood, clock loss, a slow model."""
    capture = Capture(40.0, tmp_path_factory.mktemp("capture") / "capture.npz")
    source = ClickSource()
    port = free_port()
    args = serve_args("--clock", "midi", "--midi-api", "jack", "--midi-virtual", "lgtest",
                      "--osc-port", str(port), "--prompt", "A")  # fmt: skip
    clock_proc = subprocess.Popen(["jack_midi_clock", "-b", str(BPM), "-B"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    log: dict = {}
    server = serve.start(args, source=source)
    d = server.daemon
    me = Listener(port)
    try:
        wait_for_port("jack_midi_clock:mclk_out")
        for a, b in (("jack_midi_clock:mclk_out", "lgtest:clock_in"),
                     ("jack_midi_clock:mclk_out", "lgcap:midi"),
                     ("PortAudio:out_0", "lgcap:in")):  # fmt: skip
            jack_run("jack_connect", a, b)
        me.send("/livegen/subscribe", 1)
        jack_run("jack_transport", stdin="locate 0\nplay\nquit\n")
        _, _, (bar,) = me.wait_for("/livegen/bar", lambda a: a[0] >= 2)
        status = me.status()
        log["status"] = status
        # A prompt change sent (budget + lead + 100 ms) before a downbeat: heard at that downbeat.
        t_bar = [t for t, address, _ in me.inbox if address == "/livegen/bar"][-1]
        target = bar + 2
        downbeat = t_bar + 2 * BAR
        lead = d.scheduler.config.lead
        send_at = downbeat - status["budget_ms"] / 1e3 - lead - 0.1
        time.sleep(max(0.0, send_at - time.monotonic()))
        SimpleUDPClient("127.0.0.1", port).send_message("/livegen/prompt", ["B"])
        log["prompt_change"] = (target, downbeat - time.monotonic())
        subprocess.run(["oscsend", "localhost", str(port), "/livegen/guidance", "f", "4.5"],
                       check=True, timeout=5)  # fmt: skip
        me.wait_for("/livegen/bar", lambda a: a[0] >= target + 1, timeout=8)
        log["status_after_prompt"] = me.status()
        # Wrong types, a huge string, garbage, then random datagrams and a flood, while the
        # music plays.
        me.send("/livegen/steps", "many")  # wrong type
        me.send("/livegen/prompt", "x" * 60_000)  # huge string
        me.sock.sendto(b"\x00\x01garbage", me.target)  # not OSC at all
        me.pump(0.3)
        log["errors_seen"] = sum(1 for _, a, _ in me.inbox if a == "/livegen/error")
        rng = np.random.default_rng(0)
        noise = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(200):
            noise.sendto(rng.bytes(int(rng.integers(1, 1500))), ("127.0.0.1", port))
        client = SimpleUDPClient("127.0.0.1", port)
        for i in range(3000):
            client.send_message("/livegen/seed", i)
        noise.close()
        me.pump(0.5)
        log["status_after_flood"] = me.status()
        # Clock loss and return: the MIDI cable is pulled for 1.5 s.
        jack_run("jack_disconnect", "jack_midi_clock:mclk_out", "lgtest:clock_in")
        me.pump(1.5)
        log["status_lost"] = me.status()
        jack_run("jack_connect", "jack_midi_clock:mclk_out", "lgtest:clock_in")
        me.pump(2 * BAR)
        log["status_back"] = me.status()
        log["clean_until"] = time.monotonic()
        # A deliberately slow model for two bars.
        late_before = d.late_bars
        source.delay = 1.3 * BAR
        me.pump(2.5 * BAR)
        source.delay = 0.0
        me.pump(2 * BAR)
        log["late_added"] = d.late_bars - late_before
        log["status_end"] = me.status()
        log["latency_frames"] = d.frames.line.latency * RATE
        log["placed"] = list(d.producer.stats.history)
        log["underruns"] = d.engine.underflows
        log["lost_frames"] = d.engine.lost_frames
        n = min(d.engine.underflows, 64)
        log["underflow_frames"] = np.sort(d.engine.underflow_frames[:n])
        log["ticks_lost"] = d.clock.source.clock.estimator.skipped  # a MidiClockInput
    finally:
        jack_run("jack_transport", stdin="stop\nquit\n")
        server.stop()
        capture.stop()
        clock_proc.terminate()
        clock_proc.wait(timeout=10)
        me.sock.close()
    return SimpleNamespace(capture=capture, log=log, beats=me.inbox)


def downbeats(capture: Capture) -> np.ndarray:
    """Capture indices of the downbeats jack_midi_clock sent (tick 0 after Start, then every
    96th), from a line through all the ticks it recorded."""
    start = next(i for i, (_, status) in enumerate(capture.midi) if status == 0xFA)
    ticks = np.array([f for f, status in capture.midi[start:] if status == 0xF8], np.float64)
    slope = float(np.median(np.diff(ticks[:100])))  # 937 or 938 frames at 128 BPM
    for n in (100, len(ticks)):  # refine: indices robust to a tick the recorder missed
        index = np.round((ticks[:n] - ticks[0]) / slope)
        slope, intercept = np.polyfit(index, ticks[:n], 1)
    bars = np.arange(int(index[-1]) // 96 + 1)
    return intercept + slope * 96 * bars - capture.first


def clicks(audio: np.ndarray, near: np.ndarray, window: int = 2400) -> np.ndarray:
    """Sub-sample position of the click nearest each frame in `near` (nan if none)."""
    out = np.full(len(near), np.nan)
    for i, f in enumerate(near):
        lo, hi = int(f) - window, int(f) + window
        if lo < 1 or hi >= len(audio) - 1:
            continue
        seg = np.abs(audio[lo:hi])
        k = int(np.argmax(seg))
        if seg[k] < 0.45:  # the sine alone peaks at 0.2
            continue
        a, b, c = np.abs(audio[lo + k - 1 : lo + k + 2])
        out[i] = lo + k + 0.5 * (a - c) / (a - 2 * b + c)
    return out


def tone(audio: np.ndarray, start: int, length: int = 24_000) -> float:
    seg = audio[start : start + length]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    return float(np.argmax(spectrum) * RATE / len(seg))


def test_the_captured_audio_is_not_silent(performance):
    audio = performance.capture.audio
    beats = downbeats(performance.capture)
    played = audio[int(beats[1]) : int(beats[4])]
    assert np.sqrt(np.mean(played**2)) > 0.1


def test_loop_starts_align_with_the_clocks_downbeats_within_2_ms(performance):
    """Measured on the bars before the faults start, bars after xruns (a period lost on a CPU
    with no real-time scheduling) included: the time base levels the step an xrun leaves, and
    the MIDI clock counts the ticks an xrun drops (without that, every later bar was one tick,
    19.5 ms, late)."""
    cap, log = performance.capture, performance.log
    beats = downbeats(cap)
    clean = beats[(beats > beats[1]) & (beats < cap.frame_at(log["clean_until"]) - 2 * RATE)]
    expected = clean - log["latency_frames"] + 2 * MARK
    found = clicks(cap.audio, expected)
    ok = ~np.isnan(found)
    errors_ms = (found - expected)[ok] / RATE * 1e3
    # The daemon's frame of each of those bars, to say which come after an xrun.
    starts = {p.plan.bar: p.plan.start for p in log["placed"]}
    bars = np.round((clean[ok] - beats[0]) / (beats[1] - beats[0])).astype(int)
    xruns = log["underflow_frames"]
    first_xrun = xruns.min() if len(xruns) else np.inf
    bar_starts = np.array([starts.get(b, np.inf) for b in bars], dtype=float)
    after = bar_starts >= first_xrun
    # A bar that starts while the engine still watches the stream time after an xrun (it waits
    # for the lateness to settle before it jumps its counter) cannot be placed yet: judged are the
    # bars outside those windows. (Seen once on a starved 2-core CI machine: -17 ms on such a bar,
    # the next bars within 0.8 ms.)
    settling = np.array([np.any((s > xruns) & (s <= xruns + SETTLE)) for s in bar_starts], bool)
    print(f"\nalignment error over {len(errors_ms)} bars (ms): {np.round(errors_ms, 3)}")
    print(f"after the first xrun: {after.tolist()}, while settling: {settling.tolist()} "
          f"(underruns in the run: {log['underruns']}, MIDI ticks lost: {log['ticks_lost']})")  # fmt: skip
    assert len(errors_ms) >= 3
    # Outside those windows the count of xruns does not matter (seen within 1.2 ms at 26 xruns),
    # unless the MIDI input also found ticks missing on a CPU this starved: whether they were lost
    # or only very late cannot be told then (once seen: 2 "lost" at 18 xruns, bars a tick late).
    if np.count_nonzero(~settling) < 3 or (log["ticks_lost"] and log["underruns"] > OVERLOAD):
        pytest.skip(f"CPU overloaded: {log['underruns']} xruns, {log['ticks_lost']} ticks lost; "
                    "alignment not judged")  # fmt: skip
    # Seen: <= 1.2 ms.
    judged = errors_ms[~settling]
    assert np.all(np.abs(judged) <= 2.0), (errors_ms, after, settling, log["underruns"])


def test_a_prompt_change_sent_in_time_is_heard_at_that_downbeat(performance):
    cap, log = performance.capture, performance.log
    target, ahead = log["prompt_change"]
    beats = downbeats(cap)
    before = tone(cap.audio, int(beats[target - 1]) + 2400)
    after = tone(cap.audio, int(beats[target]) + 2400)
    print(
        f"\nprompt sent {ahead * 1e3:.0f} ms before downbeat {target}: {before:.0f} → {after:.0f} Hz"
    )
    assert before == pytest.approx(TONES["A"], abs=5) and after == pytest.approx(TONES["B"], abs=5)
    assert log["status_after_prompt"]["guidance"] == pytest.approx(4.5)  # from oscsend


def test_status_reports_the_clocks_tempo(performance):
    log = performance.log
    keys = ("status", "status_after_prompt", "status_back")  # the last after a clock loss
    for key in keys:
        assert log[key]["clock"] == "midi"
    errors = {key: abs(log[key]["bpm"] - BPM) for key in keys}
    print(f"\nreported tempo errors (BPM): {errors}")
    if log["underruns"] > OVERLOAD and max(errors.values()) > 0.5:
        pytest.skip(f"CPU overloaded: {log['underruns']} xruns; MIDI stamps too late to judge")
    assert max(errors.values()) <= 0.5


def test_garbage_and_a_flood_are_answered_and_survived(performance):
    log = performance.log
    assert log["errors_seen"] >= 3  # each bad message of ours got its /livegen/error
    status = log["status_after_flood"]
    assert status["prompt"] == "B" and status["steps"] == 8  # the bad messages changed nothing
    # the flood's last /livegen/seed was applied, or what was lost is counted (never silently)
    lost = status["osc_dropped"] + max(0, status["osc_kernel_dropped"])
    assert status["seed"] == 2999 or lost > 0, status


def test_clock_loss_free_runs_and_the_audio_goes_on(performance):
    cap, log = performance.capture, performance.log
    assert log["status_lost"]["playing"] == 1
    beats = downbeats(cap)
    span = cap.audio[int(beats[3]) : cap.frame_at(log["clean_until"])]
    frames = len(span) // 4800 * 4800
    rms = np.sqrt(np.mean(span[:frames].reshape(-1, 4800) ** 2, axis=1))
    assert np.all(rms > 0.05)  # no 100 ms stretch of silence through the loss and the return


def test_a_slow_model_makes_late_bars_that_are_counted_and_the_audio_goes_on(performance):
    cap, log = performance.capture, performance.log
    assert log["late_added"] >= 1 and log["status_end"]["late_bars"] >= 1
    end = len(cap.audio[: np.flatnonzero(cap.audio)[-1]])
    span = cap.audio[cap.frame_at(log["clean_until"]) : end]
    frames = len(span) // 4800 * 4800
    rms = np.sqrt(np.mean(span[:frames].reshape(-1, 4800) ** 2, axis=1))
    assert np.all(rms > 0.05)
    print(f"\nunderruns {log['underruns']}, lost frames {log['lost_frames']}")
