"""`/livegen/clock`: switching clock sources under a playing daemon, in phase where possible.

- To the internal clock: it carries on from the next whole tick, exactly where the old clock puts
  it, at the old clock's tempo (a DAW's 126 must not become the session's 124 mid-song), so the
  bars already planned stay planned.
- To a MIDI clock that is not playing (no DAW sends clock, or the DAW is stopped) while the music
  plays: the daemon does not fall silent. As Ableton does, it keeps playing on the clock it has
  (free-running on the last tempo and phase), says so (`/livegen/notice`, status
  `clock midi (waiting)`), and locks to the DAW's clock when that starts, at the DAW's position.
  A switch back to the internal clock while waiting changes nothing: no restart at bar 0.
  (Before: silence at once, gaps of 4.5-6.3 s, no reply, and status `playing 1 bpm 0.0`.)
"""

from __future__ import annotations

import math
from typing import Any

from livegen.clock.events import TICKS_PER_BAR
from livegen.clock.shared import SharedClock
from livegen.clock.sources import ClockState, TransportSource

IN_PHASE = 0.001  # s: two clocks whose next two downbeats agree this well are in phase
WAITING = "midi (waiting)"


class ClockSwitch:
    """The clock desk's switching (`server.clockdesk.ClockDesk` owns one).

    Args:
        desk: the `ClockDesk` whose clock, `make_clock`, announcements and transport epoch this
            changes.
    """

    def __init__(self, desk: Any) -> None:
        self.c = desk
        self.waiting = False  # asked for MIDI, free-running on the old clock until it plays

    def switch(self, name: str) -> str:
        """Switch to clock `name`; why not ("" when done, or waiting for the MIDI clock)."""
        c = self.c
        if name == c.clock.name:
            if self.waiting:
                self.waiting = False
                c.announce(f"clock {name}: carrying on (no longer waiting for MIDI clock)")
            return ""
        if c.make_clock is None:
            return "switching clocks is not available"
        try:
            new = c.make_clock(name)
        except (OSError, ValueError) as exc:
            return str(exc)
        now = c.now()
        if name == "midi" and c.clock.state(now).playing and not _rolling(new.state(now)):
            self._retire(new)  # parked again: it keeps listening for the DAW
            self.waiting = True
            bpm = c.clock.state(now).bpm or 0.0
            c.announce(
                f"clock midi (waiting): no MIDI clock is playing; free-running at {bpm:.2f} BPM "
                "until the DAW's clock starts"
            )
            return ""
        self.waiting = False
        self._switch_to(new, now)
        return ""

    def step(self, now: float) -> None:
        """While waiting: lock to the MIDI clock once it plays (the control thread, each step)."""
        if not self.waiting:
            return
        parked = getattr(self.c.make_clock, "parked", None)
        if parked is None or not _rolling(parked.state(now)):
            return
        self.waiting = False
        self._switch_to(self.c.make_clock("midi"), now)
        self.c.announce("clock midi: locked to the DAW's clock")

    def _switch_to(self, new: TransportSource, now: float) -> None:
        c = self.c
        state = c.clock.state(now)
        # A stopped source that can be placed (the internal clock) carries on from the old one;
        # a MIDI or Link clock has its own song position.
        if new.refusal("locate") == "" and not new.state(now).playing:
            if state.playing:
                tick = math.ceil(state.song_tick)
                when = c.clock.time_of_tick(tick)
                if state.bpm:
                    new.set_bpm(state.bpm)
                new.locate(tick)
                new.resume(float(when) if when is not None else now + c.start_lead)
            else:
                new.start(now + c.start_lead)
        downbeats = _next_downbeats(c.clock, state)
        self._retire(c.clock.switch(new))
        # A clock in phase with the old one (the internal clock carrying on, a parked MIDI input
        # the internal clock carried on from) keeps the bars planned; a re-plan would make the
        # bar due within the budget late.
        if not _in_phase(downbeats, _next_downbeats(c.clock, c.clock.state(now))):
            c.transport_epoch += 1
        c.changed(new)

    def _retire(self, old: TransportSource) -> None:
        retire = getattr(self.c.make_clock, "retire", None)  # `Clocks` parks a MIDI input
        if retire is not None:
            retire(old)
        else:
            old.close()


def _rolling(state: ClockState) -> bool:
    return bool(state.playing and state.bpm)


def _next_downbeats(clock: SharedClock, state: ClockState) -> list[tuple[int, float | None]]:
    """The next two bars and when the clock puts their downbeats (none: not playing)."""
    if not state.playing:
        return []
    bar = math.floor(state.song_tick / TICKS_PER_BAR) + 1
    times = ((k, clock.time_of_tick(k * TICKS_PER_BAR)) for k in (bar, bar + 1))
    return [(k, None if t is None else float(t)) for k, t in times]


def _in_phase(a: list[tuple[int, float | None]], b: list[tuple[int, float | None]]) -> bool:
    """The same bars at the same times (the bars planned are numbered by the clock)."""
    return len(a) == len(b) == 2 and all(
        i == j and x is not None and y is not None and abs(x - y) <= IN_PHASE
        for (i, x), (j, y) in zip(a, b, strict=True)
    )
