"""Choosing and loading a concept encoder: the one entry point for render, the daemon and training.

    cond = load_conditioner("livegen-clap", model_dir=Path("models/default"))
    c = cond.embed_prompts([TextPrompt("dark dub techno, no kick", 1.0),
                            AudioPrompt(audio, 24000, weight=0.5)])
    c.vector            # [D] unit vector for the generator
    c.unknown_words     # words to show the performer

`add_concept_arguments` gives every command the same three options. No torch is imported unless
laion is chosen.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from livegen.runtime.concept.base import Conditioner

KINDS = ("livegen-clap", "laion")


def add_concept_arguments(parser: argparse.ArgumentParser) -> None:
    """--concept, --concept-checkpoint, --concept-roberta (for render, the daemon, eval)."""
    parser.add_argument(
        "--concept",
        choices=KINDS,
        default="livegen-clap",
        help="concept encoder: the shipped livegen-clap (default) or laion-clap (optional extra)",
    )
    parser.add_argument(
        "--concept-checkpoint",
        type=Path,
        default=None,
        help="laion-clap checkpoint (.pt), e.g. music_audioset_epoch_15_esc_90.14.pt",
    )
    parser.add_argument(
        "--concept-roberta",
        type=Path,
        default=None,
        help="folder with roberta-base config.json, vocab.json, merges.txt and weights "
        "(default: the Hugging Face cache)",
    )


def load_conditioner(
    kind: str = "livegen-clap",
    model_dir: Path | None = None,
    checkpoint: Path | None = None,
    roberta_dir: Path | None = None,
    device: str = "cpu",
    threads: int | None = 1,
) -> Conditioner:
    """The concept encoder `kind` ("livegen-clap" from `model_dir`'s manifest, or "laion").

    One onnxruntime thread by default: a prompt then embeds in ~1-4 ms and leaves the other cores
    to the generator (two threads on a busy 2-core CPU measured ~9 ms).
    """
    if kind == "livegen-clap":
        from livegen.runtime.concept.encoder import LivegenClap

        if model_dir is None:
            raise ValueError("livegen-clap needs a model package folder (e.g. models/default)")
        return LivegenClap.load(Path(model_dir), device=device, threads=threads)
    if kind == "laion":
        from livegen.runtime.concept.laion import LaionClap

        return LaionClap.load(checkpoint, roberta_dir, device=device)
    raise ValueError(f"unknown concept encoder {kind!r} (choose from {', '.join(KINDS)})")


def from_args(args: argparse.Namespace, model_dir: Path | None = None) -> Conditioner:
    """`load_conditioner` from the options `add_concept_arguments` defined."""
    return load_conditioner(
        args.concept,
        model_dir=model_dir if model_dir is not None else getattr(args, "model", None),
        checkpoint=args.concept_checkpoint,
        roberta_dir=args.concept_roberta,
    )
