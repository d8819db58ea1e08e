"""Genre flavours of the corpus and the parameter ranges of every instrument.

A style says which instruments tend to play and how bright, swung and wet the loop is; `draw_spec`
turns a style plus a random generator into a complete, JSON-serialisable description of one loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livegen.corpus import patterns as pat
from livegen.dsp.notes import MAJOR_SCALE, MINOR_SCALE
from livegen.units import SAMPLE_RATE as SR
from livegen.units import bar_samples

INSTRUMENTS = (
    "kick",
    "clap",
    "snare",
    "closed_hat",
    "open_hat",
    "rim",
    "perc",
    "bass",
    "acid",
    "stabs",
    "pad",
)

# Probability that each instrument plays, per style (order of INSTRUMENTS).
_P = {
    "minimal techno": (0.95, 0.55, 0.1, 0.9, 0.35, 0.6, 0.65, 0.7, 0.08, 0.25, 0.15),
    "dub techno": (0.95, 0.3, 0.05, 0.8, 0.4, 0.3, 0.3, 0.8, 0.03, 1.0, 0.6),
    "deep house": (0.95, 0.75, 0.15, 0.9, 0.6, 0.4, 0.4, 0.9, 0.02, 0.5, 0.5),
    "acid techno": (0.95, 0.6, 0.15, 0.9, 0.5, 0.3, 0.3, 0.25, 1.0, 0.1, 0.1),
    "hypnotic techno": (0.97, 0.35, 0.05, 0.9, 0.4, 0.5, 0.8, 0.85, 0.2, 0.15, 0.45),
    "peak-time techno": (1.0, 0.8, 0.3, 0.95, 0.7, 0.3, 0.4, 0.7, 0.3, 0.35, 0.2),
    "minimal house": (0.95, 0.75, 0.1, 0.9, 0.5, 0.55, 0.6, 0.85, 0.05, 0.4, 0.2),
}
STYLES: dict[str, dict[str, Any]] = {
    name: {"p": dict(zip(INSTRUMENTS, probs, strict=True))} for name, probs in _P.items()
}
# brightness range, swing range (percent), reverb and delay amounts.
STYLES["minimal techno"].update(bright=(0.3, 0.8), swing=(50, 56), wet=(0.1, 0.3), echo=(0.0, 0.25))
STYLES["dub techno"].update(bright=(0.0, 0.45), swing=(50, 54), wet=(0.25, 0.5), echo=(0.4, 0.8))
STYLES["deep house"].update(bright=(0.15, 0.6), swing=(53, 62), wet=(0.15, 0.35), echo=(0.0, 0.3))
STYLES["acid techno"].update(bright=(0.4, 1.0), swing=(50, 55), wet=(0.1, 0.3), echo=(0.1, 0.4))
STYLES["hypnotic techno"].update(
    bright=(0.1, 0.6), swing=(50, 55), wet=(0.2, 0.45), echo=(0.1, 0.5)
)
STYLES["peak-time techno"].update(
    bright=(0.55, 1.0), swing=(50, 53), wet=(0.1, 0.25), echo=(0, 0.2)
)
STYLES["minimal house"].update(bright=(0.35, 0.85), swing=(54, 62), wet=(0.1, 0.3), echo=(0, 0.25))

# A breakdown loop without a kick, whatever the style: performers ask for "no kick" too.
P_NO_KICK = 0.08

SCALES = {
    "minor": MINOR_SCALE,
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
}
KEYS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
CHORDS = {
    "minor": (0, 3, 7),
    "minor7": (0, 3, 7, 10),
    "minor9": (0, 3, 7, 10, 14),
    "fifths": (0, 7, 12),
}
# Major keys (`corpus make --modes both`): drawn apart from SCALES and CHORDS, whose lists the
# spec draws choose from, so a corpus made without them is the same loops bit for bit.
MAJOR_CHORD_OF = {"minor": "major", "minor7": "major7", "minor9": "major9", "fifths": "fifths"}
MAJOR_CHORDS = {"major": (0, 4, 7), "major7": (0, 4, 7, 11), "major9": (0, 4, 7, 11, 14)}
P_MAJOR = 0.5
PAD_MINOR = (12, 15, 19, 24)  # the pad's chord over the root: a minor triad with its octave
PAD_MAJOR = (12, 16, 19, 24)


def scale_steps(scale: str) -> tuple[int, ...]:
    """The semitones of a manifest's scale (the minor family or major)."""
    return MAJOR_SCALE if scale == "major" else SCALES[scale]


