"""The IADB sampler as a pure function: exact updates, guidance, determinism, noise, variation."""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pytest

from livegen.runtime.sampler import (
    NOISE_FRAMES,
    evaluations,
    fit_noise,
    grid_steps,
    guided,
    interval_arg,
    interval_of,
    noise,
    phase_signal,
    sample,
    schedule,
    slerp,
    vary,
)
from livegen.units import bar_frames, bar_samples

D, T = 4, 12


class Recorder:
    """A nonlinear toy denoiser that depends on the concept and records every call."""

    def __init__(self):
        self.batches: list[int] = []

    def __call__(self, x, alpha, cond):
        self.batches.append(len(x))
        c = cond["concept"][:, :, None].mean(1, keepdims=True)
        return (np.tanh(x) * (1 - alpha[:, None, None]) + c + cond["phase"][:, :1]).astype(
            np.float32
        )


def conds(c: float = 0.7):
    phase = phase_signal(T)[None]
    cond = {"phase": phase, "concept": np.full((1, 3), c, np.float32)}
    uncond = {"phase": phase, "concept": np.zeros((1, 3), np.float32)}
    return cond, uncond


def x0(seed: int = 0) -> np.ndarray:
    return noise(seed, D, T)[None]


def test_euler_is_the_exact_iadb_update():
    den = Recorder()
    cond, _ = conds()
    alphas = schedule(5)
    got = sample(den, x0(), alphas, cond)
    x = x0().astype(np.float32)
    for a0, a1 in itertools.pairwise(alphas):
        x = (x + np.float32(a1 - a0) * den(x, np.array([a0], np.float32), cond)).astype(np.float32)
    np.testing.assert_array_equal(got, x)
    np.testing.assert_allclose(alphas, [0, 0.2, 0.4, 0.6, 0.8, 1.0])


@pytest.mark.parametrize("method", ["euler", "ab2", "heun"])
def test_guidance_one_and_zero_reproduce_unguided_sampling(method):
    cond, uncond = conds()
    alphas = schedule(6, "shift:3")
    plain_cond = sample(Recorder(), x0(), alphas, cond, method=method)
    plain_uncond = sample(Recorder(), x0(), alphas, uncond, method=method)
    for w, want in ((1.0, plain_cond), (0.0, plain_uncond)):
        den = Recorder()
        got = sample(den, x0(), alphas, cond, uncond, guidance=w, method=method)
        np.testing.assert_array_equal(got, want)
        assert set(den.batches) == {1}  # one branch only: no batch of 2
    den = Recorder()
    guided_out = sample(den, x0(), alphas, cond, uncond, guidance=3.0, method=method)
    assert set(den.batches) == {2} and len(den.batches) == evaluations(6, method)
    assert not np.allclose(guided_out, plain_cond)


def test_guidance_mixes_cond_and_uncond_in_one_batch():
    den = Recorder()
    cond, uncond = conds()
    x, a = x0(), np.array([0.25], np.float32)
    d = guided(den, cond, uncond, 2.5)(x, a)
    d_c, d_u = den(x, a, cond), den(x, a, uncond)
    np.testing.assert_allclose(d, d_u + 2.5 * (d_c - d_u), rtol=1e-6)
    assert den.batches[0] == 2


def test_a_partial_branch_splits_the_push_in_one_batch_of_three():
    """d = d_u + w (d_p − d_u) + w_p (d_c − d_p); w_p = w is the two-branch field bit for bit."""
    den = Recorder()
    cond, uncond = conds()
    partial = {k: (v + u) / 2 for (k, v), u in zip(cond.items(), uncond.values(), strict=True)}
    x, a = x0(), np.array([0.25], np.float32)
    d = guided(den, cond, uncond, 2.5, partial, 9.0)(x, a)
    assert den.batches == [3]
    d_c, d_p, d_u = (den(x, a, c) for c in (cond, partial, uncond))
    np.testing.assert_allclose(d, d_u + 2.5 * (d_p - d_u) + 9.0 * (d_c - d_p), rtol=1e-5)
    assert not np.allclose(d, d_u + 2.5 * (d_c - d_u), rtol=1e-3)
    same = Recorder()
    np.testing.assert_array_equal(
        guided(same, cond, uncond, 2.5, partial, 2.5)(x, a),
        guided(Recorder(), cond, uncond, 2.5)(x, a),
    )
    assert same.batches == [2]


