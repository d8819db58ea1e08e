"""Training plots: the loss curve PNG beside each run's metrics.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

TRAIN_KEYS = ("loss", "l1", "mel", "adv", "feat", "disc")


def plot_metrics(metrics: Path, out: Path) -> Path | None:
    """Train losses (log scale) and validation measures against step; None if nothing logged."""
    if not Path(metrics).exists():
        return None
    rows = [json.loads(ln) for ln in Path(metrics).read_text().splitlines() if ln.strip()]
    train = [r for r in rows if r.get("kind") == "train"]
    valid = [r for r in rows if r.get("kind") == "valid"]
    if not train:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for key in TRAIN_KEYS:
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
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return Path(out)
