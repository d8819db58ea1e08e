"""ONNX export of the UNet: parity with torch at several lengths and batch 2, the manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from livegen.runtime.manifest import ModelFileError, load_manifest, update_manifest
from livegen.runtime.sampler import phase_signal
from livegen.runtime.session import create_session
from livegen.training.unet.export import (
    FP16_TOLERANCE,
    PARITY_TOLERANCE,
    UNET_FILE,
    export_unet,
    load_unet,
    round_to_fp16,
)


def test_manifest_section_records_parity_config_and_hash(tiny_pkg: Path):
    manifest = load_manifest(tiny_pkg)  # verifies every sha256
    s = manifest.section("generator")
    assert s["unet"] == UNET_FILE and UNET_FILE in manifest.data["files"]
    assert s["parity"]["max_relative_error"] < PARITY_TOLERANCE and s["parity"]["batch"] == 2
    assert len(s["parity"]["by_frames"]) >= 3
    assert s["config"]["concept_dim"] == 8 and s["conditioning"]["bpm_range"] == [110.0, 140.0]
    assert s["sampler"]["method"] in ("euler", "ab2") and s["sampler"]["steps"] == 8
    assert s["stats"]["mean"] == pytest.approx(manifest.section("codec")["stats"]["mean"])
    assert {"codec", "generator"} <= set(manifest.data)
    assert {"torch", "onnx", "onnxruntime"} <= set(s["versions"])


@pytest.mark.parametrize("frames", [16, 23, 129, 164])
def test_onnx_matches_torch_at_bar_lengths_with_batch_two(tiny_pkg: Path, frames: int):
    model, _ = load_unet(tiny_pkg.parent / "run")
    session = create_session(tiny_pkg / UNET_FILE, "cpu")
    assert [i.name for i in session.get_inputs()] == ["x", "alpha", "phase", "concept"]
    rng = np.random.default_rng(frames)
    c = rng.standard_normal(8).astype(np.float32)
    feeds = {
        "x": rng.standard_normal((2, 8, frames), dtype=np.float32),
        "alpha": np.array([0.1, 0.9], np.float32),
        "phase": np.stack([phase_signal(frames), np.zeros((6, frames), np.float32)]),
        "concept": np.stack([c / np.linalg.norm(c), np.zeros(8, np.float32)]),
    }
    with torch.no_grad():
        fp32 = model(*(torch.from_numpy(feeds[k]) for k in feeds)).numpy()
        round_to_fp16(model)  # the graph stores float16 weights: parity is against those
        want = model(*(torch.from_numpy(feeds[k]) for k in feeds)).numpy()
    got = session.run(None, feeds)[0]
    assert got.shape == (2, 8, frames)
    assert np.abs(got - want).max() / np.abs(want).max() < PARITY_TOLERANCE
    # what storing float16 costs against the float32 weights: small, but not nothing
    assert 0 < np.abs(got - fp32).max() / np.abs(fp32).max() < FP16_TOLERANCE


def test_float16_weights_halve_the_graph_and_a_slim_checkpoint_exports_the_same(
    tiny_pkg: Path, tmp_path
):
    from livegen.training.unet.trainer import read_checkpoint, write_slim

    run = tiny_pkg.parent / "run"
    slim = write_slim(run, tmp_path / "slim.pt")
    ckpt = read_checkpoint(slim)
    assert 0 < ckpt["fp16_rounding_relative_error"] < FP16_TOLERANCE and "optimizer" not in ckpt
    assert all(v.dtype == torch.float16 for v in ckpt["ema"].values() if v.is_floating_point())
    for name, fp16 in (("a", True), ("b", False)):
        shutil.copytree(tiny_pkg, tmp_path / name)
        export_unet(slim if fp16 else run, tmp_path / name, fp16=fp16)
    a, b = (load_manifest(tmp_path / n).section("generator") for n in "ab")
    assert a["parity"]["fp16_rounding_relative_error"] == ckpt["fp16_rounding_relative_error"]
    assert a["parity"]["weights"].startswith("float16") and b["parity"]["weights"] == "float32"
    size = lambda n: (tmp_path / n / UNET_FILE).stat().st_size  # noqa: E731
    assert size("a") < 0.8 * size("b")  # 0.72 here: a tiny graph keeps its small tensors fp32


def test_export_refuses_a_package_whose_codec_has_other_statistics(tiny_pkg: Path, tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(tiny_pkg, pkg)
    data = json.loads((pkg / "manifest.json").read_text())
    codec = data["codec"]
    codec["stats"]["mean"] = [m + 1.0 for m in codec["stats"]["mean"]]
    update_manifest(pkg, "codec", {k: v for k, v in codec.items() if k != "files"}, codec["files"])
    with pytest.raises(ModelFileError, match="other latent statistics"):
        export_unet(tiny_pkg.parent / "run", pkg)


def test_export_needs_the_codec_first(tiny_pkg: Path, tmp_path):
    with pytest.raises(ModelFileError, match="no model manifest"):
        export_unet(tiny_pkg.parent / "run", tmp_path / "empty")


def test_key_guidance_is_refused_for_a_unet_without_a_key_input(tiny_pkg: Path, tmp_path):
    pkg = tmp_path / "pkg"
    shutil.copytree(tiny_pkg, pkg)
    with pytest.raises(ValueError, match="no key input"):
        export_unet(tiny_pkg.parent / "run", pkg, {"key_guidance": 8.0})
    with pytest.raises(ValueError, match="no key input"):
        export_unet(tiny_pkg.parent / "run", pkg, {"key_guidance_interval": [0.0, 0.12]})


def test_export_stores_a_guidance_interval_the_runtime_reads(tiny_pkg: Path, tmp_path):
    import argparse

    from livegen.runtime.generator import Generator
    from livegen.training.unet import export

    pkg = tmp_path / "pkg"
    shutil.copytree(tiny_pkg, pkg)
    parser = argparse.ArgumentParser()
    export.add_arguments(parser)
    run = str(tiny_pkg.parent / "run")
    args = parser.parse_args(
        ["--checkpoint", run, "--out", str(pkg), "--guidance-interval", "0,0.2"]
    )
    assert export.run(args) == 0
    sampler = load_manifest(pkg).section("generator")["sampler"]
    assert sampler["guidance_interval"] == [0.0, 0.2]
    assert Generator.load(pkg, "cpu", 1).spec.guidance_interval == (0.0, 0.2)
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", str(pkg), "--guidance-interval", "0.3,0.1"])
