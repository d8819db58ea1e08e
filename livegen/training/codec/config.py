"""Codec and codec-training configs: plain dataclasses, no torch, saved into every checkpoint.

Why the shipped defaults (2-core CPU, see FACTS.md and `livegen bench codec --sweep`): the decoder
runs once per bar in the daemon, so its CPU cost decides the architecture. SEANet with
n_filters=16, 64 latent channels and no LSTM decodes a 2 s bar in ~9 ms with onnxruntime on two
cores (0.5 % of the bar); the LSTM would add ~25 % to both decode and training step. LeakyReLU
instead of SEANet's default ELU: onnxruntime fuses it into the preceding Conv, while its Elu
kernel alone took ~30 % of the decoder's time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livegen import SAMPLE_RATE
from livegen.training.common import ConfigDict

OFFICIAL = ("encodec_24khz",)
SOURCES = ("livegen", *OFFICIAL)


@dataclass(frozen=True)
class CodecConfig(ConfigDict):
    """Architecture of the codec; plain scalars so it serialises into checkpoints and manifests."""

    sample_rate: int = SAMPLE_RATE
    channels: int = 1
    n_filters: int = 16  # SEANet base width: decoder cost on CPU grows ~n_filters²
    dimension: int = 64  # latent channels D
    ratios: tuple[int, ...] = (8, 5, 4, 2)  # hop = prod(ratios) = 320 → 75 frames/s at 24 kHz
    n_residual_layers: int = 1
    lstm: int = 0  # LSTM layers after the convs: +25 % step and decode time; off for speed
    causal: bool = False  # we decode whole bars, so look-ahead is free: non-causal sounds better
    norm: str = "weight_norm"
    pad_mode: str = "reflect"
    activation: str = "LeakyReLU"  # a torch.nn class name: LeakyReLU (fast in ORT) or ELU
    activation_alpha: float = 0.2  # LeakyReLU negative slope, or ELU alpha

    @property
    def hop(self) -> int:
        return math.prod(self.ratios)

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop

    @property
    def activation_params(self) -> dict[str, float]:
        key = "negative_slope" if self.activation == "LeakyReLU" else "alpha"
        return {key: self.activation_alpha}


# The published 24 kHz EnCodec (encodec.EncodecModel._get_model with the 24 kHz arguments).
OFFICIAL_CONFIGS = {
    "encodec_24khz": CodecConfig(
        n_filters=32, dimension=128, lstm=2, causal=True, activation="ELU", activation_alpha=1.0
    ),
}


@dataclass(frozen=True)
class TrainConfig(ConfigDict):
    """How the codec is trained. `batch_size` is per process (DDP multiplies it by the world)."""

    steps: int = 14_000  # ~0.29 s/step on 2 cores → ~68 min (+ ~2 min loading, checks, stats)
    batch_size: int = 8
    crop_seconds: float = 1.0  # random crops of whole train-split loops
    lr: float = 1e-3  # 2-minute A/B at 200 steps: 5e-4 too slow, 3e-3 unstable early
    lr_final: float = 0.1  # cosine decay to lr * lr_final
    warmup_steps: int = 100
    beta1: float = 0.8
    beta2: float = 0.99
    grad_clip: float = 1.0
    w_time: float = 10.0  # L1 on the waveform: anchors phase (SI-SDR); mel alone leaves it free
    w_mel: float = 1.0  # multi-scale mel (log + linear L1)
    adversarial: bool = False  # MS-STFT discriminator (EnCodec's): ~9x CPU step time, GPU only
    adv_start: int = 0  # generator-only warm start before the discriminator joins
    w_adv: float = 1.0
    w_feat: float = 2.0
    disc_filters: int = 32
    seed: int = 0
    max_loops: int = 0  # 0: every train loop; else the first N (smoke runs, tests)
    valid_loops: int = 16  # fixed 1 s crops of valid loops, scored every valid_every steps
    log_every: int = 10
    valid_every: int = 250
    ckpt_every: int = 250
    stats_loops: int = 1000  # train loops for the latent mean/std at the end (0: all)


# Shipped defaults. cpu: fits ~75 min of a 2-core CPU (measured step time in the module docstring
# of livegen.training.codec.train). gpu: same decoder (the daemon still decodes on a CPU), more of everything.
PRESETS: dict[str, tuple[CodecConfig, TrainConfig]] = {
    "cpu": (CodecConfig(), TrainConfig()),
    "gpu": (
        CodecConfig(),
        TrainConfig(
            steps=60_000,
            batch_size=32,
            adversarial=True,
            adv_start=5000,
            valid_every=1000,
            ckpt_every=1000,
            log_every=50,
            stats_loops=0,
        ),
    ),
    # Minutes, not hours: the loss must fall, nothing more (tests, `--preset smoke`).
    "smoke": (
        CodecConfig(),
        TrainConfig(
            steps=150,
            warmup_steps=10,
            max_loops=200,
            valid_every=50,
            ckpt_every=50,
            log_every=5,
            stats_loops=50,
            valid_loops=8,
        ),
    ),
}


def add_codec_arguments(parser: Any, required: bool = True) -> None:
    """`--codec` and `--codec-checkpoint`, shared by encode, export, eval and bench."""
    parser.add_argument(
        "--codec",
        choices=SOURCES,
        default="livegen",
        help="livegen: a checkpoint of `livegen train codec`; encodec_24khz: the published file",
    )
    parser.add_argument(
        "--codec-checkpoint",
        type=Path,
        required=required,
        metavar="PATH",
        help="training run folder or checkpoint.pt (livegen), or e.g. encodec_24khz-d7cc33bc.th",
    )
