"""A codec's latent statistics and provenance, for its export and the caches made with it.

The published EnCodec weights come without latent statistics: `ensure_stats` computes them from
the corpus's train loops, so every export from one corpus normalises with the same numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from livegen.training.codec.model import LoadedCodec


def ensure_stats(
    loaded: LoadedCodec, corpus: Path, stats_loops: int = 1000, device: str = "cpu"
) -> None:
    """Give `loaded` latent statistics if its checkpoint has none (official weights).

    Computed from the first `stats_loops` train loops in manifest order (0: all), so every
    export computes the very same numbers from the same corpus.
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
