"""`livegen bench corpus`: how fast the corpus is synthesised, as a table (one run, side by side)."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from livegen.corpus.loop import make_loop
from livegen.corpus.make import CorpusConfig, make_corpus


def bench(n: int, seed: int = 123) -> list[tuple[str, float]]:
    """Loops per second for: synthesis only, then whole corpus runs with 1 and 2 workers."""
    rows = []
    start = time.perf_counter()
    for i in range(n):
        make_loop(seed, i)
    rows.append(("synthesis only, 1 process", n / (time.perf_counter() - start)))
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            cfg = CorpusConfig(n=n, seed=seed)
            summary = make_corpus(Path(tmp), cfg, workers=workers, progress=False)
        label = f"corpus make (FLAC + manifest), {workers} worker{'s' * (workers > 1)}"
        rows.append((label, summary["loops_per_s"]))
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=400, help="loops per measurement")


def run(args: argparse.Namespace) -> int:
    rows = bench(args.n)
    base = rows[0][1]
    print(f"{'what':<44} {'loops/s':>9} {'vs synth':>9}")
    for label, rate in rows:
        print(f"{label:<44} {rate:>9.1f} {rate / base:>8.2f}x")
    return 0