def chord_steps(chord: str) -> tuple[int, ...]:
    return MAJOR_CHORDS[chord] if chord in MAJOR_CHORDS else CHORDS[chord]


def to_major(spec: dict[str, Any]) -> dict[str, Any]:
    """The same loop in the major key on its tonic: the scale, and the stabs' chord quality."""
    spec["scale"] = "major"
    stabs = spec["instruments"].get("stabs")
    if stabs is not None:
        stabs["params"]["chord"] = MAJOR_CHORD_OF[stabs["params"]["chord"]]
    return spec


# Mix level (dB) and reverb/delay sends per instrument.
LEVEL_DB = dict(zip(INSTRUMENTS, (0, -7, -7, -13, -13, -13, -10, -5, -7, -9, -13), strict=True))
REVERB_SEND = dict(
    zip(INSTRUMENTS, (0, 0.3, 0.25, 0.1, 0.15, 0.3, 0.35, 0, 0.15, 0.5, 0.4), strict=True)
)
DELAY_SEND = dict(zip(INSTRUMENTS, (0, 0.1, 0.05, 0, 0.1, 0.3, 0.4, 0, 0.25, 0.5, 0), strict=True))


def _u(rng: np.random.Generator, lo: float, hi: float, nd: int = 3) -> float:
    return round(float(rng.uniform(lo, hi)), nd)


# Parameter ranges per instrument, drawn uniformly; `_params` then ties some to the brightness.
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "kick": {"pitch_hz": (44, 60), "sweep": (3, 7), "pitch_decay_s": (0.015, 0.05),
             "decay_s": (0.25, 0.6), "click": (0, 1), "drive": (1, 3)},
    "clap": {"tone_hz": (900, 1600), "decay_s": (0.08, 0.25), "spread_ms": (8, 13)},
    "snare": {"tone_hz": (160, 240), "decay_s": (0.1, 0.22), "snappy": (0.4, 0.85)},
    "hat": {"tune": (0.8, 1.4), "noise": (0.2, 0.7), "cutoff_hz": (-500, 500),
            "closed_decay_s": (0.025, 0.07), "open_decay_s": (0.15, 0.35)},
    "rim": {"tone_hz": (1400, 2100), "decay_s": (0.01, 0.03)},
    "perc": {"tone_hz": (150, 500), "decay_s": (0.05, 0.2), "fm": (0, 2.5)},
    "bass": {"cutoff_hz": (120, 400), "resonance": (0.8, 3), "env_octaves": (0.5, 2.5),
             "decay_s": (0.05, 0.2), "drive": (1, 3), "gate": (0.4, 0.9)},
    "acid": {"cutoff_hz": (150, 450), "resonance": (4, 12), "env_octaves": (1.5, 4),
             "decay_s": (0.06, 0.25), "drive": (1.5, 4), "accent": (1.3, 1.8),
             "density": (0.5, 0.9), "slide_p": (0.1, 0.3), "accent_p": (0.2, 0.4)},
    "stabs": {"cutoff_hz": (800, 3500), "decay_s": (0.08, 0.35), "detune_cents": (5, 20)},
    "pad": {"cutoff_hz": (300, 1500), "detune_cents": (4, 15), "lfo_depth": (0.1, 0.4)},
}  # fmt: skip


def _params(name: str, rng: np.random.Generator, b: float, style: str) -> dict[str, Any]:
    """Synthesis parameters of one instrument; `b` in [0, 1] is the loop's brightness."""
    ranges = RANGES["hat" if name.endswith("_hat") else name]
    p: dict[str, Any] = {key: _u(rng, lo, hi) for key, (lo, hi) in ranges.items()}
    if name == "kick":
        p["click"] = round(p["click"] * (0.4 + b), 3)
    elif name == "clap":
        p["tone_hz"] = round(p["tone_hz"] * (0.8 + 0.4 * b))
    elif name.endswith("_hat"):
        p["cutoff_hz"] = round(4500 + 4000 * b + p["cutoff_hz"])
    elif name in ("bass", "acid"):
        p["wave"] = str(rng.choice(["saw", "square"]))
        p["cutoff_hz"] = round(p["cutoff_hz"] * ((0.5 + b) if name == "bass" else (0.6 + 0.8 * b)))
        p.setdefault("accent", 1.3)
    elif name == "stabs":
        if style == "dub techno":  # dub chords are dark and always the full minor ninth
            p["cutoff_hz"], p["chord"] = _u(rng, 500, 1200), "minor9"
        else:
            p["chord"] = str(rng.choice(list(CHORDS)))
        p["cutoff_hz"] = round(p["cutoff_hz"] * (0.6 + 0.8 * b))
    elif name == "pad":
        p["cutoff_hz"] = round(p["cutoff_hz"] * (0.6 + 0.8 * b))
        p["lfo_cycles"] = int(rng.integers(1, 3))
    return p


