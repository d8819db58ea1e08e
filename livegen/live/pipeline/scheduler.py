"""When to generate which bar: pure decisions on an injected time, tested on virtual time.

The rule, for the bar after the one queued last (bar N+1, whose start frame was committed when
bar N was placed):

- its *deadline* is when its audio must be in the player: `speaker_time(start) - lead`, where
  `lead` covers the output latency, one callback block and a guard;
- its *budget* is how long producing a bar takes, from measurements: `safety` × the
  `percentile` of the last `window` render times + the slowest recent fit + `margin`;
- generation starts at `deadline - budget`, as late as is safe, so that a control change that
  arrives before then is in the bar (prompt-to-audible: one bar at most, plus the budget);
- a change that arrives after the start: the bar is placed as rendered all the same (a safe
  fallback), and if a typical render still fits before the deadline it is redone with the new
  settings and replaces it (`BarPlayer.queue` swaps a bar that has not started, and ignores a
  replacement that comes too late); otherwise the change takes the next bar;
- a bar that cannot be started in time (a slow model, a stall) is skipped: the player repeats the
  bar before (and counts it); the scheduler aims at the first bar it can still make;
- a bar finished after its deadline is placed at the next downbeat instead (re-fitted), unless
  nothing is playing yet, where joining in phase a few ms late beats a bar of silence.

Bar positions are exact: `Timeline.plan(bar, committed_start)` is `clock.BarGrid.plan`, each
bar's end is committed once as the next bar's start, so lengths telescope onto the clock.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from livegen.clock.timeline import BarPlan


class Timeline(Protocol):
    """The clock and the audio stream as the scheduler sees them (`timebase.ClockTimeline`)."""

    sample_rate: int

    def plan(self, bar: int, committed_start: int | None) -> BarPlan | None:
        """Bar `bar`'s start and exact length in output frames (None: no tempo, stopped)."""
        ...

    def speaker_time(self, frame: int) -> float | None:
        """When output frame `frame` is heard, on the clock's time."""
        ...

    def current_bar(self, now: float) -> int | None:
        """The song bar playing at `now` (None while stopped or before the tempo is known)."""
        ...


@dataclass(frozen=True)
class SchedulerConfig:
    """Tuning (seconds).

    Args:
        lead: audio must be queued this long before its first frame is heard (output latency +
            one block + guard); the daemon sets it from the running stream.
        percentile, window, safety, margin: the budget (module docstring).
        initial: render-time guess before anything was measured.
        max_wait: while waiting, look at the clock again at least this often (tempo changes
            move deadlines).
        relocate: a committed start further than this from where the clock now puts the bar
            means the song moved (a relocate, a restart): commitments are dropped.
        lookahead: how many bars ahead to search for one that can still be made.
        max_redos: redos per bar at most (a knob sweeping at 60 Hz must not re-render forever).
    """

    lead: float = 0.025
    percentile: float = 95.0
    window: int = 32
    safety: float = 1.2
    margin: float = 0.020
    initial: float = 0.5
    max_wait: float = 0.05
    relocate: float = 0.050
    lookahead: int = 64
    max_redos: int = 1


@dataclass(frozen=True)
class Job:
    """Render bar `plan.bar` with the settings of `version`, conditioned on `bpm`."""

    plan: BarPlan
    bpm: float
    deadline: float
    version: int
    started: float
    redo: bool = False


@dataclass(frozen=True)
class Wait:
    """Nothing to do before `until` (or before the clock changes)."""

    until: float
    reason: str


Action = Job | Wait


class Durations:
    """Recent durations (s) with a high percentile; `seed` values count until real ones come."""

    def __init__(self, window: int, initial: float) -> None:
        self._values: deque[float] = deque(maxlen=window)
        self.initial = initial

    def add(self, seconds: float) -> None:
        self._values.append(float(seconds))

    def __len__(self) -> int:
        return len(self._values)

    def percentile(self, q: float) -> float:
        if not self._values:
            return self.initial
        return float(np.percentile(np.fromiter(self._values, float), q))

    @property
    def last(self) -> float:
        return self._values[-1] if self._values else self.initial


