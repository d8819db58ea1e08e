"""What every trainer here shares: config overrides, resume lookup, the step loop with its
progress bar, logging, checkpoints, time limit and stop signals, the DDP stop vote, summaries."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

CHECKPOINT_NAME = "checkpoint.pt"


def with_overrides(cfg: Any, **overrides: Any) -> Any:
    """`cfg` with the given fields replaced, ignoring None values (= "not given")."""
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def save_checkpoint(state: dict[str, Any], path: Path) -> Path:
    """torch.save `state` to `path` atomically: a crash mid-write leaves the old checkpoint."""
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def resume_path(run_dir: Path, resume: Path | None, fresh: bool) -> Path | None:
    """The checkpoint to resume from: the one asked for, else the run folder's unless --fresh."""
    if resume is not None:
        return Path(resume)
    auto = Path(run_dir) / CHECKPOINT_NAME
    return auto if auto.exists() and not fresh else None


class TrainerCommon:
    """Mixin for trainers with `dist` (world_size, rank, main, device), `step`, `cfg` (steps,
    log_every, valid_every, ckpt_every), `run_dir`, `run_info`, `progress` and `save()`."""

    dist: Any
    step: int
    cfg: Any
    run_dir: Path
    run_info: dict[str, Any]
    progress: bool

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def plot(self, metrics: Path, out: Path) -> Any:
        """Redraw the loss curve `out` from `metrics` (metrics.jsonl)."""
        raise NotImplementedError

    def save(self) -> Path | None:
        """Write checkpoint.pt atomically and redraw the loss curve (rank 0 only)."""
        if not self.dist.main:
            return None
        path = save_checkpoint(self.state(), self.run_dir / CHECKPOINT_NAME)
        self.plot(self.run_dir / "metrics.jsonl", self.run_dir / "loss_curve.png")
        return path

    def run_steps(
        self,
        train_step: Callable[[], dict[str, float]],
        log: Any,
        lr_at: Callable[[int], float],
        validate: Callable[[], dict[str, float]] | None = None,
        time_limit_s: float | None = None,
        postfix: Callable[[dict[str, float]], dict[str, str]] | None = None,
    ) -> bool:
        """Run `train_step` until `cfg.steps`; True when done, False when stopped (SIGTERM or
        the time limit) with a checkpoint saved. Ctrl-C saves too, then re-raises.

        Args:
            train_step: one optimiser step; returns what to log (means over `log_every` steps).
            log: a `MetricsLog`.
            lr_at: the learning rate at a step, for the log.
            validate: valid figures, every `valid_every` steps and at the end.
            postfix: the progress bar's postfix from the logged means (default: the loss).
        """
        cfg, dist = self.cfg, self.dist
        stop = {"flag": False}
        previous = signal.getsignal(signal.SIGTERM)
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:
            signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
        start, elapsed0 = time.monotonic(), float(self.run_info.get("elapsed_s", 0.0))
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not self.progress, unit="step")
        window: list[dict[str, float]] = []
        try:
            while self.step < cfg.steps:
                t0 = time.perf_counter()
                logs = train_step()
                logs["step_s"] = time.perf_counter() - t0
                window.append(logs)
                self.step += 1
                self.run_info["elapsed_s"] = elapsed0 + time.monotonic() - start
                bar.update(1)
                if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                    mean = {k: float(np.mean([w[k] for w in window if k in w])) for k in window[-1]}
                    log.write(kind="train", step=self.step, lr=lr_at(self.step - 1), **mean)
                    bar.set_postfix(postfix(mean) if postfix else {"loss": f"{mean['loss']:.4f}"})
                    window = []
                if validate is not None and (
                    self.step % cfg.valid_every == 0 or self.step == cfg.steps
                ):
                    log.write(kind="valid", step=self.step, **validate())
                out_of_time = time_limit_s is not None and time.monotonic() - start > time_limit_s
                if self._agree_to_stop(stop["flag"] or out_of_time):
                    self.save()
                    if dist.main:
                        print(f"\nstopped at step {self.step} (signal or time limit); run again to resume")  # fmt: skip
                    return False
                if self.step % cfg.ckpt_every == 0 and self.step < cfg.steps:
                    self.save()
        except KeyboardInterrupt:
            self.save()
            if dist.main:
                print(f"\ninterrupted at step {self.step}: checkpoint saved, run again to resume")
            raise
        finally:
            bar.close()
            if main_thread:
                signal.signal(signal.SIGTERM, previous)
        return True

    def _agree_to_stop(self, local: bool) -> bool:
        """Under DDP every rank must stop at the same step: vote every log_every steps."""
        if self.dist.world_size == 1:
            return local
        if self.step % self.cfg.log_every:
            return False
        import torch

        flag = torch.tensor([float(local)], device=self.dist.device)
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
        return bool(flag.item())

    def summary(self, finished: bool) -> dict[str, Any]:
        return {
            "step": self.step,
            "finished": finished,
            "checkpoint": str(self.run_dir / CHECKPOINT_NAME),
            "elapsed_s": self.run_info.get("elapsed_s", 0.0),
        }
