"""Frames ↔ clock time from callback observations (virtual: jitter, crystal drift, ring wrap)."""

from __future__ import annotations

import numpy as np
import pytest

from livegen.clock.sources import InternalClock
from livegen.live.audio.timebase import CallbackLog, ClockTimeline, FrameClock, Line

RATE = 48_000
BLOCK = 256


def observations(seconds: float, ppm: float, jitter_ms: float, seed: int = 0):
    """Callbacks of a card whose crystal runs `ppm` fast, entered late by exponential jitter."""
    rng = np.random.default_rng(seed)
    frames = np.arange(0, int(seconds * RATE), BLOCK, dtype=np.int64)
    due = 50.0 + frames / (RATE * (1 + ppm * 1e-6))
    late = rng.exponential(jitter_ms * 1e-3, len(frames))
    late[rng.random(len(frames)) < 0.01] += 0.004  # the odd scheduling hiccup
    return frames, due, late


@pytest.mark.parametrize("ppm", [-80.0, 0.0, 120.0])
def test_the_lower_envelope_recovers_when_a_frame_is_due(ppm):
    frames, due, late = observations(12.0, ppm, jitter_ms=0.3)
    clock = FrameClock(RATE, output_offset=0.002)
    log = CallbackLog(1024)  # smaller than the run: the ring wraps many times
    for start in range(0, len(frames), 100):  # ingested in batches, as the producer does
        for f, t in zip(
            frames[start : start + 100],
            due[start : start + 100] + late[start : start + 100],
            strict=True,
        ):
            log.push(int(f), float(t), 0.0107)
        line = clock.ingest(log)
    assert line is not None
    # predict 2 s ahead of the last observation, where the next bars are placed
    future = frames[-1] + 2 * RATE
    truth = 50.0 + future / (RATE * (1 + ppm * 1e-6))
    assert line.callback_time(future) == pytest.approx(truth, abs=0.1e-3)
    assert line.speaker_time(future) == pytest.approx(truth + 0.0107 + 0.002, abs=0.1e-3)
    assert line.frame_at_speaker(line.speaker_time(future)) == pytest.approx(future, abs=1e-3)


def test_the_log_ring_reads_only_what_is_new():
    log = CallbackLog(64)
    for i in range(10):
        log.push(i * 256, float(i), 0.01)
    frames, _times, _dacs, seen = log.read(0)
    assert list(frames) == [i * 256 for i in range(10)] and seen == 10
    for i in range(10, 200):
        log.push(i * 256, float(i), 0.01)
    frames, _times, _, seen = log.read(seen)
    assert seen == 200 and frames[-1] == 199 * 256 and len(frames) <= 64
    assert np.all(np.diff(frames) == 256)  # contiguous, newest kept
    with pytest.raises(ValueError):
        CallbackLog(100)


def test_a_timeline_plans_bars_on_the_streams_frames():
    t = [10.0]
    clock = InternalClock("120", lambda: t[0], playing=False)
    clock.start(11.0)
    frames = FrameClock(RATE)
    timeline = ClockTimeline(clock, frames)
    assert timeline.plan(0, None) is None  # no observation yet: no map
    frames.line = Line(RATE, 0, 10.0, 0.0, 0.005)
    plan = timeline.plan(1, None)
    # bar 1 is heard at 13.0; frames reach the speaker 5 ms after 10.0 + F / rate
    assert (
        plan is not None and plan.start == round((13.0 - 10.005) * RATE) and plan.length == 96_000
    )
    assert timeline.plan(2, plan.end + 7).start == plan.end + 7  # a committed start is kept
    assert timeline.current_bar(12.9) == 0 and timeline.current_bar(13.1) == 1
    clock.stop(14.0)
    assert timeline.current_bar(14.1) is None


def _fit_through(frames, times, until_s):
    clock = FrameClock(RATE)
    n = int(until_s * RATE / BLOCK)
    for start in range(0, n, 20):  # batches of ~0.1 s, as the producer ingests them
        line = clock.observe(frames[start : min(start + 20, n)], times[start : min(start + 20, n)],
                             np.full(min(20, n - start), 0.01))  # fmt: skip
    return clock, line


@pytest.mark.parametrize("step_ms", [3.0, -2.0, 0.8])
def test_a_step_in_the_time_base_is_followed_within_a_second(step_ms):
    """An xrun the frame counter measured a few ms wrong shifts every later callback: the line
    must follow at once instead of fitting a slope across the step (ms off for ~10 s)."""
    frames, due, late = observations(14.0, 60.0, jitter_ms=0.2, seed=3)
    times = due + late
    after = frames >= 8 * RATE
    times[after] += step_ms * 1e-3
    truth = 50.0 + frames / (RATE * (1 + 60e-6)) + np.where(after, step_ms * 1e-3, 0.0)
    for seconds_after in (0.8, 3.0, 6.0):
        clock, line = _fit_through(frames, times, 8.0 + seconds_after)
        future = int(8.0 + seconds_after + 2.0) * RATE  # where the next bars are placed
        want = 50.0 + future / (RATE * (1 + 60e-6)) + step_ms * 1e-3
        assert line.callback_time(future) == pytest.approx(want, abs=0.15e-3), seconds_after
        assert clock.steps >= 1
    assert truth[-1] > 0  # (the truth used above, for the reader)


def test_one_stalled_chunk_is_not_a_step():
    """A stall leaves ~0.3 s of callbacks late, then they catch up: the time base stays put."""
    frames, due, late = observations(12.0, 0.0, jitter_ms=0.2, seed=4)
    times = due + late
    stall = (frames >= 6.0 * RATE) & (frames < 6.3 * RATE)
    times[stall] += 0.002
    for until in (6.3, 6.5, 7.0, 9.0):
        clock, line = _fit_through(frames, times, until)
        future = int((until + 2.0) * RATE)
        # (2 ms off if the stall were taken for a step; the slope fit moves ~0.2 ms at most)
        assert line.callback_time(future) == pytest.approx(50.0 + future / RATE, abs=0.4e-3)
        assert clock.steps == 0


@pytest.mark.filterwarnings("error")  # inf - inf in the chunk floors was NaN in the time base
@pytest.mark.parametrize("gap_s", [0.3, 1.5, 4.0])
def test_a_gap_in_the_observations_leaves_the_line_intact(gap_s):
    """Frames with no callback observation (the output's counter jumps over a long xrun) leave
    chunks empty: the time base must neither step nor go non-finite."""
    frames, due, late = observations(14.0, 40.0, jitter_ms=0.2, seed=5)
    times = due + late
    keep = (frames < 6.0 * RATE) | (frames >= (6.0 + gap_s) * RATE)
    frames, times = frames[keep], times[keep]
    for until in (6.0 + gap_s + 0.3, 6.0 + gap_s + 1.2, 13.5):
        clock, line = _fit_through(frames, times, until)
        future = int((until + 2.0) * RATE)
        want = 50.0 + future / (RATE * (1 + 40e-6))
        assert np.isfinite(clock._times).all()
        assert line.callback_time(future) == pytest.approx(want, abs=0.4e-3), until
        assert clock.steps == 0
