"""The stem generator's data: each loop's three stems encoded like a mix, stacked; its keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livegen.control.keys import PITCH_CLASSES, Key, key_vector
from livegen.corpus.make import CorpusConfig, load_stems, make_corpus, read_manifest
from livegen.runtime.codec import Codec
from livegen.training.unet import bars, stems


@pytest.fixture(scope="module")
def stem_corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stem_corpus")
    make_corpus(path, CorpusConfig(n=6, seed=3, modes="both"), workers=1, progress=False)
    return path


def test_each_third_of_the_stack_is_its_stem_encoded_as_a_bar(tiny_pkg, stem_corpus, tmp_path):
    path = tmp_path / "stem_bars.npz"
    cache = bars.load_or_encode(path, tiny_pkg, stem_corpus, progress=False, stems=True)
    codec = Codec.load(tiny_pkg, "cpu", 1, with_encoder=True, warm=False)
    d = codec.latent_dim
    assert cache.meta["layout"] == stems.LAYOUT and cache.meta["stems"] == list(stems.STEMS)
    assert cache.latents.shape[:2] == (6, 3 * d)
    np.testing.assert_array_equal(cache.mean, np.tile(codec.spec.mean, 3))
    entry = read_manifest(stem_corpus)[2]
    audio = load_stems(stem_corpus, entry)
    t = cache.lengths[2]
    for i, name in enumerate(stems.STEMS):
        z = bars.encode_bar(codec, audio[name])
        np.testing.assert_allclose(cache.latents[2, i * d : (i + 1) * d, :t], z, atol=1e-5)
    # a mix cache is not a stem cache, nor the other way round
    with pytest.raises(ValueError, match="circular-bars"):
        bars.load_or_encode(path, tiny_pkg, stem_corpus, progress=False)


def test_the_key_table_is_each_loops_key_from_its_manifest(tiny_pkg, stem_corpus):
    cache = bars.encode_bars(tiny_pkg, stem_corpus, progress=False, stems=True)
    table = stems.key_table(cache)
    for row, e in zip(table, read_manifest(stem_corpus), strict=True):
        mode = "major" if e["scale"] == "major" else "minor"
        np.testing.assert_array_equal(row, key_vector(Key(PITCH_CLASSES.index(e["key"]), mode)))
    cache.entries[0] = {}  # an imported loop: no key
    assert not stems.key_table(cache)[0].any()


def test_the_stem_scale_gives_every_channel_of_the_stack_unit_spread(tiny_pkg, stem_corpus):
    """In the codec's space a sparse stem barely moves (the music stem of a loop without chords
    is silence); `standardise` gives every channel mean 0 and spread 1 over the training bars,
    applies the same map to the validation bars and records it for the export."""
    from livegen.training.unet.data import BarBank

    cache = bars.encode_bars(tiny_pkg, stem_corpus, progress=False, stems=True)
    bank = BarBank(cache, np.arange(4), keys=stems.key_table(cache))
    valid = BarBank(cache, np.arange(4, 6), keys=stems.key_table(cache))
    before, valid_before = bank.x.copy(), valid.x.copy()
    info: dict = {}
    stems.standardise(bank, valid, info)
    mean, std = (np.asarray(info["latent_scale"][k], np.float32) for k in ("mean", "std"))
    assert mean.shape == std.shape == (cache.latents.shape[1],) and np.all(std >= stems.STD_FLOOR)
    frames = np.concatenate([bank.x[i, :, : bank.lengths[i]] for i in range(len(bank))], axis=1)
    np.testing.assert_allclose(frames.mean(axis=1), 0.0, atol=1e-4)
    moving = std > stems.STD_FLOOR
    np.testing.assert_allclose(frames.std(axis=1)[moving], 1.0, atol=1e-3)
    np.testing.assert_allclose(bank.x * std[:, None] + mean[:, None], before, atol=1e-4)
    np.testing.assert_allclose(valid.x * std[:, None] + mean[:, None], valid_before, atol=1e-4)
