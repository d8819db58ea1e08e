"""What every trainer here shares: config dicts and overrides, the train commands' common
options and ending, resume lookup, run info, the checkpoint envelope, the step loop with its
progress bar, logging, time limit and stop signals, the DDP stop vote, summaries.

No torch at import time: the commands' `add_arguments` and the config modules import this.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import numpy as np
from tqdm import tqdm

from livegen import __version__

CHECKPOINT_NAME = "checkpoint.pt"


class ConfigDict:
    """`to_dict` / `from_dict` for the frozen config dataclasses saved into checkpoints and
    manifests. Tuples are written as lists (JSON has none) and read back as tuples (fields with a
    tuple default); unknown keys are dropped and missing ones take the defaults, so checkpoints of
    other versions still load."""

    # Set by @dataclass on each subclass; declared so that asdict() and fields() type-check here.
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        known = {f.name: f for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        for k, v in kw.items():
            if isinstance(known[k].default, tuple):
                kw[k] = tuple(v)
        return cls(**kw)


def with_overrides(cfg: Any, **overrides: Any) -> Any:
    """`cfg` with the given fields replaced, ignoring None values (= "not given")."""
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


M = TypeVar("M", bound=ConfigDict)
T = TypeVar("T", bound=ConfigDict)


def resumed_configs(
    ckpt: dict[str, Any], model_cls: type[M], train_cls: type[T], steps: int | None
) -> tuple[M, T]:
    """The model and train configs of a checkpoint being resumed: a resumed run keeps its own,
    only `steps` (when given) may change, to extend it."""
    train_cfg = with_overrides(train_cls.from_dict(ckpt["train_config"]), steps=steps)
    return model_cls.from_dict(ckpt["config"]), train_cfg


def add_run_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The options every `livegen train …` command shares after its own (device, threads, time
    limit, progress bar); returns the preset-overrides group, holding --steps, for the rest."""
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: all cores)")
    parser.add_argument(
        "--time-limit",
        type=float,
        metavar="MIN",
        help="checkpoint and stop after MIN minutes (resume later)",
    )
    parser.add_argument(
        "--stop-at",
        type=int,
        metavar="STEP",
        help="checkpoint and stop at this step, keeping the --steps schedule (a recipe that "
        "continued from part of a run; resume later)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    g = parser.add_argument_group("overrides of the preset (a resumed run keeps its own)")
    g.add_argument("--steps", type=int, help="total optimiser steps (may extend a resumed run)")
    return g


def start_run_info(dist: Any, **extra: Any) -> dict[str, Any]:
    """A new run's provenance, kept in its checkpoints: when, where and with what it runs."""
    import torch

    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "elapsed_s": 0.0,
        "world_size": dist.world_size,
        "device": str(dist.device),
        "threads": torch.get_num_threads(),
        "host": platform.node(),
        "torch": str(torch.__version__),
        "livegen": __version__,
        **extra,
        "finished": False,
    }


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
    stop_at: int | None = None  # checkpoint and stop here (the schedule stays cfg.steps')

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def plot(self, metrics: Path, out: Path) -> Any:
        """Redraw the loss curve `out` from `metrics` (metrics.jsonl)."""
        raise NotImplementedError

    def load(self, path: Path) -> None:
        """Restore a checkpoint written by `save` (weights, optimisers, step, run info)."""
        raise NotImplementedError

    def fit(self, time_limit_s: float | None = None) -> dict[str, Any]:
        """Train to `cfg.steps` or the time limit; returns `summary`."""
        raise NotImplementedError

    def checkpoint(self, fmt: str, config: dict[str, Any], **parts: Any) -> dict[str, Any]:
        """The envelope of every checkpoint: format, step, the model's `config`, the train
        config and the run info around the trainer's own `parts` (weights, optimisers, …)."""
        return {
            "format": fmt,
            "version": 1,
            "step": self.step,
            "config": config,
            "train_config": self.cfg.to_dict(),
            **parts,
            "run": dict(self.run_info),
        }

    def resume_run(self, ckpt: dict[str, Any]) -> None:
        """Take over a checkpoint's step and run info; "finished" stays this run's to set."""
        self.step = int(ckpt["step"])
        self.run_info.update({k: v for k, v in ckpt.get("run", {}).items() if k != "finished"})
        self.run_info["resumed_at_step"] = self.step

    def save(self) -> Path | None:
        """Write checkpoint.pt atomically and redraw the loss curve (rank 0 only)."""
        if not self.dist.main:
            return None
        path = save_checkpoint(self.state(), self.run_dir / CHECKPOINT_NAME)
        self.plot(self.run_dir / "metrics.jsonl", self.run_dir / "loss_curve.png")
        return path

    def _fit_to_budget(self, budget_s: float, per_step: float, spent_s: float) -> Any:
        """Set `cfg.steps` to what fits the rest of `budget_s` at `per_step`; returns the cfg."""
        left = 0.93 * budget_s - spent_s  # the rest: validation and saves
        steps = max(self.step + 1, self.step + int(left / per_step))
        self.cfg = replace(self.cfg, steps=steps)
        self.run_info["budget"] = {"seconds": budget_s, "step_s": per_step, "steps": steps}
        if self.dist.main:
            print(f"\n{per_step * 1e3:.1f} ms/step: {steps} steps fit {budget_s:g} s")
        return self.cfg

    def run_steps(
        self,
        train_step: Callable[[], dict[str, float]],
        log: Any,
        lr_at: Callable[[int], float],
        validate: Callable[[], dict[str, float]] | None = None,
        time_limit_s: float | None = None,
        postfix: Callable[[dict[str, float]], dict[str, str]] | None = None,
        budget_s: float | None = None,
    ) -> bool:
        """Run `train_step` until `cfg.steps`; True when done, False when stopped (SIGTERM or
        the time limit) with a checkpoint saved. Ctrl-C saves too, then re-raises.

        Args:
            train_step: one optimiser step; returns what to log (means over `log_every` steps).
            log: a `MetricsLog`.
            lr_at: the learning rate at a step, for the log.
            validate: valid figures, every `valid_every` steps and at the end.
            postfix: the progress bar's postfix from the logged means (default: the loss).
            budget_s: on a fresh run, fit `cfg.steps` to this many seconds from the speed of
                steps 20-120 (the fitted count is saved in the checkpoint's train config, so
                `--steps N` reproduces the run on any machine).
        """
        cfg, dist = self.cfg, self.dist
        probe = (20, 120) if budget_s and self.step == 0 and cfg.steps > 120 else None
        t_probe = 0.0
        stop = {"flag": False}
        previous = signal.getsignal(signal.SIGTERM)
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread:
            signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
        start, elapsed0 = time.monotonic(), float(self.run_info.get("elapsed_s", 0.0))
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not self.progress, unit="step")
        window: list[dict[str, float]] = []
        try:
            if self.stop_at is not None and self.step >= self.stop_at:
                if dist.main:
                    print(f"already at step {self.step} (--stop-at {self.stop_at}): nothing to do")
                return False
            while self.step < cfg.steps:
                t0 = time.perf_counter()
                logs = train_step()
                logs["step_s"] = time.perf_counter() - t0
                window.append(logs)
                self.step += 1
                self.run_info["elapsed_s"] = elapsed0 + time.monotonic() - start
                bar.update(1)
                if probe and self.step == probe[0]:
                    t_probe = time.perf_counter()
                if probe and budget_s and self.step == probe[1]:
                    per_step = (time.perf_counter() - t_probe) / (probe[1] - probe[0])
                    cfg = self._fit_to_budget(budget_s, per_step, time.monotonic() - start)
                    bar.total = cfg.steps
                if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                    # float() per value: trainers may log device tensors (one sync per log line)
                    mean = {k: float(np.mean([float(w[k]) for w in window if k in w])) for k in window[-1]}  # fmt: skip
                    log.write(kind="train", step=self.step, lr=lr_at(self.step - 1), **mean)
                    bar.set_postfix(postfix(mean) if postfix else {"loss": f"{mean['loss']:.4f}"})
                    window = []
                if validate is not None and (
                    self.step % cfg.valid_every == 0 or self.step == cfg.steps
                ):
                    log.write(kind="valid", step=self.step, **validate())
                out_of_time = time_limit_s is not None and time.monotonic() - start > time_limit_s
                at_stop = self.stop_at is not None and self.step >= self.stop_at
                if self._agree_to_stop(stop["flag"] or out_of_time or at_stop):
                    self.save()
                    if dist.main:
                        why = "--stop-at" if at_stop else "signal or time limit"
                        print(f"\nstopped at step {self.step} ({why}); run again to resume")
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


