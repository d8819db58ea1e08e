"""The pure half of following an Ableton Link session: `LinkSample`s in, a `ClockSource` out.

No aalink, time injected: `link.LinkClock` samples the session and feeds this follower, which
keeps the session's line exactly (`Fraction`) and maps Link beats to song ticks (link.py's
docstring says how, and why the line re-anchors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from livegen.clock.events import PPQN, ClockEvent, TransportChanged
from livegen.clock.sources import ClockState, Now, due_beats
from livegen.clock.timeline import Number

QUANTUM = 4  # beats per Link quantum: one bar of 4/4


@dataclass(frozen=True)
class LinkSample:
    """What the Link session says at time `t`.

    Args:
        t: when (s, on the follower's `now()` clock).
        beat: the local Link beat at `t` for the quantum (`beat % quantum` is the bar phase).
        bpm: the session tempo.
        peers: how many other peers are in the session.
    """

    t: float
    beat: float
    bpm: float
    peers: int = 0


@dataclass(frozen=True)
class Anchor:
    """The session's line: Link beat `beat` at time `t`, at `bpm`, exactly."""

    t: Fraction
    beat: Fraction
    bpm: Fraction

    def beat_at(self, t: Number) -> Fraction:
        return self.beat + (Fraction(t) - self.t) * self.bpm / 60

    def time_of_beat(self, beat: Number) -> Fraction:
        return self.t + (Fraction(beat) - self.beat) * 60 / self.bpm


def _exact(x: Number) -> Fraction:
    # A user's decimal (an offset of 0.0123 s) stays 123/10000, not the nearest binary float.
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


class LinkFollower:
    """A `ClockSource` following `LinkSample`s fed to it (pure: no aalink, time injected).

    Args:
        now: time function (s), the clock the samples' times are on.
        offset: s livegen's beats sound after the Link timeline's (`--link-offset-ms`).
        quantum: beats per bar; song tick 0 sits on a multiple of it.
        tolerance: s a sample may be off the current line before the line is re-anchored.
        playing: roll as soon as the first sample arrives (no start/stop sync); else wait for
            `start`.
    """

    name = "link"

    def __init__(
        self,
        now: Now,
        offset: Number = 0,
        quantum: int = QUANTUM,
        tolerance: float = 0.0002,
        playing: bool = True,
    ) -> None:
        self._now = now
        self.offset = _exact(offset)
        self.quantum = quantum
        self.tolerance = tolerance
        self.anchor: Anchor | None = None
        self.origin: Fraction | None = None  # Link beat of song tick 0 (None until known)
        self.peers = 0
        self.anchors = 0  # lines anchored so far (tests, diagnostics)
        self._playing = playing
        self._position = Fraction(0)  # where a stopped transport was left
        self._next_beat = 0
        self._events: list[ClockEvent] = []

    @property
    def playing(self) -> bool:
        return self._playing and self.anchor is not None and self.origin is not None

    @property
    def bpm(self) -> float | None:
        return None if self.anchor is None else float(self.anchor.bpm)

    # --- input ------------------------------------------------------------------------------

    def follow(self, sample: LinkSample) -> None:
        """Take one sample of the session (in time order)."""
        self.peers = sample.peers
        anchor = self.anchor
        if anchor is not None and float(anchor.bpm) == sample.bpm:
            ahead = (sample.beat - float(anchor.beat_at(sample.t))) * 60.0 / sample.bpm
            if abs(ahead) <= self.tolerance:
                return
        self.anchor = Anchor(Fraction(sample.t), Fraction(sample.beat), Fraction(sample.bpm))
        self.anchors += 1
        if self.origin is None:
            # Joining while playing: the bar we are in is bar 0.
            self.origin = Fraction(math.floor(sample.beat / self.quantum) * self.quantum)
            self._next_beat = math.ceil(self._song_tick(sample.t) / PPQN)
        elif self.playing:
            position = self._song_tick(sample.t)
            if position < (self._next_beat - 1) * PPQN:
                # The local beat moved back (a peer joined): report the beats again from here.
                self._next_beat = math.ceil(position / PPQN)

    def start(self, origin: Number, t: float | None = None) -> None:
        """The transport starts: song tick 0 is Link beat `origin` (a multiple of the quantum)."""
        self.origin = Fraction(origin)
        self._playing = True
        self._next_beat = 0
        when = self.time_of_tick(0)
        self._events.append(TransportChanged(self._t(t) if when is None else float(when), True, 0))

    def stop(self, t: float | None = None) -> None:
        """The transport stops; the position is kept (a later `start` sets a new origin)."""
        t = self._t(t)
        if not self._playing:
            return
        if self.playing:
            self._position = self._song_tick(t)
        self._playing = False
        self._events.append(TransportChanged(t, False, math.floor(self._position)))

    # --- ClockSource ------------------------------------------------------------------------

    def time_of_tick(self, tick: int | Fraction) -> Fraction | None:
        if not self.playing:
            return None
        assert self.anchor is not None and self.origin is not None
        return self.anchor.time_of_beat(self.origin + Fraction(tick) / PPQN) + self.offset

    def state(self, t: float | None = None) -> ClockState:
        t = self._t(t)
        position = self._song_tick(t) if self.playing else self._position
        known = self.anchor is not None
        return ClockState(
            t=t,
            source=self.name,
            playing=self.playing,
            song_tick=float(position),
            bpm=self.bpm,
            bpm_stderr=0.0 if known else None,
            confidence=1.0 if known else 0.0,  # the session tempo is exact, peers or not
            receiving=known,
            free_running=False,
        )

    def poll(self, t: float | None = None) -> list[ClockEvent]:
        t = self._t(t)
        events, self._events = self._events, []
        if self.playing:
            beats, self._next_beat = due_beats(
                self._next_beat, self._song_tick(t), self.time_of_tick
            )
            events.extend(beats)
        return events

    def close(self) -> None:
        pass

    # --- internals --------------------------------------------------------------------------

    def _t(self, t: float | None) -> float:
        return self._now() if t is None else t

    def _song_tick(self, t: float) -> Fraction:
        assert self.anchor is not None and self.origin is not None
        return (self.anchor.beat_at(Fraction(t) - self.offset) - self.origin) * PPQN
