"""Model packages found by name: the search path every `--model` goes through, and `livegen models`.

A `--model` value that is an existing folder is used as is. Otherwise a name (`default`, `mine`)
is looked up, first match wins, in:

1. each folder of `$LIVEGEN_MODELS` (several joined by `os.pathsep`, like `PATH`);
2. the user's data folder: `$XDG_DATA_HOME/livegen/models` (default `~/.local/share/livegen/models`;
   `~/Library/Application Support/livegen/models` on macOS, `%APPDATA%\\livegen\\models` on Windows);
3. the shipped models: `models/` beside the `livegen` package (a source checkout or an editable
   install), else `<sys.prefix>/share/livegen/models` (where a packager installs them as data files).

A non-editable install (`pip install .`) copies only the package, not `models/` (the weights are
~50 MB of ONNX kept out of the wheel): set `LIVEGEN_MODELS` to a folder holding `default/`, or
copy it into the user's data folder. `models/NAME`, the spelling of older docs, is read as NAME
when no such folder exists where the command runs. Exports given a bare name (`--out mine`) write
into the user's data folder, so the name finds them from anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from livegen.runtime.manifest import FORMAT, ModelFileError

DEFAULT_MODEL = "default"
OUT_HELP = "model package folder, or a bare NAME: written into the user's models folder"


def user_models_dir() -> Path:
    """Where this user's own models live (created by exports given a bare name)."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "livegen" / "models"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / "livegen" / "models"
    data = os.environ.get("XDG_DATA_HOME") or str(home / ".local" / "share")
    return Path(data) / "livegen" / "models"


def shipped_models_dir() -> Path:
    """The models that come with livegen: the checkout's `models/`, else the installed data."""
    beside_package = Path(__file__).resolve().parents[2] / "models"
    if beside_package.is_dir():
        return beside_package
    return Path(sys.prefix) / "share" / "livegen" / "models"


def search_path() -> list[tuple[str, Path]]:
    """(where, folder) pairs searched in order: LIVEGEN_MODELS entries, user, shipped."""
    env = [
        ("$LIVEGEN_MODELS", Path(p))
        for p in os.environ.get("LIVEGEN_MODELS", "").split(os.pathsep)
        if p
    ]
    return [*env, ("user", user_models_dir()), ("shipped", shipped_models_dir())]


def _is_name(value: str) -> bool:
    return bool(value) and "/" not in value and os.sep not in value and value not in (".", "..")


def resolve_model(value: str | Path) -> Path:
    """The model folder a `--model` value names: an existing folder as is, else a name looked
    up along `search_path()`. Raises ModelFileError listing the places searched."""
    path = Path(value).expanduser()
    if path.is_dir():
        return path
    text = str(value)
    name = text if _is_name(text) else None
    if (
        name is None
        and not path.is_absolute()
        and len(path.parts) == 2
        and path.parts[0] == "models"
    ):
        name = path.parts[1]  # "models/default" written before models were found by name
    if name is None:
        raise ModelFileError(f"{path}: no such model folder")
    for _, folder in search_path():
        if (folder / name / "manifest.json").is_file():
            return folder / name
    searched = ", ".join(str(folder) for _, folder in search_path())
    raise ModelFileError(
        f"no model named {name!r} (searched {searched}); `livegen models` lists the ones found"
    )


def output_model_dir(value: str | Path) -> Path:
    """Where an export writes: a bare name goes into the user's data folder, a path as is."""
    text = str(value)
    return user_models_dir() / text if _is_name(text) else Path(value).expanduser()


def model_arg(value: str) -> Path:
    """argparse type for `--model`: resolves it, or prints why not as a usage error.

    The default name is let through unresolved when no package has it, so commands that can run
    without a model (`serve --source loops`) still start; those that load it call
    `resolve_model` again and stop there with the places searched.
    """
    try:
        return resolve_model(value)
    except ModelFileError as exc:
        if value == DEFAULT_MODEL:
            return Path(value)
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_model_argument(
    parser: argparse.ArgumentParser,
    flag: str = "--model",
    default: str | None = DEFAULT_MODEL,
    help: str = "model package: a folder, or a name found along the model search path",
) -> None:
    """The one `--model` every command shares (resolved by `resolve_model` at parse time)."""
    parser.add_argument(flag, type=model_arg, default=default, metavar="NAME|DIR", help=help)


def _provenance(section: dict[str, Any]) -> dict[str, Any]:
    """What corpus, when, how long and which figures one manifest section records."""
    training = section.get("training") or section.get("train") or {}
    run: dict[str, Any] = training["run"] if isinstance(training.get("run"), dict) else {}
    corpus = training.get("corpus") or run.get("corpus") or training.get("latents")
    out: dict[str, Any] = {
        "exported": section.get("exported"),
        "corpus": corpus,
        "steps": training.get("step") or training.get("steps"),
    }
    if isinstance(section.get("source"), str):  # a converted third-party model (the judge)
        out["source"] = section["source"] + (f", {section['licence']} licence"
                                             if section.get("licence") else "")  # fmt: skip
    figures = dict(section.get("figures") or {})
    parity = section.get("parity") or {}
    if "max_relative_error" in parity:
        figures.setdefault("onnx_parity_max_rel_err", parity["max_relative_error"])
    out["figures"] = figures
    return {k: v for k, v in out.items() if v not in (None, {})}


def list_models() -> list[dict[str, Any]]:
    """Every model package along the search path, first-found first (shadowed ones marked)."""
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for where, folder in search_path():
        if not folder.is_dir():
            continue
        for manifest in sorted(folder.glob("*/manifest.json")):
            try:
                data = json.loads(manifest.read_text())
            except (OSError, ValueError):
                continue
            if data.get("format") != FORMAT:
                continue
            name = manifest.parent.name
            sections = {
                k: _provenance(v) for k, v in data.items() if isinstance(v, dict) and k != "files"
            }
            found.append({"name": name, "path": str(manifest.parent), "where": where,
                          "shadowed": name in seen, "sections": sections,
                          "playable": "generator" in sections})  # fmt: skip
            seen.add(name)
    return found


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `livegen models`."""
    parser.add_argument("--json", action="store_true", help="print the list as JSON")


def _describe(model: dict[str, Any]) -> list[str]:
    hidden = " (shadowed by the one above: not used by name)" if model["shadowed"] else ""
    role = "" if model.get("playable", True) else " (no generator: not for --model)"
    lines = [f"{model['name']}  [{model['where']}] {model['path']}{role}{hidden}"]
    for section, prov in model["sections"].items():
        bits = [f"exported {prov['exported'][:10]}" if "exported" in prov else "",
                f"corpus {prov['corpus']}" if "corpus" in prov else "",
                f"{prov['steps']} steps" if "steps" in prov else "",
                prov.get("source", "")]  # fmt: skip
        figures = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                            for k, v in prov.get("figures", {}).items())  # fmt: skip
        text = "; ".join(b for b in [*bits, figures] if b)
        lines.append(f"    {section}: {text or 'no provenance recorded'}")
    return lines


def run(args: argparse.Namespace) -> int:
    """`livegen models`: the packages `--model NAME` can find, with their provenance."""
    models = list_models()
    if getattr(args, "json", False):
        print(
            json.dumps(
                {"search_path": [str(p) for _, p in search_path()], "models": models}, indent=2
            )
        )
        return 0
    print("search path: " + "  ".join(f"{where}={p}" for where, p in search_path()))
    for model in models:
        print("\n".join(_describe(model)))
    if not models:
        print("no model packages found (export one with --out NAME, or set LIVEGEN_MODELS)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="livegen models", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
