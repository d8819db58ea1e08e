"""`livegen encode`: cache the corpus latents (+ bpm, captions, split, ids, lengths) in one .npz.

Whole one-bar loops, each zero-padded to ceil(n_samples / hop) frames; raw latents plus the codec's
statistics (see `livegen.train.latents` for the exact format). Works with our trained codec and
with the published EnCodec 24 kHz weights (128-d latents):

    livegen encode --codec-checkpoint runs/codec --out data/latents.npz
    livegen encode --codec encodec_24khz --codec-checkpoint encodec_24khz-d7cc33bc.th
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from livegen.train.codec_config import add_codec_arguments

if TYPE_CHECKING:
    from livegen.train.codec_model import LoadedCodec


def ensure_stats(
    loaded: LoadedCodec, corpus: Path, stats_loops: int = 1000, device: str = "cpu"
) -> None:
    """Give `loaded` latent statistics if its checkpoint has none (official weights).

    Computed from the first `stats_loops` train loops in manifest order (0: all), so encode and
    export compute the very same numbers from the same corpus.
    """
    from livegen.corpus.make import load_audio, read_manifest
    from livegen.train.codec_model import latent_stats

    if loaded.mean is not None and loaded.std is not None:
        loaded.info.setdefault("stats", {"source": "checkpoint"})
        return
    entries = [e for e in read_manifest(corpus) if e["split"] == "train"]
    entries = entries[: stats_loops or None]
    if not entries:
        raise ValueError(f"{corpus}: no train loops to compute latent statistics from")
    print(f"latent statistics: encoding {len(entries)} train loops of {corpus}")
    mean, std = latent_stats(loaded.model, [load_audio(corpus, e) for e in entries], device)
    loaded.mean, loaded.std = mean, std
    loaded.info["stats"] = {"source": "computed", "corpus": str(corpus), "loops": len(entries)}


def codec_meta(loaded: LoadedCodec) -> dict[str, Any]:
    """Provenance of a codec, for caches and manifests."""
    return {
        "source": loaded.source,
        "checkpoint": str(loaded.path) if loaded.path else None,
        "config": loaded.config.to_dict(),
        "step": loaded.info.get("step"),
        "stats": loaded.info.get("stats", {}),
    }


def encode_corpus(
    loaded: LoadedCodec,
    corpus: Path,
    out: Path,
    splits: tuple[str, ...] = ("train", "valid", "test"),
    device: str = "cpu",
    stats_loops: int = 1000,
    progress: bool = True,
) -> dict[str, Any]:
    """Encode every loop of `splits` and write the cache to `out`; returns a summary."""
    from tqdm import tqdm

    from livegen.corpus.make import load_audio, read_manifest
    from livegen.train.codec_model import encode_loop
    from livegen.train.latents import ENTRY_KEYS, LatentCache, save_latents

    model = loaded.model.to(device).eval()
    ensure_stats(loaded, corpus, stats_loops, device)
    assert loaded.mean is not None and loaded.std is not None
    entries = [e for e in read_manifest(corpus) if e["split"] in splits]
    if not entries:
        raise ValueError(f"{corpus}: no loops in splits {', '.join(splits)}")
    hop = loaded.config.hop
    lengths = np.array([-(-int(e["n_samples"]) // hop) for e in entries], np.int32)
    latents = np.zeros((len(entries), loaded.config.dimension, lengths.max()), np.float32)
    n_samples = np.zeros(len(entries), np.int32)
    for i, e in enumerate(tqdm(entries, desc="encoding", unit="loop", disable=not progress)):
        audio = load_audio(corpus, e)
        n_samples[i] = len(audio)
        z = encode_loop(model, audio, device)
        lengths[i] = z.shape[1]
        latents[i, :, : z.shape[1]] = z
    cache = LatentCache(
        latents=latents,
        lengths=lengths,
        n_samples=n_samples,
        bpm=np.array([float(e.get("bpm", 0.0)) for e in entries], np.float32),
        ids=np.array([e["id"] for e in entries]),
        split=np.array([e["split"] for e in entries]),
        style=np.array([str(e.get("style", "")) for e in entries]),
        mean=loaded.mean,
        std=loaded.std,
        meta={
            "normalized": False,
            "sample_rate": loaded.config.sample_rate,
            "hop": hop,
            "latent_dim": loaded.config.dimension,
            "padding": "audio zero-padded to ceil(n_samples/hop) hops; zeros after lengths[i]",
            "codec": codec_meta(loaded),
            "corpus": str(corpus),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        entries=[{k: e[k] for k in ENTRY_KEYS if k in e} for e in entries],
    )
    save_latents(out, cache)
    counts = {s: int((cache.split == s).sum()) for s in splits}
    return {"loops": len(entries), "splits": counts, "shape": latents.shape, "out": str(out)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_codec_arguments(parser)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    parser.add_argument("--out", type=Path, default=Path("data/latents.npz"), help="cache file")
    parser.add_argument("--splits", default="train,valid,test", help="comma-separated splits")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: all cores)")
    parser.add_argument(
        "--stats-loops", type=int, default=1000, help="train loops for stats if the codec has none"
    )
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:

    from livegen.train.codec_model import load_codec, setup_torch

    setup_torch(args.threads)
    loaded = load_codec(args.codec, args.codec_checkpoint)
    splits = tuple(s for s in args.splits.split(",") if s)
    summary = encode_corpus(
        loaded, args.corpus, args.out, splits, args.device, args.stats_loops, not args.no_progress
    )
    counts = ", ".join(f"{k} {v}" for k, v in summary["splits"].items())
    print(f"wrote {summary['out']}: latents {summary['shape']} (L, D, T_max); {counts}")
    return 0
