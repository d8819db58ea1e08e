"""How good a concept encoder is: retrieval, zero-shot attributes, paraphrases. numpy only.

Every measure takes embeddings or an `embed_texts(list[str]) -> [N, D]` callable, so the same code
scores the torch model during training, the shipped ONNX conditioner and laion-clap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from livegen.training.concept.prompts import PARAPHRASES, ZERO_SHOT, ZeroShotTable, attribute_value

Array = npt.NDArray[np.float32]
# The attributes issue #5 names as examples; the table's "mean, core" row averages these.
CORE = ("kick", "acid", "clap", "open hats", "dark/bright", "slow/fast")
EmbedTexts = Callable[[Sequence[str]], Array]


def retrieval(text: Array, audio: Array, ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Text i → audio i recall@k over N pairs (rows unit-norm); ties count against the match."""
    sims = text @ audio.T  # [N, N]
    correct = np.diag(sims)[:, None]
    rank = (sims > correct).sum(1) + (sims == correct).sum(1) - 1  # 0 = first
    out = {f"R@{k}": float(np.mean(rank < k)) for k in ks}
    out["median_rank"] = float(np.median(rank) + 1)
    return out


@dataclass(frozen=True)
class AttributeScore:
    name: str
    n: int  # loops scored
    accuracy: float
    balanced: float  # mean per-class recall: chance is 1 / classes whatever the class balance
    classes: int


def zero_shot(
    embed_texts: EmbedTexts,
    audio: Array,
    metas: Sequence[dict[str, Any]],
    table: ZeroShotTable = ZERO_SHOT,
) -> list[AttributeScore]:
    """Classify each loop's audio by the nearest class prompt (held-out phrases, averaged)."""
    scores = []
    for name, (attr, classes) in table.items():
        values = list(classes)
        protos = []
        for v in values:
            e = embed_texts(classes[v]).mean(0)
            protos.append(e / max(float(np.linalg.norm(e)), 1e-9))
        proto = np.stack(protos)  # [C, D]
        truth = [
            values.index(attribute_value(m, attr)) if attribute_value(m, attr) in classes else -1
            for m in metas
        ]
        keep = np.asarray([t >= 0 for t in truth])
        if not keep.any():
            continue
        y = np.asarray(truth)[keep]
        pred = np.argmax(audio[keep] @ proto.T, axis=1)
        recalls = [float(np.mean(pred[y == c] == c)) for c in range(len(values)) if np.any(y == c)]
        scores.append(
            AttributeScore(
                name,
                int(keep.sum()),
                float(np.mean(pred == y)),
                float(np.mean(recalls)),
                len(values),
            )
        )
    return scores


@dataclass(frozen=True)
class ParaphraseResult:
    passed: int
    total: int
    failures: tuple[tuple[str, str, str], ...]  # (prompt, its paraphrase, the closer intruder)
    margin: float  # mean of cos(pair) - max cos(intruder)


def paraphrases(
    embed_texts: EmbedTexts, pairs: Sequence[tuple[str, str]] = PARAPHRASES
) -> ParaphraseResult:
    """A pair passes when each prompt is closer to its paraphrase than to every other prompt."""
    texts = [t for pair in pairs for t in pair]
    e = embed_texts(texts)
    sims = e @ e.T
    failures, margins, passed = [], [], 0
    for i in range(len(pairs)):
        ok = True
        for a, b in ((2 * i, 2 * i + 1), (2 * i + 1, 2 * i)):
            others = np.delete(sims[a], [2 * i, 2 * i + 1])
            order = [j for j in range(len(texts)) if j not in (2 * i, 2 * i + 1)]
            margins.append(float(sims[a, b] - others.max()))
            if sims[a, b] <= others.max():
                ok = False
                failures.append((texts[a], texts[b], texts[order[int(others.argmax())]]))
        passed += ok
    return ParaphraseResult(passed, len(pairs), tuple(failures), float(np.mean(margins)))


def format_scores(
    scores: Sequence[AttributeScore],
    seen: Sequence[AttributeScore] = (),
    unplaced: dict[str, tuple[str, ...]] | None = None,
) -> str:
    """The zero-shot table, with the mean and the weakest attribute.

    Args:
        seen: the same attributes scored with training phrasings (a "seen words" column).
        unplaced: per attribute, the words of its prompts the encoder cannot place.
    """
    seen_of = {s.name: s for s in seen}
    head = f"{'attribute':<12} {'loops':>6} {'classes':>7} {'accuracy':>9} {'balanced':>9}"
    if seen:
        head += f" {'seen words':>11}"
    lines = [head + ("  cannot place" if unplaced is not None else "")]
    for s in scores:
        line = f"{s.name:<12} {s.n:>6} {s.classes:>7} {100 * s.accuracy:>8.1f}% {100 * s.balanced:>8.1f}%"
        if seen:
            line += f" {_pct(seen_of.get(s.name)):>11}"
        if unplaced is not None:
            line += "  " + ", ".join(unplaced.get(s.name, ()))
        lines.append(line.rstrip())
    if scores:
        mean_acc = np.mean([s.accuracy for s in scores])
        mean_bal = np.mean([s.balanced for s in scores])
        weakest = min(scores, key=lambda s: s.balanced)
        line = f"{'mean':<12} {'':>6} {'':>7} {100 * mean_acc:>8.1f}% {100 * mean_bal:>8.1f}%"
        if seen:
            line += f" {100 * np.mean([s.balanced for s in seen]):>10.1f}%"
        lines.append(line)
        core = [s for s in scores if s.name in CORE]
        if core:
            acc = 100 * np.mean([s.accuracy for s in core])
            bal = 100 * np.mean([s.balanced for s in core])
            names = ", ".join(s.name for s in core)
            lines.append(f"{'mean, core':<12} {'':>6} {'':>7} {acc:>8.1f}% {bal:>8.1f}%  ({names})")
        lines.append(f"weakest: {weakest.name} ({100 * weakest.balanced:.1f}% balanced)")
    return "\n".join(lines)


def _pct(score: AttributeScore | None) -> str:
    return "-" if score is None else f"{100 * score.balanced:.1f}%"
