"""`livegen bench concept`: how long a prompt takes to embed (goal: ≤ 20 ms on a laptop CPU).

Times the runtime conditioner as the daemon uses it: a new text prompt (cache cleared each time),
a repeated prompt (cache hit), a mix of prompts, and audio prompts of one bar and of 10 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from livegen.runtime.concept.conditioner import add_concept_arguments, from_args
from livegen.runtime.models import add_model_argument

PROMPTS = (
    "dark hypnotic techno with rolling bass and clicky rims, no clap, 126 BPM",
    "acid line, no kick",
    "bright deep house with chord stabs and open hats",
    "kickless dub techno with echoing chords",
    "imagine a tb-303 sequence over a gloomy reduced techno beat",
    "minimal",
)
GOAL_MS = 20.0


def _time(fn: Callable[[int], object], n: int) -> np.ndarray:
    out = np.zeros(n)
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out[i] = time.perf_counter() - t0
    return out * 1e3


def bench(cond, repeats: int = 30) -> list[tuple[str, np.ndarray]]:
    """(case, milliseconds per call) for each case."""
    from livegen.runtime.concept.base import TextPrompt

    rows: list[tuple[str, np.ndarray]] = []
    cache = getattr(cond, "text_cache", None)

    def fresh(i: int) -> None:
        if cache is not None:
            cache.clear()
        cond.embed_text(PROMPTS[i % len(PROMPTS)])

    cond.embed_text(PROMPTS[0])
    rows.append(("text prompt, new", _time(fresh, repeats)))
    cond.embed_text(PROMPTS[0])
    rows.append(("text prompt, cached", _time(lambda i: cond.embed_text(PROMPTS[0]), repeats)))

    def mix3(i: int) -> None:
        if cache is not None:
            cache.clear()
        cond.embed_prompts(
            [TextPrompt(p, w) for p, w in zip(PROMPTS[:3], (1.0, 0.5, 0.25), strict=True)]
        )

    rows.append(("mix of 3 text prompts, new", _time(mix3, repeats)))
    rng = np.random.default_rng(0)
    for label, seconds in (("audio prompt 2 s, new", 2.0), ("audio prompt 10 s, new", 10.0)):
        audio = (0.1 * rng.standard_normal(int(24_000 * seconds))).astype(np.float32)

        def embed_new_audio(i: int, a: np.ndarray = audio) -> None:
            cond.embed_audio(a + np.float32(i * 1e-6), 24_000)  # new content: no cache hit

        rows.append((label, _time(embed_new_audio, max(5, repeats // 3))))
    return rows


def format_rows(rows: list[tuple[str, np.ndarray]], threads: int | None) -> str:
    lines = [f"{'case':<30} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"]
    for label, ms in rows:
        lines.append(
            f"{label:<30} {np.median(ms):>10.2f} {np.percentile(ms, 95):>8.2f} {ms.max():>8.2f}"
        )
    new = dict(rows)["text prompt, new"]
    verdict = "meets" if np.median(new) <= GOAL_MS else "MISSES"
    lines.append(f"a new text prompt: median {np.median(new):.1f} ms, {verdict} the {GOAL_MS:.0f} ms goal"
                 f" (threads: {threads or 'onnxruntime default'})")  # fmt: skip
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument(
        "--threads", type=int, default=1, help="onnxruntime intra-op threads (0: one per core)"
    )
    add_concept_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from livegen.runtime.concept.conditioner import load_conditioner

    if args.concept == "livegen-clap":
        threads = args.threads or None
        cond = load_conditioner("livegen-clap", model_dir=args.model, threads=threads)
    else:
        cond = from_args(args, model_dir=args.model)
    print(format_rows(bench(cond, args.repeats), args.threads))
    return 0
