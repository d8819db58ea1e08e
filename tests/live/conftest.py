"""Shared helpers for the daemon tests: a virtual-time rig running the real scheduler, producer,
bar grid and bar player, with a bar source whose render takes a chosen amount of virtual time.

The rig models the audio side exactly as the daemon sees it: output frame F is due in the
callback at `t0 + F / rate` and heard `latency` later; the callback renders a block as soon as
its time has come (`catch_up`), before any bar queued later can reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from livegen.clock.sources import InternalClock
from livegen.clock.timeline import BarGrid
from livegen.live.audio.player import BarPlayer
from livegen.live.audio.timebase import ClockTimeline, FrameClock, Line
from livegen.live.pipeline.producer import Producer, Settings
from livegen.live.pipeline.scheduler import Scheduler, SchedulerConfig
from livegen.live.pipeline.source import BarSpec, Rendered
from livegen.units import bar_samples


class VirtualTime:
    """A `now()` that only moves when told to."""

    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


def code(version: int) -> float:
    """The constant sample value a virtual bar made with settings `version` carries."""
    return 0.01 * (version + 1)


class VirtualSource:
    """Renders a constant bar (value `code(version)`) taking `gen(spec)` seconds of virtual time.

    `during(spec)` runs halfway through the render (to change settings mid-generation).
    """

    sample_rate = 24_000

    def __init__(self, vt: VirtualTime, gen: Callable[[BarSpec], float]) -> None:
        self.vt = vt
        self.gen = gen
        self.version_of: Callable[[], int] = lambda: 0
        self.during: Callable[[BarSpec], None] = lambda spec: None
        self.calls: list[BarSpec] = []

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        self.calls.append(spec)
        seconds = self.gen(spec)
        version = self.version_of()
        self.vt.advance(seconds / 2)
        self.during(spec)
        self.vt.advance(seconds / 2)
        audio = np.full(bar_samples(spec.bpm), code(version), np.float32)
        return Rendered(audio, seconds * 1e3)

    def warm_up(self) -> None:
        pass


def fast_fit(audio: np.ndarray, frames: int) -> np.ndarray:
    """A constant bar stays constant: skip the FFT in long virtual runs."""
    return np.full(frames, audio[0], np.float32)


class VirtualRig:
    """Clock, time base, scheduler, producer and player on one virtual clock.

    Args:
        bpm: the internal clock's tempo.
        gen: render time (s) of each bar.
        rate: output sample rate.
        block: callback block size.
        latency: output latency (s).
        start_in: the clock's first downbeat is this long after the rig starts.
        render_audio: keep every output block (for audio assertions; off for long runs).
    """

    def __init__(
        self,
        bpm: str = "124",
        gen: Callable[[BarSpec], float] | float = 0.2,
        rate: int = 48_000,
        block: int = 256,
        latency: float = 0.010667,
        start_in: float = 1.0,
        render_audio: bool = True,
        config: SchedulerConfig | None = None,
        fit: Callable[[np.ndarray, int], np.ndarray] | None = None,
    ) -> None:
        self.vt = VirtualTime()
        self.t0 = self.vt.t
        self.rate, self.block = rate, block
        self.clock = InternalClock(bpm, self.vt, playing=False)
        self.clock.start(self.t0 + start_in)
        self.frames = FrameClock(rate)
        self.frames.line = Line(rate, 0, self.t0, 0.0, latency)
        self.timeline = ClockTimeline(self.clock, self.frames)
        lead = latency + block / rate + 0.002
        self.scheduler = Scheduler(self.timeline, config or SchedulerConfig(lead=lead))
        self.player = BarPlayer(2, fade=192, max_block=block)
        self.settings = Settings(version=0, prompts=(("a", 1.0),))
        gen_fn = gen if callable(gen) else (lambda spec, g=float(gen): g)
        self.source = VirtualSource(self.vt, gen_fn)
        self.source.version_of = lambda: self.settings.version
        self.producer = Producer(
            self.scheduler,
            self.source,
            self._queue,
            lambda: self.settings,
            self.vt,
            join_late=lambda: self.player.playing_bar_start is None,
            **({"fit": fit} if fit is not None else {}),
        )
        self.render_audio = render_audio
        self.blocks: list[np.ndarray] = []
        self.frame = 0  # next frame the virtual callback renders
        self._out = np.zeros((block, 2), np.float32)

    def grid(self) -> BarGrid:
        sample0 = Fraction(self.t0) + Fraction(self.frames.line.latency)  # type: ignore[union-attr]
        return BarGrid(self.clock.time_of_tick, self.rate, sample0)

    def set(self, **changes: object) -> None:
        """Change the settings (a new version), as the control thread does."""
        fields = {**self.settings.__dict__, **changes, "version": self.settings.version + 1}
        self.settings = Settings(**fields)  # type: ignore[arg-type]

    def _queue(self, start: int, audio: np.ndarray) -> None:
        self.catch_up()
        self.player.queue(start, audio)

    def catch_up(self) -> None:
        """Render every block whose callback time has come."""
        while self.t0 + self.frame / self.rate <= self.vt.t:
            self.player.render(self._out, self.frame)
            if self.render_audio:
                self.blocks.append(self._out[:, 0].copy())
            self.frame += self.block

    def run_until(self, t_end: float, hook: Callable[[], None] | None = None) -> None:
        while self.vt.t < t_end:
            until = self.producer.step()
            if hook is not None:
                hook()
            self.catch_up()
            if until > self.vt.t:
                self.vt.t = min(until, t_end)
                self.catch_up()

    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.float32)

    def bar_seconds(self) -> float:
        return 240.0 / float(self.clock.bpm)


@pytest.fixture
def rig_factory() -> type[VirtualRig]:
    return VirtualRig


@pytest.fixture(name="fast_fit")
def fast_fit_fixture() -> Callable[[np.ndarray, int], np.ndarray]:
    return fast_fit
