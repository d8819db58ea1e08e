"""`livegen encode`: the latent cache holds every loop with the right shapes and metadata."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from livegen.corpus.make import read_manifest
from livegen.training.codec.encode import encode_corpus
from livegen.training.codec.latents import load_latents


def test_cache_shapes_lengths_and_metadata(corpus: Path, tmp_path: Path, tiny_loaded) -> None:
    out = tmp_path / "latents.npz"
    summary = encode_corpus(tiny_loaded, corpus, out, progress=False)
    cache = load_latents(out)
    entries = read_manifest(corpus)
    d = tiny_loaded.config.dimension
    assert summary["loops"] == len(cache) == len(entries) == 16
    assert list(cache.ids) == [e["id"] for e in entries]
    assert list(cache.split) == [e["split"] for e in entries]
    np.testing.assert_allclose(cache.bpm, [e["bpm"] for e in entries], rtol=1e-6)
    assert list(cache.n_samples) == [e["n_samples"] for e in entries]
    assert list(cache.lengths) == [math.ceil(e["n_samples"] / 320) for e in entries]
    assert cache.latents.shape == (16, d, cache.lengths.max())
    assert cache.latents.dtype == np.float32
    for i, t in enumerate(cache.lengths):
        assert not cache.latents[i, :, t:].any()  # padding is zeros
        assert np.abs(cache.latents[i, :, :t]).sum() > 0
    np.testing.assert_array_equal(cache.mean, tiny_loaded.mean)
    assert cache.meta["normalized"] is False and cache.meta["hop"] == 320
    assert cache.captions[0] == entries[0]["captions"]
    z = cache.normalized(0)
    assert z.shape == (d, cache.lengths[0])


def test_official_codec_encodes_with_corpus_stats(corpus: Path, tmp_path: Path) -> None:
    import warnings

    import torch
    from encodec import EncodecModel

    from livegen.training.codec.model import load_codec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = EncodecModel.encodec_model_24khz(pretrained=False)
    path = tmp_path / "encodec_24khz.th"
    torch.save(model.state_dict(), path)
    loaded = load_codec("encodec_24khz", path)
    out = tmp_path / "official.npz"
    encode_corpus(loaded, corpus, out, splits=("test",), stats_loops=2, progress=False)
    cache = load_latents(out)
    assert cache.latents.shape[:2] == (1, 128)
    assert cache.mean.shape == cache.std.shape == (128,)
    assert cache.meta["codec"]["source"] == "encodec_24khz"
    assert cache.meta["codec"]["stats"] == {"source": "computed", "corpus": str(corpus), "loops": 2}


def test_onnx_package_encodes_the_same_cache(
    corpus: Path, tmp_path: Path, tiny_loaded, package: Path
) -> None:
    from livegen.training.codec.encode import encode_corpus_onnx

    encode_corpus(tiny_loaded, corpus, tmp_path / "torch.npz", splits=("test",), progress=False)
    encode_corpus_onnx(package, corpus, tmp_path / "onnx.npz", splits=("test",), progress=False)
    a, b = load_latents(tmp_path / "torch.npz"), load_latents(tmp_path / "onnx.npz")
    assert list(a.lengths) == list(b.lengths) and a.latents.shape == b.latents.shape
    scale = np.abs(a.latents).max()
    assert np.abs(a.latents - b.latents).max() < 1e-4 * scale
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-6)
    assert b.meta["codec"]["source"] == "onnx"
