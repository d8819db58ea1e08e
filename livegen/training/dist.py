"""Where a training process runs and what it logs, for every trainer (codec, UNet, concept).

`setup_dist` joins the process group under `torchrun` (WORLD_SIZE > 1) and picks the rank's device;
`MetricsLog` is a run's `metrics.jsonl`, trimmed back to the checkpoint's step on resume so a
resumed run's curve has no duplicate steps.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch


@dataclass(frozen=True)
class Dist:
    """Where this process sits: rank among world_size, and its torch device."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_dist(device: str = "auto") -> Dist:
    """Join the process group under torchrun (WORLD_SIZE > 1); pick this rank's device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: torch sees no CUDA device")
    dev = torch.device(f"cuda:{local}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend="nccl" if use_cuda else "gloo")
    return Dist(rank, world, dev)


class MetricsLog:
    """metrics.jsonl: one JSON object per line; resuming drops lines past the checkpoint's step."""

    def __init__(self, path: Path, resume_step: int, enabled: bool):
        self.path = path
        self.enabled = enabled
        if not enabled:
            return
        kept = []
        if resume_step > 0 and path.exists():
            kept = [ln for ln in path.read_text().splitlines() if ln.strip()]
            kept = [ln for ln in kept if json.loads(ln).get("step", 0) <= resume_step]
        path.write_text("".join(ln + "\n" for ln in kept))

    def write(self, **row: Any) -> None:
        if self.enabled:
            with self.path.open("a") as f:
                f.write(json.dumps(row) + "\n")
