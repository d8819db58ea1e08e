"""Step sequencing: 16-step templates a techno producer would program, random variation, swing.

A pattern is a sorted tuple of step indices 0..15 (16ths of one 4/4 bar); velocities live beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEPS = 16

# Named templates per instrument role. Names end up in the metadata and, for some, in captions.
KICK = {
    "four_on_the_floor": (0, 4, 8, 12),
    "four_plus_ghost": (0, 4, 8, 12, 14),
    "four_plus_pickup": (0, 4, 8, 11, 12),
    "half_time": (0, 8),
    "broken": (0, 6, 10),
}
CLAP = {
    "backbeat": (4, 12),
    "backbeat_ghost": (4, 12, 15),
    "last_beat": (12,),
}
CLOSED_HAT = {
    "sixteenths": tuple(range(16)),
    "eighths": tuple(range(0, 16, 2)),
    "offbeat": (2, 6, 10, 14),
    "sixteenths_no_offbeat": (0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15),
}
OPEN_HAT = {"offbeat": (2, 6, 10, 14), "last_offbeat": (14,)}
BASS = {
    "offbeat": (2, 6, 10, 14),
    "rolling": (1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15),
    "gallop": (2, 3, 6, 7, 10, 11, 14, 15),
    "syncopated": (0, 3, 6, 10, 13),
}
STABS = {
    "offbeat": (2, 6, 10, 14),
    "dub": (3, 10),
    "syncopated": (3, 6, 11),
    "single": (6,),
}


def euclid(pulses: int, steps: int = STEPS, rotate: int = 0) -> tuple[int, ...]:
    """Bjorklund/Euclidean rhythm: `pulses` hits spread as evenly as possible over `steps`."""
    hits = [(i * pulses) // steps != ((i + 1) * pulses) // steps for i in range(steps)]
    on = [i for i, h in enumerate(hits) if h]
    # The arithmetic form puts the first hit at the end; shift so the pattern starts on a hit.
    shift = on[0] if on else 0
    return tuple(sorted(((i - shift + rotate) % steps) for i in on))


def vary(steps: tuple[int, ...], rng: np.random.Generator, p_drop: float, p_add: float) -> tuple:
    """Random variation around a template: drop a few hits, add a few off-grid ghosts."""
    keep = [s for s in steps if s % 4 == 0 or rng.random() >= p_drop]
    if not keep and steps:
        keep = [steps[0]]
    extra = [s for s in range(STEPS) if s not in keep and rng.random() < p_add]
    return tuple(sorted(set(keep) | set(extra)))


def accent_velocities(
    steps: tuple[int, ...], rng: np.random.Generator, depth: float
) -> list[float]:
    """Velocities in (0, 1]: on-beats strongest, offbeats next, the rest humanised."""
    vel = []
    for s in steps:
        base = 1.0 if s % 4 == 0 else (0.85 if s % 2 == 0 else 0.7)
        vel.append(float(np.clip(base * (1.0 - depth * rng.random()), 0.2, 1.0)))
    return vel


@dataclass(frozen=True)
class Grid:
    """Sample positions of the 16 steps of one bar, with swing on the even (off) 16ths.

    Args:
        bpm: tempo of the bar.
        n_samples: exact length of the bar in samples (round(240/bpm * sr)).
        swing: percent, 50 = straight; 66 = triplet feel. Delays steps 1, 3, 5, ...
    """

    bpm: float
    n_samples: int
    swing: float = 50.0

    @property
    def step_len(self) -> float:
        return self.n_samples / STEPS

    def step_time(self, step: float) -> float:
        """Position in samples (float) of a step; swing moves every odd 16th later."""
        offset = (self.swing - 50.0) / 50.0 * self.step_len if int(step) % 2 == 1 else 0.0
        return step * self.step_len + offset

    def step_pos(self, step: int) -> int:
        return round(self.step_time(step))
