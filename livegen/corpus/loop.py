"""One seamless bar of techno: render a spec (from `styles.draw_spec`) to audio and describe it.

The loop is treated as a circle throughout: one-shots wrap, lines are folded, pads are periodic and
the send effects are circular, so the loop's end flows into its start with no click.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import fft as sfft

from livegen import SAMPLE_RATE as SR
from livegen.corpus import dsp
from livegen.corpus import instruments as ins
from livegen.corpus.patterns import STEPS, Grid
from livegen.corpus.styles import (
    CHORDS,
    DELAY_SEND,
    INSTRUMENTS,
    KEYS,
    REVERB_SEND,
    SCALES,
    draw_spec,
)

PEAK_DBFS = -1.5
# Bounds on the share of energy above 2 kHz (dB) for the "dark" / "bright" labels: roughly the
# corpus's lower and upper quartiles, so labels describe what is heard, not a drawn parameter.
DARK_BELOW_DB = -32.5
BRIGHT_ABOVE_DB = -23.0
ONE_SHOTS = {
    "kick": ins.kick,
    "clap": ins.clap,
    "snare": ins.snare,
    "rim": ins.rim,
    "perc": ins.perc,
}


@dataclass
class Loop:
    """A rendered loop and its metadata (JSON-serialisable)."""

    audio: np.ndarray  # [n_samples] float32, peak at PEAK_DBFS
    meta: dict[str, Any]
    stems: dict[str, np.ndarray] | None = None


def loop_rng(seed: int, index: int) -> np.random.Generator:
    """Each loop has its own stream, so a corpus is the same whatever the worker count."""
    return np.random.default_rng(np.random.SeedSequence([seed, index]))


def _acid_notes(p: dict[str, Any], grid: Grid, root: int, scale: tuple[int, ...], rng) -> list:
    notes = []
    on = [s for s in range(STEPS) if rng.random() < p["density"]] or [0]
    for i, step in enumerate(on):
        degree = int(rng.choice(len(scale), p=_degree_weights(len(scale))))
        midi = 36 + root + scale[degree] + (12 if rng.random() < 0.25 else 0)
        slide = i + 1 < len(on) and rng.random() < p["slide_p"]
        nxt = grid.step_pos(on[i + 1]) if i + 1 < len(on) else None
        pos = grid.step_pos(step)
        length = (nxt - pos) if slide and nxt is not None else int(0.55 * grid.step_len)
        notes.append(
            dict(
                pos=pos,
                length=length,
                midi=midi,
                accent=bool(rng.random() < p["accent_p"]),
                slide=slide,
                step=step,
            )
        )
    return notes


def _degree_weights(n: int) -> np.ndarray:
    w = np.ones(n)
    w[0], w[4 % n] = 4.0, 2.0  # root and fifth dominate, as in most acid lines
    return w / w.sum()


def _bass_notes(entry: dict[str, Any], grid: Grid, root: int, rng) -> list:
    p = entry["params"]
    notes = []
    for step in entry["steps"]:
        interval = int(rng.choice([0, 0, 0, 0, 7, 12, 3]))
        notes.append(
            dict(
                pos=grid.step_pos(step),
                length=int(p["gate"] * grid.step_len),
                midi=33 + (root + 3) % 12 + interval,
                accent=False,
                slide=False,
            )
        )
    return notes


def render(spec: dict[str, Any], rng: np.random.Generator, keep_stems: bool = False) -> Loop:
    """Render a spec into a loop.

    Args:
        spec: from `styles.draw_spec`; this adds the sequenced notes and the measured descriptors.
        rng: the loop's generator (noise of the drums, note choices, oscillator phases).
        keep_stems: also return each instrument's dry stem (tests check timing on them).
    """
    n = spec["n_samples"]
    grid = Grid(spec["bpm"], n, spec["swing"])
    root = KEYS.index(spec["key"])
    scale = SCALES[spec["scale"]]
    stems: dict[str, np.ndarray] = {}
    for name, entry in spec["instruments"].items():
        p = entry["params"]
        out = np.zeros(n)
        if name in ONE_SHOTS or name in ("closed_hat", "open_hat"):
            shot = (
                ins.hat(p, rng, open_=name == "open_hat")
                if name.endswith("hat")
                else ONE_SHOTS[name](p, rng)
            )
            for step, vel in zip(entry["steps"], entry["velocities"], strict=True):
                dsp.place(out, shot, grid.step_pos(step), vel)
        elif name in ("bass", "acid"):
            notes = (
                _bass_notes(entry, grid, root, rng)
                if name == "bass"
                else _acid_notes(p, grid, root, scale, rng)
            )
            entry["notes"] = [[nt["pos"], nt["midi"], nt["accent"], nt["slide"]] for nt in notes]
            out = dsp.fold(ins.line(p, notes, n + int(0.3 * SR)), n)
        elif name == "stabs":
            chord = [48 + root + iv for iv in CHORDS[p["chord"]]]
            shot = ins.stab(p, chord, rng)
            for step, vel in zip(entry["steps"], entry["velocities"], strict=True):
                dsp.place(out, shot, grid.step_pos(step), vel)
        elif name == "pad":
            out = ins.pad(p, [36 + root + iv for iv in (12, 15, 19, 24)], n, rng)
        stems[name] = out
    audio = _mix(spec, stems, grid, rng)
    meta = dict(spec)
    meta.update(describe(audio, spec))
    return Loop(audio=audio, meta=meta, stems=stems if keep_stems else None)


def _mix(spec: dict[str, Any], stems: dict[str, np.ndarray], grid: Grid, rng) -> np.ndarray:
    n, fx = grid.n_samples, spec["fx"]
    duck = np.ones(n)
    if "kick" in spec["instruments"] and fx["sidechain"] > 0:
        # Sidechain pumping: bass, chords and pads dip under every kick, wrapping like the kick does.
        env = np.zeros(n)
        shape = dsp.exp_env(int(0.25 * SR), 0.18, attack_s=0.002)
        for step in spec["instruments"]["kick"]["steps"]:
            dsp.place(env, shape, grid.step_pos(step))
        duck = 1.0 - fx["sidechain"] * np.clip(env, 0.0, 1.0)
    dry, rev_in, del_in = np.zeros(n), np.zeros(n), np.zeros(n)
    for name, stem in stems.items():
        x = stem * 10 ** (spec["instruments"][name]["level_db"] / 20)
        if name in ("bass", "stabs", "pad"):
            x = x * duck
        dry += x
        rev_in += REVERB_SEND[name] * x
        del_in += DELAY_SEND[name] * x
    steps = fx["delay_steps"]
    wet = fx["reverb_amount"] * dsp.reverb(rev_in, rng, fx["reverb_rt60_s"], fx["reverb_tone_hz"])
    if fx["delay_amount"] > 0:
        d = round(steps * n / STEPS)
        wet += fx["delay_amount"] * dsp.delay(del_in, d, fx["delay_feedback"], 3000.0)
    out = dsp.periodic_filter(dry + wet, "highpass", 25.0)  # no DC drifting across the seam
    if fx["master_tone_hz"] < 0.4 * SR:
        out = dsp.periodic_filter(out, "lowpass", fx["master_tone_hz"], order=1)
    out = dsp.soft_clip(out / (np.max(np.abs(out)) + 1e-9), fx["master_drive"])
    out *= 10 ** (PEAK_DBFS / 20) / (np.max(np.abs(out)) + 1e-12)
    return out.astype(np.float32)


def describe(audio: np.ndarray, spec: dict[str, Any]) -> dict[str, Any]:
    """Descriptors measured on the audio plus the presence attributes captions are built from."""
    nfft = sfft.next_fast_len(len(audio), real=True)  # zero-padding barely moves these measures
    mag = np.abs(sfft.rfft(audio.astype(np.float64), nfft))
    freqs = np.fft.rfftfreq(nfft, 1.0 / SR)
    centroid = float(np.sum(freqs * mag) / (np.sum(mag) + 1e-12))
    # Share of energy above 2 kHz: what "dark" and "bright" mean to a listener of these loops.
    high_db = float(
        10 * np.log10(np.sum(mag[freqs > 2000] ** 2) / (np.sum(mag**2) + 1e-12) + 1e-12)
    )
    bpm = spec["bpm"]
    inst = spec["instruments"]
    attributes: dict[str, Any] = {name: name in inst for name in INSTRUMENTS}
    attributes["hats"] = "closed_hat" in inst or "open_hat" in inst
    attributes["four_on_the_floor"] = inst.get("kick", {}).get("template") == "four_on_the_floor"
    attributes["brightness"] = (
        "dark" if high_db < DARK_BELOW_DB else "bright" if high_db > BRIGHT_ABOVE_DB else "neutral"
    )
    attributes["tempo_class"] = "slow" if bpm < 118 else "fast" if bpm >= 132 else "mid"
    return {
        "attributes": attributes,
        "centroid_hz": round(centroid, 1),
        "high_energy_db": round(high_db, 2),
        "peak_dbfs": round(float(20 * np.log10(np.max(np.abs(audio)) + 1e-12)), 3),
        "rms_dbfs": round(float(10 * np.log10(np.mean(audio.astype(np.float64) ** 2) + 1e-12)), 2),
    }


def make_loop(seed: int, index: int, keep_stems: bool = False) -> Loop:
    """The loop number `index` of the corpus made with `seed`: deterministic, bit for bit."""
    rng = loop_rng(seed, index)
    return render(draw_spec(rng), rng, keep_stems=keep_stems)
