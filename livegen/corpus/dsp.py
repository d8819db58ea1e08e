"""Vectorised DSP building blocks for the synthetic corpus: oscillators, envelopes, filters, loop effects.

Everything that must be seamless across the loop seam works on the loop as a circle: effects are circular
(FFT or np.roll), one-shots wrap around the end, and lines rendered past the end are folded back.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

from livegen import SAMPLE_RATE as SR
from livegen.dsp.notes import midi_hz as midi_hz  # the synth's callers use dsp.midi_hz

Array = np.ndarray


def polyblep(t: Array, dt: Array) -> Array:
    """Band-limiting residual for a unit step at phase 0 (Välimäki's PolyBLEP), vectorised."""
    out = np.zeros_like(t)
    lo = t < dt
    x = t[lo] / dt[lo]
    out[lo] = x + x - x * x - 1.0
    hi = t > 1.0 - dt
    x = (t[hi] - 1.0) / dt[hi]
    out[hi] = x * x + x + x + 1.0
    return out


def phase_from_freq(freq: Array, phase0: float = 0.0) -> Array:
    """Running phase in cycles (float64, so an hour of phase keeps sub-sample precision)."""
    return phase0 + np.cumsum(np.asarray(freq, dtype=np.float64)) / SR


def saw(phase: Array, freq: Array) -> Array:
    """Anti-aliased saw in [-1, 1] from a running phase (cycles) and its per-sample frequency."""
    t = np.mod(phase, 1.0)
    dt = np.minimum(np.abs(np.broadcast_to(freq, t.shape)) / SR, 0.5)
    return 2.0 * t - 1.0 - polyblep(t, dt)


def square(phase: Array, freq: Array, width: float = 0.5) -> Array:
    """Anti-aliased pulse as the difference of two saws half a period apart."""
    return 0.5 * (saw(phase, freq) - saw(phase + width, freq))


def exp_env(n: int, decay_s: float, attack_s: float = 0.001) -> Array:
    """Attack ramp (so every event starts from zero: no clicks) then exponential decay to -60 dB."""
    t = np.arange(n) / SR
    env = np.exp(-6.9 * t / max(decay_s, 1e-4))
    na = max(1, int(attack_s * SR))
    env[:na] *= np.linspace(0.0, 1.0, na, endpoint=False)
    return env


def fade_tail(x: Array, fade_s: float = 0.004) -> Array:
    """Force a one-shot to end at zero so it never leaves a step when placed."""
    n = min(len(x), max(1, int(fade_s * SR)))
    x[-n:] *= np.linspace(1.0, 0.0, n)
    return x


def white(rng: np.random.Generator, n: int) -> Array:
    return rng.standard_normal(n)


def butter(x: Array, kind: str, cutoff: float | tuple[float, float], order: int = 2) -> Array:
    """Plain (causal) Butterworth filter for one-shots, which start at silence anyway."""
    sos = signal.butter(order, cutoff, btype=kind, fs=SR, output="sos")
    return signal.sosfilt(sos, x)


def rbj_lowpass(cutoff: Array, q: float) -> tuple[Array, Array]:
    """RBJ cookbook low-pass biquads for an array of cutoffs: b and a, each [len(cutoff), 3]."""
    w0 = 2.0 * np.pi * np.clip(cutoff, 30.0, 0.45 * SR) / SR
    alpha = np.sin(w0) / (2.0 * q)
    c = np.cos(w0)
    a0 = 1.0 + alpha
    b = np.stack([(1 - c) / 2, 1 - c, (1 - c) / 2], axis=1) / a0[:, None]
    a = np.stack([np.ones_like(c), -2 * c / a0, (1 - alpha) / a0], axis=1)
    return b, a


def lowpass_tv(x: Array, cutoff: Array, q: float, block: int = 128) -> Array:
    """24 dB/oct low-pass with a time-varying cutoff, resonance on the first stage (303-style).

    Coefficients change every `block` samples (5 ms at 128, below the shortest filter envelope we
    use) and the state carries across blocks: a few hundred lfilter calls instead of a per-sample
    Python loop.
    """
    starts = np.arange(0, len(x), block)
    b1, a1 = rbj_lowpass(cutoff[starts], q)
    b2, a2 = rbj_lowpass(cutoff[starts], 0.707)
    y = np.empty_like(x)
    z1, z2 = np.zeros(2), np.zeros(2)
    for i, start in enumerate(starts):
        seg, z1 = signal.lfilter(b1[i], a1[i], x[start : start + block], zi=z1)
        y[start : start + block], z2 = signal.lfilter(b2[i], a2[i], seg, zi=z2)
    return y


def place(out: Array, shot: Array, pos: int, gain: float = 1.0) -> None:
    """Add a one-shot at `pos`, wrapping its tail around the loop end (the loop is a circle)."""
    n = len(out)
    pos %= n
    remaining = shot * gain
    while len(remaining):
        take = min(len(remaining), n - pos)
        out[pos : pos + take] += remaining[:take]
        remaining = remaining[take:]
        pos = 0


def fold(x: Array, n: int) -> Array:
    """Fold a line rendered past the loop end back onto its start: what rings over the seam wraps."""
    out = np.zeros(n)
    for start in range(0, len(x), n):
        seg = x[start : start + n]
        out[: len(seg)] += seg
    return out


def periodic_filter(x: Array, kind: str, cutoff: float, order: int = 2) -> Array:
    """Filter a periodic signal [..., n] in its steady state: run over two periods, keep the second.

    (An FFT would be exact, but a bar's length is often a large prime and pocketfft then costs
    20x more; every filter used here settles well within one bar.)
    """
    sos = signal.butter(order, cutoff, btype=kind, fs=SR, output="sos")
    n = x.shape[-1]
    return signal.sosfilt(sos, np.concatenate([x, x], axis=-1), axis=-1)[..., n:]


def delay(x: Array, delay_samples: int, feedback: float, tone_hz: float) -> Array:
    """Circular feedback delay (wet only) of x [..., n], darkened like a tape/dub echo."""
    wet = np.zeros_like(x)
    k, gain = 1, 1.0
    while gain > 1e-3 and k < 32:
        wet += gain * np.roll(x, k * delay_samples, axis=-1)
        k, gain = k + 1, gain * feedback
    return periodic_filter(wet, "lowpass", tone_hz, order=1)


def reverb_ir(rng: np.random.Generator, rt60_s: float, tone_hz: float) -> Array:
    """A decaying-noise impulse response with a pre-delay, darkened, of unit energy."""
    length = int(rt60_s * SR)
    ir = rng.standard_normal(length) * np.exp(-6.9 * np.arange(length) / length)
    ir[: int(0.012 * SR)] = 0.0  # pre-delay keeps the dry transient clear
    ir = butter(ir, "lowpass", tone_hz, order=1)
    return ir / (np.sqrt(np.sum(ir**2)) + 1e-12)


def reverb(x: Array, ir: Array) -> Array:
    """Circular convolution of x [..., n] with the impulse response `ir` (wet only).

    Folding the linear convolution onto the loop gives exactly the steady state of the loop playing
    forever, so the tail wraps around the loop end even when the IR is longer than the loop.
    """
    n = x.shape[-1]
    full = signal.fftconvolve(x, ir.reshape((1,) * (x.ndim - 1) + (-1,)), axes=-1)
    out = np.zeros_like(x)
    for start in range(0, full.shape[-1], n):
        seg = full[..., start : start + n]
        out[..., : seg.shape[-1]] += seg
    return out * 0.5


def soft_clip(x: Array, drive: float) -> Array:
    return np.tanh(drive * x) / np.tanh(drive)


def drive_gain(x: Array, drive: float, window_s: float = 0.005) -> Array:
    """The gain envelope of a soft-clip drive on the peak envelope of x (a circular limiter).

    `soft_clip` applied sample by sample is `x * g(|x|)` with g(e) = tanh(drive e) / (tanh(drive) e);
    here e is the peak of |x| within ±window_s (wrapping around the loop), and g is then averaged
    over window_s so that it moves smoothly. Since g falls as e rises, the envelope never lets
    |x * gain| past 1 by more than the averaging allows; unlike the sample-wise clip it does not
    follow the waveform, so multiplying several signals by it keeps their sum its own product.
    """
    w = max(1, int(window_s * SR))
    env = ndimage.maximum_filter1d(np.abs(x), 2 * w + 1, mode="wrap") + 1e-9
    gain = np.tanh(drive * env) / (np.tanh(drive) * env)
    return ndimage.uniform_filter1d(gain, w + 1, mode="wrap")
