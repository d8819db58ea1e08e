"""The stem generator's training data: each loop's drums, bass and music as one stack of latents.

A loop's three stems (`livegen corpus make` writes them; the mix is exactly their sum) are each
encoded as circular bar latents with the package's codec, exactly as a mix is
(`livegen.training.unet.bars.encode_bar`), and stacked in `STEMS` order: [3·D, T]. One UNet
generates the stack jointly, so the parts of a bar are made for each other; the runtime decodes
the three as one batch and plays their sum.

Normalisation: every stem uses the codec's mean and std (the cache's stats are that [D] vector
tiled three times). A stem is a sparser signal than a mix, so its normalised latents are not
unit-scale everywhere; the codec's stats keep one latent space for mixes and stems, and the
export's check that the generator speaks its codec's space stays exact.

Also here: each loop's key as the generator's key input (`livegen.control.keys.key_vector`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from livegen.control.keys import KEY_DIM, key_of_scale, key_vector
from livegen.runtime.codec import Codec, CodecSpec
from livegen.runtime.manifest import load_manifest
from livegen.training.codec.latents import ENTRY_KEYS, LatentCache, load_latents, save_latents
from livegen.training.unet.bars import MARGIN, codec_fingerprint, encode_bar, pool_map

LAYOUT = "circular-stem-bars"
STEMS = ("drums", "bass", "music")  # the corpus's order (`livegen.corpus.loop.STEMS`)


def _encode_chunk(model_dir: str, corpus: str, entries: list[dict]) -> list[tuple]:
    """One pool job: (stacked stem latents [3D, T], n_samples) per loop."""
    from livegen.corpus.make import load_stems

    codec = Codec.load(Path(model_dir), "cpu", 1, with_encoder=True, warm=False)
    out = []
    for e in entries:
        stems = load_stems(Path(corpus), e)
        if stems is None:
            raise ValueError(f"{corpus}: loop {e['id']} has no stems (made with --no-stems?)")
        z = np.concatenate([encode_bar(codec, stems[s]) for s in STEMS], axis=0)
        out.append((z, len(stems[STEMS[0]])))
    return out


def encode_stem_bars(
    model_dir: Path,
    corpus: Path,
    splits: tuple[str, ...] = ("train", "valid", "test"),
    progress: bool = True,
    workers: int = 1,
) -> LatentCache:
    """Every loop of `splits` as stacked circular stem latents (see the module docstring)."""
    from functools import partial

    from livegen.corpus.make import read_manifest

    manifest = load_manifest(Path(model_dir))
    spec = CodecSpec.from_section(manifest.section("codec"), manifest.root / "manifest.json")
    entries = [e for e in read_manifest(Path(corpus)) if e["split"] in splits]
    if not entries:
        raise ValueError(f"{corpus}: no loops in splits {', '.join(splits)}")
    job = partial(_encode_chunk, str(model_dir), str(corpus))
    zs, counts = zip(*pool_map(job, entries, workers, "stem latents", progress), strict=True)
    lengths = np.array([z.shape[1] for z in zs], np.int32)
    latents = np.zeros((len(entries), len(STEMS) * spec.latent_dim, int(lengths.max())), np.float32)
    for i, z in enumerate(zs):
        latents[i, :, : z.shape[1]] = z
    return LatentCache(
        latents=latents,
        lengths=lengths,
        n_samples=np.array(counts, np.int32),
        bpm=np.array([float(e.get("bpm", 0.0)) for e in entries], np.float32),
        ids=np.array([e["id"] for e in entries]),
        split=np.array([e["split"] for e in entries]),
        style=np.array([str(e.get("style", "")) for e in entries]),
        mean=np.tile(spec.mean, len(STEMS)).astype(np.float32),
        std=np.tile(spec.std, len(STEMS)).astype(np.float32),
        meta={
            "layout": LAYOUT,
            "stems": list(STEMS),
            "normalized": False,
            "sample_rate": spec.sample_rate,
            "hop": spec.hop,
            "latent_dim": spec.latent_dim,
            "margin": MARGIN,
            "frames": "round(n_samples / hop); each stem resampled to frames * hop (fit_bar)",
            "codec": {"package": str(model_dir), "fingerprint": codec_fingerprint(model_dir)},
            "corpus": str(corpus),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        },
        entries=[{k: e[k] for k in ENTRY_KEYS if k in e} for e in entries],
    )


def load_or_encode_stems(
    path: Path, model_dir: Path, corpus: Path, workers: int = 1, progress: bool = True
) -> LatentCache:
    """The stem cache at `path` if made with this package's codec from `corpus`, else encode it."""
    path = Path(path)
    if path.is_file():
        cache = load_latents(path)
        if cache.meta.get("layout") != LAYOUT:
            raise ValueError(
                f"{path}: not a stem cache ({cache.meta.get('layout')}); give another --bars path"
            )
        same_codec = cache.meta.get("codec", {}).get("fingerprint") == codec_fingerprint(model_dir)
        if same_codec and cache.meta.get("corpus") == str(corpus):
            return cache
        print(f"{path}: made with another codec or corpus: re-encoding")
    cache = encode_stem_bars(model_dir, corpus, progress=progress, workers=workers)
    save_latents(path, cache)
    return cache


def key_table(cache: LatentCache) -> np.ndarray:
    """Each loop's key input [L, KEY_DIM] (zeros where the loop has no key, e.g. imported)."""
    out = np.zeros((len(cache), KEY_DIM), np.float32)
    for i, e in enumerate(cache.entries):
        if e.get("key") and e.get("scale"):
            out[i] = key_vector(key_of_scale(e["key"], e["scale"]))
    return out
