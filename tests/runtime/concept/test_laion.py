"""laion-clap loader: missing files are named before anything heavy is imported."""

import json
import sys

import pytest

from livegen.runtime.concept import load_conditioner
from livegen.runtime.concept.laion import (
    POSITION_IDS,
    LaionFilesMissing,
    clean_state_dict,
    missing_files,
    roberta_from,
)


def _roberta(folder, weights=True):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "roberta"}))
    (folder / "vocab.json").write_text(
        json.dumps({"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "a": 4})
    )
    (folder / "merges.txt").write_text("#version: 0.2\n")
    if weights:
        (folder / "model.safetensors").write_bytes(b"")
    return folder


def test_missing_files_are_listed_by_path(tmp_path):
    roberta = tmp_path / "roberta"
    roberta.mkdir()
    (roberta / "config.json").write_text("{}")
    ckpt = tmp_path / "music_audioset_epoch_15_esc_90.14.pt"
    missing = missing_files(ckpt, roberta)
    assert str(ckpt) in missing[0]
    for name in ("vocab.json", "merges.txt", "model.safetensors", "pytorch_model.bin"):
        assert any(name in m for m in missing), name
    assert not any(m.endswith("config.json") for m in missing)
    assert missing_files(None, roberta)[0].startswith("a laion-clap checkpoint")


def test_load_fails_with_every_missing_file_and_imports_nothing(tmp_path):
    sys.modules.pop("laion_clap", None)
    with pytest.raises(LaionFilesMissing) as err:
        load_conditioner("laion", checkpoint=tmp_path / "clap.pt", roberta_dir=tmp_path / "nowhere")
    msg = str(err.value)
    for name in ("clap.pt", "config.json", "vocab.json", "merges.txt", "model.safetensors"):
        assert name in msg
    assert "laion_clap" not in sys.modules


def test_missing_package_is_named_when_files_are_there(tmp_path, monkeypatch):
    ckpt = tmp_path / "clap.pt"
    ckpt.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "laion_clap", None)  # import fails as when not installed
    with pytest.raises(LaionFilesMissing, match=r"livegen\[laion\]"):
        load_conditioner("laion", checkpoint=ckpt, roberta_dir=_roberta(tmp_path / "roberta"))


def test_state_dict_drops_position_ids_and_module_prefix():
    state = {"state_dict": {"module.text_branch.x": 1, f"module.{POSITION_IDS}": 2, "audio.y": 3}}
    assert clean_state_dict(state) == {"text_branch.x": 1, "audio.y": 3}


def test_roberta_base_is_redirected_to_the_local_folder(tmp_path):
    transformers = pytest.importorskip("transformers")
    folder = _roberta(tmp_path / "roberta", weights=False)
    own = "from_pretrained" in transformers.RobertaTokenizer.__dict__
    with roberta_from(folder):
        tok = transformers.RobertaTokenizer.from_pretrained("roberta-base")
    assert tok.convert_tokens_to_ids("a") == 4
    assert ("from_pretrained" in transformers.RobertaTokenizer.__dict__) == own
