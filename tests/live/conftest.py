"""Shared helpers for the daemon tests: the real `Daemon` on virtual time (`VirtualRig`: its own
producer and control steps, its own output callback driven block by block, tests/support/virtual.py)
with a bar source whose render takes a chosen amount of virtual time.

Output frame F is due in the callback at `t0 + F / rate` and heard `latency` later; the callback
renders every block whose time has come, also while a bar renders, so a bar queued after a render
cannot reach a block already played.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from livegen.clock.sources import InternalClock
from livegen.clock.timeline import BarGrid
from livegen.control.state import Session
from livegen.live.daemon import Daemon
from livegen.live.pipeline.producer import Settings
from livegen.live.pipeline.scheduler import SchedulerConfig
from livegen.live.pipeline.source import BarSpec, Rendered
from livegen.units import bar_samples
from tests.support.virtual import VirtualAudio, VirtualTime, run_daemon


def code(version: int) -> float:
    """The constant sample value a virtual bar made with settings `version` carries."""
    return 0.01 * (version + 1)


class VirtualSource:
    """Renders a constant bar (value `code(version)`) taking `gen(spec)` seconds of virtual time.

    `during(spec)` runs halfway through the render (to change settings mid-generation). With
    `stems` (names), stem i is the constant `code(version) * (i + 1)` and the bar their sum; it
    then takes a key (`keys`), as a stem generator does.
    """

    sample_rate = 24_000
    stems: tuple[str, ...] = ()
    keys = False

    def __init__(self, vt: VirtualTime, gen: Callable[[BarSpec], float]) -> None:
        self.vt = vt
        self.gen = gen
        self.version_of: Callable[[], int] = lambda: 0
        self.during: Callable[[BarSpec], None] = lambda spec: None
        self.after: Callable[[], None] = lambda: None  # the callback catching up
        self.calls: list[BarSpec] = []

    def render(self, spec: BarSpec, previous: Rendered | None) -> Rendered:
        self.calls.append(spec)
        seconds = self.gen(spec)
        version = self.version_of()
        self.vt.advance(seconds / 2)
        self.during(spec)
        self.vt.advance(seconds / 2)
        self.after()
        audio = np.full(bar_samples(spec.bpm), code(version), np.float32)
        if not self.stems:
            return Rendered(audio, seconds * 1e3)
        stems = np.stack([audio * (i + 1) for i in range(len(self.stems))])
        return Rendered(stems.sum(axis=0), seconds * 1e3, stems=stems)

    def warm_up(self) -> None:
        pass


def fast_fit(audio: np.ndarray, frames: int) -> np.ndarray:
    """A constant bar stays constant: skip the FFT in long virtual runs (stems: [n, stems])."""
    return np.repeat(audio[:1], frames, axis=0).astype(np.float32)


class VirtualRig:
    """The real `Daemon` (clock, time base, scheduler, producer, player, controller, output
    callback) on one virtual clock, stepped as its threads step it; only the source is virtual.

    Args:
        bpm: the internal clock's tempo.
        gen: render time (s) of each bar.
        rate: output sample rate.
        block: callback block size.
        latency: output latency (s).
        start_in: the clock's first downbeat is this long after the rig starts.
        render_audio: keep every output block (for audio assertions; off for long runs).
        config: scheduler tuning.
        fit: the producer's fit (`fast_fit` for long runs of constant bars).
        channels: output channels.
        stems: the source's stems (`VirtualSource`; empty: a mono source).
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
        channels: int = 2,
        stems: tuple[str, ...] = (),
    ) -> None:
        self.vt = VirtualTime()
        self.t0 = self.vt.t
        self.rate, self.block, self.latency = rate, block, latency
        self.clock = InternalClock(bpm, self.vt, playing=False)
        self.clock.start(self.t0 + start_in)
        gen_fn = gen if callable(gen) else (lambda spec, g=float(gen): g)
        self.source = VirtualSource(self.vt, gen_fn)
        self.source.stems, self.source.keys = stems, bool(stems)
        self.channels = channels
        self._config = config or SchedulerConfig(lead=latency + block / rate + 0.002)
        self._fit = fit
        self._keep = render_audio
        self.build()

    def build(self, session: Session | None = None, osc=None, midi=None) -> Daemon:
        """(Re)build the daemon, before any time has run: a session, OSC shell or MIDI control."""
        self.daemon = Daemon(
            self.source,
            self.clock,
            session or Session(prompts=(("a", 1.0),)),
            self.rate,
            osc=osc,
            scheduler=self._config,
            now=self.vt,
            midi=midi,
            channels=self.channels,
        )
        if self._fit is not None:
            self.daemon.producer._fit = self._fit
        self.source.version_of = lambda: self.daemon.controller.settings.version
        # The callback runs while a bar renders: blocks due by its end are out before it queues.
        self.source.after = lambda: self.output.catch_up()
        self.output = VirtualAudio(self.daemon.engine.callback, self.vt, self.rate, self.block,
                                   self.latency, self.channels, keep=self._keep)  # fmt: skip
        return self.daemon

    # the daemon's parts, as the tests know them
    scheduler = property(lambda self: self.daemon.scheduler)
    producer = property(lambda self: self.daemon.producer)
    player = property(lambda self: self.daemon.player)
    timeline = property(lambda self: self.daemon.timeline)
    frames = property(lambda self: self.daemon.frames)
    controller = property(lambda self: self.daemon.controller)
    settings = property(lambda self: self.daemon.controller.settings)

    def grid(self) -> BarGrid:
        sample0 = Fraction(self.t0) + Fraction(self.latency)
        return BarGrid(self.clock.time_of_tick, self.rate, sample0)

    def set(self, **changes: object) -> None:
        """Publish new settings (a new version), as the control thread does."""
        old = self.daemon.controller.handler.settings
        fields = {**old.__dict__, **changes, "version": old.version + 1}
        self.daemon.controller.handler.settings = Settings(**fields)  # type: ignore[arg-type]

    def catch_up(self) -> None:
        self.output.catch_up()

    def run_until(self, t_end: float, hook: Callable[[], None] | None = None) -> None:
        """Step the producer, the control thread and the callback in time order."""
        run_daemon(self.daemon, self.vt, self.output, t_end, hook)

    def audio(self) -> np.ndarray:
        return self.output.output()[:, 0]

    def bar_seconds(self) -> float:
        return 240.0 / float(self.clock.bpm)


@pytest.fixture
def rig_factory() -> type[VirtualRig]:
    return VirtualRig


@pytest.fixture(name="fast_fit")
def fast_fit_fixture() -> Callable[[np.ndarray, int], np.ndarray]:
    return fast_fit
