"""MIDI transport as a pure state machine: Start/Stop/Continue/Song Position + clocks → song ticks.

The rules (MIDI 1.0 real-time messages) and how real senders bend them:

- Start (0xFA): play from the top; the first clock after it is song tick 0, the downbeat. Start
  while playing restarts from the top. Logic sends Start only when playing from bar 1; some
  devices send Start with no Song Position at all, which means the top.
- Continue (0xFB): play from the current position. Logic and Ableton send Song Position then
  Continue when playing from elsewhere; Reaper resumes a pause with Continue. Continue while
  playing is ignored.
- Stop (0xFC): stop and keep the position (the number of clocks played so far). Reaper sends Stop
  then Song Position on pause (the position rounded to a 16th, which is where it will resume).
- Song Position (0xF2): the next clock plays at 16ths × 6 ticks. Senders that relocate while
  playing (Reaper) send it without stopping: the next clock jumps there.
- Clock (0xF8) while stopped moves nothing (some devices clock all the time; the tempo estimator
  uses those ticks, the song position does not).

A clock source that joins a song already playing sees clocks but no Start: it stays stopped until
the next Start or Continue, because it cannot know where in the song it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from livegen.clock.events import Continue, MidiClockEvent, SongPosition, Start, Stop, Tick


@dataclass(frozen=True, slots=True)
class Played:
    """A clock that played: it marks `song_tick` (0 = the song's first downbeat)."""

    song_tick: int


@dataclass(frozen=True, slots=True)
class Moved:
    """The transport changed: now `playing` or not, the next clock plays at `next_tick`.

    `relocated` says the position jumped (Start, or Song Position), so the tick phase may have
    jumped too and a tempo estimator should re-anchor at the next clock.
    """

    playing: bool
    next_tick: int
    relocated: bool


class Transport:
    """Where the song is, from MIDI transport messages and clocks. No time, no I/O."""

    def __init__(self) -> None:
        self.playing = False
        # The song tick the next clock will mark while playing: the position a stopped song
        # resumes from.
        self.next_tick = 0
        self.last_played: int | None = None  # song tick of the last clock that played

    def feed(self, event: MidiClockEvent) -> Played | Moved | None:
        """Apply one event; say what it did (None: nothing the outside needs to know)."""
        if isinstance(event, Tick):
            if not self.playing:
                return None
            tick = self.next_tick
            self.next_tick += 1
            self.last_played = tick
            return Played(tick)
        if isinstance(event, Start):
            self.playing, self.next_tick, self.last_played = True, 0, None
            return Moved(True, 0, relocated=True)
        if isinstance(event, Continue):
            if self.playing:
                return None
            self.playing, self.last_played = True, None
            return Moved(True, self.next_tick, relocated=False)
        if isinstance(event, Stop):
            if not self.playing:
                return None
            self.playing = False
            return Moved(False, self.next_tick, relocated=False)
        if isinstance(event, SongPosition):
            if event.ticks == self.next_tick:
                return None
            self.next_tick = event.ticks
            if self.playing:
                self.last_played = None
            return Moved(self.playing, self.next_tick, relocated=True)
        return None