@pytest.mark.parametrize("method", ["euler", "ab2"])
def test_a_guidance_interval_guides_only_its_steps_and_runs_the_rest_conditional(method):
    """α grid of shift:3 at 8 steps: 0, .045, .1, .167, .25, .357, .5, .7. [0, 0.2) guides the
    first four steps (batch 2) and runs the last four on the conditional branch alone (batch 1);
    [0, 1) is guidance on every step, bit for bit."""
    cond, uncond = conds()
    partial = {k: (v + u) / 2 for (k, v), u in zip(cond.items(), uncond.values(), strict=True)}
    alphas = schedule(8, "shift:3")
    full = sample(Recorder(), x0(), alphas, cond, uncond, 3.0, method)
    den = Recorder()
    every = sample(den, x0(), alphas, cond, uncond, 3.0, method, interval=(0.0, 1.0))
    np.testing.assert_array_equal(every, full)
    assert den.batches == [2] * 8
    den = Recorder()
    limited = sample(den, x0(), alphas, cond, uncond, 3.0, method, interval=(0.0, 0.2))
    assert den.batches == [2] * 4 + [1] * 4
    assert not np.allclose(limited, full)
    # By hand: guided steps, then the conditional field, through the same update rule.
    f_g, f_c = guided(Recorder(), cond, uncond, 3.0), guided(Recorder(), cond, None, 1.0)
    switch = sample(
        lambda x, a, c: (f_g if a[0] < 0.2 else f_c)(x, a), x0(), alphas, cond, method=method
    )
    np.testing.assert_array_equal(limited, switch)
    # With a partial branch (the stems' key) its push stays outside: d_p + w_p (d_c − d_p).
    den = Recorder()
    keyed = sample(den, x0(), alphas, cond, uncond, 3.0, method, partial, 6.0, interval=(0, 0.2))
    assert den.batches == [3] * 4 + [2] * 4
    f_g3, f_k = (
        guided(Recorder(), cond, uncond, 3.0, partial, 6.0),
        guided(Recorder(), cond, partial, 6.0),
    )
    switch = sample(
        lambda x, a, c: (f_g3 if a[0] < 0.2 else f_k)(x, a), x0(), alphas, cond, method=method
    )
    np.testing.assert_array_equal(keyed, switch)


@pytest.mark.parametrize("method", ["euler", "ab2"])
def test_a_partial_interval_keeps_the_partial_push_to_its_steps(method):
    """The stems' key pushed on its own scale only on α in [0, 0.12) (the first three steps of
    shift:3 at 8, batch 3); the other steps guide concept and key together (batch 2), and
    outside a guidance interval too run the conditional branch alone (batch 1)."""
    cond, uncond = conds()
    partial = {k: (v + u) / 2 for (k, v), u in zip(cond.items(), uncond.values(), strict=True)}
    alphas = schedule(8, "shift:3")
    full = sample(Recorder(), x0(), alphas, cond, uncond, 3.0, method, partial, 6.0)
    every = sample(Recorder(), x0(), alphas, cond, uncond, 3.0, method, partial, 6.0,
                   partial_interval=(0.0, 1.0))  # fmt: skip
    np.testing.assert_array_equal(every, full)
    den = Recorder()
    early = sample(den, x0(), alphas, cond, uncond, 3.0, method, partial, 6.0,
                   partial_interval=(0.0, 0.12))  # fmt: skip
    assert den.batches == [3] * 3 + [2] * 5
    assert not np.allclose(early, full)
    f3, f2 = (
        guided(Recorder(), cond, uncond, 3.0, partial, 6.0),
        guided(Recorder(), cond, uncond, 3.0),
    )
    switch = sample(
        lambda x, a, c: (f3 if a[0] < 0.12 else f2)(x, a), x0(), alphas, cond, method=method
    )
    np.testing.assert_array_equal(early, switch)
    den = Recorder()
    sample(den, x0(), alphas, cond, uncond, 3.0, method, partial, 6.0, interval=(0.0, 0.2),
           partial_interval=(0.0, 0.12))  # fmt: skip
    assert den.batches == [3] * 3 + [2] + [1] * 4


def test_guidance_intervals_are_checked():
    assert interval_of(None) is None and interval_of([0, 0.2]) == (0.0, 0.2)
    assert interval_arg("0.1,0.6") == (0.1, 0.6)
    for bad in ([0.5, 0.2], [-0.1, 0.5], [0.0, 1.5], [0.2, 0.2]):
        with pytest.raises(ValueError, match="0 <= lo < hi <= 1"):
            interval_of(bad)
    for text in ("0.5", "a,b", "0.6,0.1"):
        with pytest.raises(argparse.ArgumentTypeError, match="LO,HI"):
            interval_arg(text)


