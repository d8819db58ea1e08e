"""Codec training: the loss falls, checkpoints resume exactly, runs leave their files behind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from livegen.runtime.manifest import ModelFileError
from livegen.training.codec.model import load_trained, read_checkpoint
from livegen.training.codec.trainer import Trainer
from livegen.training.common import lr_at
from livegen.training.dist import Dist

CPU = Dist(rank=0, world_size=1, device=torch.device("cpu"))


def metrics(run: Path, kind: str = "train") -> list[dict]:
    rows = [json.loads(ln) for ln in (run / "metrics.jsonl").read_text().splitlines()]
    return [r for r in rows if r["kind"] == kind]


def test_loss_goes_down(corpus: Path, tmp_path: Path, tiny_cfg, tiny_train) -> None:
    cfg = tiny_train(steps=80, max_loops=2, batch_size=4, valid_every=80, ckpt_every=80)
    Trainer(cfg, tiny_cfg, tmp_path, corpus, CPU, progress=False).fit()
    losses = [r["loss"] for r in metrics(tmp_path)]
    assert len(losses) == 80
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.8 * first, (first, last)


def test_resume_continues_and_matches_uninterrupted(
    corpus: Path, tmp_path: Path, tiny_cfg, tiny_train
) -> None:
    cfg = tiny_train(steps=6)
    straight = Trainer(cfg, tiny_cfg, tmp_path / "a", corpus, CPU, progress=False)
    straight.fit()

    first = Trainer(tiny_train(steps=3), tiny_cfg, tmp_path / "b", corpus, CPU, progress=False)
    first.fit()
    assert read_checkpoint(tmp_path / "b")["step"] == 3
    resumed = Trainer(cfg, tiny_cfg, tmp_path / "b", corpus, CPU, progress=False)
    resumed.load(tmp_path / "b")
    assert resumed.step == 3
    resumed.fit()
    assert resumed.step == 6
    assert [r["step"] for r in metrics(tmp_path / "b")] == [1, 2, 3, 4, 5, 6]
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-6, atol=1e-7, msg=key)
    assert metrics(tmp_path / "a")[-1]["loss"] == pytest.approx(metrics(tmp_path / "b")[-1]["loss"])


def test_finished_run_leaves_checkpoint_stats_plot(
    corpus: Path, tmp_path: Path, tiny_cfg, tiny_train
) -> None:
    Trainer(tiny_train(steps=3), tiny_cfg, tmp_path, corpus, CPU, progress=False).fit()
    for name in ("checkpoint.pt", "config.json", "metrics.jsonl", "loss_curve.png"):
        assert (tmp_path / name).is_file(), name
    ckpt = read_checkpoint(tmp_path)
    assert ckpt["config"]["dimension"] == tiny_cfg.dimension
    assert ckpt["train_config"]["steps"] == 3
    assert ckpt["run"]["finished"] is True
    assert {"optimizer", "rng", "model"} <= set(ckpt)
    loaded = load_trained(tmp_path)
    assert loaded.mean is not None and loaded.std is not None
    assert loaded.mean.shape == loaded.std.shape == (tiny_cfg.dimension,)
    assert (loaded.std > 0).all()
    assert metrics(tmp_path, "valid")[-1]["step"] == 3


def test_adversarial_step_runs(corpus: Path, tmp_path: Path, tiny_cfg, tiny_train) -> None:
    cfg = tiny_train(steps=2, adversarial=True, disc_filters=2, stats_loops=1)
    Trainer(cfg, tiny_cfg, tmp_path, corpus, CPU, progress=False).fit()
    assert {"adv", "feat", "disc"} <= set(metrics(tmp_path)[-1])
    assert read_checkpoint(tmp_path)["disc"] is not None


def test_lr_warms_up_then_decays(tiny_train) -> None:
    cfg = tiny_train(steps=100, warmup_steps=10, lr=1.0, lr_final=0.1)

    def lr(step: int) -> float:
        return lr_at(step, cfg.lr, cfg.warmup_steps, cfg.steps, cfg.lr_final)

    assert lr(0) == pytest.approx(0.1)
    assert lr(9) == pytest.approx(1.0)
    assert lr(100) == pytest.approx(0.1)
    assert lr(50) < lr(20)


def test_resume_from_garbage_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "checkpoint.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ModelFileError, match=str(bad)):
        read_checkpoint(tmp_path)
