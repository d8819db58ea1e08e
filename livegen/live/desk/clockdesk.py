"""The clock desk: the daemon's one view of whichever clock it follows, and its transport.

- `/livegen/play`, `/livegen/stop`, `/livegen/bpm` become the clock's transport verbs
  (`clock.sources.Transport`), the same for every source; the source says why it refuses one
  (a MIDI clock's play/stop is the DAW's), and that reason is the OSC error. No `isinstance` on a
  clock class here: a new source only has to answer the verbs.
- `/livegen/clock` switches sources (`switching.ClockSwitch`).
- `view(now)` is what `/livegen/status` and OSCQuery report: read from the clock each time, never
  copied into the session. A clock that knows no tempo (a silent MIDI clock) is reported at the
  last tempo any clock knew, with `bpm_known 0`.
- `transport_epoch` counts transport changes (the producer re-plans when it moves).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from livegen.clock.events import PPQN, TICKS_PER_BAR
from livegen.clock.shared import SharedClock
from livegen.clock.sources import TransportSource
from livegen.control import commands as cmd
from livegen.live.desk.switching import WAITING, ClockSwitch


class ClockDesk:
    """Args:
    clock: the shared clock.
    make_clock: builds a source by name ("midi" | "internal" | "link") for `/livegen/clock`;
        its `retire(source)`, if it has one, takes the source switched away from (else closed).
    now: the clock's time function.
    start_lead: the first downbeat after a `/livegen/play` is this far ahead (s).
    announce: sends news to the subscribers (`Replies.announce`).
    changed: called with the new source after a switch (MIDI control follows the clock's port).
    """

    def __init__(
        self,
        clock: SharedClock,
        make_clock: Callable[[str], TransportSource] | None = None,
        now: Callable[[], float] = time.monotonic,
        start_lead: float = 0.3,
        announce: Callable[[str], None] = lambda text: None,
        changed: Callable[[TransportSource], None] = lambda source: None,
    ) -> None:
        self.clock = clock
        self.make_clock = make_clock
        self.now = now
        self.start_lead = start_lead
        self.announce = announce
        self.changed = changed
        self.transport_epoch = 0
        self.switching = ClockSwitch(self)
        self._last_bpm: float | None = None  # the last tempo a clock knew

    def transport(self, command: cmd.Command) -> str:
        """Play, stop or set the tempo on the clock; why not ("" when done)."""
        verb = {cmd.Play: "start", cmd.Stop: "stop", cmd.SetBpm: "bpm"}[type(command)]
        reason = self.clock.refusal(verb)
        if reason:
            return reason
        now = self.now()
        before = self.clock.state(now).bpm

        def act(source: TransportSource) -> None:
            if isinstance(command, cmd.Play) and not source.state(now).playing:
                source.start(now + self.start_lead)
            elif isinstance(command, cmd.Stop):
                source.stop(now)
            elif isinstance(command, cmd.SetBpm):
                source.set_bpm(command.value, now)

        self.clock.run(act)
        if isinstance(command, cmd.SetBpm) and self.clock.state(now).bpm == before:
            return ""  # the tempo did not change (a MIDI clock keeps the DAW's): no re-plan
        self.transport_epoch += 1
        return ""

    def switch(self, name: str) -> str:
        """`/livegen/clock name`; why not ("" when done or waiting for the MIDI clock)."""
        return self.switching.switch(name)

    def step(self, now: float) -> list[Any]:
        """The clock's events since the last step (after locking to a MIDI clock that started)."""
        self.switching.step(now)
        return self.clock.poll(now)

    def view(self, now: float | None = None) -> dict[str, Any]:
        """The clock's state as `/livegen/status` and OSCQuery report it."""
        state = self.clock.state(self.now() if now is None else now)
        known = bool(state.bpm and math.isfinite(state.bpm))
        if known:
            self._last_bpm = state.bpm
        return {
            "bpm": float(state.bpm if known else self._last_bpm or 0.0),  # type: ignore[arg-type]
            "bpm_known": known,
            "playing": state.playing,
            "clock": WAITING if self.switching.waiting else self.clock.name,
            "bar": state.bar,
            "beat": state.beat,
        }

    def tempo(self) -> float | None:
        """The clock's tempo, None while it knows none."""
        bpm = self.clock.state(self.now()).bpm
        return bpm if bpm and math.isfinite(bpm) else None

    def next_downbeat(self) -> tuple[int, bool]:
        """The song bar of the next downbeat (where a stopped song resumes), and whether the
        transport runs."""
        state = self.clock.state(self.now())
        bars = state.song_tick / TICKS_PER_BAR
        if state.playing:
            return math.floor(bars) + 1, True
        return math.ceil(bars - 1e-9), False

    def next_beat(self, now: float) -> float | None:
        """Just after the clock's next beat (None: not playing), when a beat reply is due."""
        state = self.clock.state(now)
        if not (state.playing and state.bpm):
            return None
        return now + (PPQN - state.song_tick % PPQN) * 60.0 / (PPQN * state.bpm) + 0.0005
