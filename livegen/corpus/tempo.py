"""A loop's tempo, from the cue most worth trusting: its metadata, its name, then its audio.

The audio estimate leans on what sample packs do: loops are cut to 1/2, 1, 2, 4 or 8 bars of 4/4,
so the file's length leaves a handful of candidate tempos inside the musical range, and the onset
envelope (with a prior near 120 BPM) chooses among them, half and double included. Only a beat
that is clearly steady and fits none of them overrules the length (a loop with a tail).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.signal import find_peaks

from livegen.corpus.tempo_tags import bare_numbers, bpm_from_metadata, bpm_from_name
from livegen.dsp.onset import frame_hop, onset_envelope
from livegen.dsp.tempo import salience
from livegen.units import bar_count, bpm_of

Audio = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]

MUSICAL_RANGE = (60.0, 200.0)  # where candidate tempos from the length may fall
LOOP_BARS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)  # how sample packs cut loops
# log prior of each bar count: whole bars of 1-4 are the norm, a half bar or 16 bars rarer
_BARS_LOG_PRIOR = {0.5: -0.7, 1.0: 0.0, 2.0: 0.0, 4.0: 0.0, 8.0: -0.3, 16.0: -1.0}
MIN_CONFIDENCE = 0.2  # below this an audio estimate is a guess: refuse the file
FIT_TOLERANCE = 0.02  # a length within 2 % of whole bars counts as whole bars
# A bare number in a name is a weaker cue than "124bpm": a pack's own export at that tempo is
# sample-exact, while a take or index number (a pack's "_129" at 127.18 BPM: 2.03 bars) is not.
BARE_TOLERANCE = 0.005
MIN_FLUX = 0.01  # onset strength per unit of spectral level: a steady sine is ~0, loops > 0.06
_METRIC_RATIOS = (1.5, 2 / 3, 4 / 3, 0.75, 3.0, 1 / 3)
STEADY_BEAT = 0.5  # periodicity at which the onsets alone may overrule the length


@dataclass(frozen=True)
class TempoDecision:
    """One file's tempo and why: `cue` is metadata, filename, name+length, length+onsets, onsets
    or none (no tempo: bpm 0); `confidence` in [0, 1]; `detail` says what the cue saw."""

    bpm: float
    cue: str
    confidence: float
    detail: str


def fits_whole_bars(duration_s: float, bpm: float, tolerance: float = FIT_TOLERANCE) -> bool:
    """Whether the length is a whole number of bars (or a half bar) at `bpm`, within `tolerance`."""
    bars = bar_count(duration_s, bpm)
    nearest = 0.5 if bars < 0.75 else round(bars)
    return abs(bars - nearest) <= tolerance * nearest


def is_loop_length(duration_s: float, bpm: float, tolerance: float = BARE_TOLERANCE) -> bool:
    """Whether the length is one of the lengths packs cut loops to (`LOOP_BARS`) at `bpm`, within
    `tolerance`: 3 or 5 bars are whole bars, but not a loop length a pack names a tempo for."""
    bars = bar_count(duration_s, bpm)
    return any(abs(bars - n) <= tolerance * n for n in LOOP_BARS)


def tempo_prior(bpms: Floats) -> Floats:
    """Log prior: loops gather near 120 BPM; 0.5 octaves wide, so the onsets can overrule it."""
    return -0.5 * (np.log2(bpms / 120.0) / 0.5) ** 2


def _bars(n: float) -> str:
    return f"{n:g} bar" + ("" if n == 1 else "s")


def length_candidates(duration_s: float) -> list[tuple[float, float]]:
    """(bars, bpm) for every sample-pack loop length whose tempo lies in the musical range."""
    out = [(n, bpm_of(duration_s, n)) for n in LOOP_BARS]
    return [(n, b) for n, b in out if MUSICAL_RANGE[0] <= b <= MUSICAL_RANGE[1]]


def _onset_tempo(env: Floats, frame_rate: float) -> tuple[float, float]:
    """(bpm, periodicity) of the strongest beat in 70-180 BPM, regardless of the length."""
    grid = np.arange(70.0, 180.0 + 1e-9, 0.05)
    s = salience(env, frame_rate, grid)
    best = int(np.argmax(s + 0.3 * tempo_prior(grid)))
    return float(grid[best]), float(s[best])


def _related(a: float, b: float) -> bool:
    """Whether two tempos are one beat at two metrical levels: within 2 % of a factor of 2, or
    within 3.5 % of 3/2 or 4/3 (the onset grid is coarser for syncopated breaks and triplets)."""
    octaves = np.log2(a / b)
    if abs(octaves - round(octaves)) < 0.03:
        return True
    return any(abs(octaves - np.log2(r)) < 0.05 for r in _METRIC_RATIOS)


def count_hits(env: Floats, frame_rate: float, rel: float = 0.25, gap_s: float = 0.05) -> int:
    """Onsets of at least `rel` of the strongest, `gap_s` apart, around the loop (circularly)."""
    if not np.any(env > 0):
        return 0
    gap = max(1, round(gap_s * frame_rate))
    wrapped = np.concatenate([env[-gap:], env, env[:gap]])
    peaks, _ = find_peaks(wrapped, height=rel * float(env.max()), distance=gap)
    return int(np.sum((peaks >= gap) & (peaks < gap + len(env))))


def _contrast(env: Floats) -> float:
    """How far onset peaks stand out: 99th percentile over the median (noise ~1.25, drums > 3)."""
    return float(np.percentile(env, 99)) / max(float(np.median(env)), 1e-12)


def _repetition(env: Floats) -> float:
    """Autocorrelation at half and quarter of the file: how much it repeats itself in bars."""
    centred = env - env.mean()
    ac = np.fft.irfft(np.abs(np.fft.rfft(centred)) ** 2, n=len(centred))
    ac = ac / max(float(ac[0]), 1e-12)
    return float(max(ac[round(len(ac) / 2) % len(ac)], ac[round(len(ac) / 4) % len(ac)]))


def estimate_bpm(audio: Audio, sr: int) -> tuple[float, float, str]:
    """(bpm, confidence in [0, 1], what decided) from the audio alone, the length as a prior.

    Candidates are the tempos at which the length is 1/2-16 bars; each scores its onset
    salience plus the tempo and bar-count priors, and the softmax of the scores is how sure the
    choice is, scaled by how much beat there is at all (noise and drones have little). A steady
    beat at no metrical relation to any candidate means the file is not whole bars: it wins.
    """
    duration = len(audio) / sr
    if duration < 120.0 / MUSICAL_RANGE[1]:
        return 0.0, 0.0, f"{duration:.2f} s is less than half a bar at {MUSICAL_RANGE[1]:g} BPM"
    env, frame_rate = onset_envelope(audio, sr)
    if np.mean(env) < MIN_FLUX * max(float(np.mean(_level(audio, sr))), 1e-9):
        return 0.0, 0.0, "no onsets at all: a steady tone or drone, not a loop"
    if (hits := count_hits(env, frame_rate)) < 2:
        return (
            0.0,
            0.0,
            f"{hits} hit{'s' * (hits != 1)} in {duration:.2f} s: a one-shot, not a loop",
        )
    onset_bpm, periodicity = _onset_tempo(env, frame_rate)
    cands = length_candidates(duration)
    bpms = np.array([b for _, b in cands])
    support = salience(env, frame_rate, bpms) if cands else np.zeros(0)
    related = any(_related(onset_bpm, b) for b in bpms)
    if cands and (related or periodicity < STEADY_BEAT or support.max() >= 0.5 * periodicity):
        bars_prior = np.array([_BARS_LOG_PRIOR[n] for n, _ in cands])
        score = 3.0 * support + tempo_prior(bpms) + bars_prior
        p = np.exp(score - score.max())
        p /= p.sum()
        i = int(np.argmax(score))
        peaks = float(np.clip((_contrast(env) - 1.4) / 1.5, 0.0, 1.0))  # noise ~1.25, drums > 3
        beat = periodicity if related else 0.0
        evidence = max(float(support[i]), _repetition(env), beat, 0.6 * peaks)
        confidence = float(p[i]) * float(np.clip((evidence - 0.1) / 0.3, 0.0, 1.0))
        others = " or ".join(f"{b:.1f}" for j, (_, b) in enumerate(cands) if j != i)
        detail = f"length is {_bars(cands[i][0])} at {bpms[i]:.2f} BPM"
        detail += f"; onsets chose it over {others}" if others else ""
        detail += f" (beat evidence {evidence:.2f}, octave odds {p[i]:.2f})"
        return float(bpms[i]), confidence, detail
    detail = f"steady beat at {onset_bpm:.2f} BPM (periodicity {periodicity:.2f}); "
    detail += f"the length ({duration:.3f} s) is no whole number of bars at it"
    return onset_bpm, 0.5 * periodicity, detail


def _level(audio: Audio, sr: int) -> Floats:
    """Per-frame sum of the compressed spectrum, the yardstick for the onset envelope."""
    hop, n_fft = frame_hop(sr)
    x = np.pad(audio[: 10 * sr], (0, n_fft), mode="wrap")  # a loop continues into its start
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[:: hop * 4]
    mag = np.abs(np.fft.rfft(frames * np.hanning(n_fft).astype(np.float32), axis=1))
    return np.log1p(100.0 * mag).sum(axis=1).astype(np.float64)


def decide(path: Path, audio: Audio, sr: int) -> TempoDecision:
    """The tempo of the loop in `path` (`audio` is its mono content at `sr`) and the cue that
    gave it, trusted in this order: metadata, an explicit tempo in the name, a bare number in the
    name that the length confirms, then the audio."""
    duration = len(audio) / sr
    if (bpm := bpm_from_metadata(path)) is not None:
        return TempoDecision(bpm, "metadata", 1.0, f"{bpm:g} BPM in the file's tags")
    if (bpm := bpm_from_name(path.name)) is not None:
        return TempoDecision(bpm, "filename", 0.95, f"{bpm:g} BPM written in the name")
    for bpm in bare_numbers(path.name):
        if is_loop_length(duration, bpm):
            bars = bar_count(duration, bpm)
            detail = f"'{bpm:g}' in the name, and the length is {bars:.2f} bars at it"
            return TempoDecision(bpm, "name+length", 0.9, detail)
    bpm, confidence, detail = estimate_bpm(audio, sr)
    cue = "onsets" if detail.startswith("steady beat") else "length+onsets" if bpm else "none"
    return TempoDecision(bpm, cue, confidence, detail)