def run_trainer(
    trainer: TrainerCommon,
    resume: Path | None,
    time_limit_min: float | None,
    stop_at: int | None = None,
) -> int:
    """The end of a `livegen train …` command: resume if asked, train (to `stop_at` at most),
    say where it stopped, leave the DDP process group. Returns the exit status."""
    dist = trainer.dist
    trainer.stop_at = stop_at
    if resume is not None:
        trainer.load(resume)
        if dist.main:
            print(f"resuming {resume} at step {trainer.step}")
    summary = trainer.fit(time_limit_min * 60 if time_limit_min else None)
    if dist.main:
        state = "finished" if summary["finished"] else "paused"
        print(
            f"{state} at step {summary['step']}/{trainer.cfg.steps} after "
            f"{summary['elapsed_s'] / 60:.1f} min; checkpoint {summary['checkpoint']}"
        )
    if dist.world_size > 1:
        import torch

        torch.distributed.destroy_process_group()
    return 0


# --- rules every trainer and exporter shares ------------------------------------------------------
def lr_at(step: int, lr: float, warmup: int, steps: int, lr_final: float = 0.0) -> float:
    """Linear warm-up, then cosine decay from lr to lr · lr_final at the last step."""
    if step < warmup:
        return lr * (step + 1) / warmup
    t = min(max((step - warmup) / max(1, steps - warmup), 0.0), 1.0)
    return float(lr * (lr_final + (1 - lr_final) * 0.5 * (1 + math.cos(math.pi * t))))


