"""The one mel filterbank: both scales invert, both norms, shared and read-only."""

from __future__ import annotations

import numpy as np
import pytest

from livegen.dsp.mel import hz_to_mel, mel_filterbank, mel_to_hz


@pytest.mark.parametrize("scale", ["htk", "slaney"])
def test_the_scales_invert(scale):
    f = np.array([0.0, 30.0, 440.0, 999.0, 1000.0, 1001.0, 8000.0, 12_000.0])
    assert mel_to_hz(hz_to_mel(f, scale), scale) == pytest.approx(f, abs=1e-6)


def test_slaney_is_linear_below_one_kilohertz_and_htk_is_not():
    assert hz_to_mel(500.0, "slaney") == pytest.approx(7.5)  # 200/3 Hz per mel
    assert hz_to_mel(1000.0, "htk") == pytest.approx(1000.0, abs=0.1)
    assert hz_to_mel(500.0, "htk") != pytest.approx(500.0, abs=1.0)


def test_peak_norm_and_area_norm():
    peak = mel_filterbank(24_000, 1024, 40, 30.0, norm=False, dtype=np.float64)
    assert peak.dtype == np.float64 and peak.max() <= 1.0 and peak.max(1).min() > 0.5
    area = mel_filterbank(16_000, 512, 96, scale="slaney")
    assert area.shape == (96, 257) and area.dtype == np.float32
    assert np.median(area.sum(1) * 16_000 / 512) == pytest.approx(1.0, rel=0.1)


def test_banks_are_cached_and_read_only():
    a = mel_filterbank(24_000, 1024, 64, 30.0, 12_000.0)
    assert a is mel_filterbank(24_000, 1024, 64, 30.0, 12_000.0)
    with pytest.raises(ValueError):
        a[0, 0] = 1.0