def test_sampling_is_deterministic_and_seeded():
    cond, uncond = conds()
    runs = [sample(Recorder(), x0(5), schedule(8), cond, uncond, 3.0, "ab2") for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    other = sample(Recorder(), x0(6), schedule(8), cond, uncond, 3.0, "ab2")
    assert not np.array_equal(runs[0], other)
    assert runs[0].dtype == np.float32


def test_second_order_steps_beat_euler_on_a_curved_flow():
    """d(α) = 3α²: the exact integral over [0, 1] is 1 whatever x is."""

    def den(x, alpha, cond):
        return np.full_like(x, 3 * float(alpha[0]) ** 2)

    cond, _ = conds()
    zero = np.zeros((1, D, T), np.float32)
    err = {
        m: abs(sample(den, zero, schedule(8), cond, method=m)[0, 0, 0] - 1.0)
        for m in ("euler", "ab2", "heun")
    }
    assert err["ab2"] < err["euler"] / 3 and err["heun"] < err["euler"] / 3


def test_ab2_with_two_steps_is_euler():
    cond, _ = conds()
    a = schedule(2, "shift:3")
    np.testing.assert_array_equal(
        sample(Recorder(), x0(), a, cond, method="ab2"),
        sample(Recorder(), x0(), a, cond, method="euler"),
    )


@pytest.mark.parametrize("kind", ["uniform", "cosine", "early", "late", "power:1.5", "shift:3"])
def test_schedules_run_from_noise_to_data(kind):
    for steps in (1, 2, 8):
        a = schedule(steps, kind)
        assert len(a) == steps + 1 and a[0] == 0.0 and a[-1] == 1.0
        assert np.all(np.diff(a) > 0)
    assert schedule(4, "shift:3")[1] < 0.25  # more of the grid near the noise


def test_bad_schedules_and_grids_are_refused():
    with pytest.raises(ValueError, match="unknown schedule"):
        schedule(4, "wobbly")
    with pytest.raises(ValueError, match="steps must be at least 1"):
        schedule(0)
    with pytest.raises(ValueError, match="increasing"):
        sample(Recorder(), x0(), np.array([0.0, 0.5, 0.5, 1.0]), conds()[0])
    with pytest.raises(ValueError, match="unknown method"):
        sample(Recorder(), x0(), schedule(2), conds()[0], method="rk4")
    assert grid_steps(8, "heun") == 4 and evaluations(4, "heun") == 7 and grid_steps(8, "ab2") == 8


def test_noise_is_seeded_and_tempo_independent():
    a, b = noise(3, D, 100), noise(3, D, 160)
    np.testing.assert_array_equal(a, b[:, :100])  # one seed, the same prefix at any tempo
    assert not np.array_equal(noise(4, D, 100), a)
    assert a.dtype == np.float32 and abs(float(noise(1, 64, NOISE_FRAMES).std()) - 1) < 0.02
    with pytest.raises(ValueError, match="at most"):
        noise(0, D, NOISE_FRAMES + 1)


def test_variation_zero_keeps_and_one_replaces_the_noise():
    prev, fresh = noise(1, D, T), noise(2, D, T)
    np.testing.assert_array_equal(vary(prev, fresh, 0.0), prev)
    np.testing.assert_array_equal(vary(prev, fresh, 1.0), fresh)
    np.testing.assert_array_equal(vary(None, fresh, 0.3), fresh)
    dist = [float(np.linalg.norm(vary(prev, fresh, v) - prev)) for v in np.linspace(0, 1, 6)]
    assert all(np.diff(dist) > 0)  # moves smoothly away from the current bar's noise
    with pytest.raises(ValueError, match="variation"):
        vary(prev, fresh, 1.5)


def test_slerp_preserves_the_norm():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(500).astype(np.float32)
    b = rng.standard_normal(500).astype(np.float32)
    b *= np.linalg.norm(a) / np.linalg.norm(b)
    for v in (0.1, 0.5, 0.9):
        assert np.linalg.norm(slerp(a, b, v)) == pytest.approx(np.linalg.norm(a), rel=1e-5)
    np.testing.assert_allclose(slerp(a, a, 0.5), a, rtol=1e-6)  # parallel: no division by 0


def test_noise_of_another_tempo_is_cropped_or_completed():
    fresh = noise(9, D, 20)
    np.testing.assert_array_equal(fit_noise(noise(1, D, 30), fresh), noise(1, D, 20))
    longer = fit_noise(noise(1, D, 15), fresh)
    np.testing.assert_array_equal(longer[:, :15], noise(1, D, 15))
    np.testing.assert_array_equal(longer[:, 15:], fresh[:, 15:])
    with pytest.raises(ValueError, match="channels"):
        fit_noise(noise(1, D + 1, 20), fresh)


def test_bar_geometry_and_phase_signal():
    assert bar_samples(125, 24_000) == 46_080 and bar_frames(46_080, 320) == 144
    assert bar_samples(110, 24_000) == 52_364 and bar_frames(52_364, 320) == 164
    p = phase_signal(144)
    assert p.shape == (6, 144) and p.dtype == np.float32
    beat, bar = p[0], p[1]
    assert np.sum(np.diff(beat) < 0) == 3  # four saw-teeth: three resets inside the bar
    assert bar[0] == 0.0 and bar[-1] == pytest.approx(143 / 144)
    np.testing.assert_allclose(p[2] ** 2 + p[3] ** 2, 1.0, atol=1e-6)  # never all-zero
