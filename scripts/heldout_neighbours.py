"""Where the text tower puts the held-out phrases: each one's nearest training phrases (a table).

    python scripts/heldout_neighbours.py --model models/default

The zero-shot evaluation (`livegen eval concept`) scores prompts in a vocabulary kept out of
training. What the text side can make of a new phrase is bounded by where the frozen sentence
encoder puts it: a phrase whose nearest training phrases name another sound ("sidestick" next to
"pad") cannot be read right by any head trained on top. For each held-out phrase this prints
its three nearest training phrases by tower cosine, and the words the encoder reports it cannot
place. Diagnosis only; nothing here trains or changes the model.
"""

from __future__ import annotations

import argparse

import numpy as np

from livegen.runtime.concept.encoder import LivegenClap
from livegen.runtime.models import add_model_argument
from livegen.training.concept.prompts import heldout_vocabulary, train_vocabulary


def phrases(vocab: list[str]) -> list[str]:
    """Whole phrases of a vocabulary list (templates and empty slots left out)."""
    return sorted({p.strip() for p in vocab if p.strip() and "{" not in p})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_model_argument(parser)
    parser.add_argument("--k", type=int, default=3, help="neighbours shown per phrase")
    args = parser.parse_args()
    enc = LivegenClap.load(args.model, threads=1)
    train, heldout = phrases(train_vocabulary()), phrases(heldout_vocabulary())
    sims = enc.tower.embed(heldout) @ enc.tower.embed(train).T
    print(f"{len(heldout)} held-out phrases, {len(train)} training phrases ({args.model})")
    print(f"{'held-out phrase':<28} {'cannot place':<18} nearest training phrases (cosine)")
    for i, phrase in enumerate(heldout):
        order = np.argsort(-sims[i])[: args.k]
        near = " | ".join(f"{train[j]} {sims[i, j]:.2f}" for j in order)
        unplaced = ", ".join(enc.embed_text(phrase).unknown_words) or "-"
        print(f"{phrase:<28} {unplaced:<18} {near}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
