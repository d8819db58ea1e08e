"""Model package manifests: sections merge, every named file is hash-checked, errors name files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livegen.runtime.manifest import (
    ModelFileError,
    load_manifest,
    sha256_file,
    update_manifest,
)


def package(tmp_path: Path) -> Path:
    (tmp_path / "a.onnx").write_bytes(b"graph a")
    (tmp_path / "b.onnx").write_bytes(b"graph b")
    update_manifest(tmp_path, "codec", {"hop": 320, "decoder": "a.onnx"}, ["a.onnx"])
    update_manifest(tmp_path, "unet", {"channels": 256}, ["b.onnx"])
    return tmp_path


def test_sections_merge_and_files_are_listed_with_hashes(tmp_path: Path) -> None:
    m = load_manifest(package(tmp_path))
    assert m.section("codec")["hop"] == 320 and m.section("unet")["channels"] == 256
    assert m.data["files"]["a.onnx"]["sha256"] == sha256_file(tmp_path / "a.onnx")
    assert m.data["files"]["b.onnx"]["bytes"] == len(b"graph b")
    assert m.path("a.onnx") == tmp_path / "a.onnx"


def test_reexport_replaces_only_its_own_section(tmp_path: Path) -> None:
    package(tmp_path)
    (tmp_path / "c.onnx").write_bytes(b"graph c")
    update_manifest(tmp_path, "codec", {"hop": 160}, ["c.onnx"])
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert set(data["files"]) == {"b.onnx", "c.onnx"}  # a.onnx was the old codec's
    assert data["codec"]["hop"] == 160 and data["unet"]["channels"] == 256


def test_changed_file_is_refused_with_its_name(tmp_path: Path) -> None:
    package(tmp_path)
    (tmp_path / "b.onnx").write_bytes(b"graph B")
    with pytest.raises(ModelFileError, match=r"b\.onnx: sha256 mismatch"):
        load_manifest(tmp_path)
    assert load_manifest(tmp_path, verify=False).section("unet")


def test_missing_file_and_manifest_errors_name_paths(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=str(tmp_path / "manifest.json")):
        load_manifest(tmp_path)
    package(tmp_path)
    (tmp_path / "a.onnx").unlink()
    with pytest.raises(ModelFileError, match=rf"{tmp_path / 'a.onnx'}: missing"):
        load_manifest(tmp_path)


def test_corrupt_manifest_and_unknown_section(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="not a readable JSON manifest"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "livegen-model", "files": {}}))
    with pytest.raises(ModelFileError, match="no 'codec' section"):
        load_manifest(tmp_path).section("codec")
    with pytest.raises(ModelFileError, match="names no file"):
        load_manifest(tmp_path).path("x.onnx")
