"""Exact bar arithmetic: song ticks ↔ seconds ↔ integer output samples, with `fractions.Fraction`.

Why exact: a bar at 123.45 BPM and 48 kHz is 93317.132…, not a whole number of samples. Adding
rounded bar lengths drifts by up to half a sample per bar (15 ms after an hour); adding float
lengths drifts more slowly but still drifts. Here every bar start is computed *from its anchor*,
`start(N) = round(exact_position(N))`, and a bar's length is the difference of two starts, so
lengths telescope: after any number of bars the audio sits on the clock to within half a sample.

- `TempoMap` is a song's tempo as exact segments. A tempo change re-anchors at an integer tick,
  at the exact time the old segment gives that tick, so nothing is ever rounded into the anchor.
- `BarGrid` maps any clock source's tick times onto an output stream's sample counter and answers
  the scheduler's two questions: where does bar N start, and how long is it, in samples.
- `exact_bpm` turns a user's "123.45" into 2469/20, not into the nearest binary float.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from livegen.clock.events import PPQN, TICKS_PER_BAR

Number = int | float | Fraction


def exact_bpm(bpm: Number | str) -> Fraction:
    """A tempo as an exact fraction: decimal strings and floats keep their decimal value."""
    if isinstance(bpm, Fraction):
        value = bpm
    elif isinstance(bpm, float):
        # repr gives the shortest decimal that round-trips: 123.45, not 123.4500000000000028…
        value = Fraction(repr(bpm))
    else:
        value = Fraction(bpm)
    if value <= 0:
        raise ValueError(f"tempo must be positive, got {bpm}")
    return value


def seconds_per_tick(bpm: Number | str) -> Fraction:
    return Fraction(60) / (PPQN * exact_bpm(bpm))


def round_half_up(x: Fraction) -> int:
    """Nearest integer, halves up: the same answer for the same position, whatever its history."""
    return math.floor(x + Fraction(1, 2))


@dataclass(frozen=True)
class Segment:
    """Constant tempo from song tick `tick` (at exact time `time`) on."""

    tick: Fraction
    time: Fraction
    seconds_per_tick: Fraction

    @property
    def bpm(self) -> Fraction:
        return Fraction(60) / (PPQN * self.seconds_per_tick)


class TempoMap:
    """A song's tempo history as exact segments; maps song ticks to seconds and back.

    Args:
        bpm: initial tempo.
        time: exact time of song tick `tick` (seconds on the clock the source runs on).
        tick: where the first segment starts (usually 0, the song's first downbeat).
    """

    def __init__(self, bpm: Number | str, time: Number = 0, tick: Number = 0) -> None:
        self.segments: list[Segment] = [
            Segment(Fraction(tick), Fraction(time), seconds_per_tick(bpm))
        ]

    @property
    def current(self) -> Segment:
        return self.segments[-1]

    def set_tempo(self, bpm: Number | str, at_tick: Number) -> Segment:
        """Change tempo from song tick `at_tick` on (not before the current segment's start)."""
        at = Fraction(at_tick)
        if at < self.current.tick:
            raise ValueError(
                f"tempo change at tick {at} precedes the segment at {self.current.tick}"
            )
        segment = Segment(at, self.time_of_tick(at), seconds_per_tick(bpm))
        if at == self.current.tick:
            self.segments[-1] = segment
        else:
            self.segments.append(segment)
        return segment

    def segment_for_tick(self, tick: Number) -> Segment:
        tick = Fraction(tick)
        for segment in reversed(self.segments):
            if tick >= segment.tick:
                return segment
        return self.segments[0]  # before the map: extrapolate the first tempo backwards

    def segment_for_time(self, time: Number) -> Segment:
        time = Fraction(time)
        for segment in reversed(self.segments):
            if time >= segment.time:
                return segment
        return self.segments[0]

    def time_of_tick(self, tick: Number) -> Fraction:
        segment = self.segment_for_tick(tick)
        return segment.time + (Fraction(tick) - segment.tick) * segment.seconds_per_tick

    def tick_at(self, time: Number) -> Fraction:
        segment = self.segment_for_time(time)
        return segment.tick + (Fraction(time) - segment.time) / segment.seconds_per_tick


@dataclass(frozen=True)
class BarPlan:
    """What the scheduler renders next: bar `bar`, starting at output sample `start`, `length`
    samples long (so the following bar starts exactly where the clock says it does)."""

    bar: int
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


class BarGrid:
    """Bar starts and lengths in output samples, for any clock that can time its ticks.

    Args:
        time_of_tick: the clock's prediction of when a song tick happens (exact seconds), or
            None when it cannot say (stopped, not locked yet). `ClockSource.time_of_tick`.
        sample_rate: output sample rate (Hz).
        time_of_sample0: when output sample 0 plays, on the same clock as `time_of_tick`.
        ticks_per_bar: 96 for 4/4 at 24 PPQN.
    """

    def __init__(
        self,
        time_of_tick: Callable[[int], Fraction | None],
        sample_rate: int,
        time_of_sample0: Number = 0,
        ticks_per_bar: int = TICKS_PER_BAR,
    ) -> None:
        if sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {sample_rate}")
        self._time_of_tick = time_of_tick
        self.sample_rate = sample_rate
        self.time_of_sample0 = Fraction(time_of_sample0)
        self.ticks_per_bar = ticks_per_bar

    def exact_sample(self, time: Number) -> Fraction:
        """The (fractional) output sample that plays at `time`."""
        return (Fraction(time) - self.time_of_sample0) * self.sample_rate

    def time_of_sample(self, sample: Number) -> Fraction:
        return self.time_of_sample0 + Fraction(sample) / self.sample_rate

    def tick_sample(self, tick: int) -> int | None:
        """Output sample of song tick `tick`, rounded once from its exact position."""
        time = self._time_of_tick(tick)
        return None if time is None else round_half_up(self.exact_sample(time))

    def bar_start(self, bar: int) -> int | None:
        """Output sample of bar `bar`'s downbeat (bar 0 starts at song tick 0)."""
        return self.tick_sample(bar * self.ticks_per_bar)

    def bar_length(self, bar: int) -> int | None:
        """Samples from bar `bar`'s downbeat to the next one."""
        start, end = self.bar_start(bar), self.bar_start(bar + 1)
        return None if start is None or end is None else end - start

    def plan(self, bar: int, committed_start: int | None = None) -> BarPlan | None:
        """The next bar to render.

        A following clock's predictions move a little as it learns, so the scheduler commits
        each bar's start once (when it rendered the bar before) and passes it back here: the
        length then runs from that committed start to where the clock now puts the next
        downbeat. Any prediction error is absorbed by one bar's length and never accumulates.
        """
        start = self.bar_start(bar) if committed_start is None else committed_start
        end = self.bar_start(bar + 1)
        if start is None or end is None:
            return None
        return BarPlan(bar, start, max(end - start, 0))
