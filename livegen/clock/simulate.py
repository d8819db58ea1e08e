"""Synthetic MIDI clock streams on virtual time, for tests and benchmarks (numpy only).

A stream is built in two steps that mirror reality: the *sender* decides when each tick is due
(`tick_times`: a tempo that may jump, ramp or wobble), then the *delivery path* decides when the
receiver sees it (`deliver`: Gaussian jitter, JACK period bursts, Windows' 1 ms timestamps).
Comparing an estimator's output with the sender's times (plus the path's mean delay, which no
receiver can observe) measures it honestly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from livegen.clock.events import PPQN

FloatArray = np.ndarray


def tick_times(
    bpm: Callable[[FloatArray], FloatArray] | float,
    n_ticks: int,
    *,
    t0: float = 100.0,
    timer_jitter: float = 0.0,
    rng: np.random.Generator | None = None,
) -> FloatArray:
    """When a sender emits ticks 0..n_ticks-1.

    Args:
        bpm: a constant, or a function of the tick index array giving the tempo of each interval.
        n_ticks: how many ticks.
        t0: time of tick 0 (s).
        timer_jitter: s.d. (s) of the sender's own timer error, added to each tick without
            accumulating (a DAW wobble of ±0.5 BPM read from single intervals at 120 BPM is
            about 0.06 ms of it).
        rng: random source for the timer jitter.
    """
    k = np.arange(n_ticks - 1, dtype=float)
    tempo = np.full_like(k, float(bpm)) if not callable(bpm) else np.asarray(bpm(k), dtype=float)
    periods = 60.0 / (PPQN * tempo)
    times = t0 + np.concatenate([[0.0], np.cumsum(periods)])
    if timer_jitter > 0.0:
        rng = rng or np.random.default_rng(0)
        times = times + rng.normal(0.0, timer_jitter, n_ticks)
    return times


@dataclass(frozen=True)
class Delivery:
    """A delivery path from sender to receiver.

    Args:
        jitter: s.d. (s) of Gaussian arrival jitter.
        period: if > 0, JACK-style bursts: every event of one period is stamped with the
            period's end (256 frames at 48 kHz = 5.333 ms).
        resolution: if > 0, timestamps are floored to this step (Windows: 1 ms).
        latency: constant delay (s).
    """

    jitter: float = 0.0
    period: float = 0.0
    resolution: float = 0.0
    latency: float = 0.0

    @property
    def mean_delay(self) -> float:
        """The average lateness this path adds: invisible to any receiver."""
        return self.latency + self.period / 2.0 - self.resolution / 2.0


JACK_PERIOD = 256 / 48_000
JACK = Delivery(period=JACK_PERIOD)
WINDOWS = Delivery(resolution=1e-3)
JITTER_1MS = Delivery(jitter=1e-3)


def deliver(
    times: FloatArray, path: Delivery, rng: np.random.Generator | None = None
) -> FloatArray:
    """Arrival timestamps of ticks sent at `times` over `path` (kept in order, as ports do)."""
    rng = rng or np.random.default_rng(1)
    out = np.asarray(times, dtype=float) + path.latency
    if path.jitter > 0.0:
        out = out + rng.normal(0.0, path.jitter, len(out))
    if path.period > 0.0:
        phase = rng.uniform(0.0, path.period)
        out = (np.floor((out - phase) / path.period) + 1.0) * path.period + phase
    if path.resolution > 0.0:
        out = np.floor(out / path.resolution) * path.resolution
    # A port delivers in order: a jittered tick never overtakes the one before it.
    return np.maximum.accumulate(out)


def median_interval_bpm(arrivals: FloatArray) -> float:
    """The naive estimate livegen does *not* use: 60 / (24 · median tick interval)."""
    return float(60.0 / (PPQN * np.median(np.diff(arrivals))))


def jump(before: float, after: float, at_tick: int) -> Callable[[FloatArray], FloatArray]:
    """A tempo that jumps from `before` to `after` at tick `at_tick`."""
    return lambda k: np.where(k < at_tick, before, after)


def ramp(
    start: float, end: float, from_tick: int, to_tick: int
) -> Callable[[FloatArray], FloatArray]:
    """A tempo that ramps linearly from `start` to `end` between two ticks."""
    return lambda k: start + (end - start) * np.clip((k - from_tick) / (to_tick - from_tick), 0, 1)


def wobble(bpm: float, depth: float, cycle_ticks: float) -> Callable[[FloatArray], FloatArray]:
    """A tempo that sways sinusoidally by ±`depth` BPM every `cycle_ticks` ticks."""
    return lambda k: bpm + depth * np.sin(2.0 * np.pi * k / cycle_ticks)
