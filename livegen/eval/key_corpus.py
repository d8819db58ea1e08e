"""`livegen eval key`: the key estimator's ceiling on a corpus, on its stems and on its mixes.

For every loop whose manifest gives a key and a scale: the estimated tonic (and mode) against
the manifest's, on the bass + music stems (when the loop has stems and they are not silent) and
on the mix; a table per scale with the n. The generator is asked to beat nothing higher than this.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from livegen import SAMPLE_RATE as SR
from livegen.corpus.make import load_audio, load_stems, read_manifest
from livegen.eval.key import estimate_key, key_of

SOURCES = ("stems", "mix")  # bass + music stems; the whole mix


def score_entry(
    corpus_dir: Path, entry: dict[str, Any], sources: tuple[str, ...] = SOURCES
) -> dict[str, tuple[bool, bool]]:
    """{source: (tonic right, tonic and mode right)} for one loop, for each of `sources` (no
    stems key if it has none)."""
    tonic, mode = key_of(entry["key"], entry["scale"])
    clips = {"mix": load_audio(corpus_dir, entry)} if "mix" in sources else {}
    stems = load_stems(corpus_dir, entry) if "stems" in sources else None
    if stems is not None and np.any(stems["bass"] + stems["music"]):
        clips["stems"] = stems["bass"] + stems["music"]
    out = {}
    for source, audio in clips.items():
        est = estimate_key(audio, SR)
        out[source] = (est.tonic == tonic, est.tonic == tonic and est.mode == mode)
    return out


def corpus_ceiling(corpus_dir: Path, n: int | None = None) -> dict[str, dict[str, dict]]:
    """{source: {scale or "all": {"n", "tonic", "tonic_mode"}}} over the corpus's keyed loops."""
    hits: dict[str, dict[str, list]] = {s: defaultdict(list) for s in SOURCES}
    entries = [e for e in read_manifest(corpus_dir) if e.get("key") and e.get("scale")]
    for entry in entries[:n]:
        for source, result in score_entry(corpus_dir, entry).items():
            hits[source][entry["scale"]].append(result)
            hits[source]["all"].append(result)
    table: dict[str, dict[str, dict]] = {}
    for source, by_scale in hits.items():
        table[source] = {
            scale: {
                "n": len(rows),
                "tonic": float(np.mean([r[0] for r in rows])),
                "tonic_mode": float(np.mean([r[1] for r in rows])),
            }
            for scale, rows in sorted(by_scale.items(), key=lambda kv: (kv[0] == "all", kv[0]))
        }
    return table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    parser.add_argument("--n", type=int, default=None, help="only the first N loops")
    parser.add_argument("--json", type=Path, default=None, help="also write the table here")


def run(args: argparse.Namespace) -> int:
    table = corpus_ceiling(args.corpus, args.n)
    print(f"{'source':<18} {'scale':<10} {'n':>5} {'tonic':>7} {'tonic+mode':>11}")
    labels = {"stems": "bass+music stems", "mix": "mix"}
    for source, rows in table.items():
        for scale, row in rows.items():
            print(
                f"{labels[source]:<18} {scale:<10} {row['n']:>5} {100 * row['tonic']:>6.1f}%"
                f" {100 * row['tonic_mode']:>10.1f}%"
            )
    if args.json is not None:
        args.json.write_text(json.dumps(table, indent=2) + "\n")
    return 0
