"""MIDI notes and their frequencies, one copy for the synth, the evals and the generators.

Equal temperament with A4 (MIDI 69) at 440 Hz, the tuning of the corpus and of every "on the
grid" measure.
"""

from __future__ import annotations

import numpy as np


def midi_hz(note: np.ndarray | float) -> np.ndarray:
    """Frequency in Hz of a (fractional) MIDI note, float64."""
    return 440.0 * 2.0 ** ((np.asarray(note, dtype=np.float64) - 69.0) / 12.0)
