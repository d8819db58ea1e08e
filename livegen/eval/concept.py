"""`livegen eval concept`: how well a concept encoder links words and sound, as tables.

Over the test split of a corpus: text → audio retrieval (R@1/R@5/R@10) with the stored captions
(train vocabulary, unseen loops) and with fresh captions in the *held-out* vocabulary; zero-shot
attribute accuracy with held-out class prompts (`prompts.ZERO_SHOT`), next to the same test in
training phrasings ("seen words": what the audio side can tell apart when every word is known)
and the held-out words the encoder reports it cannot place; the paraphrase test
(`prompts.PARAPHRASES`). Runs the shipped ONNX conditioner (or laion-clap), not torch.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from livegen.eval.concept_metrics import format_scores, paraphrases, retrieval, zero_shot
from livegen.runtime.concept.conditioner import add_concept_arguments, from_args
from livegen.runtime.models import add_model_argument
from livegen.training.concept.prompts import ZERO_SHOT, zero_shot_prompts


def evaluate(
    cond, corpus: Path, split: str = "test", limit: int = 0, seed: int = 0, progress: bool = True
) -> dict[str, Any]:
    """All figures for one conditioner on one split (a dict; `report` formats it)."""
    from livegen.corpus.captions import caption
    from livegen.corpus.make import load_audio, read_manifest

    entries = [e for e in read_manifest(corpus) if e["split"] == split]
    if limit:
        entries = entries[:limit]
    if not entries:
        raise ValueError(f"{corpus}: no loops in split {split!r}")
    audio = np.stack(
        [
            cond.embed_audio(load_audio(corpus, e), 24_000, key=str(e["path"])).vector
            for e in tqdm(entries, desc="audio", disable=not progress, unit="loop")
        ]
    )
    stored = cond.embed_texts([e["captions"][0] for e in entries])
    rng = np.random.default_rng(seed)
    heldout_text = [caption(e, rng, "heldout") for e in entries]
    heldout = cond.embed_texts(heldout_text)
    scores = zero_shot(cond.embed_texts, audio, entries)
    seen = zero_shot(cond.embed_texts, audio, entries, zero_shot_prompts("train"))
    para = paraphrases(cond.embed_texts)
    return {
        "encoder": cond.name,
        "split": split,
        "loops": len(entries),
        "retrieval_train_vocab": retrieval(stored, audio),
        "retrieval_heldout_vocab": retrieval(heldout, audio),
        "zero_shot": [s.__dict__ for s in scores],
        "zero_shot_mean_balanced": float(np.mean([s.balanced for s in scores])),
        "zero_shot_mean_accuracy": float(np.mean([s.accuracy for s in scores])),
        "weakest": min(scores, key=lambda s: s.balanced).name,
        "zero_shot_seen_words": [s.__dict__ for s in seen],
        "zero_shot_seen_mean_balanced": float(np.mean([s.balanced for s in seen])),
        "unplaced_words": unplaced_words(cond),
        "paraphrases": {"passed": para.passed, "total": para.total, "margin": para.margin,
                        "failures": [list(f) for f in para.failures]},
        "_scores": scores,
        "_seen": seen,
    }  # fmt: skip


def unplaced_words(cond) -> dict[str, list[str]]:
    """Per zero-shot attribute, the words of its class prompts the encoder cannot place."""
    out: dict[str, list[str]] = {}
    for name, (_, classes) in ZERO_SHOT.items():
        words: list[str] = []
        for prompts in classes.values():
            for text in prompts:
                words += [w for w in cond.embed_text(text).unknown_words if w not in words]
        out[name] = words
    return out


def report(r: dict[str, Any]) -> str:
    lines = [f"concept encoder {r['encoder']} on {r['loops']} {r['split']} loops", ""]
    lines.append(
        f"{'text → audio retrieval':<28} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'median rank':>12}"
    )
    for key, label in (
        ("retrieval_train_vocab", "stored captions"),
        ("retrieval_heldout_vocab", "held-out captions"),
    ):
        x = r[key]
        lines.append(
            f"{label:<28} {100 * x['R@1']:>5.1f}% {100 * x['R@5']:>5.1f}% {100 * x['R@10']:>5.1f}% {x['median_rank']:>12.0f}"
        )
    lines += [
        "",
        "zero-shot attributes (held-out prompts; balanced = mean per-class recall; seen words ="
        " balanced with training phrasings)",
    ]
    unplaced = {k: tuple(v) for k, v in r["unplaced_words"].items()}
    lines.append(format_scores(r["_scores"], r["_seen"], unplaced))
    p = r["paraphrases"]
    lines += [
        "",
        f"paraphrase pairs closer to each other than to any other prompt: {p['passed']}/{p['total']} (mean margin {p['margin']:+.3f})",
    ]
    for a, b, c in p["failures"]:
        lines.append(f"  '{a}' ~ '{b}' but nearer '{c}'")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"))
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N loops of the split")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    add_concept_arguments(parser)


def run(args: argparse.Namespace) -> int:
    cond = from_args(args, model_dir=args.model)
    r = evaluate(cond, args.corpus, args.split, args.limit)
    print(report(r))
    if args.json:
        args.json.write_text(
            json.dumps({k: v for k, v in r.items() if not k.startswith("_")}, indent=2) + "\n"
        )
    return 0
