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
from livegen.corpus.kit import Kit
from livegen.corpus.patterns import STEPS, Grid
from livegen.corpus.styles import (
    DELAY_SEND,
    INSTRUMENTS,
    KEYS,
    P_MAJOR,
    PAD_MAJOR,
    PAD_MINOR,
    REVERB_SEND,
    chord_steps,
    draw_spec,
    scale_steps,
    to_major,
)

PEAK_DBFS = -1.5
# The master drive as a limiter on a 5 ms peak envelope (so that stems sum to the mix); its
# drive scaled by 1.3 matches the loudness of the former sample-wise soft clip (mean RMS within
# 0.1 dB on 60 loops, spectral centroid within 2 %).
DRIVE_WINDOW_S = 0.005
DRIVE_MATCH = 1.3
STEM_CEILING_DBFS = -0.1
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


# The stems a loop is rendered as; the mix is their sum. Hats, rims and percussion are drums.
STEMS = ("drums", "bass", "music")
STEM_INSTRUMENTS = {
    "drums": ("kick", "clap", "snare", "closed_hat", "open_hat", "rim", "perc"),
    "bass": ("bass", "acid"),
    "music": ("stabs", "pad"),
}
STEM_OF = {name: stem for stem, names in STEM_INSTRUMENTS.items() for name in names}


@dataclass
class Loop:
    """A rendered loop and its metadata (JSON-serialisable)."""

    audio: np.ndarray  # [n_samples] float32, peak at PEAK_DBFS; == mix_of(stems)
    meta: dict[str, Any]
    stems: dict[str, np.ndarray]  # drums, bass, music: [n_samples] float32 each
    parts: dict[str, np.ndarray] | None = None  # each instrument's dry signal, on request


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


def render(
    spec: dict[str, Any],
    rng: np.random.Generator,
    keep_parts: bool = False,
    kit: Kit | None = None,
    kit_rng: np.random.Generator | None = None,
) -> Loop:
    """Render a spec into a loop.

    Args:
        spec: from `styles.draw_spec`; this adds the sequenced notes and the measured descriptors.
        rng: the loop's generator (noise of the drums, note choices, oscillator phases).
        keep_parts: also return each instrument's dry signal (tests check timing on them).
        kit: recorded one-shots that replace the synthesised drums they have (`corpus.kit`);
            `kit_rng` picks among them (the loop's own `rng` is drawn exactly as without a kit).
    """
    n = spec["n_samples"]
    grid = Grid(spec["bpm"], n, spec["swing"])
    root = KEYS.index(spec["key"])
    scale = scale_steps(spec["scale"])
    parts: dict[str, np.ndarray] = {}
    for name, entry in spec["instruments"].items():
        p = entry["params"]
        out = np.zeros(n)
        if name in ONE_SHOTS or name in ("closed_hat", "open_hat"):
            shot = (
                ins.hat(p, rng, open_=name == "open_hat")
                if name.endswith("hat")
                else ONE_SHOTS[name](p, rng)
            )
            recorded = kit.pick(name, kit_rng) if kit is not None and kit_rng is not None else None
            if recorded is not None:  # at the synthesised hit's peak: the mix keeps its balance
                shot = recorded.audio * float(np.max(np.abs(shot)))
                entry["kit"] = recorded.path
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
            chord = [48 + root + iv for iv in chord_steps(p["chord"])]
            shot = ins.stab(p, chord, rng)
            for step, vel in zip(entry["steps"], entry["velocities"], strict=True):
                dsp.place(out, shot, grid.step_pos(step), vel)
        elif name == "pad":
            steps = PAD_MAJOR if spec["scale"] == "major" else PAD_MINOR
            out = ins.pad(p, [36 + root + iv for iv in steps], n, rng)
        parts[name] = out
    stems = _mix(spec, parts, grid, rng)
    audio = mix_of(stems)
    meta = dict(spec)
    meta.update(describe(audio, spec))
    return Loop(audio=audio, meta=meta, stems=stems, parts=parts if keep_parts else None)


