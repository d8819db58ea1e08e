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

from pathlib import Path

import numpy as np

from livegen.control.keys import KEY_DIM, key_of_scale, key_vector
from livegen.corpus.loop import STEMS  # the corpus's order: the stack's
from livegen.runtime.codec import Codec
from livegen.training.codec.latents import LatentCache
from livegen.training.unet.bars import encode_bar

LAYOUT = "circular-stem-bars"


def encode_chunk(model_dir: str, corpus: str, entries: list[dict]) -> list[tuple]:
    """One pool job of `bars.encode_bars(..., stems=True)`: (stacked stem latents [3D, T],
    n_samples) per loop."""
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


def key_table(cache: LatentCache) -> np.ndarray:
    """Each loop's key input [L, KEY_DIM] (zeros where the loop has no key, e.g. imported)."""
    out = np.zeros((len(cache), KEY_DIM), np.float32)
    for i, e in enumerate(cache.entries):
        if e.get("key") and e.get("scale"):
            out[i] = key_vector(key_of_scale(e["key"], e["scale"]))
    return out
