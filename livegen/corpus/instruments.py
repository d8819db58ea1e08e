"""Techno instruments in numpy: 909-style drums as one-shots, bass/acid lines, chord stabs, pads.

Each instrument takes a plain dict of parameters (so the metadata records exactly what played) and
returns audio at 24 kHz. One-shots start at zero and end at zero; lines are rendered past the loop end
and folded back by the caller; pads are exactly periodic over the loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from livegen import SAMPLE_RATE as SR
from livegen.corpus import dsp

Array = np.ndarray
Params = dict[str, Any]

# 808/909 hats: six detuned square oscillators at these (inharmonic) frequencies, scaled by `tune`.
HAT_RATIOS = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)


def kick(p: Params, rng: np.random.Generator) -> Array:
    """909-style kick: sine with an exponential pitch drop, amplitude decay, a noise click, drive."""
    n = int((p["decay_s"] + 0.05) * SR)
    t = np.arange(n) / SR
    freq = p["pitch_hz"] * (1.0 + (p["sweep"] - 1.0) * np.exp(-t / p["pitch_decay_s"]))
    body = np.sin(2 * np.pi * dsp.phase_from_freq(freq) - 2 * np.pi * freq[0] / SR)
    body *= dsp.exp_env(n, p["decay_s"], attack_s=0.0005)
    click_n = int(0.006 * SR)
    click = dsp.butter(dsp.white(rng, click_n), "highpass", 2000.0) * dsp.exp_env(click_n, 0.004)
    body[:click_n] += p["click"] * 0.5 * click
    return dsp.fade_tail(dsp.soft_clip(body, p["drive"]))


def clap(p: Params, rng: np.random.Generator) -> Array:
    """Clap: three quick noise bursts then a longer band-passed tail."""
    n = int((p["decay_s"] + 0.05) * SR)
    noise = dsp.white(rng, n)
    env = 0.6 * dsp.exp_env(n, p["decay_s"], attack_s=0.0005)
    gap = int(p["spread_ms"] * 1e-3 * SR)
    for k in range(3):
        burst = dsp.exp_env(n - k * gap, 0.012, attack_s=0.0003)
        env[k * gap :] = np.maximum(env[k * gap :], burst)
    band = (p["tone_hz"] * 0.6, min(p["tone_hz"] * 2.2, 0.45 * SR))
    return dsp.fade_tail(dsp.butter(noise * env, "bandpass", band, order=2) * 2.0)


def snare(p: Params, rng: np.random.Generator) -> Array:
    """Snare: a short pitched body plus high-passed noise ("snappy")."""
    n = int((p["decay_s"] + 0.05) * SR)
    t = np.arange(n) / SR
    freq = p["tone_hz"] * (1.0 + 0.5 * np.exp(-t / 0.01))
    body = np.sin(2 * np.pi * (dsp.phase_from_freq(freq) - freq[0] / SR))
    body *= dsp.exp_env(n, p["decay_s"] * 0.5, attack_s=0.0005)
    noise = dsp.butter(dsp.white(rng, n), "highpass", 1500.0) * dsp.exp_env(n, p["decay_s"])
    return dsp.fade_tail((1 - p["snappy"]) * body + p["snappy"] * noise)


def hat(p: Params, rng: np.random.Generator, open_: bool) -> Array:
    """Closed/open hat: metallic square cluster + noise, high-passed; open hats ring longer."""
    decay = p["open_decay_s"] if open_ else p["closed_decay_s"]
    n = int((decay + 0.03) * SR)
    metal = np.zeros(n)
    for ratio in HAT_RATIOS:
        f = np.full(n, ratio * p["tune"])
        metal += dsp.square(dsp.phase_from_freq(f, rng.random()), f)
    x = (1 - p["noise"]) * metal / len(HAT_RATIOS) + p["noise"] * 0.5 * dsp.white(rng, n)
    x = dsp.butter(x, "highpass", p["cutoff_hz"], order=4)
    return dsp.fade_tail(x * dsp.exp_env(n, decay, attack_s=0.0003) * 1.5)


def rim(p: Params, rng: np.random.Generator) -> Array:
    """Rimshot: two short high sines and a click."""
    n = int(0.06 * SR)
    t = np.arange(n) / SR
    x = np.sin(2 * np.pi * p["tone_hz"] * t) + 0.6 * np.sin(2 * np.pi * p["tone_hz"] * 0.38 * t)
    x *= dsp.exp_env(n, p["decay_s"], attack_s=0.0002)
    x[: int(0.002 * SR)] += 0.3 * dsp.white(rng, int(0.002 * SR))
    return dsp.fade_tail(x * 0.7)


def perc(p: Params, rng: np.random.Generator) -> Array:
    """Tom/conga-like percussion: sine with a small pitch drop, or an FM blip."""
    n = int((p["decay_s"] + 0.03) * SR)
    t = np.arange(n) / SR
    freq = p["tone_hz"] * (1.0 + 0.4 * np.exp(-t / 0.015))
    ph = 2 * np.pi * dsp.phase_from_freq(freq)
    mod = p["fm"] * np.sin(ph * 2.7) * np.exp(-t / 0.02)
    x = np.sin(ph + mod - ph[0]) * dsp.exp_env(n, p["decay_s"], attack_s=0.0005)
    return dsp.fade_tail(x)


def _osc(wave: str, phase: Array, freq: Array) -> Array:
    return dsp.saw(phase, freq) if wave == "saw" else dsp.square(phase, freq)


def line(
    p: Params,
    notes: Sequence[dict[str, Any]],
    n_total: int,
) -> Array:
    """A monophonic synth line (bass or 303-style acid) rendered over `n_total` samples.

    Args:
        p: wave ("saw"|"square"), cutoff_hz, resonance (Q), env_octaves, decay_s, drive, accent.
        notes: dicts with pos, length (samples), midi, accent (bool), slide (bool, glide into the
            next note without retriggering, as on a TB-303).
        n_total: output length; the caller folds what lies past the loop end.
    Returns:
        [n_total] line audio.
    """
    midi = np.full(n_total, float(notes[0]["midi"]) if notes else 36.0)
    amp = np.zeros(n_total)
    cut_oct = np.zeros(n_total)
    glide = int(0.05 * SR)
    for i, note in enumerate(notes):
        pos, length = note["pos"], note["length"]
        prev_slide = i > 0 and notes[i - 1]["slide"]
        end = min(pos + length, n_total)
        midi[pos:] = note["midi"]
        if prev_slide:  # 303 slide: pitch glides, envelopes carry on
            g = min(glide, end - pos)
            midi[pos : pos + g] = np.linspace(notes[i - 1]["midi"], note["midi"], g)
        boost = p["accent"] if note["accent"] else 1.0
        seg = end - pos
        if not prev_slide:
            cut_oct[pos:end] = p["env_octaves"] * boost * dsp.exp_env(seg, p["decay_s"], 0.0)
            amp[pos:end] = np.maximum(amp[pos:end], boost * dsp.exp_env(seg, 4 * p["decay_s"]))
        else:
            amp[pos:end] = amp[pos - 1] if pos > 0 else 1.0
            cut_oct[pos:end] = cut_oct[pos - 1] if pos > 0 else 0.0
        rel = min(int(0.006 * SR), n_total - end)
        if not note["slide"] and rel > 0:  # short release, so each note ends at zero
            amp[end : end + rel] = amp[end - 1] * np.linspace(1.0, 0.0, rel)
    freq = dsp.midi_hz(midi)
    x = _osc(p["wave"], dsp.phase_from_freq(freq), freq) * amp
    cutoff = p["cutoff_hz"] * 2.0**cut_oct
    x = dsp.lowpass_tv(x, cutoff, p["resonance"])
    return dsp.soft_clip(x, p["drive"]) * 0.8


def stab(p: Params, chord: Sequence[float], rng: np.random.Generator) -> Array:
    """Chord stab: three detuned saws per chord note, low-passed, short envelope."""
    n = int((p["decay_s"] * 1.5 + 0.05) * SR)
    x = np.zeros(n)
    for note in chord:
        for detune in (-p["detune_cents"], 0.0, p["detune_cents"]):
            f = np.full(n, dsp.midi_hz(note + detune / 100.0))
            x += dsp.saw(dsp.phase_from_freq(f, rng.random()), f)
    x = dsp.butter(x / (3 * len(chord)), "lowpass", p["cutoff_hz"], order=2)
    return dsp.fade_tail(x * dsp.exp_env(n, p["decay_s"], attack_s=0.002) * 1.6)


def pad(p: Params, chord: Sequence[float], n: int, rng: np.random.Generator) -> Array:
    """Sustained pad/drone, exactly periodic over the loop.

    Every partial is tuned to a whole number of cycles per loop (a shift of < 0.3 Hz) and the
    'breathing' LFO to a whole number of periods, so the end flows into the start by construction.
    """
    t = np.arange(n)
    x = np.zeros(n)
    for note in chord:
        for detune in (-p["detune_cents"], p["detune_cents"]):
            f = dsp.midi_hz(note + detune / 100.0)
            cycles = max(1, round(float(f) * n / SR))
            ph = cycles * t / n + rng.random()
            x += dsp.saw(ph, np.full(n, cycles * SR / n))
    x = dsp.periodic_filter(x / (2 * len(chord)), "lowpass", p["cutoff_hz"])
    lfo = 1.0 + p["lfo_depth"] * np.sin(2 * np.pi * p["lfo_cycles"] * t / n + rng.random() * 6.28)
    return x * lfo * 1.5
