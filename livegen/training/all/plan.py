"""What `train all` trains and judges on: a held-out share of the user's bars, and the rest played
at several tempos inside the model's range (numpy + soundfile; no torch).

Held out by source file, not by bar: bars cut from one loop sound alike, and a bar whose sibling
was trained on would flatter the eval. The importer's own valid/test split (5 % each, by name
hash) leaves too few bars of a small pack to measure anything, so the share here is larger.

Replay: a share of loops from the corpus the model learnt (synthesised here, seeded) trains beside
the user's bars, so fine-tuning does not forget what the user's few dozen bars cannot teach
(tempo and bar phase above all: on Debian's 40 loops the fine-tune without it followed the tempo
in 35 % of bars instead of 60 %).

Varispeed, as on a turntable: a one-bar loop resampled to the length of a bar at another tempo is
that loop played faster or slower (pitch follows). It turns a few dozen bars into a few hundred
and moves loops recorded outside the UNet's tempo range into it. Speeds stay within ±25 %
(about four semitones), beyond which a loop stops sounding like itself.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from livegen.dsp.resample import fit_bar
from livegen.units import SAMPLE_RATE, bar_samples

HOLDOUT_SHARE = 0.2
MIN_HELD_OUT = 8  # bars: below this no distance between sets means anything
MAX_SPEED = 1.25


def _source(entry: dict[str, Any]) -> str:
    return Path(str(entry.get("source", entry["id"]))).name


def holdout(
    entries: list[dict[str, Any]], share: float = HOLDOUT_SHARE, min_bars: int = MIN_HELD_OUT
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, held out): whole source files in a fixed order (hash of the file name) are held out
    until `share` of the bars (at least `min_bars`) are, keeping at least half for training."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for e in entries:
        by_source.setdefault(_source(e), []).append(e)
    order = sorted(by_source, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    want = max(min_bars, round(share * len(entries)))
    held: list[dict[str, Any]] = []
    for name in order:
        if len(held) >= want or len(held) + len(by_source[name]) > len(entries) // 2:
            continue
        held += by_source[name]
    held_ids = {e["id"] for e in held}
    return [e for e in entries if e["id"] not in held_ids], held


def tempos(bpm: float, lo: float, hi: float, variants: int) -> list[float]:
    """`variants` tempos in [lo, hi] within ±25 % of `bpm` (evenly spaced; the loop's own tempo
    among them when it is in range); empty when the range is out of reach."""
    a, b = max(lo, bpm / MAX_SPEED), min(hi, bpm * MAX_SPEED)
    if a > b:
        return []
    grid = list(np.linspace(a, b, variants)) if variants > 1 else [float(np.clip(bpm, a, b))]
    if lo <= bpm <= hi:  # the recording itself, unchanged, replaces the nearest grid point
        grid[int(np.argmin([abs(t - bpm) for t in grid]))] = bpm
    return [round(float(t), 3) for t in grid]


def write_corpus(
    src: Path,
    train: list[dict[str, Any]],
    held: list[dict[str, Any]],
    out: Path,
    bpm_range: tuple[float, float],
    variants: int = 5,
) -> dict[str, Any]:
    """The training corpus in livegen's format at `out`: each train bar at `variants` tempos
    (split "train") and each held-out bar once, at its tempo clamped into range ("test").
    Returns counts and the bars dropped (tempo out of reach), also written to `plan.json`."""
    from livegen.corpus.make import load_audio

    lo, hi = bpm_range
    (out / "audio").mkdir(parents=True, exist_ok=True)
    records, dropped = [], []
    jobs = [(e, "train", tempos(float(e["bpm"]), lo, hi, variants)) for e in train]
    jobs += [(e, "test", tempos(float(e["bpm"]), lo, hi, 1)) for e in held]
    for entry, split, targets in jobs:
        if not targets:
            dropped.append({"id": entry["id"], "bpm": entry["bpm"], "reason": "tempo out of reach"})
            continue
        audio = load_audio(src, entry)
        for k, bpm in enumerate(targets):
            n = bar_samples(bpm, SAMPLE_RATE)
            rec_id = f"{entry['id']}_v{k}"
            path = f"audio/{rec_id}.flac"
            sf.write(out / path, np.clip(fit_bar(audio, n), -1, 1), SAMPLE_RATE, subtype="PCM_16")
            records.append({
                "id": rec_id, "path": path, "split": split, "bpm": bpm, "n_samples": n,
                "sample_rate": SAMPLE_RATE, "source_id": entry["id"], "source": _source(entry),
                "speed": round(bpm / float(entry["bpm"]), 4), "captions": entry.get("captions", []),
            })  # fmt: skip
    with open(out / "manifest.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    summary = {
        "source_corpus": str(src),
        "bars": {"train": len(train), "held_out": len(held)},
        "written": {s: sum(r["split"] == s for r in records) for s in ("train", "test")},
        "held_out_sources": sorted({_source(e) for e in held}),
        "bpm_range": [lo, hi],
        "variants": variants,
        "dropped": dropped,
    }
    (out / "plan.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


REPLAY_SEED = 20_261_205  # not the shipped corpus's seed: loops of its kind, not its loops


def add_replay(out: Path, n: int, seed: int = REPLAY_SEED) -> int:
    """Append `n` synthesised corpus loops to the training corpus at `out` (split "train")."""
    from livegen.corpus.loop import make_loop

    rows = []
    for i in range(n):
        loop = make_loop(seed, i)
        rec_id = f"replay_{i:05d}"
        path = f"audio/{rec_id}.flac"
        sf.write(out / path, loop.audio, SAMPLE_RATE, subtype="PCM_16")
        rows.append({"id": rec_id, "path": path, "split": "train", "bpm": loop.meta["bpm"],
                     "n_samples": len(loop.audio), "sample_rate": SAMPLE_RATE,
                     "source": "synthesised", "captions": []})  # fmt: skip
    with open(out / "manifest.jsonl", "a") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    return n
