"""Circular bar latents: exact periods, the cache's reuse rules, and the concept table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from livegen.runtime.codec import Codec
from livegen.training.codec.latents import load_latents, save_latents
from livegen.training.unet import bars, concepts


def test_bar_latents_are_one_exact_period(tiny_pkg: Path):
    """Rotating the loop by k hops rotates its latents by k frames: no edge, no seam."""
    codec = Codec.load(tiny_pkg, "cpu", 1, warm=False)
    t = 40
    y = (0.3 * np.random.default_rng(0).standard_normal(t * codec.hop)).astype(np.float32)
    z = bars.encode_bar(codec, y)
    assert z.shape == (codec.latent_dim, t)
    z_rot = bars.encode_bar(codec, np.roll(y, -7 * codec.hop))
    np.testing.assert_allclose(z_rot, np.roll(z, -7, axis=1), rtol=1e-4, atol=1e-4)


def test_a_bar_is_resampled_to_round_n_over_hop_frames(tiny_pkg: Path):
    codec = Codec.load(tiny_pkg, "cpu", 1, warm=False)
    n = 46_233  # 124.6 BPM: 144.48 frames → 144
    z = bars.encode_bar(codec, np.zeros(n, np.float32) + 0.01)
    assert z.shape == (codec.latent_dim, 144)


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    from livegen.corpus.make import CorpusConfig, make_corpus

    path = tmp_path_factory.mktemp("corpus")
    make_corpus(path, CorpusConfig(n=6, seed=3), workers=1, progress=False)
    return path


def test_cache_is_built_once_and_refuses_zero_padded_caches(tiny_pkg, small_corpus, tmp_path):
    path = tmp_path / "bars.npz"
    cache = bars.load_or_encode(path, tiny_pkg, small_corpus, workers=1, progress=False)
    assert cache.meta["layout"] == bars.LAYOUT and len(cache) == 6
    assert np.all(cache.lengths == np.round(cache.n_samples / 320))
    stamp = path.stat().st_mtime_ns
    again = bars.load_or_encode(path, tiny_pkg, small_corpus, workers=1, progress=False)
    assert path.stat().st_mtime_ns == stamp and np.array_equal(again.latents, cache.latents)
    plain = load_latents(path)
    plain.meta.pop("layout")
    save_latents(tmp_path / "latents.npz", plain)
    with pytest.raises(ValueError, match="not circular"):
        bars.load_or_encode(tmp_path / "latents.npz", tiny_pkg, small_corpus, progress=False)


def test_two_encoding_processes_give_the_cache_one_gives(tiny_pkg, small_corpus):
    one = bars.encode_bars(tiny_pkg, small_corpus, progress=False, workers=1)
    two = bars.encode_bars(tiny_pkg, small_corpus, progress=False, workers=2)
    np.testing.assert_array_equal(one.latents, two.latents)
    np.testing.assert_array_equal(one.n_samples, two.n_samples)
    assert np.abs(one.latents).max() > 0


class FakeConditioner:
    name, dim = "fake", 4

    def embed_audio(self, audio, rate, key=None):
        v = np.array([audio.std(), len(audio) / 1e5, 1.0, 0.5], np.float32)
        return SimpleNamespace(vector=v / np.linalg.norm(v))

    def embed_texts(self, texts):
        out = np.array([[len(t), 1.0, 0.0, 2.0] for t in texts], np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_concept_table_embeds_audio_and_every_caption(small_corpus, tmp_path, monkeypatch):
    import livegen.runtime.concept

    monkeypatch.setattr(
        livegen.runtime.concept, "load_conditioner", lambda *a, **k: FakeConditioner()
    )
    monkeypatch.setattr(concepts, "concept_source", lambda model_dir: "fake:1")
    from livegen.corpus.make import read_manifest

    entries = read_manifest(small_corpus)
    ids = np.array([e["id"] for e in entries])
    caps = [e["captions"] for e in entries]
    path = tmp_path / "concepts.npz"
    table = concepts.load_or_compute(path, tmp_path, small_corpus, ids, caps, progress=False)
    assert table.audio.shape == (6, 4) and table.text.shape[:2] == (6, max(map(len, caps)))
    assert list(table.text_count) == [len(c) for c in caps]
    np.testing.assert_allclose(
        np.linalg.norm(table.text[0, : len(caps[0])], axis=1), 1.0, rtol=1e-5
    )
    assert concepts.load_or_compute(path, tmp_path, small_corpus, ids, caps).source == "fake:1"
    with pytest.raises(ValueError, match="not in this corpus"):
        concepts.compute_concepts(tmp_path, small_corpus, np.array(["nope"]), [[]], False)
