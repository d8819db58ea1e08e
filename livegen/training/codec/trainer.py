"""The codec training loop: random 1 s crops → SEANet encoder/decoder → L1 + multi-scale mel (+ GAN).

One script for one CPU, one GPU or many GPUs: under `torchrun` (WORLD_SIZE > 1) it joins the
process group, each rank loads its own shard of the train loops and draws its own crops
(seed, rank, step), DDP averages gradients, and only rank 0 writes logs and checkpoints.

Run folder: `checkpoint.pt` (latest; model, optimiser, step, RNG, configs, run info and, once
finished, the latent statistics), `config.json`, `metrics.jsonl`, `loss_curve.png`. Starting
again in the same folder resumes from `checkpoint.pt`.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from livegen.training.codec.config import CodecConfig, TrainConfig
from livegen.training.codec.data import LoopBank, batch_rng
from livegen.training.codec.losses import (
    MultiScaleMelLoss,
    adversarial_terms,
    critic_step,
    si_sdr,
)
from livegen.training.codec.model import (
    CHECKPOINT_FORMAT,
    build_codec,
    latent_stats,
    read_checkpoint,
)
from livegen.training.common import TrainerCommon, count_params, lr_at, start_run_info
from livegen.training.dist import Dist, MetricsLog
from livegen.training.plots import plot_codec_metrics


class Trainer(TrainerCommon):
    """State of one training run; `fit()` runs it to `cfg.steps` (or a time limit)."""

    def __init__(
        self,
        cfg: TrainConfig,
        codec_cfg: CodecConfig,
        run_dir: Path,
        corpus: Path,
        dist: Dist,
        progress: bool = True,
    ):
        self.cfg, self.codec_cfg, self.run_dir, self.corpus, self.dist = (
            cfg,
            codec_cfg,
            Path(run_dir),
            Path(corpus),
            dist,
        )
        self.progress = progress and dist.main
        torch.set_flush_denormal(True)  # decaying tails → denormals → several-fold slower convs
        torch.manual_seed(cfg.seed)  # same initial weights on every rank
        self.model = build_codec(codec_cfg).to(dist.device)
        self.opt = torch.optim.Adam(self.model.parameters(), cfg.lr, betas=(cfg.beta1, cfg.beta2))
        self.disc: torch.nn.Module | None = None
        self.disc_opt: torch.optim.Optimizer | None = None
        if cfg.adversarial:
            from encodec.msstftd import MultiScaleSTFTDiscriminator

            with warnings.catch_warnings():  # encodec uses the deprecated weight_norm
                warnings.simplefilter("ignore", FutureWarning)
                disc = MultiScaleSTFTDiscriminator(filters=cfg.disc_filters)
            self.disc = disc.to(dist.device)
            self.disc_opt = torch.optim.Adam(
                self.disc.parameters(), cfg.lr, betas=(cfg.beta1, cfg.beta2)
            )
        self.mel_loss = MultiScaleMelLoss(sample_rate=codec_cfg.sample_rate).to(dist.device)
        self.step = 0
        self.run_info = start_run_info(dist, corpus=str(self.corpus))
        self.latent_stats: dict[str, Any] | None = None

    # -- checkpoints ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        rng: dict[str, Any] = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        return self.checkpoint(
            CHECKPOINT_FORMAT,
            self.codec_cfg.to_dict(),
            model=self.model.state_dict(),
            optimizer=self.opt.state_dict(),
            disc=self.disc.state_dict() if self.disc is not None else None,
            disc_optimizer=self.disc_opt.state_dict() if self.disc_opt is not None else None,
            rng=rng,
            latent_stats=self.latent_stats,
        )

    def plot(self, metrics: Path, out: Path) -> Path | None:
        return plot_codec_metrics(metrics, out)

    def load(self, path: Path) -> None:
        """Restore model, optimisers, step, RNG and run info from a checkpoint."""
        ckpt = read_checkpoint(path)
        self.model.load_state_dict(ckpt["model"])
        self.opt.load_state_dict(ckpt["optimizer"])
        if self.disc is not None and ckpt.get("disc") is not None:
            self.disc.load_state_dict(ckpt["disc"])
            assert self.disc_opt is not None
            self.disc_opt.load_state_dict(ckpt["disc_optimizer"])
        torch.set_rng_state(ckpt["rng"]["torch"])
        if "cuda" in ckpt["rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(ckpt["rng"]["cuda"])
        self.resume_run(ckpt)
        self.latent_stats = ckpt.get("latent_stats")

    # -- one step --------------------------------------------------------------------------------
    def train_step(self, model: torch.nn.Module, disc: torch.nn.Module | None, x: torch.Tensor):
        cfg = self.cfg
        for group in self.opt.param_groups:
            group["lr"] = lr_at(self.step, cfg.lr, cfg.warmup_steps, cfg.steps, cfg.lr_final)
        y, _ = model(x)
        l1 = F.l1_loss(y, x)
        mel = self.mel_loss(y, x)
        loss = cfg.w_time * l1 + cfg.w_mel * mel
        logs = {"l1": l1.item(), "mel": mel.item()}
        use_adv = disc is not None and self.step >= cfg.adv_start
        if use_adv:
            assert self.disc is not None and disc is not None
            adv, feat = adversarial_terms(self.disc, x, y)  # the unwrapped D: no DDP hooks
            loss = loss + cfg.w_adv * adv + cfg.w_feat * feat
            logs.update(adv=adv.item(), feat=feat.item())
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.opt.step()
        if use_adv:
            assert self.disc_opt is not None and disc is not None
            for group in self.disc_opt.param_groups:
                group["lr"] = lr_at(self.step, cfg.lr, cfg.warmup_steps, cfg.steps, cfg.lr_final)
            logs["disc"] = critic_step(disc, self.disc_opt, x, y)
        logs.update(loss=loss.item(), grad_norm=float(grad_norm))
        return logs

    @torch.no_grad()
    def validate(self, valid: torch.Tensor) -> dict[str, float]:
        mels, sdrs = [], []
        for chunk in valid.split(8):
            y, _ = self.model(chunk)
            mels.append(self.mel_loss.distance(y, chunk))
            sdrs.append(si_sdr(y, chunk))
        return {
            "valid_mel": float(torch.cat(mels).mean()),
            "valid_si_sdr": float(torch.cat(sdrs).mean()),
        }

    def _valid_crops(self, crop: int) -> torch.Tensor | None:
        """Fixed crops from the start of the first valid loops; None if the corpus has none."""
        try:
            vbank = LoopBank.load(self.corpus, "valid", limit=self.cfg.valid_loops, progress=False)
        except ValueError:
            print(f"note: {self.corpus} has no valid split: no validation scores")
            return None
        return torch.from_numpy(vbank.fixed_crops(self.cfg.valid_loops, crop))[:, None].to(
            self.dist.device
        )

    # -- the run ---------------------------------------------------------------------------------
    def fit(self, time_limit_s: float | None = None) -> dict[str, Any]:
        cfg, dist = self.cfg, self.dist
        if dist.main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            config = {"codec": self.codec_cfg.to_dict(), "train": cfg.to_dict()}
            (self.run_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        log = MetricsLog(self.run_dir / "metrics.jsonl", self.step, dist.main)
        bank = LoopBank.load(
            self.corpus, "train", (dist.rank, dist.world_size), cfg.max_loops, self.progress
        )
        crop = round(cfg.crop_seconds * self.codec_cfg.sample_rate)
        valid = self._valid_crops(crop) if dist.main and cfg.valid_loops else None
        model: torch.nn.Module = self.model
        disc = self.disc
        if dist.world_size > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            ids = [dist.device.index] if dist.device.type == "cuda" else None
            model = DDP(self.model, device_ids=ids)
            disc = DDP(self.disc, device_ids=ids) if self.disc is not None else None
        if dist.main:
            print(
                f"codec {count_params(self.model.encoder) / 1e6:.2f} M + "
                f"{count_params(self.model.decoder) / 1e6:.2f} M params (encoder + decoder); "
                f"{len(bank)} train loops per rank x {dist.world_size}; step {self.step}/{cfg.steps}"
            )

        def step() -> dict[str, float]:
            x = bank.crops(batch_rng(cfg.seed, dist.rank, self.step), cfg.batch_size, crop)
            return self.train_step(model, disc, torch.from_numpy(x)[:, None].to(dist.device))

        validate = (lambda: self.validate(valid)) if valid is not None else None
        shown = lambda m: {"loss": f"{m['loss']:.3f}", "mel": f"{m['mel']:.3f}"}  # noqa: E731
        if not self.run_steps(
            step,
            log,
            lambda s: lr_at(s, cfg.lr, cfg.warmup_steps, cfg.steps, cfg.lr_final),
            validate,
            time_limit_s,
            shown,
        ):
            return self.summary(finished=False)
        if dist.main:
            n = len(bank) if cfg.stats_loops == 0 else min(cfg.stats_loops, len(bank))
            mean_, std_ = latent_stats(
                self.model.eval(), (bank.loop(i) for i in range(n)), str(dist.device)
            )
            self.latent_stats = {"mean": mean_.tolist(), "std": std_.tolist(), "loops": n}
            self.run_info["finished"] = True
            self.save()
        if dist.world_size > 1:
            torch.distributed.barrier()
        return self.summary(finished=True)
