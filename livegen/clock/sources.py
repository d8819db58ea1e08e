"""The clock-source interface the daemon programs against, and the internal (standalone) clock.

Every source answers the same questions, on the time of an injected `now()` (seconds;
`time.monotonic` live, a virtual clock in tests):

- `state()`: a `ClockState` snapshot (playing, song position, bar.beat, BPM and confidence…);
- `time_of_tick(tick)`: when song tick `tick` plays, as exact seconds (None when unknown), which
  `timeline.BarGrid` turns into integer output samples for the scheduler and the audio;
- `poll()`: what happened since the last poll (`Beat`, `TransportChanged`, `ClockLost`,
  `ClockRegained`), for OSC `/livegen/beat` replies and the status line.

And every source takes the same transport verbs (`Transport`): `start`, `resume`, `stop`,
`locate`, `set_bpm`, with `refusal(verb)` saying why it does not obey one (a MIDI clock's
transport is the DAW's). So the daemon drives any clock without knowing which it is.

Sources: `InternalClock` (here), `MidiClock` (midi_clock.py, wrapped for a real port by
midi_io.py), `LinkClock` (link.py: an Ableton Link session through aalink).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol, runtime_checkable

from livegen.clock.events import (
    BEATS_PER_BAR,
    PPQN,
    TICKS_PER_BAR,
    Beat,
    ClockEvent,
    TransportChanged,
)
from livegen.clock.timeline import Number, TempoMap, exact_bpm

Now = Callable[[], float]

# A poller that was away for longer than this many beats gets only the most recent ones:
# a beat reply from ten seconds ago helps nobody.
MAX_BEATS_PER_POLL = 8


@dataclass(frozen=True)
class ClockState:
    """A snapshot of a clock source at time `t`.

    Args:
        t: when the snapshot was taken (s, on the source's `now()` clock).
        source: "internal", "midi", …
        playing: the transport is rolling.
        song_tick: position in MIDI clock ticks (24 per quarter) from the song's first downbeat;
            continuous while playing, where it will resume while stopped.
        bpm: the tempo (estimated for MIDI), None until known.
        bpm_stderr: one standard error of `bpm` (0 for the internal clock), None until known.
        confidence: 0 (no idea) to 1 (locked; exact for the internal clock).
        receiving: clock ticks are arriving (always True for the internal clock).
        free_running: playing on the last tempo because the clock stopped arriving.
    """

    t: float
    source: str
    playing: bool
    song_tick: float
    bpm: float | None
    bpm_stderr: float | None
    confidence: float
    receiving: bool
    free_running: bool

    @property
    def bar(self) -> int:
        """0-based bar of 4/4."""
        return math.floor(self.song_tick) // TICKS_PER_BAR

    @property
    def beat(self) -> int:
        """0-based beat within the bar."""
        return (math.floor(self.song_tick) % TICKS_PER_BAR) // PPQN

    @property
    def bar_beat(self) -> str:
        """Position as a DAW shows it: "1.1" is the first downbeat."""
        return f"{self.bar + 1}.{self.beat + 1}"


VERBS = ("start", "stop", "locate", "bpm")  # what `Transport.refusal` is asked about


@runtime_checkable
class Transport(Protocol):
    """The transport verbs every clock source answers, the same for all of them.

    A verb the source refuses (`refusal(verb)` is not "") changes nothing if called anyway.
    `resume` and `locate` are both the "locate" verb (they move the song position).
    """

    def refusal(self, verb: str) -> str:
        """Why this source does not obey `verb` (one of `VERBS`); "" when it does."""
        ...

    def start(self, t: float | None = None) -> None:
        """Play from the top: song tick 0 (the first downbeat) at `t` (default: now)."""
        ...

    def resume(self, t: float | None = None) -> None:
        """Play on from where the song stopped, at `t`."""
        ...

    def stop(self, t: float | None = None) -> None:
        """Stop at `t`, keeping the position."""
        ...

    def locate(self, tick: int, t: float | None = None) -> None:
        """Move to song tick `tick` (playing on from there if playing)."""
        ...

    def set_bpm(self, bpm: Number | str, t: float | None = None) -> None:
        """Change the tempo from `t` on."""
        ...


class FollowedTransport:
    """The transport verbs of a source that follows someone else's transport (a DAW's MIDI
    clock): play/stop and locating are refused and do nothing. A tempo is not refused (as
    before the verbs were one): the clock keeps the sender's tempo, the session keeps it as the
    tempo to use while the clock knows none."""

    follows = "the transport follows the MIDI clock: use the DAW's play/stop"

    def refusal(self, verb: str) -> str:
        return "" if verb == "bpm" else self.follows

    def start(self, t: float | None = None) -> None:
        pass

    def resume(self, t: float | None = None) -> None:
        pass

    def stop(self, t: float | None = None) -> None:
        pass

    def locate(self, tick: int, t: float | None = None) -> None:
        pass

    def set_bpm(self, bpm: Number | str, t: float | None = None) -> None:
        pass


@runtime_checkable
class ClockSource(Protocol):
    """What the scheduler, the audio side and OSC need from any clock."""

    name: str

    def state(self, t: float | None = None) -> ClockState:
        """Snapshot at `t` (default: now)."""
        ...

    def time_of_tick(self, tick: int | Fraction) -> Fraction | None:
        """When song tick `tick` plays (exact seconds on `now()`'s clock); None if unknown."""
        ...

    def poll(self, t: float | None = None) -> list[ClockEvent]:
        """Events since the last poll, oldest first."""
        ...

    def close(self) -> None:
        """Release ports; a closed source keeps answering from what it last knew."""
        ...


@runtime_checkable
class TransportSource(ClockSource, Transport, Protocol):
    """A clock source the daemon can follow and drive: every source `make_clock` builds."""


def due_beats(
    first_beat: int, position: Fraction | float, time_of_tick: Callable[[int], Fraction | None]
) -> tuple[list[Beat], int]:
    """Beats from song beat `first_beat` up to `position` (ticks), and the next beat to report.

    Used by sources whose beats come from time rather than from ticks (internal, free-running).
    """
    last = math.floor(position) // PPQN
    if last < first_beat:
        return [], first_beat
    first = max(first_beat, last - MAX_BEATS_PER_POLL + 1)
    beats = []
    for beat in range(first, last + 1):
        time = time_of_tick(beat * PPQN)
        if time is not None:
            beats.append(Beat(float(time), beat // BEATS_PER_BAR, beat % BEATS_PER_BAR))
    return beats, last + 1


class InternalClock:
    """A standalone clock at a set tempo, counted exactly (`--clock internal --bpm 124`).

    Args:
        bpm: tempo; decimal values are kept exact ("123.45" is 2469/20 BPM).
        now: time function (s).
        playing: start rolling at construction.
    """

    name = "internal"

    def __init__(self, bpm: Number | str, now: Now, *, playing: bool = True) -> None:
        self._now = now
        self._bpm = exact_bpm(bpm)
        self._map: TempoMap | None = None  # set while playing
        self._position = Fraction(0)  # where a stopped clock resumes
        self._next_beat = 0
        self._events: list[ClockEvent] = []
        if playing:
            self.start()

    @property
    def bpm(self) -> Fraction:
        return self._bpm

    @property
    def playing(self) -> bool:
        return self._map is not None

    @property
    def tempo_map(self) -> TempoMap | None:
        """The exact tempo segments since the last start (None while stopped)."""
        return self._map

    # --- transport (`Transport`: every verb obeyed) -------------------------------------------

    def refusal(self, verb: str) -> str:
        return ""

    def start(self, t: float | None = None) -> None:
        """Play from the top: song tick 0 (the first downbeat) is now."""
        self._play(Fraction(0), self._t(t))

    def resume(self, t: float | None = None) -> None:
        """Play on from where the clock stopped (MIDI Continue)."""
        if self._map is None:
            self._play(self._position, self._t(t))

    def stop(self, t: float | None = None) -> None:
        t = self._t(t)
        if self._map is None:
            return
        self._position = self._map.tick_at(Fraction(t))
        self._map = None
        self._events.append(TransportChanged(t, False, math.floor(self._position)))

    def locate(self, tick: int, t: float | None = None) -> None:
        """Move to song tick `tick` (playing on from there if playing)."""
        if self._map is None:
            self._position = Fraction(tick)
            self._next_beat = -(-tick // PPQN)
        else:
            self._play(Fraction(tick), self._t(t))

    def set_bpm(self, bpm: Number | str, t: float | None = None) -> None:
        """Change tempo from the next whole tick on (exactly re-anchored: no drift)."""
        self._bpm = exact_bpm(bpm)
        if self._map is not None:
            at = math.floor(self._map.tick_at(Fraction(self._t(t)))) + 1
            self._map.set_tempo(self._bpm, max(Fraction(at), self._map.current.tick))

    # --- ClockSource ------------------------------------------------------------------------

    def time_of_tick(self, tick: int | Fraction) -> Fraction | None:
        return None if self._map is None else self._map.time_of_tick(tick)

    def state(self, t: float | None = None) -> ClockState:
        t = self._t(t)
        position = self._position if self._map is None else self._map.tick_at(Fraction(t))
        return ClockState(
            t=t,
            source=self.name,
            playing=self._map is not None,
            song_tick=float(position),
            bpm=float(self._bpm),
            bpm_stderr=0.0,
            confidence=1.0,
            receiving=True,
            free_running=False,
        )

    def poll(self, t: float | None = None) -> list[ClockEvent]:
        t = self._t(t)
        events, self._events = self._events, []
        if self._map is not None:
            beats, self._next_beat = due_beats(
                self._next_beat, self._map.tick_at(Fraction(t)), self.time_of_tick
            )
            events.extend(beats)
        return events

    def close(self) -> None:
        pass

    # --- internals --------------------------------------------------------------------------

    def _t(self, t: float | None) -> float:
        return self._now() if t is None else t

    def _play(self, tick: Fraction, t: float) -> None:
        self._map = TempoMap(self._bpm, time=Fraction(t), tick=tick)
        self._next_beat = -(-math.ceil(tick) // PPQN)  # first whole beat at or after `tick`
        self._events.append(TransportChanged(t, True, math.floor(tick)))
