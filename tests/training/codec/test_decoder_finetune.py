"""`livegen train decoder` / `export decoder` on the tiny exported codec and the tiny corpus: the
decoder learns, the encoder (so the latent space) stays, a run resumes, the package plays."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from livegen.cli import main
from livegen.runtime.codec import Codec
from livegen.runtime.manifest import load_manifest

ARGS = ["--batch-size", "2", "--crop-frames", "20", "--disc-warmup", "2", "--loops", "6",
        "--log-every", "1", "--valid-every", "2", "--valid-loops", "3", "--ckpt-every", "2", "--lr", "1e-3",
        "--threads", "1", "--no-progress"]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, package: Path, corpus: Path) -> Path:
    run_dir = tmp_path_factory.mktemp("decoder") / "run"
    argv = ["train", "decoder", "--model", str(package), "--corpus", str(corpus)]
    assert main([*argv, "--run-dir", str(run_dir), "--steps", "4", *ARGS]) == 0
    first = (run_dir / "metrics.jsonl").read_text().splitlines()
    # resumed, extended to 6 steps: the log goes on from step 4, the schedule is the run's
    assert main([*argv, "--run-dir", str(run_dir), "--steps", "6", "--no-progress"]) == 0
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["kind"] == "train"] == [1, 2, 3, 4, 5, 6]
    assert [r["step"] for r in rows if r["kind"] == "valid"] == [0, 2, 4, 6]
    assert len(first) < len(rows)
    return run_dir


def test_the_decoder_learns_and_the_critic_joins_after_its_warm_up(run: Path, package: Path):
    from livegen.training.all.onnx_weights import decoder_from_package

    ckpt = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert ckpt["step"] == 6 and ckpt["run"]["finished"]
    base, _ = decoder_from_package(package)
    moved = [
        float((ckpt["decoder"][k] - v).abs().max()) for k, v in base.decoder.state_dict().items()
    ]
    assert max(moved) > 1e-4  # lr 1e-3 for 6 steps moves every layer a little
    rows = [json.loads(x) for x in (run / "metrics.jsonl").read_text().splitlines()]
    train = {r["step"]: r for r in rows if r["kind"] == "train"}
    assert "adv" not in train[2] and "adv" in train[3]  # --disc-warmup 2: steps 1-2 critic only
    assert all("disc" in r for r in train.values())
    valid = [r for r in rows if r["kind"] == "valid"]
    assert all(np.isfinite(r["valid_mel"]) and "valid_judge" in r for r in valid)
    assert (run / "loss_curve.png").stat().st_size > 1000
    assert (run / "latents.npz").is_file()  # encoded once, reused by the resumed run


def test_export_replaces_only_the_decoder(run: Path, package: Path, tmp_path: Path, corpus: Path):
    out = tmp_path / "tuned"
    assert main(["export", "decoder", "--run-dir", str(run), "--model", str(package),
                 "--out", str(out)]) == 0  # fmt: skip
    base, new = load_manifest(package), load_manifest(out)  # load_manifest checks every hash
    bsec, nsec = base.section("codec"), new.section("codec")
    assert (out / nsec["encoder"]).read_bytes() == (package / bsec["encoder"]).read_bytes()
    assert (out / nsec["decoder"]).read_bytes() != (package / bsec["decoder"]).read_bytes()
    assert nsec["stats"] == bsec["stats"]
    tune = nsec["decoder_finetune"]
    assert tune["step"] == 6 and tune["parity"] < 1e-3 and tune["train"]["loops"] == 6
    assert sorted(tune["valid"]) == ["0", "6"] and "valid_judge" in tune["valid"]["6"]
    assert tune["base_decoder_sha256"] == base.data["files"][bsec["decoder"]]["sha256"]
    # the new package round-trips audio; its latents are the base's to the bit
    from livegen.training.codec.data import LoopBank

    loop = LoopBank.load(corpus, "test", progress=False).loop(0)
    a, b = Codec.load(package, threads=1), Codec.load(out, threads=1)
    z = b.encode(loop[None, : len(loop) // b.hop * b.hop])
    assert np.array_equal(z, a.encode(loop[None, : len(loop) // a.hop * a.hop]))
    ya, yb = a.decode(z), b.decode(z)
    assert ya.shape == yb.shape and np.isfinite(yb).all() and not np.allclose(ya, yb)
    # --step: the decoder as it was at an earlier validation
    early = tmp_path / "early"
    assert main(["export", "decoder", "--run-dir", str(run), "--model", str(package),
                 "--out", str(early), "--step", "2"]) == 0  # fmt: skip
    ye = Codec.load(early, threads=1).decode(z)
    assert load_manifest(early).section("codec")["decoder_finetune"]["step"] == 2
    assert not np.allclose(ye, yb) and not np.allclose(ye, ya)


def test_export_refuses_what_would_lose_work(run: Path, package: Path, tmp_path: Path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    argv = ["export", "decoder", "--run-dir", str(run), "--model", str(package)]
    assert main([*argv, "--out", str(out)]) == 1
    assert "exists" in capsys.readouterr().err and (out / "keep.txt").is_file()
    assert main([*argv, "--out", str(package)]) == 1
    assert "base package" in capsys.readouterr().err
    empty = tmp_path / "empty_run"
    empty.mkdir()
    assert main(["export", "decoder", "--run-dir", str(empty), "--model", str(package),
                 "--out", str(tmp_path / "x")]) == 1  # fmt: skip
    assert "no checkpoint" in capsys.readouterr().err
    assert main([*argv, "--out", str(tmp_path / "y"), "--step", "3"]) == 1  # valid every 2 steps
    assert "no decoder kept at step 3 (kept: step_000000, step_000002" in capsys.readouterr().err
    assert main([*argv[:-2], "--model", "default", "--out", str(tmp_path / "z")]) == 1
    assert "does not fit" in capsys.readouterr().err  # the tiny run into the shipped codec
    shutil.rmtree(out)
