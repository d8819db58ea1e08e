"""Bar fitting: exact lengths, band-limited, periodic (seamless) resampling."""

import numpy as np
import pytest

from livegen.dsp.resample import fit_bar, to_stereo


@pytest.mark.parametrize(("n", "m"), [(45077, 90154), (45077, 90155), (46080, 88200), (1000, 999)])
def test_periodic_tone_survives_any_length_change(n, m):
    k = 37  # whole cycles per bar: a seamless loop
    x = np.sin(2 * np.pi * k * np.arange(n) / n)
    y = fit_bar(x, m)
    assert y.shape == (m,) and y.dtype == np.float32
    expected = np.sin(2 * np.pi * k * np.arange(m) / m)
    assert np.abs(y - expected).max() < 1e-4
    # seamless after resampling: the step across the seam is an ordinary step
    assert abs(y[0] - y[-1]) <= np.abs(np.diff(y)).max() + 1e-6


def test_upsampling_adds_nothing_above_the_model_nyquist():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(24000)  # 1 s of white noise at 24 kHz
    y = fit_bar(x, 48000)
    spec = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(48000, 1 / 48000)
    above = spec[freqs > 12050].sum() / spec.sum()
    assert above < 1e-10
    # and the band below is kept: same energy per second
    assert np.mean(y**2) == pytest.approx(np.mean(x**2), rel=0.02)


def test_stereo_and_channels_axis():
    x = np.stack([np.sin(np.arange(1000) * 0.1), np.cos(np.arange(1000) * 0.1)], axis=1)
    y = fit_bar(x, 2000)
    assert y.shape == (2000, 2)
    s = to_stereo(np.ones(10), gain=0.5)
    assert s.shape == (10, 2) and s.flags.c_contiguous and np.all(s == 0.5)


def test_bad_lengths():
    with pytest.raises(ValueError, match="cannot fit"):
        fit_bar(np.zeros(10), 0)