def _mix(
    spec: dict[str, Any], parts: dict[str, np.ndarray], grid: Grid, rng
) -> dict[str, np.ndarray]:
    """The three stems of the loop, each with its own share of the sends, drive and master gain.

    Everything up to the drive is linear, so it runs on the stems stacked [3, n]: the sidechain
    duck (a gain envelope from the kick's pattern), the reverb and delay sends (one impulse
    response for all), the master high-pass and tone low-pass. The master drive, the one
    non-linear stage, was a sample-wise soft clip of the mix; it is now a gain envelope computed
    from the mix (`dsp.drive_gain`: the same tanh curve on a 5 ms peak envelope, a limiter) and
    applied to every stem, then one peak-normalising gain is shared: the mix is the sum of the
    stems. Given the envelope each stem is processed linearly, as under the sidechain duck.
    """
    n, fx = grid.n_samples, spec["fx"]
    duck = np.ones(n)
    if "kick" in spec["instruments"] and fx["sidechain"] > 0:
        # Sidechain pumping: bass, chords and pads dip under every kick, wrapping like the kick does.
        env = np.zeros(n)
        shape = dsp.exp_env(int(0.25 * SR), 0.18, attack_s=0.002)
        for step in spec["instruments"]["kick"]["steps"]:
            dsp.place(env, shape, grid.step_pos(step))
        duck = 1.0 - fx["sidechain"] * np.clip(env, 0.0, 1.0)
    dry, rev_in, del_in = np.zeros((3, n)), np.zeros((3, n)), np.zeros((3, n))  # [stem, n]
    for name, part in parts.items():
        x = part * 10 ** (spec["instruments"][name]["level_db"] / 20)
        if name in ("bass", "stabs", "pad"):
            x = x * duck
        g = STEMS.index(STEM_OF[name])
        dry[g] += x
        rev_in[g] += REVERB_SEND[name] * x
        del_in[g] += DELAY_SEND[name] * x
    ir = dsp.reverb_ir(rng, fx["reverb_rt60_s"], fx["reverb_tone_hz"])
    wet = fx["reverb_amount"] * dsp.reverb(rev_in, ir)
    if fx["delay_amount"] > 0:
        d = round(fx["delay_steps"] * n / STEPS)
        wet += fx["delay_amount"] * dsp.delay(del_in, d, fx["delay_feedback"], 3000.0)
    out = dsp.periodic_filter(dry + wet, "highpass", 25.0)  # no DC drifting across the seam
    if fx["master_tone_hz"] < 0.4 * SR:
        out = dsp.periodic_filter(out, "lowpass", fx["master_tone_hz"], order=1)
    mix = out.sum(axis=0)
    peak = np.max(np.abs(mix)) + 1e-9
    out *= dsp.drive_gain(mix / peak, DRIVE_MATCH * fx["master_drive"], DRIVE_WINDOW_S) / peak
    # The mix peaks at PEAK_DBFS unless a stem (they can out-peak their sum) would pass
    # STEM_CEILING_DBFS: 16-bit stem files must not clip (3 loops in 1000 come out a bit lower).
    out *= min(
        10 ** (PEAK_DBFS / 20) / (np.max(np.abs(out.sum(axis=0))) + 1e-12),
        10 ** (STEM_CEILING_DBFS / 20) / (np.max(np.abs(out)) + 1e-12),
    )
    stems = out.astype(np.float32)
    return {name: stems[g] for g, name in enumerate(STEMS)}


def mix_of(stems: dict[str, np.ndarray]) -> np.ndarray:
    """The mix of three stems, summed in float32 in STEMS order (how every mix is made)."""
    return (stems["drums"] + stems["bass"]) + stems["music"]


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


def make_loop(
    seed: int, index: int, keep_parts: bool = False, kit: Kit | None = None, modes: str = "minor"
) -> Loop:
    """The loop number `index` of the corpus made with `seed`: deterministic, bit for bit (with a
    kit too: its picks come from their own generator). `modes="both"`: about half the loops are
    in the major key on the same tonic (their own draw, so the other loops stay as they were)."""
    rng = loop_rng(seed, index)
    kit_rng = np.random.default_rng(np.random.SeedSequence([seed, index, 17])) if kit else None
    spec = draw_spec(rng)
    if modes == "both":
        if np.random.default_rng(np.random.SeedSequence([seed, index, 23])).random() < P_MAJOR:
            spec = to_major(spec)
    elif modes != "minor":
        raise ValueError(f"modes {modes!r}: 'minor' or 'both'")
    return render(spec, rng, keep_parts=keep_parts, kit=kit, kit_rng=kit_rng)
