"""scripts/train_mix_cpu.sh, the CPU stages of the shipped mix generator: stage 1's weights
unpacked from git (not whatever models/default holds now), the corpus kept once written, stage 2's
options, stages 3 and 4 each from the stage before's run folder, then the export of stage 4. Python is replaced by a recorder (`tests.support.recipes`; the real
training takes hours)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.recipes import has_revision, record

BASE_REV = "6f54cae"


def run(tmp_path: Path, **env: str) -> list[str]:
    return record("train_mix_cpu.sh", tmp_path, **env)


@pytest.mark.skipif(not has_revision(BASE_REV), reason="needs the repository's history (git)")
def test_the_recipe_starts_from_the_gpu_stage_in_git_and_a_rerun_keeps_the_corpus(tmp_path):
    first = run(tmp_path)
    out = tmp_path / "out"
    assert [" ".join(line.split()[2:4]) for line in first] == [
        "corpus make", "train unet", "train unet", "train unet", "export unet"
    ]  # fmt: skip
    assert "--n 16000 --seed 0 --modes both" in first[0]
    base = out / "base/models/default"
    manifest = json.loads((base / "manifest.json").read_text())
    # stage 1: the GPU run's weights, as the package held them before this stage
    assert manifest["generator"]["training"]["step"] == 2592
    assert (base / manifest["generator"]["unet"]).stat().st_size > 10_000_000
    options = (
        "--batch-size 32 --lr 3e-4 --alpha-dist logit-normal:0,1 --ema 0.999 "
        "--ckpt-every 250 --valid-every 1000"
    )
    two, three, four = first[1], first[2], first[3]
    assert f"--run-dir {out}/run " in two and f"--init {base} " in two
    assert "--preset cpu " in two and f"--bars {out}/corpus_both.mix_bars.npz " in two
    assert two.endswith("--steps 6000 " + options)
    # stage 3 continues from stage 2's run folder (its averaged weights), in a folder of its own
    assert f"--run-dir {out}/run3 " in three and f"--init {out}/run " in three
    assert three.endswith("--steps 13000 " + options)
    assert f"--run-dir {out}/run4 " in four and f"--init {out}/run3 " in four
    assert four.endswith("--steps 12000 " + options)
    assert first[4].endswith(f"export unet --checkpoint {out}/run4 --out models/default")
    again = run(tmp_path, EXPORT="", INIT="runs/gpu/unet/unet_slim.pt")
    assert [" ".join(line.split()[2:4]) for line in again] == ["train unet"] * 3  # corpus kept
    assert "--init runs/gpu/unet/unet_slim.pt " in again[0]
