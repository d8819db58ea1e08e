"""Tempo and phase from a stream of (tick index, arrival time) pairs: pure numpy, no I/O.

Why not the median of tick intervals: MIDI clock arrives in bursts. Under JACK every event of one
period (256 frames = 5.3 ms) carries nearly the same timestamp, so at 128 BPM the intervals read
16.0 or 21.3 ms and never the true 19.5 ms; their median says 117-118.5 BPM. Windows stamps to
1 ms, and DAW clocks wobble. What survives this is a fit of arrival time against tick index over
many ticks: the quantisation errors average out along the line (Ableton Link's HostTimeFilter is a
512-point linear regression of the same kind).

A long window is smooth but slow to follow a tempo change, so the window adapts:

- every new tick is compared with the current line's prediction. Delivery noise is bounded
  rather than Gaussian (JACK stamps a tick up to one period late, never more), so the test is a
  bound: about half the largest slip single intervals show (see `_learn_slip`), widened by the
  line's own uncertainty while the window is young. Inside the bound a tick joins the fit;
- outside, it is held back. A lone late tick (a scheduling hiccup) or a late burst whose residuals
  shrink back is discarded. `change_run` consecutive outliers on the same side whose residuals do
  not shrink mean the clock really changed: the window restarts from where the residuals began to
  lean that way, so a 120 → 130 BPM jump is followed within half a beat; a ramp is followed as a
  chain of short lines;
- a jump no bigger than a slip the intervals already show is the delivery, not the sender: it is
  absorbed into the window instead (the JACK staircase, below). A clear phase jump at the same
  tempo restarts the window keeping the tempo as a prior worth `prior_points` ticks, as does
  `restart()` when the transport restarts.

Two tempting alternatives fail on real delivery. A sequential test assuming white noise (a CUSUM)
and a bound learned from fit residuals both mistake JACK's quantisation error for a drift when the
tick period is close to a multiple of the JACK period (117.19 BPM is 4 periods of 256 frames at
48 kHz): arrivals are then exactly periodic for hundreds of ticks and slip by a whole period at
once, a staircase. And a bound learned from residuals grows with the misfit during a ramp until
it accepts anything. Interval slips are immune to both.
"""

from __future__ import annotations

import math

import numpy as np

from livegen.clock.estimate import (
    EstimatorConfig,
    TempoEstimate,
    Verdict,
    period_to_bpm,
)


def _sxx_of_run(points: float) -> float:
    """Σ(x - x̄)² of `points` consecutive integers: what a prior of that many ticks weighs."""
    return points * (points * points - 1.0) / 12.0


