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

    def advance(self, dt: float) -> None:
        self.t += dt


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
        while self.next_time() <= self.vt.t:
            t = self.next_time()
            info = SimpleNamespace(currentTime=t, outputBufferDacTime=t + self.latency)
            self.callback(self._out, self.block, info, self._status)
            if self.keep:
                self.blocks.append(self._out.copy())
            self.frame += self.block

    def output(self) -> np.ndarray:
        """Everything played so far, [frames, channels]."""
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, 2), np.float32)


def run_daemon(daemon, vt: VirtualTime, audio: VirtualAudio, t_end: float) -> None:
    """Step the daemon's two threads and the callback in time order until `t_end`."""
    next_control = vt.t
    while vt.t < t_end:
        audio.catch_up()
        until = daemon.step_producer(vt.t)
        if vt.t >= next_control:
            next_control = daemon.step_control(vt.t)
        audio.catch_up()
        # the earliest thing due; always forward (a step that asks to run again at once waits 10 µs)
        vt.t = max(min(until, audio.next_time(), next_control, t_end), vt.t + 1e-5)
