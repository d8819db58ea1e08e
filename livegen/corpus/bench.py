"""`livegen bench corpus`: how fast the corpus is synthesised, as a table (one run, side by side)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from livegen.corpus.loop import make_loop
from livegen.corpus.make import CorpusConfig, make_corpus


def bench(n: int, seed: int = 123) -> list[tuple[str, float]]:
    """Loops per second: synthesis only, then whole corpus runs (with and without stems)."""
    rows = []
    start = time.perf_counter()
    for i in range(n):
        make_loop(seed, i)
    rows.append(("synthesis only, 1 process", n / (time.perf_counter() - start)))
    for workers, stems in ((1, False), (1, True), (2, True)):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = CorpusConfig(n=n, seed=seed, stems=stems)
            summary = make_corpus(Path(tmp), cfg, workers=workers, progress=False)
        what = "FLAC + stems + manifest" if stems else "FLAC + manifest, --no-stems"
        label = f"corpus make ({what}), {workers} worker{'s' * (workers > 1)}"
        rows.append((label, summary["loops_per_s"]))
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=400, help="loops per measurement")


def run(args: argparse.Namespace) -> int:
    rows = bench(args.n)
    base = rows[0][1]
    print(f"{'what':<56} {'loops/s':>9} {'vs synth':>9}")
    for label, rate in rows:
        print(f"{label:<56} {rate:>9.1f} {rate / base:>8.2f}x")
    return 0
