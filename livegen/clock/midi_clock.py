"""Following a MIDI clock: transport + tempo estimator + free-run on clock loss. Pure logic.

`MidiClock.feed()` takes timestamped events (from midi_io.py live, from a list in tests); the
`ClockSource` queries run on the injected `now()`. Two counters meet here:

- the *stream index* numbers every tick received, playing or not, and is what the tempo
  estimator fits against time (a device that clocks while stopped is locked before Start);
- the *song tick* is where the transport says the song is; while playing it is the stream index
  plus an offset fixed at each played tick, so a song tick's time is the estimator's line at
  the matching stream index.

When ticks stop arriving while playing (a cable pulled, a DAW busy), the source says so once
(`ClockLost`) and free-runs on the line at the last tempo: position, beats and predicted bar
starts carry on. When ticks return, the ticks that went by are counted from the line, the
estimator re-anchors its phase keeping the tempo, and the song position carries on from there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from livegen.clock.estimate import EstimatorConfig, Verdict
from livegen.clock.events import (
    BEATS_PER_BAR,
    PPQN,
    Beat,
    ClockEvent,
    ClockLost,
    ClockRegained,
    MidiClockEvent,
    Tick,
    TransportChanged,
)
from livegen.clock.sources import ClockState, FollowedTransport, Now, due_beats
from livegen.clock.tempo import TempoEstimator
from livegen.clock.transport import Moved, Played, Transport


@dataclass(frozen=True)
class MidiClockConfig:
    """Tuning of `MidiClock`.

    Args:
        latency: seconds the clock arrives late (subtracted from every timestamp), for a path
            whose delay you measured; 0 aligns the beat with arrival.
        loss_ticks: the clock counts as lost after this many tick periods without a tick…
        loss_min: …and never sooner than this (s): bursty delivery can hold ticks back a while.
        free_run_halflife: while free-running, confidence halves every this many seconds.
        estimator: tempo estimator tuning.
    """

    latency: float = 0.0
    loss_ticks: float = 8.0
    loss_min: float = 0.25
    free_run_halflife: float = 2.0
    estimator: EstimatorConfig = field(default_factory=EstimatorConfig)


class MidiClock(FollowedTransport):
    """A `ClockSource` following MIDI clock events fed to it (its transport is the sender's).

    Args:
        now: time function (s), the clock the events' timestamps are on.
        config: tuning.
    """

    name = "midi"

    def __init__(self, now: Now, config: MidiClockConfig | None = None) -> None:
        self._now = now
        self.config = config or MidiClockConfig()
        self.estimator = TempoEstimator(self.config.estimator)
        self.transport = Transport()
        self._index = -1  # stream index of the last tick
        self._last_tick_t: float | None = None
        self._offset: int | None = None  # song tick = stream index + offset (while playing)
        self._reanchor = False  # the next tick starts a new phase (after Start/Continue/SPP)
        self._start_t: float | None = None  # when the transport last started, before a tick
        self._lost = False
        self._next_beat = 0  # next song beat a free-running clock reports
        self._events: list[ClockEvent] = []
        self.ticks = 0

    # --- input ------------------------------------------------------------------------------

    def feed(self, event: MidiClockEvent) -> None:
        """Apply one timestamped MIDI clock event (in arrival order)."""
        t = float(event.t) - self.config.latency
        if isinstance(event, Tick):
            self._tick(t)
            return
        moved = self.transport.feed(event)
        if not isinstance(moved, Moved):
            return
        self._offset = None  # fixed again by the next played tick
        if moved.playing:
            # DAWs restart their clock phase on Start/Continue, and a relocate may shift it:
            # re-anchor the line at the next tick, keeping the tempo.
            self._reanchor = True
            self._start_t = t
            self._next_beat = -(-moved.next_tick // PPQN)
        else:
            self._start_t = None
        self._lost = False
        self._events.append(TransportChanged(t, moved.playing, moved.next_tick))

    def _tick(self, t: float) -> None:
        self.ticks += 1
        period = self.estimator.period
        step = 1
        if self._last_tick_t is not None and period is not None:
            gap = t - self._last_tick_t
            if gap > self._loss_timeout() and not self._reanchor:
                # The clock was away: count the ticks that went by on the line, then re-anchor.
                expected = self.estimator.index_at(t)
                if expected is not None:
                    step = max(1, round(expected - self._index))
                self.estimator.restart(keep_tempo=True)
                if self._lost:
                    self._events.append(ClockRegained(t))
                self._lost = False
        if self._reanchor:
            self.estimator.restart(keep_tempo=True)
            self._reanchor = False
        if self._offset is not None and step > 1:
            # Free-run advanced the song; the transport counts the missed ticks as played.
            self.transport.next_tick += step - 1
        self._index += step
        self._last_tick_t = t
        if self.estimator.add(self._index, t) is Verdict.RENUMBERED:
            # Ticks were lost on the way: count them as played, so the downbeats stay the DAW's.
            k = self.estimator.skip
            self._index += k
            if self.transport.playing:
                self.transport.next_tick += k
        played = self.transport.feed(Tick(t))
        if isinstance(played, Played):
            self._start_t = None
            self._offset = played.song_tick - self._index
            beat = played.song_tick // PPQN
            # (A beat a free-running stretch already reported is not reported twice.)
            if played.song_tick % PPQN == 0 and beat >= self._next_beat:
                fitted = self.estimator.time_of(self._index)
                self._events.append(
                    Beat(
                        t if fitted is None else fitted, beat // BEATS_PER_BAR, beat % BEATS_PER_BAR
                    )
                )
                self._next_beat = beat + 1

    # --- ClockSource ------------------------------------------------------------------------

    def time_of_tick(self, tick: int | Fraction) -> Fraction | None:
        if not self.transport.playing:
            return None
        period = self.estimator.period
        if period is None:
            return None
        if self._offset is None:
            # Started, no tick yet: the first one is due about a period after Start (or on the
            # running clock's next tick, if the device clocks while stopped).
            first = self._first_tick_time(period)
            return Fraction(first) + (Fraction(tick) - self.transport.next_tick) * Fraction(period)
        time = self.estimator.time_of(float(Fraction(tick) - self._offset))
        return None if time is None else Fraction(time)

    def state(self, t: float | None = None) -> ClockState:
        t = float(self._now() if t is None else t)
        estimate = self.estimator.estimate()
        receiving = self._receiving(t)
        free_running = self.transport.playing and not receiving and self._offset is not None
        confidence = 0.0 if estimate is None else estimate.confidence
        if free_running and self._last_tick_t is not None:
            away = t - self._last_tick_t - self._loss_timeout()
            confidence *= 0.5 ** (max(away, 0.0) / self.config.free_run_halflife)
        return ClockState(
            t=t,
            source=self.name,
            playing=self.transport.playing,
            song_tick=self._song_position(t, free_running),
            bpm=None if estimate is None else estimate.bpm,
            bpm_stderr=None if estimate is None else estimate.bpm_stderr,
            confidence=confidence,
            receiving=receiving,
            free_running=free_running,
        )

    def poll(self, t: float | None = None) -> list[ClockEvent]:
        t = float(self._now() if t is None else t)
        if (
            self.transport.playing
            and not self._lost
            and self._offset is not None
            and not self._receiving(t)
            and self._last_tick_t is not None
        ):
            self._lost = True
            self._events.append(ClockLost(self._last_tick_t + self._loss_timeout()))
        events, self._events = self._events, []
        if self._lost and self.transport.playing:
            beats, self._next_beat = due_beats(
                self._next_beat, self._song_position(t, True), self.time_of_tick
            )
            events.extend(beats)
        return events

    def close(self) -> None:
        pass

    # --- internals --------------------------------------------------------------------------

    def _loss_timeout(self) -> float:
        period = self.estimator.period
        by_ticks = 0.0 if period is None else self.config.loss_ticks * period
        return max(self.config.loss_min, by_ticks)

    def _receiving(self, t: float) -> bool:
        return self._last_tick_t is not None and bool(t - self._last_tick_t <= self._loss_timeout())

    def _first_tick_time(self, period: float) -> float:
        start = self._start_t if self._start_t is not None else self._now()
        if self._last_tick_t is not None and self._receiving(start):
            following = self.estimator.time_of(self._index + 1)
            if following is not None:
                # A clock running through the stop: its next tick after Start is the downbeat.
                return following + period * max(0, math.ceil((start - following) / period))
        return start + period

    def _song_position(self, t: float, free_running: bool) -> float:
        if not self.transport.playing or self._offset is None:
            return float(self.transport.next_tick)
        last = self.transport.last_played
        at = self.estimator.index_at(t)
        if last is None or at is None:
            return float(self.transport.next_tick)
        position = at + self._offset
        if free_running:
            return max(position, float(last))
        # Between ticks, interpolate on the line, but never past the tick that has not come.
        return min(max(position, float(last)), last + 1.0 - 1e-9)
