"""Tests for livegen.runtime.models: `--model NAME` along the search path, from any folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from livegen import cli
from livegen.runtime import models
from livegen.runtime.manifest import FORMAT, ModelFileError
from livegen.runtime.models import list_models, model_arg, output_model_dir, resolve_model

SHIPPED = Path(__file__).resolve().parents[2] / "models"


def package(folder: Path, **sections: dict) -> Path:
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"format": FORMAT, **sections}))
    return folder


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Two LIVEGEN_MODELS folders, a user data folder; the working directory elsewhere."""
    env_a, env_b, data = tmp_path / "env_a", tmp_path / "env_b", tmp_path / "xdg"
    monkeypatch.setenv("LIVEGEN_MODELS", f"{env_a}:{env_b}")
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setattr(models.sys, "platform", "linux")
    work = tmp_path / "somewhere_else"
    work.mkdir()
    monkeypatch.chdir(work)
    return {"a": env_a, "b": env_b, "user": data / "livegen" / "models", "work": work}


def test_search_order_and_paths(places: dict[str, Path]) -> None:
    assert [w for w, _ in models.search_path()] == ["$LIVEGEN_MODELS"] * 2 + ["user", "shipped"]
    # the shipped default, found by name and by the old "models/default" spelling, from elsewhere
    assert resolve_model("default") == SHIPPED / "default"
    assert resolve_model("models/default") == SHIPPED / "default"
    package(places["user"] / "mine")
    assert resolve_model("mine") == places["user"] / "mine"
    package(places["b"] / "mine")  # LIVEGEN_MODELS comes first, in its own order
    assert resolve_model("mine") == places["b"] / "mine"
    package(places["a"] / "mine")
    assert resolve_model("mine") == places["a"] / "mine"
    local = places["work"] / "mine"
    local.mkdir()  # a path that exists is used as is, even an empty one
    assert resolve_model("mine") == Path("mine")
    assert resolve_model(str(places["user"] / "mine")) == places["user"] / "mine"


def test_unknown_model_says_where_it_looked(places: dict[str, Path]) -> None:
    with pytest.raises(ModelFileError) as err:
        resolve_model("nope")
    for folder in (places["a"], places["b"], places["user"], SHIPPED):
        assert str(folder) in str(err.value)
    with pytest.raises(ModelFileError, match="no such model folder"):
        resolve_model("../nowhere/pkg")
    with pytest.raises(argparse.ArgumentTypeError, match="no model named 'nope'"):
        model_arg("nope")


def test_export_by_name_is_found_by_name(places: dict[str, Path]) -> None:
    out = output_model_dir("mine")  # what `export ... --out mine` (and `train all`) writes into
    assert out == places["user"] / "mine"
    assert output_model_dir("runs/pkg") == Path("runs/pkg")
    package(out)
    assert resolve_model("mine") == out
    listed = {m["name"]: m for m in list_models() if not m["shadowed"]}
    assert listed["mine"]["where"] == "user" and listed["default"]["where"] == "shipped"


def test_every_model_option_resolves_the_same_way(places: dict[str, Path]) -> None:
    package(places["user"] / "mine")
    parser = cli.build_parser(load_all=True)
    found = []
    for path, _, _ in cli.COMMANDS:
        sub = parser
        for word in path:
            sub = next(
                a for a in sub._actions if isinstance(a, argparse._SubParsersAction)
            ).choices[word]
        for action in sub._actions:
            if {"--model", "--model-dir"} & set(action.option_strings):
                assert action.type is model_arg, path
                found.append(" ".join(path))
    assert {"serve", "render", "eval generator", "bench generator", "train unet", "eval concept",
            "bench concept", "eval codec", "train all"} <= set(found)  # fmt: skip
    for command in (["serve"], ["render", "--out", "x.wav"], ["train", "unet"]):
        args = parser.parse_args([*command, "--model", "mine"])
        assert args.model == places["user"] / "mine", command
        assert parser.parse_args(command).model == SHIPPED / "default"  # the default, by name


def test_livegen_models_lists_provenance(
    places: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    package(places["a"] / "mine", generator={
        "exported": "2026-12-04T10:00:00+00:00",
        "training": {"step": 1500, "run": {"corpus": "data/my-loops"}},
        "figures": {"fd_musicnn": 41.5}, "parity": {"max_relative_error": 2e-6},
    })  # fmt: skip
    package(places["user"] / "mine")
    assert models.main([]) == 0
    out = capsys.readouterr().out
    assert "mine  [$LIVEGEN_MODELS]" in out and "shadowed" in out
    assert (
        "generator: exported 2026-12-04; corpus data/my-loops; 1500 steps; fd_musicnn 41.5" in out
    )
    assert (
        "default  [shipped]" in out
        and "default  [shipped] " + str(models.shipped_models_dir() / "default") + "\n" in out
    )
    assert "judge  [shipped]" in out and "(no generator: not for --model)" in out
    assert "musicnn: musicnn 0.1.0 (PyPI)" in out and "ISC licence" in out
    assert models.main(["--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["models"]
    assert listed[0]["sections"]["generator"]["figures"] == {
        "fd_musicnn": 41.5, "onnx_parity_max_rel_err": 2e-6,
    }  # fmt: skip


def test_missing_default_waits_for_the_command_that_needs_it(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(models, "shipped_models_dir", lambda: places["work"] / "no_models")
    assert model_arg("default") == Path("default")  # `serve --source loops` needs no model
    parser = cli.build_parser(("render",))
    assert cli.main(["render", "--out", "x.wav"]) == 1
    assert "no model named 'default' (searched" in capsys.readouterr().err
    assert parser.parse_args(["render", "--out", "x.wav"]).model == Path("default")
