"""The bass line as a condition: the carrier of the note playing, phase-locked to the synth.

Why (README "Why the first steps"): the codec writes a held note as an oscillation of the latents
at the note's frequency folded to the frame rate, and a UNet asked for "a bass in F minor" must
pick that frequency from noise and hold it exactly; ours does not (its bass is on the tempered
grid at chance level). The corpus knows every note of every bass line, and its mono synth runs
one continuous phase from the bar's first sample (`corpus.instruments.line`), so the line's own
oscillation can be handed over: rows cos φ(t), sin φ(t) of that phase at each latent frame, and
the note's pitch; zeros for a bar without a line. With a phase-locked carrier the mean of the
bass's latents given the condition can be the note's oscillation, nothing to pick from noise (the
README's probe: the line steers which notes the bass plays, not yet how in tune).

The rows follow the bar's resampling to whole frames (frame j is original sample j·n/T), so the
phase stays locked over the bar whatever the tempo. Slides glide over 50 ms as the synth does
(the synth cuts a glide at the note's end; the manifest keeps no note lengths, so a slid note
shorter than 50 ms glides slower here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livegen.dsp.notes import midi_hz
from livegen.units import SAMPLE_RATE as SR

LINE_CHANNELS = 3  # cos φ, sin φ, (midi − 48) / 24; all 0 for a bar without a line
LINE_PARTS = ("bass", "acid")  # the corpus's mono lines, both in the bass stem
GLIDE_S = 0.05  # `corpus.instruments.line`'s slide time


def line_notes(entry: dict[str, Any]) -> list[list] | None:
    """The first mono line of a manifest entry: [[pos, midi, accent, slide], ...], or None."""
    for part in LINE_PARTS:
        notes = entry.get("instruments", {}).get(part, {}).get("notes")
        if notes:
            return notes
    return None


def midi_track(notes: list[list], n: int) -> np.ndarray:
    """Per-sample MIDI pitch over n samples as the synth holds it (each note until the next; the
    first from the start; a slide glides into the next note)."""
    midi = np.full(n, float(notes[0][1]))
    glide = int(GLIDE_S * SR)
    for i, (pos, m, _accent, _slide) in enumerate(notes):
        pos = int(pos)
        if pos >= n:
            break
        midi[pos:] = m
        if i > 0 and notes[i - 1][3]:
            g = min(glide, n - pos)
            midi[pos : pos + g] = np.linspace(notes[i - 1][1], m, g)
    return midi


def line_rows(notes: list[list] | None, n_samples: int, frames: int) -> np.ndarray:
    """[LINE_CHANNELS, frames] rows of a bar of `n_samples` resampled to `frames` latent frames
    (zeros: no line)."""
    out = np.zeros((LINE_CHANNELS, frames), np.float32)
    if not notes:
        return out
    midi = midi_track(notes, n_samples)
    cycles = np.cumsum(midi_hz(midi)) / SR  # the synth's running phase (`dsp.phase_from_freq`)
    at = np.arange(frames) * (n_samples / frames)  # fractional: the resampled frames' times
    phi = 2 * np.pi * np.mod(np.interp(at, np.arange(n_samples), cycles), 1.0)
    out[0], out[1] = np.cos(phi), np.sin(phi)
    out[2] = (np.interp(at, np.arange(n_samples), midi) - 48.0) / 24.0
    return out
