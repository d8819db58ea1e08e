"""The IADB training loop for the UNet: one script for one CPU, one GPU or torchrun DDP.

IADB exactly as in the paper: x0 ~ N(0, I), x1 = a normalised bar, α ~ U(0, 1),
x_α = (1 − α) x0 + α x1, loss ‖D(x_α, α) − (x1 − x0)‖². Conditions are dropped independently
(concept, BPM) for classifier-free guidance. An EMA of the weights is kept and exported.

Run folder: `checkpoint.pt` (model, EMA, optimiser, step, configs, data provenance, run info),
`config.json`, `metrics.jsonl` (train loss every log_every steps, EMA valid loss), `loss_curve.png`.
Starting again in the same folder resumes; batches depend only on (seed, rank, step).
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from livegen.runtime.sampler import PHASE_CHANNELS
from livegen.training.codec.data import batch_rng
from livegen.training.common import (
    CHECKPOINT_NAME,
    TrainerCommon,
    count_params,
    lr_at,
    start_run_info,
)
from livegen.training.dist import Dist, MetricsLog
from livegen.training.unet.config import TrainConfig, UNetConfig
from livegen.training.unet.data import BarBank, Batch, Dropout, Plan, alpha_sampler
from livegen.training.unet.model import UNet1d

CHECKPOINT_FORMAT = "livegen-unet"


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A UNet checkpoint (a run folder or the .pt file); clear errors for anything else."""
    from livegen.runtime.manifest import ModelFileError

    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise ModelFileError(f"{path}: no UNet checkpoint here (run `livegen train unet`)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise ModelFileError(f"{path}: not a readable checkpoint ({exc})") from exc
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{path}: not a livegen UNet checkpoint")
    return ckpt


def write_slim(checkpoint: Path, out: Path) -> Path:
    """What `livegen export unet` needs of a run, small enough to carry off a GPU machine: the
    EMA weights in float16 (the export stores them so anyway) with what that rounding changes
    in the output, configs, data, run info. It cannot resume a run (no optimiser)."""
    from livegen.training.common import save_checkpoint
    from livegen.training.unet.export import round_to_fp16

    ckpt = read_checkpoint(checkpoint)
    model = UNet1d(UNetConfig.from_dict(ckpt["config"]))
    model.load_state_dict(ckpt["ema"])
    slim = {k: v for k, v in ckpt.items() if k not in ("model", "optimizer", "ema")}
    slim["fp16_rounding_relative_error"] = round_to_fp16(model.eval())
    slim["ema"] = {k: v.half() if v.is_floating_point() else v for k, v in ckpt["ema"].items()}
    slim["slim"] = True
    return save_checkpoint(slim, Path(out))


def iadb_errors(model: torch.nn.Module, b: dict[str, torch.Tensor]) -> torch.Tensor:
    """‖D(x_α, α) − (x1 − x0)‖² per channel [D], averaged over the batch and the frames."""
    a = b["alpha"][:, None, None]
    x_alpha = (1 - a) * b["x0"] + a * b["x1"]
    concept = b["concept"] if b["concept"].shape[1] else None
    key = b["key"] if "key" in b and b["key"].shape[1] else None
    d = model(x_alpha, b["alpha"], b["phase"], concept, key)
    return torch.mean((d - (b["x1"] - b["x0"])) ** 2, dim=(0, 2))


def iadb_loss(
    model: torch.nn.Module, b: dict[str, torch.Tensor], weights: torch.Tensor | None = None
) -> torch.Tensor:
    """The IADB loss: the mean of `iadb_errors`, each channel weighted by `weights` [D] (mean 1)
    when given."""
    err = iadb_errors(model, b)
    return torch.mean(err if weights is None else err * weights)


def channel_weights(
    stem_weights: tuple[float, ...], stems: tuple[str, ...], latent_dim: int
) -> np.ndarray | None:
    """Per-channel loss weights [D] of a stem generator's stacked latents from one weight per
    stem, scaled to mean 1 (None: equal weights)."""
    if not stem_weights:
        return None
    w = np.asarray(stem_weights, np.float64)
    if len(w) != len(stems) or np.any(w < 0) or not np.any(w > 0):
        raise ValueError(
            f"stem weights {list(stem_weights)}: one non-negative weight (not all 0) per stem "
            f"of {list(stems) or 'a stem generator'}"
        )
    per = np.repeat(w, latent_dim // len(w))
    return (per / per.mean()).astype(np.float32)


class DeviceBank:
    """A `BarBank`'s bars and phase signals held on a GPU: each step gathers its batch and draws
    its noise there (numpy gathering and noise cost more than the step itself on an H200). The
    plan (which bars, α, dropout) still comes from the bank, so only x0's generator differs."""

    def __init__(self, bank: BarBank, device: torch.device):
        self.bank, self.device = bank, device
        self.x = torch.from_numpy(bank.x).to(device)
        self.phase = torch.from_numpy(bank.phase).to(device)

    def draw(self, rng: np.random.Generator, batch: int, drop: Dropout) -> dict[str, torch.Tensor]:
        p: Plan = self.bank.plan(rng, batch, drop)
        dev = self.device
        pick = torch.from_numpy(p.pick).to(dev)
        x1 = self.x[pick, :, : p.t]
        gen = torch.Generator(dev).manual_seed(p.noise_seed)
        x0 = torch.randn(x1.shape, generator=gen, device=dev)
        mask = np.repeat((~p.bpm_off)[:, None], self.phase.shape[1], axis=1)
        if p.line_off is not None:  # the note line's rows follow the tempo's
            mask[p.line_off, PHASE_CHANNELS:] = False
        keep = torch.from_numpy(mask).to(dev, torch.float32)[:, :, None]
        return {
            "x1": x1,
            "x0": x0,
            "alpha": torch.from_numpy(p.alpha).to(dev),
            "phase": self.phase[pick, :, : p.t] * keep,
            "concept": torch.from_numpy(p.concept).to(dev),
            "key": torch.from_numpy(p.key).to(dev),
        }


class Trainer(TrainerCommon):
    """State of one training run; `fit()` runs it to `cfg.steps` (or a time limit).
    `budget_s` (set before `fit`): fit a fresh run's step count to that many seconds."""

    budget_s: float | None = None

    def __init__(
        self,
        cfg: TrainConfig,
        unet_cfg: UNetConfig,
        run_dir: Path,
        bank: BarBank,
        valid: BarBank | None,
        dist: Dist,
        data_info: dict[str, Any],
        progress: bool = True,
    ):
        self.cfg, self.unet_cfg, self.run_dir = cfg, unet_cfg, Path(run_dir)
        self.bank, self.valid, self.dist, self.data_info = bank, valid, dist, data_info
        self.progress = progress and dist.main
        torch.manual_seed(cfg.seed)  # same initial weights on every rank
        self.model = UNet1d(unet_cfg).to(dist.device)
        self.ema = copy.deepcopy(self.model).eval().requires_grad_(False)
        self._params: list[torch.Tensor] = list(self.model.parameters())
        self._ema_params: list[torch.Tensor] = list(self.ema.parameters())
        self.opt = torch.optim.AdamW(self.model.parameters(), cfg.lr, weight_decay=cfg.weight_decay)
        alpha_sampler(cfg.alpha_dist)  # a clear error before anything runs
        self.drop = Dropout(
            cfg.p_drop_concept,
            cfg.p_drop_bpm,
            cfg.p_text,
            cfg.concept_noise,
            cfg.alpha_dist,
            cfg.p_drop_key,
        )
        self.step = 0
        self.run_info = start_run_info(dist)
        cuda = dist.device.type == "cuda"
        self.device_bank = DeviceBank(bank, dist.device) if cuda else None
        w = channel_weights(cfg.stem_weights, unet_cfg.stems, unet_cfg.latent_dim)
        self.loss_weights = None if w is None else torch.from_numpy(w).to(dist.device)
        # bf16 autocast on a GPU (GroupNorm and the loss stay fp32); fp32 on the CPU.
        self.amp = cuda
        self.run_info["amp"] = "bf16" if cuda else None

    # -- checkpoints ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return self.checkpoint(
            CHECKPOINT_FORMAT,
            self.unet_cfg.to_dict(),
            model=self.model.state_dict(),
            ema=self.ema.state_dict(),
            optimizer=self.opt.state_dict(),
            data=self.data_info,
        )

    def plot(self, metrics: Path, out: Path) -> Path | None:
        from livegen.training.plots import plot_unet_metrics

        return plot_unet_metrics(metrics, out)

    def load(self, path: Path) -> None:
        ckpt = read_checkpoint(path)
        self.model.load_state_dict(ckpt["model"])
        self.ema.load_state_dict(ckpt["ema"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.resume_run(ckpt)

    def init_from(self, ckpt: dict[str, Any], source: Path) -> int:
        """Start from another run's averaged weights (`read_checkpoint(source)`, same
        architecture), keeping this run's optimiser, step and schedule: a fine-tune. Returns the
        step those weights reached."""
        from livegen.runtime.manifest import ModelFileError

        theirs, own = UNetConfig.from_dict(ckpt["config"]), self.unet_cfg
        state = dict(ckpt["ema"])
        # pitch carriers and a note line may be added to a UNet trained without them: they start
        # at zero, and the phase embeddings' new input rows too
        if own.carriers and not theirs.carriers:
            theirs = replace(theirs, carriers=own.carriers, frame_rate=own.frame_rate)
        if own.line and not theirs.line:
            theirs = replace(
                theirs, line=True, phase_channels=own.phase_channels, frame_rate=own.frame_rate
            )
            for k, v in list(state.items()):
                if k.startswith("phase_in.") and k.endswith(".weight"):
                    pad = v.new_zeros(v.shape[0], own.phase_channels - v.shape[1], v.shape[2])
                    state[k] = torch.cat([v, pad], dim=1)
        if theirs != own:
            raise ModelFileError(f"{source}: its UNet has another architecture than this run's")
        for module in (self.model, self.ema):  # the averaged weights are the better start
            missing, unexpected = module.load_state_dict(state, strict=False)
            if unexpected or any(not k.startswith(("carriers.", "line.")) for k in missing):
                raise ModelFileError(f"{source}: its weights do not fit this run's UNet")
        self.run_info["init"] = {"checkpoint": str(source), "step": int(ckpt["step"])}
        return int(ckpt["step"])

    # -- steps ---------------------------------------------------------------------------------
    def _tensors(self, b: Batch) -> dict[str, torch.Tensor]:
        dev = self.dist.device
        return {
            k: torch.from_numpy(np.ascontiguousarray(getattr(b, k))).to(dev)
            for k in ("x1", "x0", "alpha", "phase", "concept", "key")
        }

    def train_step(
        self, model: torch.nn.Module, b: Batch | dict[str, torch.Tensor]
    ) -> dict[str, Any]:
        """One optimiser step; the logged values stay tensors (no GPU sync until logged)."""
        for group in self.opt.param_groups:
            group["lr"] = lr_at(
                self.step, self.cfg.lr, self.cfg.warmup_steps, self.cfg.steps, self.cfg.lr_final
            )
        tensors = b if isinstance(b, dict) else self._tensors(b)
        with torch.autocast(self.dist.device.type, torch.bfloat16, enabled=self.amp):
            loss = iadb_loss(model, tensors, self.loss_weights)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.opt.step()
        with torch.no_grad():
            decay = min(self.cfg.ema, (1 + self.step) / (10 + self.step))
            torch._foreach_lerp_(self._ema_params, self._params, 1 - decay)
        return {"loss": loss.detach(), "grad_norm": grad_norm.detach()}

    @torch.no_grad()
    def validate(self, batches: list[Batch]) -> dict[str, float]:
        """EMA loss on fixed valid bars, noise and α (comparable across steps and runs: never
        weighted); a stem generator's per stem too."""
        total, n = torch.zeros(self.unet_cfg.latent_dim, dtype=torch.float64), 0
        for b in batches:
            total += iadb_errors(self.ema, self._tensors(b)).double().cpu() * len(b.alpha)
            n += len(b.alpha)
        per = total / max(n, 1)
        out = {"valid_loss": float(per.mean())}
        stems = self.unet_cfg.stems
        for name, part in zip(stems, per.chunk(len(stems)) if stems else (), strict=True):
            out[f"valid_loss_{name}"] = float(part.mean())
        return out

    # -- the run -------------------------------------------------------------------------------
    def fit(self, time_limit_s: float | None = None) -> dict[str, Any]:
        cfg, dist = self.cfg, self.dist
        if dist.main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            config = {
                "unet": self.unet_cfg.to_dict(),
                "train": cfg.to_dict(),
                "data": self.data_info,
            }
            (self.run_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n")
            print(
                f"UNet {count_params(self.model) / 1e6:.2f} M params; {len(self.bank)} train bars "
                f"in {len(self.bank.buckets)} lengths; step {self.step}/{cfg.steps}"
            )
        if self.budget_s and dist.world_size > 1:
            raise ValueError("--time-budget fits one process's speed: not under DDP (use --steps)")
        log = MetricsLog(self.run_dir / "metrics.jsonl", self.step, dist.main)
        valid = self.valid.fixed(cfg.valid_loops) if self.valid is not None and dist.main else None
        model: torch.nn.Module = self.model
        if dist.world_size > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            model = DDP(
                self.model, device_ids=[dist.device.index] if dist.device.type == "cuda" else None
            )

        def step() -> dict[str, Any]:
            rng = batch_rng(self.cfg.seed, dist.rank, self.step)
            source = self.device_bank or self.bank
            return self.train_step(model, source.draw(rng, self.cfg.batch_size, self.drop))

        validate = (lambda: self.validate(valid)) if valid else None

        def lr(s: int) -> float:  # reads self.cfg each time: steps may be fitted to a budget
            c = self.cfg
            return lr_at(s, c.lr, c.warmup_steps, c.steps, c.lr_final)

        if not self.run_steps(step, log, lr, validate, time_limit_s, budget_s=self.budget_s):
            return self.summary(finished=False)
        self.run_info["finished"] = True
        self.save()
        if dist.world_size > 1:
            torch.distributed.barrier()
        return self.summary(finished=True)