def count_params(module: Any) -> int:
    """Parameters of a torch module (anything with `.parameters()`)."""
    return sum(p.numel() for p in module.parameters())


def channel_stats(blocks: Iterable[np.ndarray], floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std [D] over every frame of `blocks` (arrays [..., D, T], float64
    accumulation); std at least `floor`. Raises when the blocks hold no frame."""
    sums, squares, count = [], [], 0
    for block in blocks:
        x = np.asarray(block, np.float64)
        axes = tuple(i for i in range(x.ndim) if i != x.ndim - 2)
        sums.append(x.sum(axis=axes))
        squares.append((x * x).sum(axis=axes))
        count += x.size // x.shape[-2]
    if count == 0:
        raise ValueError("latent statistics need at least one loop")
    mean = np.sum(sums, axis=0) / count
    std = np.sqrt(np.maximum(np.sum(squares, axis=0) / count - mean * mean, 0.0))
    return mean.astype(np.float32), np.maximum(std, floor).astype(np.float32)


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| / max |want|."""
    return float(np.abs(got - want).max() / max(float(np.abs(want).max()), 1e-12))


def check_parity(what: str, worst: float, tolerance: float, detail: Any = None) -> None:
    """Refuse an export whose ONNX graph strays from torch: `worst` (an error, smaller is better)
    must stay below `tolerance`."""
    if not worst < tolerance:
        raise RuntimeError(
            f"ONNX/torch parity failed ({what}): {worst:.2e} not below {tolerance:.0e} ({detail})"
        )


def versions(*extra: str) -> dict[str, str]:
    """Versions of what produced an export: torch, onnx, onnxruntime, livegen, and `extra`
    distributions ("unknown" for one not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    import onnx
    import onnxruntime
    import torch

    out = {
        "torch": str(torch.__version__),
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "livegen": __version__,
    }
    for name in extra:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out
