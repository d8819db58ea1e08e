"""Does a stem generator trained with note lines (`train unet --note-lines`) follow the line?

On held-out loops that have a bass line, each bar is generated twice from the same noise, caption
and key: with the loop's own line rows (`runtime.lines`) and with none (zeros, as the training's
dropout). Measured on the bass stem, beside the corpus's own stems: its fundamental on the
tempered grid and steady (`eval.pitch.bass_pitch`), the tonic found on the bass alone and on
bass + music (`eval.key`), the share of its pitch-tracked frames whose pitch class is one of the
line's, and the kick's share in it (`eval.stems.measures`, dB re the drums).

  python scripts/probe_note_line.py --model PKG --corpus CORPUS [--bars 48] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from livegen.control.keys import key_of_scale
from livegen.corpus.make import load_stems, read_manifest
from livegen.dsp.resample import fit_bar
from livegen.eval.key import estimate_keys, key_of
from livegen.eval.pitch import bass_pitch, f0_track
from livegen.eval.stems import measures
from livegen.runtime.concept import load_conditioner
from livegen.runtime.generator import Generator
from livegen.runtime.lines import LINE_CHANNELS, line_notes, line_rows
from livegen.runtime.sampler import noise
from livegen.units import SAMPLE_RATE as SR
from livegen.units import bar_frames

FIGURES = ("on_grid", "steady", "bass_tonic", "sum_tonic", "in_line", "kick_db")


def score(stems: list[np.ndarray], tonic: int, notes: list[list]) -> dict[str, float]:
    bass, music = stems[1], stems[2]
    pitch = bass_pitch(bass, SR)
    midi, _ = f0_track(bass, SR)
    classes = {int(n[1]) % 12 for n in notes}
    return {
        "on_grid": pitch["on_grid"],
        "steady": pitch["steadiness"],
        "bass_tonic": float(estimate_keys(bass, SR)["krumhansl"].tonic == tonic),
        "sum_tonic": float(estimate_keys(bass + music, SR)["krumhansl"].tonic == tonic),
        "in_line": float(np.mean([round(m) % 12 in classes for m in midi]))
        if len(midi)
        else np.nan,
        "kick_db": float(measures(np.stack(stems))["kick_db"][1]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="package whose stem generator takes a line")
    ap.add_argument("--corpus", type=Path, required=True, help="a corpus with stems")
    ap.add_argument("--bars", type=int, default=48)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--guidance", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    gen = Generator.load(args.model, "cpu", args.threads, stems=True)
    if not gen.spec.line:
        raise SystemExit(f"{args.model}: its stem generator takes no note line")
    cond = load_conditioner("livegen-clap", model_dir=args.model, threads=args.threads)
    rows: dict[str, list[dict[str, float]]] = {"line": [], "none": [], "corpus": []}
    entries = [e for e in read_manifest(args.corpus) if e["split"] == "test" and line_notes(e)]
    for e in entries:
        stems = load_stems(args.corpus, e)
        bpm = float(e["bpm"])
        if (
            stems is None
            or not stems["bass"].any()
            or not gen.spec.bpm_min <= bpm <= gen.spec.bpm_max
        ):
            continue
        notes, n = line_notes(e) or [], len(stems["bass"])
        t, tonic = bar_frames(n, gen.codec.hop), key_of(e["key"], e["scale"])[0]
        key = gen.key_played(key_of_scale(e["key"], e["scale"]))
        caption = cond.embed_texts([e["captions"][0]])[0]
        x0 = noise(1000 + len(rows["corpus"]), 3 * gen.codec.latent_dim, t)
        rows["corpus"].append(score([stems[s] for s in ("drums", "bass", "music")], tonic, notes))
        for tag, line in (("line", line_rows(notes, n, t)), ("none", np.zeros((LINE_CHANNELS, t)))):
            z = gen.latents(x0, n, caption, args.steps, args.guidance, key=key, line=line)
            rows[tag].append(score([fit_bar(s, n) for s in gen.decode_stems(z)], tonic, notes))
        if len(rows["corpus"]) >= args.bars:
            break
    out: dict[str, object] = {"n": len(rows["corpus"])}
    for tag, rs in rows.items():  # shares as means, pitch and kick figures as medians
        out[tag] = {
            k: float(
                np.nanmean([r[k] for r in rs])
                if "tonic" in k or k == "in_line"
                else np.nanmedian([r[k] for r in rs])
            )
            for k in FIGURES
        }
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
