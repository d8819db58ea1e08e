"""The producer: carries out the scheduler's decisions (render → fit → queue), one step at a time.

`Producer.step()` does at most one bar (with its redos) and returns when to call it again; the
daemon's producer thread loops over it, tests drive it on virtual time (the source advances the
virtual clock by its render time). Nothing here touches the audio callback's state except
`BarPlayer.queue`, which is one atomic reference swap.

- `Settings` is the snapshot generation depends on; its `version` changes with any of them. The
  daemon publishes a new one (one reference swap) when a command changes the session or a prompt's
  embedding is ready. A prompt morph is part of it: each bar asks `Settings.at_bar` for its own
  step of the morph, so the morph advances per generated bar without a new version.
- Redo: a bar whose settings changed while it rendered is placed anyway, then rendered again
  and re-queued over it if that still fits (`Scheduler.redo`).
- Hold: the bar before is re-fitted to the new bar's length instead of rendering.
- Pre-roll: while the clock is stopped, one bar is rendered ahead at the last tempo, so that when
  the transport starts the first bar plays at once (joining in phase) instead of a bar later.
- A source that raises loses its bar (the player repeats the one before); `on_error` reports it.
- Stems: a bar that carries stems (`Rendered.stems`) is fitted as one [n, stems] array (each
  stem fitted once, as a mono bar is) and queued with the stems as its layers; the callback mixes
  them (`live.audio.stems`). A mono bar is repeated over the output channels.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from livegen.clock.timeline import BarPlan
from livegen.control.keys import Key
from livegen.control.morph import PromptMorph
from livegen.dsp.resample import fit_bar
from livegen.live.pipeline.scheduler import Job, Scheduler, Wait
from livegen.live.pipeline.source import BarSource, BarSpec, Rendered


@dataclass(frozen=True, eq=False)
class Settings:
    """What the next bar is generated from (a snapshot of the session plus the mixed concept)."""

    version: int = 0
    prompts: tuple[tuple[str, float], ...] = (("minimal techno", 1.0),)
    concept: np.ndarray | None = None
    steps: int = 8
    guidance: float = 3.0
    seed: int = 0
    variation: float = 0.0
    hold: bool = False
    bpm: float = 124.0  # tempo for the pre-roll bar while no clock runs
    morph: PromptMorph | None = None  # `prompts`/`concept` are its target
    morph_concepts: tuple[np.ndarray | None, ...] = ()  # the concept of each step k = 0..bars
    key: Key | None = None  # the key to play in (a stem generator's)
    key_guidance: float | None = None  # the push to that key (None: the model's own)
    key_lock: bool = True  # the bass stem's notes pulled onto the key's scale

    def at_bar(self, bar: int) -> tuple[tuple[tuple[str, float], ...], np.ndarray | None]:
        """The prompts and concept song bar `bar` is generated from (a morph moves per bar)."""
        if self.morph is None:
            return self.prompts, self.concept
        k = self.morph.step(bar)
        concept = self.morph_concepts[k] if k < len(self.morph_concepts) else self.concept
        return self.morph.at_step(k), concept


@dataclass(frozen=True)
class Placed:
    """A bar that went into the player (for the status line, OSC status and tests)."""

    plan: BarPlan
    version: int
    gen_ms: float
    fit_ms: float
    queued_at: float
    started: float
    redo: bool
    held: bool
    deadline: float


@dataclass
class ProducerStats:
    errors: int = 0
    last_error: str = ""
    history: list[Placed] = field(default_factory=list)  # the last `keep` placements
    keep: int = 256

    def add(self, placed: Placed) -> None:
        self.history.append(placed)
        if len(self.history) > self.keep:
            del self.history[: len(self.history) - self.keep]

    @property
    def last(self) -> Placed | None:
        return self.history[-1] if self.history else None


class Producer:
    """Args:
    scheduler: the decisions.
    source: renders bars (24 kHz mono).
    queue: `BarPlayer.queue(start_frame, audio[frames, channels])`.
    settings: returns the current `Settings` snapshot.
    now: the clock's time function (monotonic live, virtual in tests).
    join_late: returns True when nothing is playing (a late first bar joins in phase).
    channels: output channels.
    on_error: called with a message when the source fails.
    fit: fits a 24 kHz bar to an exact output length (`audio.resample.fit_bar`).
    """

    def __init__(
        self,
        scheduler: Scheduler,
        source: BarSource,
        queue: Callable[[int, np.ndarray], None],
        settings: Callable[[], Settings],
        now: Callable[[], float] = time.monotonic,
        join_late: Callable[[], bool] = lambda: False,
        channels: int = 2,
        on_error: Callable[[str], None] = lambda message: None,
        fit: Callable[[np.ndarray, int], np.ndarray] = fit_bar,
    ) -> None:
        self.scheduler = scheduler
        self.source = source
        self._queue = queue
        self._settings = settings
        self._now = now
        self._join_late = join_late
        self.channels = channels
        self._on_error = on_error
        self._fit = fit
        self.previous: Rendered | None = None  # the last bar placed (the generator continues it)
        self._prepared: tuple[int, Rendered] | None = None
        self.stats = ProducerStats()

    def warm_up(self, bars: int = 2) -> float:
        """Warm the source up and render `bars` pre-roll bars to seed the render-time budget.
        Returns the seconds it took."""
        t0 = time.perf_counter()
        self.source.warm_up()
        settings = self._settings()
        rendered = None
        for _ in range(max(1, bars)):
            start = time.perf_counter()
            # As bar 0: a song started from its top plays exactly what `render` writes (seed + bar).
            rendered = self.source.render(self._spec(0, settings.bpm, settings), None)
            self.scheduler.render_times.add(time.perf_counter() - start)
        assert rendered is not None
        self._prepared = (settings.version, rendered)
        fit_start = time.perf_counter()
        self._fit(_layers(rendered), 2 * len(rendered.audio) + 1)  # an odd length: the slow path
        self.scheduler.fit_times.add(time.perf_counter() - fit_start)
        return time.perf_counter() - t0

    def step(self) -> float:
        """Do what is due now; returns the time at which to step again."""
        settings = self._settings()
        action = self.scheduler.next_action(self._now(), settings.version)
        if isinstance(action, Wait):
            if action.reason == "no clock":
                self._pre_roll(settings)
            return action.until
        job = action
        rendered, measured = self._produce(job, settings)
        self.scheduler.finished(job, self._now(), measured)
        if rendered is None:
            return self._now()
        plan = self._place(job, rendered)
        while plan is not None:
            latest = self._settings()
            redo = self.scheduler.redo(job, plan, self._now(), latest.version)
            if redo is None:
                break
            rendered, measured = self._produce(redo, latest)
            self.scheduler.finished(redo, self._now(), measured)
            if rendered is None:
                break
            if self.scheduler.in_time(plan, self._now()):
                self._fit_and_queue(redo, plan, rendered)
            job = redo
        return self._now()

    # --- internals --------------------------------------------------------------------------
    def _spec(self, bar: int, bpm: float, s: Settings) -> BarSpec:
        prompts, concept = s.at_bar(bar)
        return BarSpec(bar, bpm, prompts, concept, s.steps, s.guidance, s.seed, s.variation, s.key,
                       s.key_guidance, s.key_lock)  # fmt: skip

    def _produce(self, job: Job, settings: Settings) -> tuple[Rendered | None, bool]:
        if settings.hold and self.previous is not None:
            return self.previous, False
        if self._prepared is not None and self._prepared[0] == job.version and not job.redo:
            rendered = self._prepared[1]
            self._prepared = None
            return rendered, False
        self._prepared = None
        try:
            spec = self._spec(job.plan.bar, job.bpm, settings)
            return self.source.render(spec, self.previous), True
        except Exception as exc:  # a failing model must not stop the music
            self.stats.errors += 1
            self.stats.last_error = f"bar {job.plan.bar}: {type(exc).__name__}: {exc}"
            self._on_error(self.stats.last_error)
            return None, False

    def _place(self, job: Job, rendered: Rendered) -> BarPlan | None:
        plan = self.scheduler.placement(job, self._now(), join_late=self._join_late())
        if plan is None or plan.length <= 0:
            return None
        fit_s = self._fit_and_queue(job, plan, rendered)
        self.scheduler.committed(plan, fit_s)
        return plan

    def _fit_and_queue(self, job: Job, plan: BarPlan, rendered: Rendered) -> float:
        start = time.perf_counter()
        fitted = self._fit(_layers(rendered), plan.length)
        # A bar with NaN or inf would pass the callback's clip as it is: silence those samples.
        if not np.isfinite(fitted).all():
            fitted = np.nan_to_num(fitted, nan=0.0, posinf=1.0, neginf=-1.0)
        if rendered.stems is None:
            audio = np.repeat(fitted[:, None], self.channels, axis=1)
        else:
            audio = fitted  # [frames, stems]: the player's layers
        fit_s = time.perf_counter() - start
        self._queue(plan.start, audio)
        held = rendered is self.previous
        self.previous = rendered
        placed = Placed(
            plan,
            job.version,
            rendered.gen_ms,
            fit_s * 1e3,
            self._now(),
            job.started,
            job.redo,
            held,
            job.deadline,
        )
        self.stats.add(placed)
        return fit_s

    def _pre_roll(self, settings: Settings) -> None:
        if self._prepared is not None and self._prepared[0] == settings.version:
            return
        bpm = settings.bpm
        try:
            rendered = self.source.render(self._spec(0, bpm, settings), self.previous)
        except Exception as exc:
            self.stats.errors += 1
            self.stats.last_error = f"pre-roll: {type(exc).__name__}: {exc}"
            self._on_error(self.stats.last_error)
            return
        self._prepared = (settings.version, rendered)


def _layers(rendered: Rendered) -> np.ndarray:
    """What is fitted: the mono bar [n], or its stems as [n, stems]."""
    return rendered.audio if rendered.stems is None else np.ascontiguousarray(rendered.stems.T)
