"""The latent cache format (the UNet's bar cache, `livegen.training.unet.bars`): one .npz. numpy only.

Contents (uncompressed .npz; `load_latents` returns them as a `LatentCache`):

- `latents` float32 [L, D, T_max]: **raw** encoder output of each whole one-bar loop (not
  normalised); loop i is valid for `lengths[i]` frames, the rest is zeros.
- `lengths` int32 [L]: frames = ceil(n_samples / hop). The audio is zero-padded to that many hops
  before encoding (as the ONNX encoder at run time), so the last frame covers < hop real samples.
  Decoding `lengths[i]` frames gives `lengths[i] * hop` samples: keep the first `n_samples[i]`.
- `n_samples` int32, `bpm` float32, `ids`/`split`/`style` str [L].
- `mean`, `std` float32 [D]: per-channel statistics of the codec (the same numbers as the model
  manifest's codec section); train on `(latents - mean) / std`.
- `meta` JSON: codec provenance, hop, sample rate, how the stats were made.
- `entries` JSON: per loop its captions, attributes, key, scale, swing, brightness.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "livegen-latents"
ENTRY_KEYS = ("captions", "attributes", "key", "scale", "swing", "brightness", "style")


@dataclass
class LatentCache:
    """Latents of a corpus. See the module docstring for each field's meaning."""

    latents: np.ndarray  # float32 [L, D, T_max], raw
    lengths: np.ndarray  # int32 [L]
    n_samples: np.ndarray  # int32 [L]
    bpm: np.ndarray  # float32 [L]
    ids: np.ndarray  # str [L]
    split: np.ndarray  # str [L]
    style: np.ndarray  # str [L]
    mean: np.ndarray  # float32 [D]
    std: np.ndarray  # float32 [D]
    meta: dict[str, Any] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def captions(self) -> list[list[str]]:
        return [e.get("captions", []) for e in self.entries]

    def normalized(self, i: int) -> np.ndarray:
        """Loop i's unit-scale latents [D, lengths[i]]."""
        z = self.latents[i, :, : self.lengths[i]]
        return (z - self.mean[:, None]) / self.std[:, None]

    def select(self, split: str) -> np.ndarray:
        """Indices of the loops in `split`."""
        return np.flatnonzero(self.split == split)


def save_latents(path: Path, cache: LatentCache) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(
        tmp,
        latents=cache.latents.astype(np.float32, copy=False),
        lengths=cache.lengths.astype(np.int32),
        n_samples=cache.n_samples.astype(np.int32),
        bpm=cache.bpm.astype(np.float32),
        ids=cache.ids.astype(str),
        split=cache.split.astype(str),
        style=cache.style.astype(str),
        mean=cache.mean.astype(np.float32),
        std=cache.std.astype(np.float32),
        meta=np.array(json.dumps({"format": FORMAT, "version": 1, **cache.meta})),
        entries=np.array(json.dumps(cache.entries)),
    )
    tmp.replace(path)
    return path


def load_latents(path: Path) -> LatentCache:
    """Read a cache written by `save_latents` (no pickle involved)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no latent cache here (`livegen train unet --bars PATH` builds one)"
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable latent cache ({exc})") from exc
    meta = json.loads(str(arrays.pop("meta")))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: not a livegen latent cache")
    entries = json.loads(str(arrays.pop("entries")))
    return LatentCache(meta=meta, entries=entries, **arrays)
