"""The stem generator's training data: each loop's drums, bass and music as one stack of latents.

A loop's three stems (`livegen corpus make` writes them; the mix is exactly their sum) are each
encoded as circular bar latents with the package's codec, exactly as a mix is
(`livegen.training.unet.bars.encode_bar`), and stacked in `STEMS` order: [3·D, T]. One UNet
generates the stack jointly, so the parts of a bar are made for each other; the runtime decodes
the three as one batch and plays their sum.

Normalisation, in two stages. The cache's stats are the codec's mean and std tiled three times,
so the export's check that the generator speaks its codec's space stays exact. But a stem is a
sparser signal than a mix: in that space the music stem's latents vary with a spread of 0.36 (the
drums' 0.73, a mix's 1.0; 120 loops of the 4,000-loop corpus, half of them without a music
part), so its channels carried about an eighth of the loss the drums did, and under unit noise
its notes stayed buried until late in the trajectory (its pitch is decided between α 0.3 and
0.7, measured by restarting the sampler from real latents blended with noise). With
`TrainConfig.stem_norm` the generator works in a second space: each channel of the stack is
standardised over the training bars (`stem_scale`), and the runtime maps its output back
(`latent_scale` in the manifest).

Also here: each loop's key as the generator's key input (`livegen.control.keys.key_vector`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from livegen.control.keys import KEY_DIM, key_of_scale, key_vector
from livegen.corpus.loop import STEMS  # the corpus's order: the stack's
from livegen.runtime.codec import Codec
from livegen.training.codec.latents import LatentCache
from livegen.training.common import channel_stats
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


STD_FLOOR = 0.1  # a channel that barely moves is not blown up into noise


def stem_scale(bank) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std [D] of a `BarBank`'s bars (every frame of every bar, silent
    stems included) in the space the bank holds them in (codec-normalised)."""
    return channel_stats((bank.x[rows, :, :t] for t, rows in bank.buckets.items()), STD_FLOOR)


def standardise(bank, valid, info: dict) -> None:
    """Put a stem generator's banks into its own space (`stem_scale` of the training bars, also
    applied to `valid`) and record it in the provenance `info` (the export's "latent_scale")."""
    mean, std = stem_scale(bank)
    for b in (bank, valid):
        if b is not None:
            b.rescale(mean, std)
    info["latent_scale"] = {"mean": mean.tolist(), "std": std.tolist()}


def key_table(cache: LatentCache) -> np.ndarray:
    """Each loop's key input [L, KEY_DIM] (zeros where the loop has no key, e.g. imported)."""
    out = np.zeros((len(cache), KEY_DIM), np.float32)
    for i, e in enumerate(cache.entries):
        if e.get("key") and e.get("scale"):
            out[i] = key_vector(key_of_scale(e["key"], e["scale"]))
    return out
