"""Mel scales and the triangular mel filterbank: one definition, parametrised by scale and norm.

`scale="htk"` is 2595 · log10(1 + f / 700); `scale="slaney"` is the auditory toolbox's (linear
below 1 kHz, logarithmic above; librosa's default). `norm=True` gives every band equal area
(2 / bandwidth, librosa's norm="slaney"); `norm=False` peaks every triangle at 1.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
import numpy.typing as npt

Scale = Literal["htk", "slaney"]
_F_SP, _MIN_LOG_HZ = 200.0 / 3, 1000.0  # Slaney: Hz per mel below 1 kHz, where the log part starts
_MIN_LOG_MEL, _LOGSTEP = _MIN_LOG_HZ / _F_SP, np.log(6.4) / 27.0


def hz_to_mel(f: npt.ArrayLike, scale: Scale = "htk") -> np.ndarray:
    """Frequency (Hz) → mel on `scale`."""
    f = np.asarray(f, np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    log_part = _MIN_LOG_MEL + np.log(np.maximum(f, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOGSTEP
    return np.where(f >= _MIN_LOG_HZ, log_part, f / _F_SP)


def mel_to_hz(m: npt.ArrayLike, scale: Scale = "htk") -> np.ndarray:
    """Mel on `scale` → frequency (Hz)."""
    m = np.asarray(m, np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    return np.where(
        m >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL)), _F_SP * m
    )


@functools.cache
def mel_filterbank(
    sample_rate: int,
    n_fft: int,
    n_mels: int,
    f_min: float = 0.0,
    f_max: float | None = None,
    scale: Scale = "htk",
    norm: bool = True,
    dtype: type = np.float32,
) -> np.ndarray:
    """Triangular mel filters [n_mels, n_fft // 2 + 1] from `f_min` to `f_max` (default Nyquist).

    Cached and shared, so read-only. scale="slaney", norm=True, float32 is
    librosa.filters.mel(sr, n_fft, n_mels) bit for bit.
    """
    f_max = sample_rate / 2 if f_max is None else f_max
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    mels = np.linspace(hz_to_mel(f_min, scale), hz_to_mel(f_max, scale), n_mels + 2)
    edges = mel_to_hz(mels, scale)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lower) / (centre - lower)
    down = (upper - freqs[None]) / (upper - centre)
    fb = np.maximum(0.0, np.minimum(up, down))
    if norm:
        fb *= 2.0 / (upper - lower)
    fb = fb.astype(dtype)
    fb.setflags(write=False)
    return fb
