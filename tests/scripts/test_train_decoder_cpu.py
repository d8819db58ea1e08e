"""scripts/train_decoder_cpu.sh, the shipped codec decoder's fine-tune: the base package unpacked
from git (not whatever models/default holds now), the corpus kept once written, the run's options,
then the export of only the decoder into models/default. Python is replaced by a recorder
(`tests.support.recipes`; the real training takes ~1.5 h, `train decoder` is tested on its own in
tests/training/codec/test_decoder_finetune.py)."""

from __future__ import annotations

import json

import pytest

from tests.support.recipes import has_revision, record

BASE_REV = "78a987c"  # the mix generator's stage 4 with the codec's first decoder


@pytest.mark.skipif(not has_revision(BASE_REV), reason="needs the repository's history (git)")
def test_the_recipe_tunes_the_decoder_of_the_package_in_git(tmp_path):
    first = record("train_decoder_cpu.sh", tmp_path)
    out = tmp_path / "out"
    base = out / "base/models/default"
    assert [" ".join(line.split()[2:4]) for line in first] == [
        "corpus make", "train decoder", "export decoder"
    ]  # fmt: skip
    assert "--n 16000 --seed 0 --modes both" in first[0]
    manifest = json.loads((base / "manifest.json").read_text())
    assert "decoder_finetune" not in manifest["codec"]  # the codec's own decoder
    assert manifest["generator"]["training"]["recipe"]["stages"][-1]["steps"] == 12000  # stage 4
    assert first[1].endswith(
        f"train decoder --model {base} --corpus {out}/corpus_both --run-dir {out}/run "
        "--steps 6000 --loops 4000 --no-progress"
    )
    assert first[2].endswith(
        f"export decoder --run-dir {out}/run --model {base} --out models/default --force"
    )
    again = record("train_decoder_cpu.sh", tmp_path, EXPORT="")
    assert [" ".join(line.split()[2:4]) for line in again] == ["train decoder"]  # corpus kept
