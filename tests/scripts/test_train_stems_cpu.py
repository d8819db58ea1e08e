"""scripts/train_stems_cpu.sh, the shipped stem generator's CPU recipe: its seven stages in order,
with the options that reproduce the training, corpora kept once written (a rerun resumes). Python
is replaced by a recorder (the real stages take hours; each command is tested on its own)."""

from __future__ import annotations

from pathlib import Path

from tests.support.recipes import record


def run(tmp_path: Path) -> list[str]:
    return record("train_stems_cpu.sh", tmp_path, timeout=30, KEY_GUIDANCE="7")


def test_the_recipe_runs_its_seven_stages_then_exports_and_a_rerun_keeps_the_corpora(tmp_path):
    first = run(tmp_path)
    kinds = [" ".join(line.split()[2:4]) for line in first]
    assert kinds == (
        ["corpus make", "train unet"] * 2 + ["train unet"] * 2 + ["corpus make"]
        + ["train unet"] * 3 + ["export unet"]
    )  # fmt: skip
    corpora = [line for line in first if " corpus make " in line]
    assert "--n 4000 --seed 0" in corpora[0] and "--modes" not in corpora[0]
    assert "--n 4000 --seed 0" in corpora[1] and corpora[1].endswith("--modes both")
    trains = [line for line in first if " train unet " in line]
    assert all("--preset stems-cpu" in t for t in trains)
    out = tmp_path / "out"
    assert trains[0].endswith("--steps 16000 --stop-at 4272 --stem-norm off")
    assert "--init " + str(out / "run_minor/checkpoint.pt") in trains[1]
    assert trains[1].endswith("--steps 12000 --stem-norm off")
    # then the generator's own latent space, from stage 2's weights, and on from stage 3's
    assert f"--corpus {out}/corpus_both " in trains[2] and f"--run-dir {out}/run_norm " in trains[2]
    assert "--init " + str(out / "run_both/checkpoint.pt") in trains[2]
    assert trains[2].endswith("--steps 8000 --lr 5e-4 --stem-norm on")
    assert "--init " + str(out / "run_norm/checkpoint.pt") in trains[3]
    assert trains[3].endswith("--steps 8000 --lr 3e-4 --stem-norm on")
    # then 4x the loops (the same seed: the first 4,000 are stage 2's), α where notes are chosen
    assert "--n 16000 --seed 0" in corpora[2] and corpora[2].endswith("--modes both")
    assert f"--corpus {out}/corpus_16k " in trains[4] and f"--run-dir {out}/run_16k " in trains[4]
    assert f"--bars {out}/corpus_16k.stem_bars.npz " in trains[4]
    assert "--init " + str(out / "run_norm2/checkpoint.pt") in trains[4]
    assert trains[4].endswith(
        "--steps 10000 --lr 3e-4 --stem-norm on --alpha-dist logit-normal:-0.8,1 "
        "--stem-weights 1,2,1"
    )
    # then the music's loss weighted as the bass's, and a slower run weighing the drums up again
    assert f"--run-dir {out}/run_16k_music " in trains[5]
    assert "--init " + str(out / "run_16k/checkpoint.pt") in trains[5]
    assert trains[5].endswith(
        "--steps 6000 --lr 3e-4 --stem-norm on --alpha-dist logit-normal:-0.8,1 "
        "--stem-weights 1,2,2"
    )
    assert f"--run-dir {out}/run_16k_drums " in trains[6]
    assert "--init " + str(out / "run_16k_music/checkpoint.pt") in trains[6]
    assert trains[6].endswith(
        "--steps 8000 --lr 2e-4 --stem-norm on --alpha-dist logit-normal:-0.8,1 "
        "--stem-weights 1.5,2,2"
    )
    assert first[-1].endswith(
        f"--checkpoint {out}/run_16k_drums --out models/default --key-guidance 7 "
        "--key-guidance-interval 0,0.12"
    )
    again = run(tmp_path)  # corpora written: only the (resuming) trainings and the export again
    assert [" ".join(line.split()[2:4]) for line in again] == ["train unet"] * 7 + ["export unet"]
