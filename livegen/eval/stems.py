"""`livegen eval stems`: the stem generator's stems and keys, scored by measures it never trained on.

Two studies on the package's stem generator (onnxruntime, as the daemon runs it), each beside
the same measure on the corpus's own stems of the same held-out loops (the ceiling):

- **Key.** Bars asked for each of the 24 keys in turn (the held-out loops' captions and BPMs,
  paired seeds). The key estimator of `livegen.eval.key` (Krumhansl-Schmuckler on a chroma; it
  knows nothing of the generator) reads the bass + music stems; a bar scores when its tonic is
  the one asked for (and, beside it, by the same algorithm with Albrecht & Shanahan's corpus
  profiles, whose ceiling on corpus stems is higher). A mode the model never trained on is played as its relative key (the
  runtime's rule), so major keys are also scored against the tonic actually played. The corpus
  row runs the estimator on the loops' real bass + music stems against their manifest keys.
- **The key lock.** Both studies score the stems as the daemon plays them, the bass through
  the key lock (`livegen.dsp.tune`: its notes pulled onto the key's scale), and the same bars
  as the model made them ("unlocked"), so what the lock adds is read off one run.
- **Purity.** Bars with the held-out loops' own captions, BPMs and keys. Per stem:
  - kick share: the low band (< 120 Hz) in the 80 ms after each beat (`eval.kick.beat_low_db`), in
    dB relative to the drums stem's: where a kick lives. A clean bass or music stem is far below
    the drums (the issue asks < -20 dB); the corpus's stems show what the parts really put there
    (a bass note can fall on a beat);
  - transience: the onset envelope's 95th percentile over its median (`dsp.onset`): drums are
    spiky, pads are flat;
  - tonality: the largest pitch-class share of the chroma (`eval.key.chroma`): 1/12 is no pitch,
    1 one pitch class; bass and music are tonal, drums much less;
  - in tune: the share of the peak power within ±15 cents of the tempered grid
    (`eval.key.in_tune`): about 0.30 for pitch unrelated to it, near 1 for sustained tempered
    notes; it reads the music stem's chords and pads (short bass notes smear into sidebands);
  - f0 on grid and f0 steady: the low fundamental of each frame (`eval.pitch.bass_pitch`, 41-196
    Hz): the share of it within ±15 cents of the grid (0.30 unrelated) and how well the frames
    agree on their offset from it (1 in tune or detuned alike, near 0 sliding): the bass's pitch.
  Each reported as the median over bars, generated beside corpus. The kick share's median jumps
  by several dB from one set of bars to the next where bars fall on both sides of the goal, so
  the share of bars under it (`below_goal`) is reported beside it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from livegen.control.keys import MODES, PITCH_CLASSES, Key, key_of_scale
from livegen.dsp.onset import onset_envelope
from livegen.dsp.resample import fit_bar
from livegen.eval.key import chroma, estimate_keys, in_tune
from livegen.eval.kick import beat_low_db
from livegen.eval.pitch import bass_pitch
from livegen.runtime.models import add_model_argument
from livegen.runtime.sampler import add_interval_argument, add_key_interval_argument, noise
from livegen.units import bar_frames, bar_samples

SR = 24_000
KICK_GOAL_DB = -20.0  # the bound on the kick a bass or music stem may carry
OTHER = "albrecht-shanahan"  # the estimator's second profiles, reported beside Krumhansl's
KEYS = tuple(Key(r, m) for m in ("minor", "major") for r in range(12))


def stem_bar(gen, bpm: float, concept, key: Key | None, seed: int, steps: int, guidance, wk=None):
    """The stems [3, n] of one bar at `bpm` (n = the bar's samples at the model rate); `wk`: the
    key guidance (None: the model's)."""
    n = bar_samples(bpm, gen.sample_rate)
    x0 = noise(seed, gen.spec.latent_dim, bar_frames(n, gen.codec.hop))
    z = gen.latents(x0, n, concept, steps, guidance, key=gen.key_played(key), key_guidance=wk)
    return np.stack([fit_bar(s, n) for s in gen.decode_stems(z)])


def stem_measures(s: np.ndarray) -> dict[str, float]:
    """One stem's measures (see the module docstring); its kick share is still in dB of its own
    low band on the beats, made relative to the drums' by `measures`."""
    env, _ = onset_envelope(s, SR)
    med = float(np.median(env))
    c = chroma(s, SR)
    pitch = bass_pitch(s, SR)
    return {"kick_db": beat_low_db(s, SR),
            "transience": float(np.percentile(env, 95)) / med if med > 1e-12 else np.nan,
            "tonality": float(c.max()) if c.sum() > 0 else np.nan, "in_tune": in_tune(s, SR),
            "f0_on_grid": pitch["on_grid"], "f0_steady": pitch["steadiness"]}  # fmt: skip


def measures(stems: np.ndarray | list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Per stem [3]: kick share (dB re drums), transience, tonality, ... (the module docstring);
    from the stems' audio, or from their `stem_measures` already taken."""
    rows = [stem_measures(s) if isinstance(s, np.ndarray) else s for s in stems]
    out = {k: np.array([r[k] for r in rows], dtype=np.float64) for k in rows[0]}
    out["kick_db"] = out["kick_db"] - out["kick_db"][0]
    return out


def key_study(gen, held, per_key: int, steps, guidance, seed: int, progress=True, wk=None):
    """Tonic found in bars asked for each of the 24 keys (see the module docstring): the stems
    as the daemon plays them (the bass through the key lock, `Generator.lock_stems`) and, under
    "unlocked", the same bars as the model made them."""
    seen: dict[str, dict[str, Any]] = {v: {"rows": [], "offsets": [], "bass": [], "music": []}
                                       for v in ("locked", "unlocked")}  # fmt: skip
    total = per_key * len(KEYS)
    for i in tqdm(range(total), desc="keys", disable=not progress):
        key = KEYS[i % len(KEYS)]
        j = (i // len(KEYS) * 7 + i) % len(held.entries)
        raw = stem_bar(gen, held.bpm[j], held.caption_vec[j], key, seed + i, steps, guidance, wk)
        played = gen.key_played(key)
        alone = {k: _alone(raw[k], played.root) for k in (1, 2)}  # bass, music as made
        for variant, stems in (("locked", gen.lock_stems(raw, played)), ("unlocked", raw)):
            acc = seen[variant]
            ests = estimate_keys(stems[1] + stems[2], SR, profiles=("krumhansl", OTHER))
            est, other = ests["krumhansl"], ests[OTHER]
            acc["rows"].append((key.mode, est.tonic == key.root, est.tonic == played.root,
                                est.mode, other.tonic == key.root))  # fmt: skip
            acc["offsets"].append((est.tonic - played.root) % 12)
            for k, name in ((1, "bass"), (2, "music")):  # the lock moves the bass alone
                got = (
                    alone[k] if np.array_equal(stems[k], raw[k]) else _alone(stems[k], played.root)
                )
                if got is not None:
                    acc[name].append(got)
    wk = gen.spec.key_guidance if wk is None else wk
    out = _key_summary(seen["locked"], per_key, steps, guidance, wk, gen.spec.modes)
    out["unlocked"] = _key_summary(seen["unlocked"], per_key, steps, guidance, wk, gen.spec.modes)
    return out


def _alone(audio: np.ndarray, root: int) -> int | None:
    """Where the estimate of one stem alone lands above `root`, in semitones (None: silent)."""
    if not np.any(audio):
        return None
    return (estimate_keys(audio, SR)["krumhansl"].tonic - root) % 12


def _key_summary(acc, per_key, steps, guidance, wk, modes) -> dict[str, Any]:
    rows = acc["rows"]
    out: dict[str, Any] = {"per_key": per_key, "steps": steps, "guidance": guidance}
    out["key_guidance"] = guidance if wk is None else wk
    for mode in MODES:
        r = [x for x in rows if x[0] == mode]
        out[mode] = {
            "n": len(r),
            "tonic_asked": float(np.mean([x[1] for x in r])),
            "tonic_played": float(np.mean([x[2] for x in r])),
        }
    out["all"] = {"n": len(rows), "tonic_asked": float(np.mean([x[1] for x in rows]))}
    # Where the estimate lands, in semitones above the tonic played: a neighbour (+1, -1) is a
    # smeared or detuned pitch, +7/+5 a fifth, +3/+9 a relative key.
    out["all"]["offsets"] = np.bincount(acc["offsets"], minlength=12).tolist()
    out[OTHER] = {"tonic_asked": float(np.mean([x[4] for x in rows]))}  # the other profiles
    # Each pitched stem alone (Krumhansl): which of them loses the key, and how (offsets as above)
    out["alone"] = {
        name: {"n": len(o), "tonic_played": float(np.mean(np.array(o) == 0)) if o else float("nan"),
               "offsets": np.bincount(o, minlength=12).tolist()}
        for name, o in ((n, acc[n]) for n in ("bass", "music"))
    }  # fmt: skip
    out["modes_trained"] = list(modes)
    return out


def corpus_keys(corpus: Path, entries: list[dict], codec=None) -> dict[str, Any]:
    """The estimator (both profiles) on the corpus's own bass + music stems of these loops (the
    ceiling, as `livegen eval key` scores it) and, with a `codec` (an encoder too), on the same
    stems through its round trip, each stem on its own as the stem generator's latents are: the
    ceiling a generator that gets the latents right can reach. Each loop's stems are read once."""
    from livegen.corpus.make import load_stems
    from livegen.eval.key import key_of

    names = {"krumhansl": "tonic", OTHER: f"tonic_{OTHER}"}
    hits: dict[str, list[bool]] = {
        f"{pre}{n}": [] for n in names.values() for pre in ("", "round_trip_")
    }
    alone: dict[str, list[bool]] = {"bass": [], "music": []}
    for e in entries:
        stems = load_stems(corpus, e) if e.get("key") else None
        if stems is None or not np.any(stems["bass"] + stems["music"]):
            continue
        tonic = key_of(e["key"], e["scale"])[0]
        clips = {"": stems["bass"] + stems["music"]}
        for name in ("bass", "music"):  # each pitched stem alone, as the key study reads them
            if np.any(stems[name]):
                alone[name].append(estimate_keys(stems[name], SR)["krumhansl"].tonic == tonic)
        if codec is not None:
            pair = np.stack([stems["bass"], stems["music"]])
            clips["round_trip_"] = codec.decode(codec.encode(pair), n_samples=pair.shape[1]).sum(0)
        for pre, audio in clips.items():
            for profiles, est in estimate_keys(audio, SR, profiles=tuple(names)).items():
                hits[pre + names[profiles]].append(est.tonic == tonic)
    out: dict[str, Any] = {"n": len(hits["tonic"])}
    out |= {k: float(np.mean(v)) if v else float("nan") for k, v in hits.items()
            if codec is not None or not k.startswith("round_trip_")}  # fmt: skip
    out |= {f"tonic_{name}_alone": float(np.mean(v)) if v else float("nan")
            for name, v in alone.items()}  # fmt: skip
    return out


def purity_study(gen, held, corpus: Path, n: int, steps, guidance, seed, progress=True, wk=None):
    """Median measures per stem, generated (the bass through the key lock, as the daemon plays
    it; under "unlocked" as the model made it) beside the corpus's stems of the same loops."""
    from livegen.corpus.make import load_stems

    gen_m: list[dict] = []
    raw_m: list[dict] = []
    real_m: list[dict] = []
    names = gen.stems
    for i in tqdm(range(min(n, len(held.entries))), desc="stems", disable=not progress):
        e = held.entries[i]
        key = key_of_scale(e["key"], e["scale"]) if e.get("key") else None
        raw = stem_bar(gen, held.bpm[i], held.caption_vec[i], key, seed + i, steps, guidance, wk)
        locked = gen.lock_stems(raw, gen.key_played(key))
        rows = [stem_measures(s) for s in raw]
        # the lock moves the bass alone: the other stems' measures serve both
        gen_m.append(measures([r if np.array_equal(a, b) else stem_measures(b)
                               for r, a, b in zip(rows, raw, locked, strict=True)]))  # fmt: skip
        raw_m.append(measures(rows))
        real = load_stems(corpus, e)
        if real is not None:
            real_m.append(measures(np.stack([real[s] for s in names])))

    def med(ms: list[dict]) -> dict[str, dict[str, float]]:
        return {
            name: {k: float(np.nanmedian([m[k][i] for m in ms])) for k in ms[0]}
            for i, name in enumerate(names)
        } if ms else {}  # fmt: skip

    sets = {"generated": gen_m, "unlocked": raw_m, "corpus": real_m}
    return {"n": len(gen_m), **{k: med(ms) for k, ms in sets.items()}, "goal_db": KICK_GOAL_DB,
            "below_goal": {k: below_goal(ms, names) for k, ms in sets.items()}}  # fmt: skip


def below_goal(ms: list[dict[str, np.ndarray]], names) -> dict[str, float]:
    """Per stem but the first (the drums, the reference), the share of bars whose kick share is
    under `KICK_GOAL_DB`."""
    return {name: float(np.mean([m["kick_db"][i] < KICK_GOAL_DB for m in ms]))
            for i, name in enumerate(names) if i > 0 and ms}  # fmt: skip


def report(r: dict[str, Any]) -> str:
    k, c = r["key"], r["corpus_key"]
    ki = r.get("key_guidance_interval")
    lines = [
        f"key ({k['per_key']} bars per key, {k['steps']} steps, w = {k['guidance']:g}, key "
        f"w = {k.get('key_guidance', k['guidance']):g}"
        f"{f' on alpha in [{ki[0]:g}, {ki[1]:g})' if ki else ''}; "
        f"modes trained: {', '.join(k['modes_trained'])})",
        f"  minor keys asked: tonic found {100 * k['minor']['tonic_asked']:.1f} % "
        f"(n = {k['minor']['n']})",
        f"  major keys asked: tonic found {100 * k['major']['tonic_asked']:.1f} %, tonic of the "
        f"key played {100 * k['major']['tonic_played']:.1f} % (n = {k['major']['n']})",
        f"  all 24 keys: {100 * k['all']['tonic_asked']:.1f} %; corpus stems (ceiling): "
        f"{100 * c['tonic']:.1f} % (n = {c['n']}); chance 8.3 %",
        *_offsets_line(k["all"].get("offsets")),
        *(
            [f"  corpus stems through the codec: {100 * c['round_trip_tonic']:.1f} %"]
            if "round_trip_tonic" in c
            else []
        ),
        *_other_line(k, c),
        *_alone_line(k, c),
        *_unlocked_line(k),
        f"purity (medians over {r['purity']['n']} bars; generated | corpus; the bass through "
        "the key lock, and without it)",
        f"  {'stem':<7} {'kick share dB':>22} {'transience':>18} {'tonality':>16} {'in tune':>16}"
        f" {'f0 on grid':>16} {'f0 steady':>16}",
    ]
    g, real = r["purity"]["generated"], r["purity"]["corpus"]
    columns = (("kick_db", 9, 1, 22), ("transience", 7, 2, 18), ("tonality", 6, 2, 16),
               ("in_tune", 6, 2, 16), ("f0_on_grid", 6, 2, 16),
               ("f0_steady", 6, 2, 16))  # fmt: skip
    for name in g:
        cells = [
            f"{g[name][m]:{w}.{p}f} | {real.get(name, {}).get(m, float('nan')):<{w - 2}.{p}f}"
            .rjust(width)
            for m, w, p, width in columns
            if m in g[name]  # results written before "in tune" (or f0) was measured
        ]  # fmt: skip
        lines.append(f"  {name:<7} " + " ".join(cells))
    raw = r["purity"].get("unlocked", {}).get("bass")
    if raw:  # results written before the key lock
        cells = [f"{raw[m]:{w}.{p}f}".rjust(width - w) + " " * w for m, w, p, width in columns]
        lines.append(f"  {'unlocked':<7} " + " ".join(cells).rstrip())
    return "\n".join(lines + _below_goal_line(r["purity"]))


def _below_goal_line(p: dict[str, Any]) -> list[str]:
    b = p.get("below_goal")
    if not b:  # results written before it was counted
        return []
    cells = [f"{name} {100 * share:.0f} % | {100 * b['corpus'].get(name, float('nan')):.0f} %"
             for name, share in b["generated"].items()]  # fmt: skip
    unlocked = b["unlocked"].get("bass")
    tail = f" (the bass without the lock: {100 * unlocked:.0f} %)" if unlocked is not None else ""
    return [
        f"  bars whose kick share is under {p['goal_db']:g} dB, generated | corpus: "
        + ", ".join(cells)
        + tail
    ]


def _unlocked_line(k: dict[str, Any]) -> list[str]:
    u = k.get("unlocked")
    if not u:  # results written before the key lock
        return []
    return [
        f"  without the key lock (the model alone): {100 * u['all']['tonic_asked']:.1f} % "
        f"(Albrecht-Shanahan {100 * u[OTHER]['tonic_asked']:.1f} %; bass alone "
        f"{100 * u['alone']['bass']['tonic_played']:.1f} %)"
    ]


def _other_line(k: dict[str, Any], c: dict[str, Any]) -> list[str]:
    if OTHER not in k:  # results written before the second profiles were scored
        return []
    trip = c.get(f"round_trip_tonic_{OTHER}")
    return [
        f"  the same estimator with Albrecht-Shanahan profiles: {100 * k[OTHER]['tonic_asked']:.1f}"
        f" %; corpus stems {100 * c[f'tonic_{OTHER}']:.1f} %"
        + (f", through the codec {100 * trip:.1f} %" if trip is not None else "")
    ]


def _alone_line(k: dict[str, Any], c: dict[str, Any]) -> list[str]:
    if "alone" not in k:  # results written before the stems were read alone
        return []
    cells = []
    for name, a in k["alone"].items():
        off = a["offsets"]
        near = 100 * (off[1] + off[11]) / max(sum(off), 1)
        cells.append(
            f"{name} {100 * a['tonic_played']:.1f} % (corpus "
            f"{100 * c.get(f'tonic_{name}_alone', float('nan')):.1f} %; "
            f"a semitone off {near:.1f} %)"
        )
    return ["  each stem alone, tonic of the key played: " + ", ".join(cells)]


def _offsets_line(offsets: list[int] | None) -> list[str]:
    if not offsets:
        return []
    pct = [100 * c / sum(offsets) for c in offsets]
    return [
        f"  estimate vs tonic played: +1 semitone {pct[1]:.1f} %, -1 semitone {pct[11]:.1f} %, "
        f"a fifth up {pct[7]:.1f} %"
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="with stems")
    parser.add_argument("--split", default="test", help="held-out split")
    parser.add_argument("--per-key", type=int, default=8, help="bars per key (x 24 keys)")
    parser.add_argument("--bars", type=int, default=96, help="bars for the purity study")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument(
        "--key-guidance", type=float, help="push to the key on its own scale (default: the model's)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="onnxruntime threads (default: all cores)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    add_interval_argument(parser)
    add_key_interval_argument(parser)
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    from livegen.eval.studies import HeldOut
    from livegen.runtime.codec import Codec
    from livegen.runtime.concept import load_conditioner
    from livegen.runtime.generator import Generator

    gen = Generator.load(args.model, "cpu", args.threads, stems=True)
    codec = Codec.load(args.model, "cpu", args.threads, warm=False)  # the round trip only
    gen.use_interval(args.guidance_interval)
    gen.use_key_interval(args.key_guidance_interval)
    cond = load_conditioner("livegen-clap", model_dir=args.model, threads=args.threads)
    n = max(args.bars, min(args.per_key * len(KEYS), 200))
    held = HeldOut.load(args.corpus, args.split, n, cond, gen.spec.bpm_min, gen.spec.bpm_max)
    progress = not args.no_progress
    wk = args.key_guidance
    r = {
        "model": str(args.model),
        "corpus": str(args.corpus),
        "key": key_study(
            gen, held, args.per_key, args.steps, args.guidance, args.seed, progress, wk
        ),
        "corpus_key": corpus_keys(Path(args.corpus), held.entries, codec),
        "purity": purity_study(
            gen,
            held,
            Path(args.corpus),
            args.bars,
            args.steps,
            args.guidance,
            args.seed,
            progress,
            wk,
        ),
        "pitch_classes": list(PITCH_CLASSES),
        "key_guidance_interval": gen.spec.key_interval,
    }
    print(report(r))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0
