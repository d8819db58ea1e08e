"""The IADB training loop: the loss falls, resuming is exact, checkpoints say what they hold."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from livegen.runtime.manifest import ModelFileError
from livegen.training.unet.data import BarBank, Dropout
from livegen.training.unet.tiny import TINY_UNET, synthetic_cache, tiny_train, tiny_trainer
from livegen.training.unet.trainer import CHECKPOINT_NAME, read_checkpoint

MEAN = np.linspace(-0.5, 0.5, 8).astype(np.float32)
STD = np.linspace(0.5, 2.0, 8).astype(np.float32)


@pytest.fixture(scope="module")
def cache():
    return synthetic_cache(MEAN, STD)


def train_losses(path: Path) -> list[float]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [r["loss"] for r in rows if r["kind"] == "train"]


def test_a_tiny_unet_learns(tmp_path, cache):
    trainer = tiny_trainer(
        cache, tmp_path, train=tiny_train(steps=60, log_every=5, lr=1e-2, valid_every=60)
    )
    summary = trainer.fit()
    losses = train_losses(tmp_path / "metrics.jsonl")
    assert summary["finished"] and summary["step"] == 60
    assert np.mean(losses[-2:]) < 0.85 * np.mean(losses[:2]), losses
    assert (tmp_path / "loss_curve.png").stat().st_size > 1000
    assert (tmp_path / "config.json").exists()


def test_resume_gives_the_same_weights_as_an_uninterrupted_run(tmp_path, cache):
    straight = tiny_trainer(cache, tmp_path / "a")
    straight.fit()
    first = tiny_trainer(cache, tmp_path / "b")
    assert not first.fit(time_limit_s=0.0)["finished"]  # stops (and saves) after one step
    assert first.step == 1
    second = tiny_trainer(cache, tmp_path / "b")
    second.load(tmp_path / "b" / CHECKPOINT_NAME)
    assert second.fit()["finished"]
    for name in ("model", "ema"):
        a, b = getattr(straight, name).state_dict(), getattr(second, name).state_dict()
        for k in a:
            torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=f"{name}.{k}")
    assert len(train_losses(tmp_path / "b" / "metrics.jsonl")) == len(
        train_losses(tmp_path / "a" / "metrics.jsonl")
    )


def test_stop_at_keeps_the_schedule_and_resumes_to_the_same_weights(tmp_path, cache):
    """--stop-at N: a checkpoint at step N of the full schedule (a recipe that continued from
    part of a run), not a shorter schedule; run again without it, it ends as a straight run."""
    straight = tiny_trainer(cache, tmp_path / "a")
    straight.fit()
    first = tiny_trainer(cache, tmp_path / "b")
    first.stop_at = 4
    assert not first.fit()["finished"] and first.step == 4
    assert read_checkpoint(tmp_path / "b")["train_config"]["steps"] == 6
    again = tiny_trainer(cache, tmp_path / "b")
    again.load(tmp_path / "b" / CHECKPOINT_NAME)
    again.stop_at = 4
    assert not again.fit()["finished"] and again.step == 4  # already there: nothing to do
    again.stop_at = None
    assert again.fit()["finished"] and again.step == 6
    a, b = straight.ema.state_dict(), again.ema.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


def test_checkpoint_holds_configs_and_data_provenance(tmp_path, cache):
    tiny_trainer(cache, tmp_path).fit()
    ckpt = read_checkpoint(tmp_path)
    assert ckpt["config"]["channels"] == list(TINY_UNET.channels)
    assert ckpt["train_config"]["steps"] == 6 and ckpt["step"] == 6
    assert ckpt["data"]["stats"]["mean"] == pytest.approx(MEAN.tolist())
    assert ckpt["data"]["bpm_range"] == pytest.approx([110.0, 140.0], abs=0.01)
    assert ckpt["run"]["finished"] is True
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFileError, match=r"junk\.pt"):
        read_checkpoint(tmp_path / "junk.pt")
    with pytest.raises(ModelFileError, match="no UNet checkpoint"):
        read_checkpoint(tmp_path / "absent")


def test_batches_are_whole_bars_of_one_length_with_dropped_conditions(cache):
    from livegen.training.unet.tiny import synthetic_concepts

    bank = BarBank(cache, cache.select("train"), synthetic_concepts(cache.ids, 8))
    rng = np.random.default_rng(0)
    b = bank.draw(rng, 64, Dropout(p_concept=0.5, p_bpm=0.5, p_text=0.5))
    t = b.x1.shape[-1]
    assert t in bank.buckets and b.phase.shape == (64, 6, t) and b.x0.shape == b.x1.shape
    assert np.all((b.alpha >= 0) & (b.alpha < 1))
    dropped_c = ~b.concept.any(axis=1)
    dropped_bpm = ~b.phase.any(axis=(1, 2))
    assert 10 < dropped_c.sum() < 54 and 10 < dropped_bpm.sum() < 54
    assert np.allclose(np.linalg.norm(b.concept[~dropped_c], axis=1), 1.0, atol=1e-5)
    again = bank.draw(np.random.default_rng(0), 64, Dropout(0.5, 0.5, 0.5))
    np.testing.assert_array_equal(b.x0, again.x0)  # batches depend only on the seed


def test_a_time_budget_fits_the_step_count_and_saves_it(tmp_path, cache):
    cfg = tiny_train(steps=100_000, valid_every=10_000, ckpt_every=10_000, log_every=20)
    trainer = tiny_trainer(cache, tmp_path, train=cfg)
    trainer.budget_s = 3.0
    summary = trainer.fit()
    fitted = trainer.run_info["budget"]["steps"]
    assert summary["finished"] and 121 <= fitted < 100_000 and trainer.step == fitted
    assert read_checkpoint(tmp_path)["train_config"]["steps"] == fitted  # --steps N reproduces it
    # what is left of the budget after the probe's 120 steps, at the probe's speed (whatever
    # this machine's load): never the configured 100,000
    assert fitted - 120 <= 1 + 0.93 * 3.0 / trainer.run_info["budget"]["step_s"]


def test_logit_normal_alpha_is_centred_and_refuses_bad_specs():
    from livegen.training.unet.data import alpha_sampler

    a = alpha_sampler("logit-normal:0,1")(np.random.default_rng(0), 20_000)
    u = alpha_sampler("uniform")(np.random.default_rng(0), 20_000)
    assert np.all((a > 0) & (a < 1)) and abs(np.median(a) - 0.5) < 0.01
    # logit-normal(0, 1) puts ~44 % of α in [0.35, 0.65] where uniform puts 30 %
    mid = lambda x: np.mean((x > 0.35) & (x < 0.65))  # noqa: E731
    assert mid(a) > 0.4 and abs(mid(u) - 0.3) < 0.02
    shifted = alpha_sampler("logit-normal:-1,1")(np.random.default_rng(0), 20_000)
    assert np.median(shifted) < 0.3
    for bad in ("gauss", "logit-normal:0", "logit-normal:0,-1", "uniform:2"):
        with pytest.raises(ValueError, match="alpha_dist"):
            alpha_sampler(bad)


def test_device_bank_gathers_the_plan_the_numpy_bank_draws(cache):
    from livegen.training.unet.tiny import synthetic_concepts
    from livegen.training.unet.trainer import DeviceBank

    bank = BarBank(cache, cache.select("train"), synthetic_concepts(cache.ids, 8))
    drop = Dropout(0.3, 0.3, 0.5)
    cpu = bank.draw(np.random.default_rng(5), 16, drop)
    dev = DeviceBank(bank, torch.device("cpu")).draw(np.random.default_rng(5), 16, drop)
    for k in ("x1", "alpha", "phase", "concept"):
        np.testing.assert_array_equal(dev[k].numpy(), getattr(cpu, k), err_msg=k)
    x0 = dev["x0"].numpy()
    assert x0.shape == cpu.x0.shape and abs(x0.std() - 1) < 0.1 and abs(x0.mean()) < 0.1


def test_init_from_starts_a_fine_tune_from_the_averaged_weights(tmp_path, cache):
    tiny_trainer(cache, tmp_path / "base").fit()
    base = read_checkpoint(tmp_path / "base")
    tuned = tiny_trainer(cache, tmp_path / "tuned", train=tiny_train(steps=4))
    assert tuned.init_from(base, tmp_path / "base") == 6
    assert tuned.step == 0 and not tuned.opt.state  # a new run: own step, schedule, optimiser
    for k, v in base["ema"].items():
        torch.testing.assert_close(tuned.model.state_dict()[k], v, rtol=0, atol=0)
    assert tuned.fit()["finished"] and tuned.step == 4
    assert read_checkpoint(tmp_path / "tuned")["run"]["init"]["step"] == 6
    other = tiny_trainer(cache, tmp_path / "other", unet=replace(TINY_UNET, blocks=2))
    with pytest.raises(ModelFileError, match="another architecture"):
        other.init_from(base, tmp_path / "base")


def test_stem_weights_steer_the_loss_and_each_stem_is_validated(tmp_path, cache):
    """A weight of 0 for a stem takes its channels out of the loss: the zero-initialised output
    rows that make it get no gradient and stay 0, while the other stem's learn. The validation
    loss stays unweighted, per stem and over all (comparable across runs)."""
    from livegen.training.unet.trainer import channel_weights

    unet = replace(TINY_UNET, stems=("low", "high"))  # the 8 channels as two 4-channel stems
    train = tiny_train(steps=60, lr=1e-2, valid_every=60, stem_weights=(1.0, 0.0))
    trainer = tiny_trainer(cache, tmp_path, unet=unet, train=train)
    trainer.fit()
    out = trainer.model.out.conv
    assert torch.count_nonzero(out.weight[4:]) == 0 and torch.count_nonzero(out.bias[4:]) == 0
    assert torch.count_nonzero(out.weight[:4]) > 0.9 * out.weight[:4].numel()
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    valid = [r for r in rows if "valid_loss" in r][-1]
    assert valid["valid_loss"] == pytest.approx(
        (valid["valid_loss_low"] + valid["valid_loss_high"]) / 2, rel=1e-6
    )
    assert valid["valid_loss_low"] < valid["valid_loss_high"]  # only "low" was learnt
    w = channel_weights((1.0, 3.0), ("a", "b"), 8)
    np.testing.assert_allclose(w, [0.5] * 4 + [1.5] * 4)  # mean 1: the loss keeps its scale
    for bad, stems in (((1.0,), ("a", "b")), ((1.0, -1.0), ("a", "b")), ((0.0, 0.0), ("a", "b")),
                       ((1.0, 2.0), ())):  # fmt: skip
        with pytest.raises(ValueError, match="one non-negative weight"):
            channel_weights(bad, stems, 8)
