"""Log-mel features of an audio prompt, in numpy: the audio tower's input at training and run time.

One function computes them for both, so the ONNX audio graph sees exactly what the torch model
was trained on. Loops are seamless, so frames wrap around the end instead of being zero-padded.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from livegen.dsp.mel import mel_filterbank
from livegen.units import SAMPLE_RATE

Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class MelConfig:
    """Log-mel analysis (saved in the checkpoint and the manifest)."""

    sample_rate: int = SAMPLE_RATE
    n_fft: int = 1024
    hop: int = 320  # 75 frames/s, the codec's frame rate
    n_mels: int = 64
    f_min: float = 30.0
    f_max: float = 12_000.0
    frames: int = 128  # window the audio tower sees (~1.7 s, one bar at 140 BPM)

    def to_dict(self) -> dict:
        return asdict(self)


@functools.cache
def _window(n_fft: int) -> Array:
    return np.hanning(n_fft + 1)[:-1].astype(np.float32)


def log_mel(audio: npt.ArrayLike, cfg: MelConfig = MelConfig()) -> Array:
    """Audio [N] at cfg.sample_rate → log-mel [n_mels, ceil(N / hop)], frames wrapping around.

    Values are natural-log power (floor 1e-6); the network normalises them itself.
    """
    x = np.asarray(audio, np.float32).reshape(-1)
    if x.size == 0:
        raise ValueError("log_mel needs at least one sample")
    n_frames = -(-x.size // cfg.hop)
    # Circular framing: frame t covers samples [t*hop - n_fft/2, t*hop + n_fft/2) mod N.
    offsets = np.arange(cfg.n_fft) - cfg.n_fft // 2
    idx = (offsets[None, :] + cfg.hop * np.arange(n_frames)[:, None]) % x.size
    frames = x[idx] * _window(cfg.n_fft)[None, :]
    import scipy.fft  # here, not on top: 0.3 s of the daemon's start, for audio prompts only

    spec = scipy.fft.rfft(frames, axis=1)  # [T, F] complex64; scipy's is ~5x numpy's speed
    power = spec.real**2 + spec.imag**2
    # einsum, not `@`: a small BLAS matmul took 8-24 ms when OpenBLAS threads met a busy CPU.
    # HTK-mel filters, area-normalised.
    fb = mel_filterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.f_min, cfg.f_max)
    mel = np.einsum("mf,tf->mt", fb, power.astype(np.float32))  # [M, T]
    return np.log(mel + 1e-6).astype(np.float32)


def windows(mel: Array, frames: int, max_windows: int = 16) -> Array:
    """Cut log-mel [M, T] into windows [W, M, frames] for the audio tower.

    A short prompt is repeated (loops wrap); a long one gives evenly spaced windows with half
    overlap, at most `max_windows`, whose embeddings the caller averages.
    """
    t = mel.shape[1]
    if t <= frames:
        reps = -(-frames // t)
        return np.tile(mel, (1, reps))[None, :, :frames]
    starts = np.arange(0, t - frames + 1, max(1, frames // 2))
    if starts[-1] != t - frames:
        starts = np.append(starts, t - frames)
    if starts.size > max_windows:
        starts = starts[np.linspace(0, starts.size - 1, max_windows).round().astype(int)]
    return np.stack([mel[:, s : s + frames] for s in starts]).astype(np.float32)
