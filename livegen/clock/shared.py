"""`SharedClock`: one lock around the daemon's current clock source, and switching sources.

The producer, control and status threads all query the clock (the audio callback never does);
`/livegen/clock` swaps the source underneath them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from livegen.clock.events import ClockEvent
from livegen.clock.sources import ClockState, TransportSource
from livegen.clock.timeline import Number


class SharedClock:
    """A `TransportSource` that delegates, under a lock, to the current source."""

    def __init__(self, source: TransportSource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self.name = source.name

    @property
    def source(self) -> TransportSource:
        return self._source

    def state(self, t: float | None = None) -> ClockState:
        with self._lock:
            return self._source.state(t)

    def time_of_tick(self, tick: int | Fraction) -> Fraction | None:
        with self._lock:
            return self._source.time_of_tick(tick)

    def poll(self, t: float | None = None) -> list[ClockEvent]:
        with self._lock:
            return self._source.poll(t)

    # --- `Transport`: the current source's verbs, under the lock ------------------------------

    def refusal(self, verb: str) -> str:
        """Why the current source does not obey transport verb `verb` ("" when it does)."""
        with self._lock:
            return self._source.refusal(verb)

    def start(self, t: float | None = None) -> None:
        self.run(lambda source: source.start(t))

    def resume(self, t: float | None = None) -> None:
        self.run(lambda source: source.resume(t))

    def stop(self, t: float | None = None) -> None:
        self.run(lambda source: source.stop(t))

    def locate(self, tick: int, t: float | None = None) -> None:
        self.run(lambda source: source.locate(tick, t))

    def set_bpm(self, bpm: Number | str, t: float | None = None) -> None:
        self.run(lambda source: source.set_bpm(bpm, t))

    def run(self, action: Callable[[TransportSource], Any]) -> Any:
        """Call `action(source)` under the lock (transport and tempo changes)."""
        with self._lock:
            return action(self._source)

    def switch(self, source: TransportSource) -> TransportSource:
        with self._lock:
            old, self._source = self._source, source
            self.name = source.name
        return old

    def close(self) -> None:
        with self._lock:
            self._source.close()