class Scheduler:
    """Decides when to render which bar. Single-threaded: the producer thread owns it.

    Args:
        timeline: the clock and stream (`Timeline`).
        config: tuning.
    """

    def __init__(self, timeline: Timeline, config: SchedulerConfig | None = None) -> None:
        self.timeline = timeline
        self.config = config or SchedulerConfig()
        self.render_times = Durations(self.config.window, self.config.initial)
        self.fit_times = Durations(self.config.window, 0.0)
        self._next: tuple[int, int] | None = None  # (bar, committed start frame)
        self._job: Job | None = None
        self._redos: dict[int, int] = {}  # redos of the bar being produced
        self.skipped = 0  # bars given up before starting (the player repeated the one before)
        self.shifted = 0  # bars finished late and placed a bar later
        self.redone = 0
        self.placed = 0

    # --- what the daemon reads ------------------------------------------------------------
    @property
    def budget(self) -> float:
        c = self.config
        return c.safety * self.render_times.percentile(c.percentile) + (
            self.fit_times.percentile(100.0) + c.margin
        )

    @property
    def typical(self) -> float:
        """A median production time: below this, starting a bar is hopeless."""
        return self.render_times.percentile(50.0) + self.fit_times.percentile(50.0)

    @property
    def next_bar(self) -> int | None:
        return None if self._next is None else self._next[0]

    def reset(self) -> None:
        """Forget commitments (transport moved); a job in flight is kept but will be re-placed."""
        self._next = None

    # --- decisions --------------------------------------------------------------------------
    def next_action(self, now: float, version: int) -> Action:
        """What to do at `now`; a `Job` is in progress until `finished` is called for it."""
        if self._job is not None:
            raise RuntimeError("a job is in progress; call finished() first")
        target = self._target(now)
        if isinstance(target, Wait):
            return target
        plan, deadline = target
        start_at = deadline - self.budget
        if now < start_at:
            return Wait(min(start_at, now + self.config.max_wait), f"bar {plan.bar}")
        self._job = Job(plan, self._bpm(plan), deadline, version, now)
        return self._job

    def finished(self, job: Job, now: float, measured: bool = True) -> None:
        """Rendering of `job` ended at `now` (`measured`: it ran the model, so time it)."""
        if measured:
            self.render_times.add(now - job.started)
        self._job = None

    def redo(self, job: Job, plan: BarPlan, now: float, version: int) -> Job | None:
        """A redo of the placed `plan` with the settings of `version`, if they changed since
        `job` started and a typical render still ends before the deadline; else None."""
        deadline = self._deadline(plan.start)
        if version == job.version or deadline is None or now + self.typical > deadline:
            return None
        if self._redos.get(plan.bar, 0) >= self.config.max_redos:
            return None
        self._redos = {plan.bar: self._redos.get(plan.bar, 0) + 1}
        self.redone += 1
        self._job = Job(plan, job.bpm, deadline, version, now, redo=True)
        return self._job

    def in_time(self, plan: BarPlan, now: float) -> bool:
        """Whether audio fitted now would still reach the player before `plan` starts."""
        deadline = self._deadline(plan.start)
        return deadline is not None and now + self.fit_times.percentile(100.0) <= deadline

    def placement(self, job: Job, now: float, join_late: bool = False) -> BarPlan | None:
        """Where the rendered `job` goes: its own bar, re-planned with the latest tempo, or the
        first later bar that can still be made if its deadline has passed (None: no tempo)."""
        committed = None
        if self._next is not None and self._next[0] == job.plan.bar:
            committed = self._next[1]
        plan = self.timeline.plan(job.plan.bar, committed)
        fit = self.fit_times.percentile(100.0)
        for _ in range(self.config.lookahead):
            if plan is None:
                return None
            deadline, end = self._deadline(plan.start), self._deadline(plan.end)
            if deadline is None or end is None:
                return None
            if now + fit <= deadline or (join_late and now + fit <= end):
                return plan
            self.shifted += 1
            plan = self.timeline.plan(plan.bar + 1, plan.end)
        return plan

    def committed(self, plan: BarPlan, fit_seconds: float) -> None:
        """`plan` was queued; its end is now the committed start of the next bar."""
        self.fit_times.add(fit_seconds)
        self._next = (plan.bar + 1, plan.end)
        self.placed += 1

    # --- internals --------------------------------------------------------------------------
    def _deadline(self, frame: int) -> float | None:
        t = self.timeline.speaker_time(frame)
        return None if t is None else t - self.config.lead

    def _bpm(self, plan: BarPlan) -> float:
        start, end = self.timeline.speaker_time(plan.start), self.timeline.speaker_time(plan.end)
        if start is None or end is None or end <= start:
            return math.nan
        return 240.0 / (end - start)

    def _target(self, now: float) -> tuple[BarPlan, float] | Wait:
        current = self.timeline.current_bar(now)
        if current is None:
            self._next = None
            return Wait(now + self.config.max_wait, "no clock")
        if self._next is not None:
            bar, start = self._next
            fresh = self.timeline.plan(bar, None)
            tolerance = self.config.relocate * self.timeline.sample_rate
            if fresh is None or abs(fresh.start - start) > tolerance:
                self._next = None
        if self._next is not None:
            plan = self.timeline.plan(*self._next)
            if plan is None:
                return Wait(now + self.config.max_wait, "no tempo")
            deadline = self._deadline(plan.start)
            if deadline is not None and now + self.typical <= deadline:
                return plan, deadline
            self.skipped += 1  # we are behind: that bar is lost, look further ahead
            first = plan.bar + 1
        else:
            first = current + 1
        for bar in range(first, first + self.config.lookahead):
            plan = self.timeline.plan(bar, None)
            deadline = None if plan is None else self._deadline(plan.start)
            if plan is None or deadline is None:
                return Wait(now + self.config.max_wait, "no tempo")
            # `typical`, not `budget`: a target chosen when it was safe stays the target at its
            # start time, when by construction only the budget is left.
            if now + self.typical <= deadline:
                return plan, deadline
        return Wait(now + self.config.max_wait, "nothing feasible")
