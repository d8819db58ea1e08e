"""The real daemon on virtual time: a `now()` that moves only when told to, and the audio
callback called as PortAudio would call it (block by block, with its stream times), so what is
tested is the daemon's own wiring: `Daemon.step_producer`, `Daemon.step_control`, its
`OutputEngine.callback`, time base, scheduler, producer and player. Only the sound card is fake:
none exists here.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import numpy as np


class VirtualTime:
    """A `now()` that only moves when told to."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> float:
        self.t += dt
        return self.t


class VirtualAudio:
    """Calls `callback(out, frames, time_info, status)` for every block whose time has come:
    block k is requested at t0 + k·block/rate and heard `latency` later."""

    def __init__(self, callback: Callable, vt: VirtualTime, rate: int, block: int = 256,
                 latency: float = 256 / 48_000, channels: int = 2, keep: bool = True) -> None:  # fmt: skip
        self.callback, self.vt, self.rate, self.block = callback, vt, rate, block
        self.latency, self.keep = latency, keep
        self.t0 = vt.t
        self.frame = 0
        self.blocks: list[np.ndarray] = []
        self._out = np.zeros((block, channels), np.float32)
        self._status = SimpleNamespace(output_underflow=False)

    def next_time(self) -> float:
        return self.t0 + self.frame / self.rate

    def catch_up(self) -> None:
        """Run every callback whose time has come, each at its own time (the real one runs on
        its thread while the others work: it is never late because they were busy)."""
        now = self.vt.t
        while self.next_time() <= now:
            t = self.next_time()
            info = SimpleNamespace(currentTime=t, outputBufferDacTime=t + self.latency)
            self.vt.t = t
            try:
                self.callback(self._out, self.block, info, self._status)
            finally:
                self.vt.t = now
            if self.keep:
                self.blocks.append(self._out.copy())
            self.frame += self.block

    def output(self) -> np.ndarray:
        """Everything played so far, [frames, channels]."""
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, 2), np.float32)


def run_daemon(
    daemon,
    vt: VirtualTime,
    audio: VirtualAudio,
    t_end: float,
    hook: Callable[[], None] | None = None,
) -> None:
    """Step the daemon's two threads and the callback in time order until `t_end`; `hook` runs
    after each producer step (a test changing the world between bars)."""
    next_producer = next_control = vt.t
    while vt.t < t_end:
        audio.catch_up()
        if vt.t >= next_producer:  # each thread steps when it asked to (or is woken)
            next_producer = daemon.step_producer(vt.t)
            if hook is not None:
                hook()
        if vt.t >= next_control:
            epoch = daemon.controller.transport_epoch
            next_control = daemon.step_control(vt.t)
            if daemon.controller.transport_epoch != epoch:
                next_producer = vt.t  # the control thread wakes the producer on a transport change
        audio.catch_up()
        # the earliest step due (the callbacks in between run at their own times in `catch_up`);
        # always forward: a step that asks to run again at once waits 10 µs
        vt.t = max(min(next_producer, next_control, t_end), vt.t + 1e-5)
