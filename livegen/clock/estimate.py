"""What the tempo estimator is tuned by and what it reports (`livegen.clock.tempo`): its
configuration, its verdict on each tick, its estimate, and the tick period <-> BPM rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from livegen.clock.events import PPQN


@dataclass(frozen=True)
class EstimatorConfig:
    """Tuning of `TempoEstimator` (all times in seconds).

    Args:
        max_points: window length in ticks (512 as in Link's HostTimeFilter: ~10 s at 120 BPM).
        gate_points: the outlier gate opens once the fit holds this many ticks; before that every
            tick is taken (two ticks of one JACK burst would otherwise make a nonsense line).
        change_run: consecutive same-side outliers that mean a real tempo or phase change.
        slip_memory: how many recent intervals the slip size is taken from.
        slip_warmup: intervals seen before the slip size is trusted (`bound_init` until then).
        slip_fraction: the bound is this fraction of the slip size.
        bound_init: bound before any slip is measured.
        bound_floor: smallest bound (virtual time can be noise-free).
        pred_sigmas: the bound widens by this many standard deviations of the line's prediction.
        noise_init: residual scale assumed before one is measured.
        noise_points: the residual scale is learned from windows of at least this many ticks.
        prior_points: weight of a kept tempo after a restart, in equivalent consecutive ticks.
        curve_points, curve_sigmas: a window of at least `curve_points` ticks whose quadratic
            term stands out by `curve_sigmas` standard errors is on a ramp (see `_bend`).
        min_bpm, max_bpm: a fitted tempo outside this range is not reported.
        max_skip: a phase jump of 1..max_skip whole periods at the same tempo is that many ticks
            lost in delivery (a JACK xrun, a busy USB interface), not a new phase.
    """

    max_points: int = 512
    gate_points: int = 16
    change_run: int = 4
    slip_memory: int = 1024
    slip_warmup: int = 128
    slip_fraction: float = 0.6
    bound_init: float = 5e-3
    bound_floor: float = 0.5e-3
    pred_sigmas: float = 3.0
    noise_init: float = 2e-3
    noise_points: int = 48
    prior_points: float = 24.0
    curve_points: int = 48
    curve_sigmas: float = 4.0
    min_bpm: float = 20.0
    max_bpm: float = 400.0
    max_skip: int = 4


class Verdict(Enum):
    """What `TempoEstimator.add` did with a tick."""

    ACCEPTED = "accepted"
    OUTLIER = "outlier"
    CHANGE = "change"
    RENUMBERED = "renumbered"  # whole ticks were lost on the way: see `TempoEstimator.skip`


@dataclass(frozen=True)
class TempoEstimate:
    """A snapshot of the estimator.

    Args:
        period: seconds per MIDI clock tick.
        bpm: quarter notes per minute.
        bpm_stderr: one standard error of `bpm`.
        phase_stderr: one standard error (s) of the fitted time of the newest tick.
        confidence: 0 (no idea) to 1 (tempo known to much better than 0.5 %).
        points: ticks in the fit.
    """

    period: float
    bpm: float
    bpm_stderr: float
    phase_stderr: float
    confidence: float
    points: int


def period_to_bpm(period: float) -> float:
    return 60.0 / (PPQN * period)


def bpm_to_period(bpm: float) -> float:
    return 60.0 / (PPQN * bpm)
