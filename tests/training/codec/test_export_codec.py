"""ONNX export of the codec: parity with torch, the manifest, the runtime wrapper, bad files."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from livegen.runtime.codec import Codec
from livegen.runtime.manifest import ModelFileError, load_manifest, update_manifest
from livegen.runtime.session import create_session
from livegen.training.codec.export import DECODER_FILE, ENCODER_FILE, PARITY_TOLERANCE
from livegen.training.codec.model import encode_loop

FRAMES = (8, 75, 150, 163)


def test_export_parity_recorded(package: Path) -> None:
    section = load_manifest(package).section("codec")
    for graph in ("encoder", "decoder"):
        errors = section["parity"]["by_frames"][graph]
        assert sorted(int(t) for t in errors) == sorted(FRAMES)
        assert max(errors.values()) < PARITY_TOLERANCE
    assert section["opset"] == 17
    assert section["hop"] == 320 and section["sample_rate"] == 24_000
    assert {"torch", "onnx", "onnxruntime"} <= set(section["versions"])
    assert len(section["stats"]["mean"]) == section["latent_dim"]


@pytest.mark.parametrize("frames", [8, 41, 150, 164])
def test_runtime_decode_matches_torch(package: Path, tiny_loaded, frames: int) -> None:
    codec = Codec.load(package, device="cpu", warm=False)
    rng = np.random.default_rng(frames)
    z = rng.standard_normal((2, codec.latent_dim, frames)).astype(np.float32)
    got = codec.decode(z)  # normalised latents in, as the diffusion model produces them
    raw = codec.denormalize(z)
    with torch.no_grad():
        want = tiny_loaded.model.decoder(torch.from_numpy(raw))[:, 0].numpy()
    assert got.shape == (2, frames * 320)
    assert np.abs(got - want).max() / np.abs(want).max() < PARITY_TOLERANCE


def test_runtime_encode_matches_cache_encoding(package: Path, tiny_loaded) -> None:
    codec = Codec.load(package, device="cpu", warm=False)
    audio = (0.2 * np.random.default_rng(0).standard_normal(48_001)).astype(np.float32)
    got = codec.encode(audio, normalized=False)
    want = encode_loop(tiny_loaded.model, audio)
    assert got.shape == want.shape == (codec.latent_dim, math.ceil(48_001 / 320))
    assert np.abs(got - want).max() / np.abs(want).max() < PARITY_TOLERANCE
    unit = codec.encode(audio)
    np.testing.assert_allclose(codec.denormalize(unit[None])[0], got, rtol=1e-5, atol=1e-5)
    y = codec.decode(unit, n_samples=48_001)
    assert y.shape == (48_001,)


def test_export_merges_into_existing_manifest(tmp_path: Path, package: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "unet.onnx").write_bytes(b"pretend unet")
    update_manifest(pkg, "unet", {"channels": 256}, ["unet.onnx"])
    for name in (ENCODER_FILE, DECODER_FILE):
        shutil.copy(package / name, pkg / name)
    section = {k: v for k, v in load_manifest(package).section("codec").items() if k != "files"}
    update_manifest(pkg, "codec", section, [ENCODER_FILE, DECODER_FILE])
    data = json.loads((pkg / "manifest.json").read_text())
    assert data["unet"]["channels"] == 256
    assert set(data["files"]) == {"unet.onnx", ENCODER_FILE, DECODER_FILE}
    Codec.load(pkg, device="cpu", warm=False)


def test_tampered_decoder_is_refused(tmp_path: Path, package: Path) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(package, pkg)
    with (pkg / DECODER_FILE).open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelFileError, match=rf"{DECODER_FILE}.*sha256 mismatch"):
        Codec.load(pkg, device="cpu")


def test_missing_decoder_names_the_file(tmp_path: Path, package: Path) -> None:
    pkg = tmp_path / "pkg"
    shutil.copytree(package, pkg)
    (pkg / DECODER_FILE).unlink()
    with pytest.raises(ModelFileError, match=str(pkg / DECODER_FILE)):
        Codec.load(pkg, device="cpu")


def test_corrupt_onnx_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "codec_decoder.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not a protobuf model")
    with pytest.raises(ModelFileError, match=str(bad)):
        create_session(bad, "cpu")
    with pytest.raises(ModelFileError, match="no such ONNX file"):
        create_session(tmp_path / "absent.onnx", "cpu")


def test_decode_rejects_bad_shapes(package: Path) -> None:
    codec = Codec.load(package, device="cpu", warm=False)
    with pytest.raises(ValueError, match="at least 8 frames"):
        codec.decode(np.zeros((1, codec.latent_dim, 3), np.float32))
    with pytest.raises(ValueError, match="latents"):
        codec.decode(np.zeros((1, codec.latent_dim + 1, 20), np.float32))


@pytest.mark.parametrize("causal", [False, True])
def test_exportable_graph_computes_what_encodec_computes(causal: bool) -> None:
    """1 x k Conv2d and polyphase transposed convs (odd stride 3 too) are the same numbers."""
    from livegen.training.codec.config import CodecConfig
    from livegen.training.codec.export import exportable
    from livegen.training.codec.model import build_codec

    torch.manual_seed(0)
    model = build_codec(CodecConfig(n_filters=4, dimension=8, ratios=(3, 2), causal=causal)).eval()
    plain = exportable(model)
    z = torch.randn(2, 8, 37)
    x = torch.randn(2, 1, 37 * 6)
    with torch.no_grad():
        want_y, got_y = model.decoder(z), plain.decoder(z)
        want_z, got_z = model.encoder(x), plain.encoder(x)
    assert got_y.shape == want_y.shape == (2, 1, 37 * 6)
    assert torch.allclose(got_y, want_y, atol=1e-5, rtol=0)
    assert torch.allclose(got_z, want_z, atol=1e-5, rtol=0)
