"""What every trainer here shares: config overrides, resume lookup, the DDP stop vote, summaries."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

CHECKPOINT_NAME = "checkpoint.pt"


def with_overrides(cfg: Any, **overrides: Any) -> Any:
    """`cfg` with the given fields replaced, ignoring None values (= "not given")."""
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def resume_path(run_dir: Path, resume: Path | None, fresh: bool) -> Path | None:
    """The checkpoint to resume from: the one asked for, else the run folder's unless --fresh."""
    if resume is not None:
        return Path(resume)
    auto = Path(run_dir) / CHECKPOINT_NAME
    return auto if auto.exists() and not fresh else None


class TrainerCommon:
    """Mixin for trainers with `dist` (world_size, device), `step`, `cfg.log_every`, `run_dir`
    and `run_info`."""

    dist: Any
    step: int
    cfg: Any
    run_dir: Path
    run_info: dict[str, Any]

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
