"""Fit a bar to the exact number of output samples the clock asks for, at the device rate.

A bar is a seamless loop, i.e. one period of a periodic signal, so the right resampler is the
band-limited (Fourier) one over the period: it changes the rate (24 kHz model rate to 44.1/48 kHz)
and absorbs the last sample of tempo rounding in one step, with no edge effects at the seam and no
images above the model's Nyquist frequency. It runs in the scheduler thread, never in the callback.
"""

from __future__ import annotations

import numpy as np


def fit_bar(audio: np.ndarray, frames_out: int) -> np.ndarray:
    """Resample one loop period to exactly `frames_out` samples.

    Args:
        audio: [frames] or [frames, channels] one bar (seamless loop).
        frames_out: the exact length the clock gives this bar at the output rate.
    Returns:
        float32 array of shape [frames_out] or [frames_out, channels].
    """
    n = audio.shape[0]
    if frames_out <= 0 or n == 0:
        raise ValueError(f"cannot fit a bar of {n} frames into {frames_out}")
    if frames_out == n:
        return audio.astype(np.float32, copy=True)
    spec = np.fft.rfft(audio.astype(np.float64), axis=0)
    keep = min(n, frames_out) // 2 + 1
    out_spec = np.zeros((frames_out // 2 + 1, *audio.shape[1:]), dtype=np.complex128)
    out_spec[:keep] = spec[:keep]
    # The Nyquist bin of an even-length input holds both halves of a folded tone; keep it real.
    if min(n, frames_out) % 2 == 0:
        out_spec[keep - 1] = out_spec[keep - 1].real * (1.0 if n == frames_out else 0.5)
    out = np.fft.irfft(out_spec, n=frames_out, axis=0) * (frames_out / n)
    return out.astype(np.float32)


def to_stereo(mono: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """[frames] -> [frames, 2] float32, C-contiguous, ready for the player."""
    return np.repeat((mono * gain).astype(np.float32)[:, None], 2, axis=1)
