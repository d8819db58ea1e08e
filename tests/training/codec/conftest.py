"""Shared fixtures for the training tests: a tiny corpus, a tiny codec, an exported tiny package."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from livegen.corpus.make import CorpusConfig, make_corpus
from livegen.training.codec.config import CodecConfig, TrainConfig

TINY = CodecConfig(n_filters=4, dimension=8)


def tiny_train(**kw) -> TrainConfig:
    base = dict(
        steps=6,
        batch_size=2,
        crop_seconds=0.2,
        lr=3e-3,
        warmup_steps=2,
        log_every=1,
        valid_every=3,
        ckpt_every=3,
        stats_loops=4,
        valid_loops=2,
        max_loops=6,
    )
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny models gain nothing from threads, and spinning OpenMP threads on a busy 2-core
    machine slow them ten-fold. Restored afterwards: other rooms' tests keep torch's defaults."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    yield
    torch.set_num_threads(threads)
    torch.set_flush_denormal(False)


@pytest.fixture(scope="session")
def tiny_cfg() -> CodecConfig:
    return TINY


@pytest.fixture(name="tiny_train", scope="session")
def tiny_train_factory():
    """Factory of small TrainConfigs: `tiny_train(steps=10)`."""
    return tiny_train


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 synthetic one-bar loops (seed 1: 12 train, 3 valid, 1 test), made once per session."""
    path = tmp_path_factory.mktemp("corpus")
    make_corpus(path, CorpusConfig(n=16, seed=1), workers=1, progress=False)
    return path


@pytest.fixture(scope="session")
def tiny_loaded():
    """A randomly initialised tiny codec with latent statistics, as `load_codec` returns it."""
    from livegen.training.codec.model import LoadedCodec, build_codec

    torch.manual_seed(0)
    model = build_codec(TINY).eval()
    rng = np.random.default_rng(0)
    mean = rng.normal(0, 0.1, TINY.dimension).astype(np.float32)
    std = rng.uniform(0.5, 2.0, TINY.dimension).astype(np.float32)
    return LoadedCodec(model=model, source="livegen", path=None, mean=mean, std=std)


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory, tiny_loaded) -> Path:
    """The tiny codec exported to ONNX with its manifest."""
    from livegen.training.codec.export import export_codec

    out = tmp_path_factory.mktemp("models") / "tiny"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # session fixtures run before the module's thread setting
    try:
        export_codec(tiny_loaded, out)
    finally:
        torch.set_num_threads(threads)
    return out
