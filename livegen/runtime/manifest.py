"""Model packages on disk: `models/<name>/manifest.json` names every file with its sha256.

Layout of a manifest (one JSON object; each exporter owns one section and merges it in)::

    {
      "format": "livegen-model",
      "format_version": 1,
      "files": {"codec_decoder.onnx": {"sha256": "…", "bytes": 7654321}, …},
      "codec": {"sample_rate": 24000, "hop": 320, "latent_dim": 64, "decoder": "codec_decoder.onnx", …},
      "unet": {…}
    }

`files` is the single list of everything the package ships: the runtime refuses to load a package
when any named file is missing or its hash differs. Sections refer to files by their name in
`files` (a path relative to the package folder). numpy/json only: the daemon imports this.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
FORMAT = "livegen-model"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A model file (checkpoint, ONNX graph, manifest) is missing, corrupt or does not match.

    The message always names the offending path, so the CLI can print it as one readable line.
    """


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as f:
            while block := f.read(chunk):
                digest.update(block)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read model file ({exc.strerror or exc})") from exc
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    """A verified model package: its folder and the parsed manifest."""

    root: Path
    data: dict[str, Any]

    def section(self, name: str) -> dict[str, Any]:
        """One section (e.g. "codec"); a clear error when the package has none."""
        section = self.data.get(name)
        if not isinstance(section, dict):
            have = sorted(k for k, v in self.data.items() if isinstance(v, dict) and k != "files")
            raise ModelFileError(
                f"{self.root / MANIFEST_NAME}: no {name!r} section (has: {', '.join(have) or 'none'})"
            )
        return section

    def path(self, name: str) -> Path:
        """Absolute path of a file the manifest names (and therefore verified)."""
        if name not in self.data.get("files", {}):
            raise ModelFileError(f"{self.root / MANIFEST_NAME}: names no file {name!r}")
        return self.root / name


def manifest_path(model_dir: Path) -> Path:
    return Path(model_dir) / MANIFEST_NAME


def read_manifest_json(model_dir: Path) -> dict[str, Any]:
    """The raw manifest object, unverified; {} when the folder has no manifest yet."""
    path = manifest_path(model_dir)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: not a readable JSON manifest ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelFileError(f"{path}: a manifest must be a JSON object")
    return data


def verify_files(model_dir: Path, data: dict[str, Any]) -> None:
    """Check every file named in `data["files"]` exists and has the recorded sha256."""
    files = data.get("files", {})
    if not isinstance(files, dict):
        raise ModelFileError(f"{manifest_path(model_dir)}: 'files' must map names to hashes")
    for name, meta in files.items():
        path = Path(model_dir) / name
        if not path.is_file():
            raise ModelFileError(f"{path}: missing (named in {manifest_path(model_dir)})")
        expected = meta.get("sha256") if isinstance(meta, dict) else None
        if not expected:
            raise ModelFileError(f"{manifest_path(model_dir)}: no sha256 recorded for {name!r}")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelFileError(
                f"{path}: sha256 mismatch (manifest {expected[:12]}…, file {actual[:12]}…): "
                "the file changed after export; re-export the model package"
            )


def load_manifest(model_dir: Path, verify: bool = True) -> Manifest:
    """Read `model_dir/manifest.json` and (by default) verify the hash of every file it names."""
    root = Path(model_dir)
    path = manifest_path(root)
    if not path.is_file():
        raise ModelFileError(f"{path}: no model manifest here (export a model into {root} first)")
    data = read_manifest_json(root)
    if data.get("format") != FORMAT:
        raise ModelFileError(
            f"{path}: not a livegen model manifest (format {data.get('format')!r})"
        )
    if verify:
        verify_files(root, data)
    return Manifest(root=root, data=data)


def update_manifest(
    model_dir: Path, section_name: str, section: dict[str, Any], files: list[str]
) -> Path:
    """Merge one section and its files into `model_dir/manifest.json`, hashing the files now.

    Other sections and their files are kept; files the previous version of this section named but
    the new one does not are dropped from `files`. Written atomically (temp file + rename).
    """
    root = Path(model_dir)
    data = read_manifest_json(root)
    data["format"] = FORMAT
    data["format_version"] = FORMAT_VERSION
    all_files: dict[str, Any] = dict(data.get("files", {}))
    previous = data.get(section_name, {})
    for name in previous.get("files", []) if isinstance(previous, dict) else []:
        all_files.pop(name, None)
    for name in files:
        path = root / name
        all_files[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    data["files"] = dict(sorted(all_files.items()))
    data[section_name] = {**section, "files": list(files)}
    path = manifest_path(root)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)
    return path
