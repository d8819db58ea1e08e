"""A tiny but complete model package for tests and smoke checks (torch; a few seconds).

`tiny_package(root)` exports a randomly initialised tiny codec (the codec tests' size), trains a
tiny UNet for a few steps on synthetic circular bar latents whose statistics are the codec's, and
exports it beside the codec, so `Generator.load` and `livegen render` run end to end. The audio
means nothing; lengths, seeds, parity, manifests and timing are real. `stems=True` adds a tiny
stem generator (drums, bass, music, keyed) beside the mix one, as `serve --stems` wants.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from livegen.training.codec.latents import LatentCache
from livegen.training.unet.concepts import ConceptTable
from livegen.training.unet.config import TrainConfig, UNetConfig
from livegen.units import bar_frames, bar_samples

TINY_UNET = UNetConfig(
    latent_dim=8,
    channels=(16, 24, 32),
    mid_blocks=1,
    groups=4,
    emb_dim=32,
    time_freqs=8,
    phase_emb=4,
    concept_dim=8,
)
TINY_STEM_UNET = replace(
    TINY_UNET, latent_dim=24, stems=("drums", "bass", "music"), key_dim=14
)  # three 8-d stems stacked, keyed


def tiny_train(**overrides: float) -> TrainConfig:
    base: dict = dict(
        steps=6,
        batch_size=4,
        lr=3e-3,
        warmup_steps=2,
        log_every=2,
        valid_every=3,
        ckpt_every=3,
        valid_loops=4,
        ema=0.9,
    )
    base.update(overrides)
    return TrainConfig(**base)


def synthetic_cache(
    mean: np.ndarray, std: np.ndarray, n: int = 24, seed: int = 0, hop: int = 320
) -> LatentCache:
    """Circular bar latents with beat-periodic structure at 110-140 BPM (raw, codec stats)."""
    rng = np.random.default_rng(seed)
    d = len(mean)
    bpm = np.linspace(110.0, 140.0, n).astype(np.float32)
    n_samples = np.array([bar_samples(b, 24_000) for b in bpm], np.int32)
    lengths = np.array([bar_frames(s, hop) for s in n_samples], np.int32)
    latents = np.zeros((n, d, int(lengths.max())), np.float32)
    for i, t in enumerate(lengths):
        phase = 2 * np.pi * 4 * np.arange(t) / t  # four beats per bar
        unit = np.sin(phase[None] * rng.integers(1, 3, (d, 1)) + rng.uniform(0, 6.3, (d, 1)))
        unit += 0.3 * rng.standard_normal((d, t))
        latents[i, :, :t] = mean[:, None] + std[:, None] * unit
    split = np.array(["valid" if i % 6 == 2 else "train" for i in range(n)])
    return LatentCache(
        latents=latents,
        lengths=lengths,
        n_samples=n_samples,
        bpm=bpm,
        ids=np.array([f"syn_{i:03d}" for i in range(n)]),
        split=split,
        style=np.array(["synthetic"] * n),
        mean=mean.astype(np.float32),
        std=std.astype(np.float32),
        meta={"layout": "circular-bars", "hop": hop, "sample_rate": 24_000, "synthetic": True},
        entries=[{"captions": ["synthetic loop"]} for _ in range(n)],
    )


def synthetic_concepts(ids: np.ndarray, dim: int, seed: int = 0) -> ConceptTable:
    rng = np.random.default_rng(seed)
    audio = rng.standard_normal((len(ids), dim)).astype(np.float32)
    audio /= np.linalg.norm(audio, axis=1, keepdims=True)
    text = audio[:, None, :].copy()
    return ConceptTable(
        np.asarray(ids).astype(str), audio, text, np.ones(len(ids), np.int32), "synthetic"
    )


def tiny_trainer(
    cache: LatentCache,
    run_dir: Path,
    unet: UNetConfig = TINY_UNET,
    train: TrainConfig | None = None,
):
    """A Trainer on the cache's train/valid splits (synthetic concepts when the UNet has any;
    synthetic keys, every loop in a minor key, when it is keyed; a synthetic note line, a held
    note per loop, when it takes one)."""
    import torch

    from livegen.control.keys import Key, key_vector
    from livegen.training.dist import Dist
    from livegen.training.unet.data import BarBank, describe
    from livegen.training.unet.trainer import Trainer

    concepts = synthetic_concepts(cache.ids, unet.concept_dim) if unet.concept_dim else None
    keys = None
    if unet.key_dim:
        keys = np.stack([key_vector(Key(i % 12, "minor")) for i in range(len(cache))])
        cache.meta["stems"] = list(unet.stems)
    lines = None
    if unet.line:
        from livegen.runtime.lines import LINE_CHANNELS, line_rows

        lines = np.zeros((len(cache), LINE_CHANNELS, int(cache.lengths.max())), np.float32)
        for i, t in enumerate(cache.lengths):
            notes = [[0, 33 + i % 12, False, False]]
            lines[i, :, :t] = line_rows(notes, int(cache.n_samples[i]), int(t))
    bank = BarBank(cache, cache.select("train"), concepts, keys, lines)
    valid = BarBank(cache, cache.select("valid"), concepts, keys, lines)
    info = describe(cache, bank, valid, "synthetic", "synthetic")
    train = train or tiny_train()
    if unet.key_dim and train.stem_norm:
        from livegen.training.unet.stems import standardise

        standardise(bank, valid, info)
    dist = Dist(0, 1, torch.device("cpu"))
    return Trainer(train, unet, run_dir, bank, valid, dist, info, progress=False)


def tiny_codec(seed: int = 0):
    """A randomly initialised tiny codec (n_filters 4, 8 latent channels) with statistics."""
    import torch

    from livegen.training.codec.config import CodecConfig
    from livegen.training.codec.model import LoadedCodec, build_codec

    torch.manual_seed(seed)
    model = build_codec(CodecConfig(n_filters=4, dimension=8)).eval()
    rng = np.random.default_rng(seed)
    mean = rng.normal(0, 0.1, 8).astype(np.float32)
    std = rng.uniform(0.5, 2.0, 8).astype(np.float32)
    return LoadedCodec(model=model, source="livegen", path=None, mean=mean, std=std)


def tiny_package(
    root: Path, unet: UNetConfig = TINY_UNET, steps: int = 6, stems: bool = False
) -> Path:
    """Export a tiny codec and a tiny trained UNet into `root/model` (and a tiny stem generator
    with `stems`); returns that folder."""
    from livegen.training.codec.export import export_codec
    from livegen.training.unet.export import export_unet

    root = Path(root)
    codec = tiny_codec()
    assert codec.mean is not None and codec.std is not None
    export_codec(codec, root / "model", frames=(8, 150))
    cache = synthetic_cache(codec.mean, codec.std)
    tiny_trainer(cache, root / "run", unet, tiny_train(steps=steps)).fit()
    export_unet(root / "run", root / "model")
    if stems:
        n = len(TINY_STEM_UNET.stems)
        stem_cache = synthetic_cache(np.tile(codec.mean, n), np.tile(codec.std, n), seed=1)
        train = replace(tiny_train(steps=steps), stem_norm=True)  # as the stem presets
        tiny_trainer(stem_cache, root / "run_stems", TINY_STEM_UNET, train).fit()
        export_unet(root / "run_stems", root / "model")
    return root / "model"
