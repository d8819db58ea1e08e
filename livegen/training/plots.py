"""Training plots, one module for every trainer: the loss curve PNG beside each run.

The codec and the UNet plot their metrics.jsonl (train and valid rows); the concept encoder its
in-memory losses and validation history.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

CODEC_TRAIN_KEYS = ("loss", "l1", "mel", "adv", "feat", "disc")
Rows = list[dict[str, Any]]


def read_metrics(metrics: Path) -> tuple[Rows, Rows] | None:
    """(train rows, valid rows) of a metrics.jsonl; None if it is missing or has no train row."""
    if not Path(metrics).exists():
        return None
    rows = [json.loads(ln) for ln in Path(metrics).read_text().splitlines() if ln.strip()]
    train = [r for r in rows if r.get("kind") == "train"]
    valid = [r for r in rows if r.get("kind") == "valid"]
    return (train, valid) if train else None


def _save(fig: Any, out: Path) -> Path:
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return Path(out)


def plot_codec_metrics(metrics: Path, out: Path) -> Path | None:
    """Train losses (log scale) and validation measures against step; None if nothing logged."""
    rows = read_metrics(metrics)
    if rows is None:
        return None
    train, valid = rows
    judged = [(r["step"], r["valid_judge"]) for r in valid if "valid_judge" in r]
    fig, axes = plt.subplots(1, 3 if judged else 2, figsize=(16 if judged else 11, 4))
    if judged:  # `train decoder`: the outside judge's distance of round trips to their loops
        axes[2].plot(*zip(*judged, strict=True), "o-", color="C2")
        axes[2].set(xlabel="step", ylabel="musicnn distance (paired)", title="valid, outside judge")
        axes[2].grid(alpha=0.3)
    for key in CODEC_TRAIN_KEYS:
        pts = [(r["step"], r[key]) for r in train if key in r and r[key] > 0]
        if pts:
            axes[0].plot(*zip(*pts, strict=True), label=key, lw=1)
    axes[0].set(xlabel="step", ylabel="training loss", yscale="log", title="train")
    axes[0].legend(fontsize=8)
    axes[0].grid(alpha=0.3)
    if valid:
        steps = [r["step"] for r in valid]
        axes[1].plot(steps, [r["valid_mel"] for r in valid], "o-", color="C0", label="mel distance")
        axes[1].set(xlabel="step", ylabel="multi-scale mel distance", title="valid")
        twin = axes[1].twinx()
        twin.plot(steps, [r["valid_si_sdr"] for r in valid], "s-", color="C3", label="SI-SDR")
        twin.set_ylabel("SI-SDR (dB)", color="C3")
        axes[1].grid(alpha=0.3)
    return _save(fig, out)


def plot_unet_metrics(metrics: Path, out: Path) -> Path | None:
    """Train loss and EMA valid loss against step (log scale); None if nothing logged yet."""
    rows = read_metrics(metrics)
    if rows is None:
        return None
    train, valid = rows
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot([r["step"] for r in train], [r["loss"] for r in train], lw=1, label="train (IADB MSE)")
    if valid:
        steps = [r["step"] for r in valid]
        ax.plot(steps, [r["valid_loss"] for r in valid], "o-", label="valid (EMA, fixed noise)")
    ax.set(xlabel="step", ylabel="loss", yscale="log", title="UNet training")
    ax.grid(alpha=0.3)
    ax.legend()
    return _save(fig, out)


def plot_concept_losses(losses: list[list[float]], history: list[dict], path: Path) -> None:
    """Loss curves (smoothed) and validation figures, one PNG."""
    if not losses:
        return
    arr = np.asarray(losses)
    k = max(1, len(arr) // 100)
    kernel = np.ones(k) / k
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    for col, name in ((1, "total"), (2, "contrastive"), (3, "attributes")):
        ax.plot(arr[k - 1 :, 0], np.convolve(arr[:, col], kernel, "valid"), label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("concept encoder training")
    if history:
        steps = [h["step"] for h in history]
        for key in ("R@1", "R@5", "zero_shot_balanced", "paraphrases"):
            bx.plot(steps, [h[key] for h in history], marker="o", label=key)
        bx.set_xlabel("step")
        bx.set_ylim(0, 1)
        bx.legend()
        bx.set_title("validation")
    _save(fig, path)
