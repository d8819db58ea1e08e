"""MIDI notes and their frequencies, one copy for the synth, the evals and the generators.

Equal temperament with A4 (MIDI 69) at 440 Hz, the tuning of the corpus and of every "on the
grid" measure. And the two scales a key names: the corpus writes its lines in them, the key
lock (`livegen.dsp.tune`) pulls the generated bass onto them.
"""

from __future__ import annotations

import numpy as np

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)  # natural minor


def midi_hz(note: np.ndarray | float) -> np.ndarray:
    """Frequency in Hz of a (fractional) MIDI note, float64."""
    return 440.0 * 2.0 ** ((np.asarray(note, dtype=np.float64) - 69.0) / 12.0)


def hz_midi(hz: np.ndarray | float) -> np.ndarray:
    """The (fractional) MIDI note of a frequency in Hz (> 0), float64."""
    return 69.0 + 12.0 * np.log2(np.asarray(hz, dtype=np.float64) / 440.0)
