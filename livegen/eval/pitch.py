"""Bass pitch: does a stem's low fundamental sit on the tempered grid, and does it hold still?

Why a second pitch measure beside `key.in_tune`: that one reads spectral peaks from 200 Hz up,
where chords and pads live; a bass's fundamental lies at 41-200 Hz, where a semitone is 2.4-12
Hz and a 170 ms frame cannot tell its neighbours apart. Here each frame's fundamental is the
candidate (MIDI E1-G3, 5-cent steps) whose first six harmonics hold the most magnitude (a
harmonic sum over a 340 ms Hann frame, zero-padded 4x): the upper harmonics fix the pitch to a
few cents although the fundamental's own bin is a fifth of a semitone wide. NumPy only.

- `on_grid`: the share of the frames' energy whose fundamental lies within ±15 cents of a
  tempered note (A = 440 Hz): 0.30 for pitch unrelated to the grid, near 1 for a bare saw held
  on its notes (the corpus's bass lines, with their filter sweeps and slides: about 0.55).
- `steadiness`: how well the frames agree on their offset from the grid, |Σ w·e^{2πi·m}| / Σ w
  over the fundamentals m (in semitones): 1 when every note is in tune (or all detuned alike),
  near 0 when the pitch slides around between notes.
The loop is wrapped, so a note across the seam counts once.
"""

from __future__ import annotations

import numpy as np

from livegen.dsp.notes import midi_hz

FRAME = 8192  # 340 ms at 24 kHz: a bass note's body
GRID = np.arange(28.0, 56.0, 0.05)  # MIDI E1 (41 Hz) up to G3 (196 Hz) in 5-cent steps
HARMONICS = 6
CENTS = 15.0
SILENT_RMS = 1e-3  # frames quieter than this are skipped (-60 dBFS)


def f0_track(
    audio: np.ndarray, sample_rate: int, frame: int = FRAME
) -> tuple[np.ndarray, np.ndarray]:
    """Per frame (a quarter frame apart, the loop wrapped): the fundamental (MIDI, fractional)
    and the frame's energy; frames under -60 dBFS are left out."""
    x = np.asarray(audio, dtype=np.float64)
    if len(x) == 0:
        return np.zeros(0), np.zeros(0)
    x = np.concatenate([x, np.resize(x, frame)])  # wrap: the loop's end runs into its start
    pad = 4 * frame
    freqs = np.fft.rfftfreq(pad, 1.0 / sample_rate)
    f0 = midi_hz(GRID)
    window = np.hanning(frame)
    midi, energy = [], []
    for start in range(0, len(x) - frame, frame // 4):
        seg = x[start : start + frame] * window
        e = float(np.sum(seg**2))
        if np.sqrt(e / frame) < SILENT_RMS:
            continue
        mag = np.abs(np.fft.rfft(seg, pad))
        score = sum(np.interp(h * f0, freqs, mag) / np.sqrt(h) for h in range(1, HARMONICS + 1))
        midi.append(GRID[int(np.argmax(score))])
        energy.append(e)
    return np.array(midi), np.array(energy)


def bass_pitch(audio: np.ndarray, sample_rate: int) -> dict[str, float]:
    """`on_grid` and `steadiness` of a (bass) stem (see the module docstring); NaN for silence."""
    midi, w = f0_track(audio, sample_rate)
    if len(midi) == 0 or w.sum() <= 0:
        return {"on_grid": float("nan"), "steadiness": float("nan")}
    cents = 100.0 * (midi - np.round(midi))
    turn = np.exp(2j * np.pi * midi)  # the offset from the grid as an angle: 1 semitone = 1 turn
    return {
        "on_grid": float(w[np.abs(cents) <= CENTS].sum() / w.sum()),
        "steadiness": float(np.abs((w * turn).sum()) / w.sum()),
    }
