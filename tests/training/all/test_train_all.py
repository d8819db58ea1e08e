"""`livegen train all` end to end on real sample-pack loops (Debian's), in miniature: a handful of
steps per stage, a pause inside the UNet stage and a resume, then a package the runtime plays and
an eval page with numbers."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from livegen.cli import main
from livegen.corpus.importer import import_loops

SONIC_PI = Path("/usr/share/sonic-pi/samples")
LOOPS = ["loop_compus", "loop_garzul", "loop_mika", "loop_safari", "loop_tabla", "loop_amen_full"]

pytestmark = pytest.mark.skipif(
    not all((SONIC_PI / f"{n}.flac").is_file() for n in LOOPS),
    reason="needs Debian's sonic-pi-samples (scripts/setup.sh)",
)


def test_train_all_pauses_resumes_and_writes_a_playable_package(tmp_path, capsys):
    src = tmp_path / "loops"
    src.mkdir()
    for name in LOOPS:
        (src / f"{name}.flac").symlink_to(SONIC_PI / f"{name}.flac")
    import_loops(src, tmp_path / "corpus", progress=False)
    out, run_dir = tmp_path / "mine", tmp_path / "run"
    argv = ["train", "all", "--corpus", str(tmp_path / "corpus"), "--out", str(out),
            "--run-dir", str(run_dir), "--codec-steps", "3", "--unet-steps", "6",
            "--batch-size", "4", "--eval-bars", "4", "--variants", "2", "--no-progress"]  # fmt: skip

    with pytest.raises(SystemExit, match="paused at step"):
        main([*argv, "--time-limit", "0.00001"])  # stops after its first step
    state = json.loads((run_dir / "state.json").read_text())
    assert list(state) == ["plan", "codec", "bars"]
    assert state["plan"]["written"]["train"] == 2 * state["plan"]["bars"]["train"]
    assert not set(state["plan"]["held_out_sources"]) & {
        json.loads(x)["source"] for x in (run_dir / "corpus/manifest.jsonl").read_text().splitlines()
        if json.loads(x)["split"] == "train"
    }  # fmt: skip
    codec = state["codec"]
    assert codec["ratio"] == pytest.approx(
        codec["user"]["mel_distance"] / codec["reference"]["mel_distance"]
    )
    capsys.readouterr()

    assert main(argv) == 0
    said = capsys.readouterr().out
    assert "[plan] done earlier" in said and "[bars] done earlier" in said
    assert "resuming" in said  # the UNet stage continued from its checkpoint
    state = json.loads((run_dir / "state.json").read_text())
    assert list(state) == ["plan", "codec", "bars", "unet", "export", "eval"]
    assert state["unet"]["steps"] == 6

    from livegen.runtime.generator import Generator
    from livegen.runtime.manifest import load_manifest
    from livegen.runtime.models import resolve_model

    manifest = load_manifest(out)  # every file's sha256 checked
    gen_section = manifest.section("generator")
    assert gen_section["training"]["finetune"]["corpus"] == str(tmp_path / "corpus")
    assert gen_section["training"]["run"]["init"]["checkpoint"] == str(run_dir / "init.pt")
    assert set(gen_section["figures"]) >= {"fd_ratio_vs_your_held_out", "tempo_within_2pct"}
    # the shipped decoder is a fine-tune itself: a tuned package's record holds it as "previous"
    shipped = load_manifest(resolve_model("default")).section("codec")["decoder_finetune"]
    tuned = manifest.section("codec")["decoder_finetune"]
    assert (tuned != shipped) == bool(codec.get("tuned"))
    assert tuned == shipped or tuned["previous"] == shipped

    from livegen.eval.studies import render

    gen = Generator.load(out, "cpu", 1)
    bar, _ = render(gen, 124.0, None, seed=0, steps=2, guidance=1.0)
    assert np.isfinite(bar).all() and np.abs(bar).max() > 1e-3

    page = out / "eval"
    result = json.loads((page / "eval.json").read_text())
    for name in ("default", "yours"):
        assert math.isfinite(result[name]["fd_ratio"]) and result[name]["fd_ratio"] > 0
        assert 0.0 <= result[name]["tempo_within_2pct"] <= 1.0
        assert math.isfinite(result[name]["fd_ratio_own_prompt"])
    for kind in ("train", "own", "vs_training"):
        boot = result["bootstrap"][kind]
        assert boot["default_90"][0] <= boot["default_90"][1] and 0 <= boot["yours_closer"] <= 1
    assert (page / "reel.wav").stat().st_size > 24_000 and (page / "sheet.png").is_file()
    assert "| FD ratio, generated vs held-out |" in (page / "index.md").read_text()
    assert "**Verdict.**" in (page / "index.md").read_text()

    # the package deleted (or a new --out): the run builds it again from the run folder
    shutil.rmtree(out)
    assert main(argv) == 0
    assert "[unet] done earlier" in capsys.readouterr().out
    assert load_manifest(out).section("generator")["training"]["finetune"]["corpus"] == str(
        tmp_path / "corpus"
    )


def test_redo_forgets_the_stage_after_it_and_the_files_they_would_resume_from(tmp_path):
    from livegen.training.all.train import STAGES, Run

    run = Run(tmp_path / "run", fresh=False)
    for name in STAGES:
        run.record(name, {}, 0.0)
    for d in ("corpus", "codec", "unet"):
        (run.dir / d).mkdir()
        (run.dir / d / "checkpoint.pt").write_bytes(b"x")
    for f in ("bars.npz", "concepts.npz", "init.pt"):  # init.pt: the first run's base UNet
        (run.dir / f).write_bytes(b"x")
    run.redo("unet")
    assert list(run.state) == ["plan", "codec", "bars"]
    assert not (run.dir / "unet").exists() and not (run.dir / "init.pt").exists()
    assert all((run.dir / f).exists() for f in ("corpus", "codec", "bars.npz", "concepts.npz"))
    run.redo("codec")
    assert list(run.state) == ["plan"] and (run.dir / "corpus").is_dir()
    assert not any((run.dir / f).exists() for f in ("codec", "bars.npz", "concepts.npz"))
    assert list(Run(run.dir, fresh=False).state) == ["plan"]  # a stop now redoes them next time


@pytest.mark.parametrize(
    ("closer", "tempo", "says"),
    [
        (0.95, 0.9, "Yours is closer to your held-out bars (in 95% of resamples): play it."),
        (0.05, 0.9, "The default is closer"),
        (0.40, 0.9, "No clear difference on your held-out bars (yours closer in 40%"),
        (0.40, 0.5, "Yours keeps the tempo in 50% of bars, the default in 100%."),
    ],
)
def test_the_verdict_names_the_closer_model_only_when_the_bootstrap_is_sure(closer, tempo, says):
    from livegen.training.all.report import verdict

    result = {"bootstrap": {"train": {"yours_closer": closer}},
              "default": {"tempo_within_2pct": 1.0}, "yours": {"tempo_within_2pct": tempo}}  # fmt: skip
    said = verdict(result)
    assert says in said
    assert ("tempo" in said) == (tempo < 0.9)


def test_the_paired_bootstrap_says_which_model_is_closer_and_how_surely():
    from livegen.training.all.report import paired_bootstrap

    rng = np.random.default_rng(0)
    held, train = rng.normal(0, 1, (16, 4)), rng.normal(0, 1, (40, 4))
    near, far = rng.normal(0, 1, (48, 4)), rng.normal(1.5, 1, (48, 4))
    boot = paired_bootstrap(far, near, held, train, seed=0)
    assert boot["yours_closer"] > 0.95 and boot["yours_90"][1] < boot["default_90"][0]
    same = paired_bootstrap(near, near, held, train, seed=0)
    assert same["yours_closer"] == 0.0 and same["yours_90"] == same["default_90"]


@pytest.mark.parametrize(("written", "replay", "batch", "steps"), [
    (1915, 638, 16, 7978),  # the kit pack (383 bars x 5 tempos, --replay 0.25): ~50 passes
    (245, 82, 16, 1022),  # Debian's 40 loops (49 bars x 5)
    (20, 0, 16, 600),  # a handful of bars: the floor
    (40_000, 40_000, 16, 8000),  # a big pack: the ceiling keeps it under an hour
])  # fmt: skip
def test_auto_unet_steps_are_passes_over_the_training_bars_within_bounds(
    written, replay, batch, steps
):
    import argparse

    from livegen.training.all.train import unet_steps

    plan = {"written": {"train": written, "test": 8}, "replay": replay}
    assert unet_steps(argparse.Namespace(unet_steps="auto", batch_size=batch), plan) == steps
    assert unet_steps(argparse.Namespace(unet_steps=300, batch_size=batch), plan) == 300


@pytest.mark.parametrize(
    ("option", "bad", "says"),
    [
        *[("--replay", bad, ("0-0.95", "not a number")) for bad in ("1.0", "1", "-0.1", "lots")],
        *[("--unet-steps", bad, ("at least 1", "neither")) for bad in ("0", "-5", "many", "1.5")],
    ],
)
def test_a_bad_replay_share_or_step_count_is_refused_before_anything_runs(
    option, bad, says, capsys, tmp_path
):  # a replay share of 1 would synthesise loops without end
    with pytest.raises(SystemExit) as stop:
        main(["train", "all", "--corpus", str(tmp_path), "--out", str(tmp_path / "m"),
              option, bad])  # fmt: skip
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert option in err and any(s in err for s in says)
    assert not (tmp_path / "m").exists()
