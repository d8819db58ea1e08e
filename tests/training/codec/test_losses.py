"""Codec losses and measures behave as measures: zero/perfect on identity, worse on damage."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from livegen.training.codec.losses import MultiScaleMelLoss, si_sdr

SR = 24_000


def beat(seconds: float = 1.0, seed: int = 0) -> torch.Tensor:
    """Kicks on quarter notes at 120 BPM and noise hats on the off-beats, [1, N]."""
    n = int(seconds * SR)
    x = np.zeros(n, np.float32)
    t = np.arange(int(0.2 * SR)) / SR
    kick = np.sin(2 * np.pi * 55 * t) * np.exp(-t / 0.05)
    noise = np.random.default_rng(seed).standard_normal(int(0.03 * SR))
    hat = 0.2 * noise * np.exp(-np.arange(len(noise)) / (0.005 * SR))
    for start in range(0, n, SR // 2):
        x[start : start + len(kick)] += kick[: n - start]
        off = start + SR // 4
        x[off : off + len(hat)] += hat[: max(0, n - off)]
    return torch.from_numpy(x)[None]


def test_si_sdr_is_scale_invariant_and_punishes_noise() -> None:
    x = beat()
    assert si_sdr(0.5 * x, x).item() > 60
    noisy = x + 0.1 * torch.randn_like(x)
    assert 0 < si_sdr(noisy, x).item() < 30


def test_mel_distance_zero_for_identity_and_grows_with_damage() -> None:
    mel = MultiScaleMelLoss()
    x = beat()
    assert mel.distance(x, x).item() == pytest.approx(0, abs=1e-6)
    small = mel.distance(x + 0.001 * torch.randn_like(x), x).item()
    large = mel.distance(x + 0.1 * torch.randn_like(x), x).item()
    assert 0 < small < large
    assert mel(x + 0.1 * torch.randn_like(x), x).item() > 0


def test_onset_correlation_follows_the_transients() -> None:
    from livegen.eval.codec import onset_correlation

    x = beat()[0].numpy()
    assert onset_correlation(x, x, SR) == pytest.approx(1.0, abs=1e-6)
    hiss = x + 0.003 * np.random.default_rng(1).standard_normal(len(x)).astype(np.float32)
    late = np.roll(x, SR // 8)  # every kick and hat an eighth of a beat late
    assert onset_correlation(hiss, x, SR) > 0.9
    assert onset_correlation(late, x, SR) < 0.3
