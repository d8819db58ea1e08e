"""Clock events as frozen dataclasses, and the parser that turns raw MIDI bytes into them.

Two families live here:

- what comes *in* from a MIDI port (`Tick`, `Start`, `Continue`, `Stop`, `SongPosition`), each
  stamped with its arrival time `t` in seconds on the injected clock (usually `time.monotonic`);
- what a clock source reports *out* to the scheduler, the audio side and OSC replies (`Beat`,
  `TransportChanged`, `ClockLost`, `ClockRegained`).

The core never sees rtmidi tuples: the I/O shell calls `parse_message` at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from livegen.units import BEATS_PER_BAR, PPQN

# The grid every livegen bar lives on: MIDI clock runs at 24 pulses per quarter note and livegen
# plays bars of 4/4, so a bar is 96 ticks and a Song Position Pointer unit (a 16th) is 6 ticks.
TICKS_PER_BAR = PPQN * BEATS_PER_BAR
TICKS_PER_SIXTEENTH = PPQN // 4

# MIDI status bytes we act on.
CLOCK = 0xF8
START = 0xFA
CONTINUE = 0xFB
STOP = 0xFC
SONG_POSITION = 0xF2


# --- incoming: what a MIDI port delivers ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tick:
    """One MIDI clock pulse (0xF8), 1/24 of a quarter note."""

    t: float


@dataclass(frozen=True, slots=True)
class Start:
    """Start (0xFA): play from the top; the first Tick after it is song tick 0, the downbeat."""

    t: float


@dataclass(frozen=True, slots=True)
class Continue:
    """Continue (0xFB): play on from the current song position (set by Stop or SongPosition)."""

    t: float


@dataclass(frozen=True, slots=True)
class Stop:
    """Stop (0xFC): stop playing and keep the song position."""

    t: float


@dataclass(frozen=True, slots=True)
class SongPosition:
    """Song Position Pointer (0xF2): the next Tick plays at `sixteenths` 16th notes from the top."""

    t: float
    sixteenths: int

    @property
    def ticks(self) -> int:
        return self.sixteenths * TICKS_PER_SIXTEENTH


MidiClockEvent = Tick | Start | Continue | Stop | SongPosition


def parse_message(data: Sequence[int], t: float) -> MidiClockEvent | None:
    """One complete MIDI message (as rtmidi/mido deliver them) → an event, or None if not ours.

    Args:
        data: the message bytes, status first ([0xF8], [0xF2, lsb, msb], ...).
        t: arrival time in seconds on the injected clock.
    """
    if not data:
        return None
    status = data[0]
    if status == CLOCK:
        return Tick(t)
    if status == START:
        return Start(t)
    if status == CONTINUE:
        return Continue(t)
    if status == STOP:
        return Stop(t)
    if status == SONG_POSITION and len(data) >= 3:
        # 14-bit count of 16ths, least significant 7 bits first.
        return SongPosition(t, (data[1] & 0x7F) | ((data[2] & 0x7F) << 7))
    return None


class ByteStreamParser:
    """Parses a raw MIDI byte stream (serial, files, some drivers) into clock events.

    Real-time bytes (0xF8-0xFF) may legally arrive *inside* another message, even between the two
    data bytes of a Song Position Pointer; they are emitted at once and the interrupted message
    carries on. Channel messages and SysEx are skipped.
    """

    def __init__(self) -> None:
        self._status: int | None = None
        self._data: list[int] = []

    def feed(self, chunk: Iterable[int], t: float) -> list[MidiClockEvent]:
        events: list[MidiClockEvent] = []
        for byte in chunk:
            if byte >= 0xF8:
                # Real-time: never changes the running message.
                event = parse_message((byte,), t)
                if event is not None:
                    events.append(event)
            elif byte >= 0x80:
                self._status, self._data = byte, []
            elif self._status == SONG_POSITION:
                self._data.append(byte)
                if len(self._data) == 2:
                    event = parse_message((SONG_POSITION, *self._data), t)
                    if event is not None:
                        events.append(event)
                    self._status, self._data = None, []
        return events


# --- outgoing: what a clock source reports -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Beat:
    """A beat of the song grid was reached (bar and beat are 0-based; beat 0 is the downbeat).

    `t` is the source's best estimate of when the beat happened (a fitted time, not an arrival).
    """

    t: float
    bar: int
    beat: int

    @property
    def downbeat(self) -> bool:
        return self.beat == 0

    @property
    def song_tick(self) -> int:
        return self.bar * TICKS_PER_BAR + self.beat * PPQN


@dataclass(frozen=True, slots=True)
class TransportChanged:
    """The transport started or stopped; `song_tick` is where it (re)starts or was left."""

    t: float
    playing: bool
    song_tick: int


@dataclass(frozen=True, slots=True)
class ClockLost:
    """MIDI clock stopped arriving while playing: the source free-runs at its last tempo."""

    t: float


@dataclass(frozen=True, slots=True)
class ClockRegained:
    """MIDI clock arrives again after a loss and the source re-locks to it."""

    t: float


ClockEvent = Beat | TransportChanged | ClockLost | ClockRegained
