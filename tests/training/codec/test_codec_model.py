"""Building and loading codecs: our checkpoints, the official EnCodec file, bad files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from livegen.runtime.manifest import ModelFileError, load_manifest
from livegen.training.codec.model import (
    build_codec,
    encode_loop,
    load_codec,
    load_official,
    read_checkpoint,
    remove_weight_norm,
)


@pytest.fixture(scope="module")
def official_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkpoint file with the published 24 kHz architecture (random weights), saved here."""
    from encodec import EncodecModel

    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = EncodecModel.encodec_model_24khz(pretrained=False)
    path = tmp_path_factory.mktemp("official") / "encodec_24khz-d7cc33bc.th"
    torch.save(model.state_dict(), path)
    return path


def test_official_checkpoint_gives_128d_latents(official_file: Path) -> None:
    loaded = load_codec("encodec_24khz", official_file)
    assert loaded.source == "encodec_24khz"
    assert loaded.config.dimension == 128 and loaded.config.hop == 320
    assert loaded.mean is None  # statistics come from the corpus (encode/export)
    z = encode_loop(loaded.model, np.zeros(24_000 + 5, np.float32))
    assert z.shape == (128, 76)


@pytest.mark.slow
def test_official_codec_exports(official_file: Path, tmp_path: Path) -> None:
    from livegen.training.codec.export import export_codec

    loaded = load_official(official_file)
    loaded.mean, loaded.std = np.zeros(128, np.float32), np.ones(128, np.float32)
    export_codec(loaded, tmp_path, frames=(8, 20))
    section = load_manifest(tmp_path).section("codec")
    assert section["latent_dim"] == 128 and section["source"] == "encodec_24khz"
    assert section["parity"]["max_relative_error"] < 1e-4


def test_official_loader_rejects_our_checkpoint_shape(tmp_path: Path, tiny_cfg) -> None:
    path = tmp_path / "small.th"
    torch.save(build_codec(tiny_cfg).state_dict(), path)
    with pytest.raises(ModelFileError, match=rf"{path}.*do not fit"):
        load_official(path)


@pytest.mark.parametrize("source", ["livegen", "encodec_24khz"])
def test_missing_checkpoint_names_the_file(tmp_path: Path, source: str) -> None:
    path = tmp_path / "nowhere.pt"
    with pytest.raises(ModelFileError, match=rf"{path}: no such checkpoint"):
        load_codec(source, path)


@pytest.mark.parametrize("source", ["livegen", "encodec_24khz"])
def test_corrupt_checkpoint_names_the_file(tmp_path: Path, source: str) -> None:
    path = tmp_path / "broken.pt"
    path.write_bytes(b"PK\x03\x04 truncated zip, not a checkpoint")
    with pytest.raises(ModelFileError, match=rf"{path}: not a readable torch checkpoint"):
        load_codec(source, path)


def test_foreign_torch_file_is_not_our_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ModelFileError, match=rf"{path}: not a livegen codec checkpoint"):
        read_checkpoint(path)


def test_remove_weight_norm_keeps_the_function(tiny_cfg) -> None:
    torch.manual_seed(0)
    model = build_codec(tiny_cfg).eval()
    x = torch.randn(1, 1, 3200)
    with torch.no_grad():
        before = model(x)[0]
        remove_weight_norm(model)
        after = model(x)[0]
    assert not any(hasattr(m, "weight_g") for m in model.modules())
    torch.testing.assert_close(before, after, rtol=1e-5, atol=1e-6)