class TempoEstimator:
    """Adaptive-window linear regression of arrival time on tick index.

    Indices are supplied by the caller and must increase (gaps are allowed: a tick that never
    came simply leaves a hole). Times are seconds on any monotonic clock.

    Args:
        config: tuning; the defaults suit MIDI clock from 20 to 400 BPM.
    """

    def __init__(self, config: EstimatorConfig | None = None) -> None:
        self.config = config or EstimatorConfig()
        cap = 2 * self.config.max_points
        # Coordinates relative to the window's first tick keep the sums well conditioned even
        # after hours of monotonic time.
        self._x = np.zeros(cap)
        self._y = np.zeros(cap)
        self._lo = 0
        self._hi = 0
        self._n_ref = 0
        self._t_ref = 0.0
        self._last_index: int | None = None
        self._pending: list[tuple[int, float, float]] = []  # held-back (index, t, residual)
        # Delivery statistics: they survive restarts, the path does not change with the tempo.
        self._noise_var = self.config.noise_init**2
        self._spread = 0.0  # 1.4 × 95th percentile of |residual| of the last settled window
        self._slips = np.zeros(self.config.slip_memory)
        self._slip_count = 0
        self._slip = 0.0
        self._absorbed = 0.0  # bound held open after absorbing a slip; decays
        self._prev_tick: tuple[int, float] | None = None
        # The fit: y = a + b·x in window coordinates, and what its prediction variance needs.
        self._prior_b: float | None = None
        self._prior_sxx = 0.0
        self._a = 0.0
        self._b: float | None = None
        self._xm = 0.0
        self._sxx = 0.0
        self.curved = False
        self.changes = 0
        self.absorbed = 0
        self.outliers = 0
        self.skip = 0  # ticks the last RENUMBERED verdict found missing
        self.skipped = 0  # all ticks found missing so far

    # --- queries ----------------------------------------------------------------------------

    @property
    def points(self) -> int:
        return self._hi - self._lo

    @property
    def ready(self) -> bool:
        """True once a plausible line exists (a period inside the configured BPM range)."""
        if self._b is None or self.points == 0:
            return False
        bpm = period_to_bpm(self._b) if self._b > 0 else math.inf
        return self.config.min_bpm <= bpm <= self.config.max_bpm

    @property
    def period(self) -> float | None:
        return self._b if self.ready else None

    @property
    def noise(self) -> float:
        """Residual scale (s) of the last settled window: how far ticks scatter."""
        return math.sqrt(self._noise_var)

    @property
    def bound(self) -> float:
        """How far (s) a tick may land from a settled line and still join it."""
        cfg = self.config
        if self._slip_count < cfg.slip_warmup:
            # Slips on a staircase can be dozens of ticks apart: until enough intervals have
            # been seen, a small slip size may only mean none has happened yet.
            return cfg.bound_init
        # The residual spread, held between half and a whole slip: the slip keeps it honest
        # during ramps, the spread covers slow quantisation walks that small slips understate.
        spread = min(max(self._spread, cfg.slip_fraction * self._slip), 1.2 * self._slip)
        return max(spread, self._absorbed, cfg.bound_floor)

    def time_of(self, index: float) -> float | None:
        """Fitted arrival time of tick `index` (fractional indices interpolate)."""
        if not self.ready or self._b is None:
            return None
        return self._t_ref + self._a + self._b * (index - self._n_ref)

    def index_at(self, t: float) -> float | None:
        """Fractional tick index at time `t` (the inverse of `time_of`)."""
        if not self.ready or self._b is None:
            return None
        return self._n_ref + (t - self._t_ref - self._a) / self._b

    def estimate(self) -> TempoEstimate | None:
        if not self.ready or self._b is None:
            return None
        b = self._b
        spread = self._sxx + self._prior_sxx
        rel = self.noise / math.sqrt(spread) / b if spread > 0 else 1.0
        bpm = period_to_bpm(b)
        newest = float(self._x[self._hi - 1])
        return TempoEstimate(
            period=b,
            bpm=bpm,
            bpm_stderr=bpm * rel,
            phase_stderr=math.sqrt(self._prediction_var(newest)),
            # 0 when one standard error is 0.5 % of the tempo (0.6 BPM at 120), 1 when exact.
            confidence=float(np.clip(1.0 - rel / 0.005, 0.0, 1.0)),
            points=self.points,
        )

    # --- updates ----------------------------------------------------------------------------

    def restart(self, keep_tempo: bool = True) -> None:
        """Forget the phase (the window); keep the tempo as a prior if asked and known."""
        b = self._b if (keep_tempo and self.ready) else None
        self._start_window(b)

    def add(self, index: int, t: float) -> Verdict:
        """Offer one tick to the fit and say what became of it."""
        if self._last_index is not None and index <= self._last_index:
            raise ValueError(f"tick index {index} does not follow {self._last_index}")
        self._last_index = index
        t = float(t)
        self._learn_slip(index, t)
        cfg = self.config
        if self.points == 0:
            self._n_ref, self._t_ref = index, t
        if self.points < cfg.gate_points or not self.ready or self._b is None:
            self._accept(index, t)
            return Verdict.ACCEPTED

        x = float(index - self._n_ref)
        residual = (t - self._t_ref) - (self._a + self._b * x)
        limit = self.bound + cfg.pred_sigmas * math.sqrt(self._prediction_var(x))
        if abs(residual) <= limit:
            self._absorbed *= 1.0 - 1.0 / cfg.max_points
            self._pending.clear()
            self._accept(index, t)
            return Verdict.ACCEPTED

        if self._pending and (self._pending[-1][2] > 0) != (residual > 0):
            self._pending.clear()
        self._pending.append((index, t, residual))
        if len(self._pending) >= cfg.change_run:
            first, last = abs(self._pending[0][2]), abs(residual)
            # A late burst (ticks held up, then delivered together) has residuals that shrink
            # by a period per tick; a tempo change makes them grow, a phase jump keeps them.
            # A long run that is neither: trust the recent ticks too.
            if last >= first - limit or len(self._pending) >= 3 * cfg.change_run:
                return self._rebase(from_position=self._lean_start(residual > 0))
        self.outliers += 1
        return Verdict.OUTLIER

    # --- internals --------------------------------------------------------------------------

    def _scale(self) -> float:
        """Noise scale for tests: the residual scale, but never more than half the bound, so a
        misfit (a ramp the line has not caught up with) cannot loosen the tests."""
        return min(self.noise, self.bound / 2.0)

    def _prediction_var(self, x: float) -> float:
        n = self.points
        if n == 0:
            return math.inf
        spread = self._sxx + self._prior_sxx
        lever = (x - self._xm) ** 2 / spread if spread > 0 else 0.0
        return self._scale() ** 2 * (1.0 / n + lever)

    def _start_window(self, prior_b: float | None) -> None:
        self._lo = self._hi = 0
        self._pending.clear()
        self._prior_b = prior_b
        self._prior_sxx = _sxx_of_run(self.config.prior_points) if prior_b is not None else 0.0
        self._b = prior_b
        self._a = 0.0
        self._xm = 0.0
        self._sxx = 0.0

    def _append(self, index: int, t: float) -> None:
        if self._hi == len(self._x):
            # Compact: keep the newest max_points - 1 so this one fits.
            keep = self.config.max_points - 1
            self._x[:keep] = self._x[self._hi - keep : self._hi]
            self._y[:keep] = self._y[self._hi - keep : self._hi]
            self._lo, self._hi = 0, keep
        self._x[self._hi] = index - self._n_ref
        self._y[self._hi] = t - self._t_ref
        self._hi += 1
        if self._hi - self._lo > self.config.max_points:
            self._lo += 1

    def _fit(self) -> None:
        x = self._x[self._lo : self._hi]
        y = self._y[self._lo : self._hi]
        xm, ym = float(x.mean()), float(y.mean())
        dx = x - xm
        sxx = float(dx @ dx)
        sxy = float(dx @ (y - ym))
        if self._prior_b is not None:
            # Ridge towards the kept tempo: as if prior_points ticks at that tempo were seen.
            b: float | None = (sxy + self._prior_sxx * self._prior_b) / (sxx + self._prior_sxx)
        elif len(x) >= 2 and sxx > 0:
            b = sxy / sxx
        else:
            b = None
        self._b, self._xm, self._sxx = b, xm, sxx
        self._a = ym - (b or 0.0) * xm
        self.curved = False
        if b is not None and self._prior_b is None and len(x) >= self.config.curve_points:
            self._bend()

    def _bend(self) -> None:
        """On a tempo ramp, replace the line by the tangent of a parabola at the newest tick.

        A straight line through a ramp reports the tempo of the window's middle and lags
        behind. When the window's quadratic term stands out (beyond `curve_sigmas` standard
        errors; in steady state it does not, and the line stays as it was), the parabola's
        value and slope at the newest tick give the phase and the tempo now; beyond the newest
        tick the tangent extrapolates at that tempo rather than assuming the ramp goes on.
        (Fitting the parabola to a shorter tail reacts faster at the ramp's end but flickers in
        and out of significance mid-ramp, handing over to a lagging line: worse.)
        """
        newest = float(self._x[self._hi - 1])
        span = max(newest - float(self._x[self._lo]), 1.0)
        d = (self._x[self._lo : self._hi] - newest) / span  # -1 at the oldest, 0 at the newest
        y = self._y[self._lo : self._hi]
        d2 = d * d
        # Normal equations of y ≈ value + slope·d + curve·d², from power sums (no design matrix:
        # this runs on every tick).
        s1, s2, s3, s4 = float(d.sum()), float(d2.sum()), float(d2 @ d), float(d2 @ d2)
        normal = np.array([[len(d), s1, s2], [s1, s2, s3], [s2, s3, s4]])
        try:
            inverse = np.linalg.inv(normal)
        except np.linalg.LinAlgError:
            return
        value, slope, curve = inverse @ np.array([float(y.sum()), float(d @ y), float(d2 @ y)])
        if abs(curve) <= self.config.curve_sigmas * self._scale() * math.sqrt(inverse[2, 2]):
            return
        # Statistically clear is not enough: JACK's staircase error is correlated and can look
        # curved. The parabola must also leave the straight line by more than the delivery
        # error envelope (the bound) somewhere in the window.
        assert self._b is not None
        line = self._a + self._b * self._x[self._lo : self._hi]
        if float(np.max(np.abs(value + slope * d + curve * d2 - line))) <= self.bound:
            return
        self._b = float(slope) / span
        self._a = float(value) - self._b * newest
        self.curved = True

    def _accept(self, index: int, t: float) -> None:
        self._append(index, t)
        self._fit()
        self._learn_noise()

    def _learn_noise(self) -> None:
        """Residual scale and spread of a settled window (the tempo's standard error, the bound)."""
        if self.points < self.config.noise_points or self._b is None:
            return
        x = self._x[self._lo : self._hi]
        r = self._y[self._lo : self._hi] - (self._a + self._b * x)
        self._noise_var = max(float(r @ r) / (len(r) - 2), (self.config.bound_floor / 3.0) ** 2)
        magnitude = np.abs(r)
        k = int(0.95 * (len(magnitude) - 1))
        self._spread = 1.4 * float(np.partition(magnitude, k)[k])  # 95th percentile

    def _learn_slip(self, index: int, t: float) -> None:
        """Size of the largest slips of single intervals against the period.

        On a staircase (see the module docstring) a window between two slips has near-zero
        residuals, each slip would look like a phase jump, and the line would follow the stairs
        instead of running through them. Slips show in the intervals whatever the window does,
        so their size (the third largest deviation of the last `slip_memory` intervals, which
        one stray tick cannot set) sets the bound at about half a slip. It is immune to tempo
        ramps too: an interval changes little from one tick to the next.
        """
        prev, self._prev_tick = self._prev_tick, (index, t)
        if prev is None or index - prev[0] != 1 or not self.ready or self._b is None:
            return
        self._slips[self._slip_count % len(self._slips)] = abs((t - prev[1]) - self._b)
        self._slip_count += 1
        if self._slip_count >= 3:
            slips = self._slips[: min(self._slip_count, len(self._slips))]
            self._slip = float(np.partition(slips, len(slips) - 3)[len(slips) - 3])

    def _lean_start(self, late: bool) -> int:
        """Window position from which accepted ticks already lean the way the outliers do."""
        assert self._b is not None
        sign = 1.0 if late else -1.0
        x = self._x[self._lo : self._hi]
        res = self._y[self._lo : self._hi] - (self._a + self._b * x)
        start = len(res)
        while start > 0 and sign * res[start - 1] > self.bound / 2.0:
            start -= 1
        return start

    def _rebase(self, from_position: int) -> Verdict:
        """A change was detected: decide what kind, then absorb it or restart the window."""
        assert self._b is not None
        x = self._x[self._lo + from_position : self._hi]
        y = self._y[self._lo + from_position : self._hi]
        carried = [
            (round(float(xi)) + self._n_ref, float(yi) + self._t_ref)
            for xi, yi in zip(x, y, strict=True)
        ]
        carried += [(i, t) for i, t, _ in self._pending]
        idx = np.array([c[0] for c in carried], dtype=float) - self._n_ref
        r = np.array([c[1] for c in carried]) - self._t_ref - (self._a + self._b * idx)
        drifting = True
        if len(idx) >= 3:
            di = idx - idx.mean()
            slope = float(di @ (r - r.mean())) / float(di @ di)
            drifting = abs(slope) > 2.0 * self._scale() / math.sqrt(float(di @ di))
        jump = float(np.mean(r))
        if not drifting and self._renumber(carried, r, from_position, jump):
            return Verdict.RENUMBERED
        if not drifting and abs(jump) <= 1.1 * self._slip:
            # A slip of the size single intervals already show: the delivery staircase, not the
            # sender. Keep the window and hold the bound open while the line settles through it.
            self.absorbed += 1
            self._absorbed = max(self._absorbed, 1.1 * abs(jump))
            for i, t, _ in self._pending:
                self._append(i, t)
            self._pending.clear()
            self._fit()
            return Verdict.ACCEPTED
        # Only a clear offset that does not drift is a phase jump at the same tempo (keep the
        # tempo as a prior); anything else may be a new tempo, so start from the data alone.
        # (Pinning the new line to the old one where they part sounds better but is not: the
        # parting tick is only known to a few ticks, and the pin then biases the new tempo.)
        self.changes += 1
        phase_jump = not drifting and abs(jump) > 2.0 * self.bound
        self._start_window(self._b if phase_jump else None)
        self._n_ref, self._t_ref = carried[0]
        for i, t in carried:
            self._append(i, t)
        self._fit()
        return Verdict.CHANGE

    def _renumber(
        self, carried: list[tuple[int, float]], r: np.ndarray, from_position: int, jump: float
    ) -> bool:
        """A late phase jump of k whole periods at the same tempo: k ticks went missing on the
        way. The line stays; the ticks after the gap move k places along it, and
        the caller adds k to its count (`skip`), so the song position stays on the sender's."""
        assert self._b is not None
        period, cfg = self._b, self.config
        k = round(jump / period)
        if not 1 <= k <= cfg.max_skip:  # (a doubled tick would be k < 0: not seen, not handled)
            return False
        if abs(jump - k * period) > max(2.0 * self.bound, 0.2 * period):
            return False
        self._hi = self._lo + from_position  # the carried ticks go back in, renumbered
        for (i, t), ri in zip(carried, r, strict=True):
            shifted = abs(ri - k * period) < abs(ri)
            self._append(i + k if shifted else i, t)
        self._pending.clear()
        self._fit()
        self._last_index = (self._last_index or 0) + k
        self.skip = k
        self.skipped += k
        return True
