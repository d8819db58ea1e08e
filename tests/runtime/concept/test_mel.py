"""Log-mel front end: shapes, circular framing, windows."""

import numpy as np

from livegen.dsp.mel import mel_filterbank
from livegen.runtime.concept.mel import MelConfig, log_mel, windows


def test_shape_and_finite():
    cfg = MelConfig()
    x = np.random.default_rng(0).standard_normal(48_000).astype(np.float32) * 0.1
    m = log_mel(x, cfg)
    assert m.shape == (cfg.n_mels, 150)
    assert m.dtype == np.float32 and np.all(np.isfinite(m))
    assert mel_filterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.f_min, cfg.f_max).shape == (
        cfg.n_mels,
        cfg.n_fft // 2 + 1,
    )


def test_circular_framing_commutes_with_rolling_by_a_hop():
    cfg = MelConfig()
    x = np.random.default_rng(1).standard_normal(cfg.hop * 40).astype(np.float32)
    a = log_mel(np.roll(x, -3 * cfg.hop), cfg)
    b = np.roll(log_mel(x, cfg), -3, axis=1)
    np.testing.assert_allclose(a, b, atol=1e-3)


def test_windows_tile_short_and_cut_long_inputs():
    short = np.zeros((64, 50), np.float32)
    assert windows(short, 128).shape == (1, 64, 128)
    long = np.zeros((64, 1000), np.float32)
    w = windows(long, 128, max_windows=16)
    assert w.shape[1:] == (64, 128) and 1 < w.shape[0] <= 16
    assert windows(np.zeros((64, 128), np.float32), 128).shape == (1, 64, 128)