def _steps(name: str, rng: np.random.Generator, style: str) -> tuple[str, tuple[int, ...]]:
    """Template name and step pattern for a percussive or sequenced instrument."""
    tables = {
        "kick": pat.KICK,
        "clap": pat.CLAP,
        "snare": pat.CLAP,
        "closed_hat": pat.CLOSED_HAT,
        "open_hat": pat.OPEN_HAT,
        "bass": pat.BASS,
        "stabs": pat.STABS,
    }
    if name in ("rim", "perc"):
        pulses = int(rng.choice([3, 5, 7]))
        return f"euclid_{pulses}_16", pat.euclid(pulses, rotate=int(rng.integers(1, 4)))
    table = tables[name]
    if name == "kick":  # the straight four is the genre; other feels are rarer
        weights = np.array([0.7, 0.1, 0.08, 0.06, 0.06])
        key = str(rng.choice(list(table), p=weights))
        return key, table[key]
    key = str(rng.choice(list(table)))
    steps = table[key]
    if name in ("clap", "snare", "closed_hat"):
        steps = pat.vary(steps, rng, p_drop=0.1, p_add=0.04)
    return key, steps


def draw_spec(rng: np.random.Generator) -> dict[str, Any]:
    """Everything about one loop, drawn at random: tempo, key, style, instruments, effects."""
    style = str(rng.choice(list(STYLES)))
    s = STYLES[style]
    bpm = round(float(rng.uniform(110.0, 140.0)), 2)
    brightness = _u(rng, *s["bright"])
    active = [name for name in INSTRUMENTS if rng.random() < s["p"][name]]
    if "clap" in active and "snare" in active:
        active.remove(str(rng.choice(["clap", "snare"])))
    if "kick" in active and rng.random() < P_NO_KICK:
        active.remove("kick")
    if len(active) < 3:  # a loop of one or two sounds is not much of a groove
        extra = [n for n in ("closed_hat", "bass", "perc") if n not in active]
        active += extra[: 3 - len(active)]
        active.sort(key=INSTRUMENTS.index)
    instruments: dict[str, Any] = {}
    for name in active:
        entry: dict[str, Any] = {"params": _params(name, rng, brightness, style)}
        if name not in ("acid", "pad"):
            entry["template"], steps = _steps(name, rng, style)
            entry["steps"] = list(steps)
            entry["velocities"] = [round(v, 3) for v in pat.accent_velocities(steps, rng, 0.3)]
        entry["level_db"] = round(LEVEL_DB[name] + float(rng.uniform(-2, 2)), 2)
        instruments[name] = entry
    delay_steps = int(rng.choice([2, 3, 6]))
    return {
        "bpm": bpm,
        "n_samples": bar_samples(bpm, SR),
        "sample_rate": SR,
        "bars": 1,
        "style": style,
        "key": KEYS[int(rng.integers(12))],
        "scale": str(rng.choice(list(SCALES))),
        "swing": _u(rng, s["swing"][0], s["swing"][1], nd=1),
        "brightness": brightness,
        "instruments": instruments,
        "fx": {
            "reverb_amount": _u(rng, *s["wet"]),
            "reverb_rt60_s": _u(rng, 0.6, 2.5),
            "reverb_tone_hz": round(_u(rng, 2000, 6000)),
            "delay_amount": _u(rng, *s["echo"]),
            "delay_steps": delay_steps,
            "delay_feedback": _u(rng, 0.3, 0.75 if style == "dub techno" else 0.55),
            "sidechain": _u(rng, 0.0, 0.5),
            "master_drive": _u(rng, 1.0, 2.0),
            # Dark loops are muffled as a whole (dub), bright ones left open.
            "master_tone_hz": round(2000 * 6 ** (brightness + _u(rng, -0.1, 0.1))),
        },
    }
