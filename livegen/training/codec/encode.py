"""`livegen encode`: cache the corpus latents (+ bpm, captions, split, ids, lengths) in one .npz.

Whole one-bar loops, each zero-padded to ceil(n_samples / hop) frames; raw latents plus the codec's
statistics (see `livegen.training.codec.latents` for the exact format). Works with our trained codec and
with the published EnCodec 24 kHz weights (128-d latents):

    livegen encode --codec-checkpoint runs/codec --out data/latents.npz
    livegen encode --codec encodec_24khz --codec-checkpoint encodec_24khz-d7cc33bc.th
    livegen encode --model-dir models/default      # the shipped ONNX encoder, no checkpoint
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from livegen.runtime.models import add_model_argument
from livegen.training.codec.config import add_codec_arguments

if TYPE_CHECKING:
    from livegen.training.codec.model import LoadedCodec


def ensure_stats(
    loaded: LoadedCodec, corpus: Path, stats_loops: int = 1000, device: str = "cpu"
) -> None:
    """Give `loaded` latent statistics if its checkpoint has none (official weights).

    Computed from the first `stats_loops` train loops in manifest order (0: all), so encode and
    export compute the very same numbers from the same corpus.
    """
    from livegen.corpus.make import load_audio, read_manifest
    from livegen.training.codec.model import latent_stats

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
    """Encode every loop of `splits` with a torch codec and write the cache to `out`."""
    from livegen.training.codec.model import encode_loop

    model = loaded.model.to(device).eval()
    ensure_stats(loaded, corpus, stats_loops, device)
    assert loaded.mean is not None and loaded.std is not None
    return _encode(
        lambda audio: encode_loop(model, audio, device),
        loaded.config.dimension,
        loaded.config.hop,
        loaded.config.sample_rate,
        (loaded.mean, loaded.std),
        codec_meta(loaded),
        corpus,
        out,
        splits,
        progress,
    )


def encode_corpus_onnx(
    model_dir: Path,
    corpus: Path,
    out: Path,
    splits: tuple[str, ...] = ("train", "valid", "test"),
    threads: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The same cache from a shipped model package's ONNX encoder (no training checkpoint needed).

    The runtime pads audio to whole hops exactly as `encode_loop` does, so both give the same
    latents up to float rounding (the export's parity test).
    """
    from livegen.runtime.codec import Codec

    codec = Codec.load(model_dir, device="cpu", threads=threads, with_encoder=True)
    spec = codec.spec
    return _encode(
        lambda audio: codec.encode(audio[None], normalized=False)[0],
        spec.latent_dim,
        spec.hop,
        spec.sample_rate,
        (spec.mean, spec.std),
        {"source": "onnx", "model_dir": str(model_dir)},
        corpus,
        out,
        splits,
        progress,
    )


def _encode(
    encode_fn: Any,
    dimension: int,
    hop: int,
    sample_rate: int,
    stats: tuple[np.ndarray, np.ndarray],
    meta: dict[str, Any],
    corpus: Path,
    out: Path,
    splits: tuple[str, ...],
    progress: bool,
) -> dict[str, Any]:
    from tqdm import tqdm

    from livegen.corpus.make import load_audio, read_manifest
    from livegen.training.codec.latents import ENTRY_KEYS, LatentCache, save_latents

    entries = [e for e in read_manifest(corpus) if e["split"] in splits]
    if not entries:
        raise ValueError(f"{corpus}: no loops in splits {', '.join(splits)}")
    lengths = np.array([-(-int(e["n_samples"]) // hop) for e in entries], np.int32)
    latents = np.zeros((len(entries), dimension, lengths.max()), np.float32)
    n_samples = np.zeros(len(entries), np.int32)
    for i, e in enumerate(tqdm(entries, desc="encoding", unit="loop", disable=not progress)):
        audio = load_audio(corpus, e)
        n_samples[i] = len(audio)
        z = encode_fn(audio)
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
        mean=stats[0],
        std=stats[1],
        meta={
            "normalized": False,
            "sample_rate": sample_rate,
            "hop": hop,
            "latent_dim": dimension,
            "padding": "audio zero-padded to ceil(n_samples/hop) hops; zeros after lengths[i]",
            "codec": meta,
            "corpus": str(corpus),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        entries=[{k: e[k] for k in ENTRY_KEYS if k in e} for e in entries],
    )
    save_latents(out, cache)
    counts = {s: int((cache.split == s).sum()) for s in splits}
    return {"loops": len(entries), "splits": counts, "shape": latents.shape, "out": str(out)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_codec_arguments(parser, required=False)
    add_model_argument(
        parser, "--model-dir", None, "encode with a model package's ONNX encoder (folder or name)"
    )
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
    splits = tuple(s for s in args.splits.split(",") if s)
    if (args.model_dir is None) == (args.codec_checkpoint is None):
        raise ValueError("give either --codec-checkpoint PATH or --model-dir DIR")
    if args.model_dir is not None:
        summary = encode_corpus_onnx(
            args.model_dir, args.corpus, args.out, splits, args.threads, not args.no_progress
        )
    else:
        from livegen.training.codec.model import load_codec, setup_torch

        setup_torch(args.threads)
        loaded = load_codec(args.codec, args.codec_checkpoint)
        summary = encode_corpus(
            loaded,
            args.corpus,
            args.out,
            splits,
            args.device,
            args.stats_loops,
            not args.no_progress,
        )
    counts = ", ".join(f"{k} {v}" for k, v in summary["splits"].items())
    print(f"wrote {summary['out']}: latents {summary['shape']} (L, D, T_max); {counts}")
    return 0
