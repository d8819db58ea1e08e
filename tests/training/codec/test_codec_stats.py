"""livegen.training.codec.stats: official EnCodec weights get latent statistics from the corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def test_official_codec_gets_corpus_stats_and_says_where_they_came_from(
    corpus: Path, tmp_path: Path
) -> None:
    import warnings

    import torch
    from encodec import EncodecModel

    from livegen.training.codec.model import load_codec
    from livegen.training.codec.stats import codec_meta, ensure_stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = EncodecModel.encodec_model_24khz(pretrained=False)
    path = tmp_path / "encodec_24khz.th"
    torch.save(model.state_dict(), path)
    loaded = load_codec("encodec_24khz", path)
    assert loaded.mean is None  # the published weights carry no statistics
    ensure_stats(loaded, corpus, stats_loops=2)
    assert loaded.mean is not None and loaded.std is not None
    assert loaded.mean.shape == loaded.std.shape == (128,)
    assert np.all(np.asarray(loaded.std) > 0)
    meta = codec_meta(loaded)
    assert meta["source"] == "encodec_24khz"
    assert meta["stats"] == {"source": "computed", "corpus": str(corpus), "loops": 2}
    before = np.array(loaded.mean)
    ensure_stats(loaded, corpus, stats_loops=4)  # statistics it has are kept, not recomputed
    np.testing.assert_array_equal(loaded.mean, before)


def test_a_trained_codec_keeps_its_checkpoint_stats(corpus: Path, tiny_loaded) -> None:
    from livegen.training.codec.stats import ensure_stats

    mean = np.array(tiny_loaded.mean)
    ensure_stats(tiny_loaded, corpus)
    np.testing.assert_array_equal(tiny_loaded.mean, mean)
    assert tiny_loaded.info["stats"]["source"] in ("checkpoint", "computed")
