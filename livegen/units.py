"""The units every room shares, one copy each: sample rates, the MIDI clock grid, bar lengths.

A bar is 4/4. At `bpm` it lasts 240 / bpm seconds: round(240 / bpm · rate) samples, and
round(samples / hop) latent frames. Pure Python; imports nothing.
"""

from __future__ import annotations

from fractions import Fraction

SAMPLE_RATE = 24_000  # model rate of everything livegen synthesises and learns from
PPQN = 24  # MIDI clock pulses per quarter note
BEATS_PER_BAR = 4  # livegen plays bars of 4/4


def bar_samples(bpm: float, sample_rate: int = SAMPLE_RATE, beats: int = BEATS_PER_BAR) -> int:
    """Samples in one bar: round(beats · 60 / bpm · rate)."""
    return round(beats * 60.0 / float(bpm) * sample_rate)


def bar_frames(n_samples: int, hop: int) -> int:
    """Latent frames of one bar: round(n / hop). The bar is resampled to frames · hop samples
    before encoding (and back after decoding), so it is exactly `frames` frames long: a loop."""
    return max(1, round(int(n_samples) / int(hop)))


def bar_starts(bars: int, bpm: float, rate: int, beats: int = BEATS_PER_BAR) -> list[int]:
    """Output sample where each bar starts, plus the end: round(k · beats·60/bpm · rate), exact
    (rational), so a long render never drifts."""
    length = Fraction(beats * 60) / Fraction(str(float(bpm))) * rate
    return [round(k * length) for k in range(bars + 1)]


def bar_count(duration_s: float, bpm: float, beats: int = BEATS_PER_BAR) -> float:
    """Bars at `bpm` in `duration_s` seconds."""
    return duration_s * bpm / (beats * 60.0)


def bpm_of(duration_s: float, bars: float, beats: int = BEATS_PER_BAR) -> float:
    """The tempo at which `bars` bars last `duration_s` seconds."""
    return beats * 60.0 * bars / duration_s
