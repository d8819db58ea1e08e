"""Generator configs: plain dataclasses (no torch) saved into checkpoints and the model manifest.

Why these defaults (2-core CPU; measured while the codec trained on both cores, so an idle
machine does better): the daemon runs `steps` guided UNet evaluations (batch 2) per bar, so one
evaluation must cost ≲ 10 ms with onnxruntime. Widths 64-96-128-192-256 over 5 levels (the bottom
sees T/16 ≈ 9 frames, so the receptive field spans the bar), one residual block per level and
side, 3.4 M parameters: 3.8 ms per guided evaluation on a 150-frame bar (1 ORT thread), 0.16 s per
training step of 32 bars (1 torch thread). Sizes measured the same way: 1.7 M (64-160, 4 levels)
2.6 ms / 0.11 s; 4.4 M (96-256, 2 blocks) 6.2 ms / 0.26 s; 7.4 M 10 ms / 0.35 s. The seed's 48 M
would take ~60 ms per evaluation, far beyond a 5 % budget for 8 steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from livegen.runtime.sampler import PHASE_CHANNELS
from livegen.training.common import ConfigDict


@dataclass(frozen=True)
class UNetConfig(ConfigDict):
    """Architecture of the circular 1D UNet (see `livegen.training.unet.model.UNet1d`)."""

    latent_dim: int = 64  # codec latent channels D
    channels: tuple[int, ...] = (64, 96, 128, 192, 256)  # width per level; each level halves T
    blocks: int = 1  # residual blocks per level, on the way down and on the way up
    mid_blocks: int = 2  # residual blocks at the bottom (T / 16 frames)
    groups: int = 8  # GroupNorm groups
    emb_dim: int = 128  # α (+ concept) embedding feeding every AdaGN
    time_freqs: int = 32  # sinusoidal frequencies of 100·α (the seed's scaling)
    phase_channels: int = PHASE_CHANNELS  # beat/bar saw-tooth + sin/cos (runtime.sampler)
    phase_emb: int = 16  # channels of the per-level 1x1 phase embedding (concatenated)
    concept_dim: int = 128  # concept vector size (0: no concept conditioning)
    circular: bool = True  # circular padding: a bar is one period, the output loops by construction
    attn_heads: int = 0  # self-attention after each bottom block (0: none); T/16 frames, cheap
    # A stem generator: the names of the stems stacked in x (latent_dim = len(stems) · codec D);
    # () for a mix generator. key_dim: size of the key input (`control.keys.KEY_DIM`; 0: none).
    stems: tuple[str, ...] = ()
    key_dim: int = 0
    # Pitch carriers (`training.unet.carriers`): the MIDI range lo, hi of the tempered notes whose
    # oscillations the top level reads and writes; () for none. frame_rate: the codec's frames/s.
    carriers: tuple[int, ...] = ()
    frame_rate: float = 75.0
    # A note line (`runtime.lines`): its rows follow the tempo's in the phase input
    # (phase_channels = 6 + 3) and its carrier is read and written at the top level.
    line: bool = False


@dataclass(frozen=True)
class TrainConfig(ConfigDict):
    """How the UNet is trained. `batch_size` is per process (DDP multiplies it by the world)."""

    steps: int = 24_000  # ~0.16-0.2 s/step on 2 cores: 65-80 min; use --time-limit as a net
    batch_size: int = 32  # bars of one length bucket per step
    lr: float = 1e-3
    lr_final: float = 0.05  # cosine decay to lr * lr_final
    warmup_steps: int = 300
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema: float = 0.999  # exported weights are the EMA
    p_drop_concept: float = 0.2  # condition dropout for classifier-free guidance
    p_drop_bpm: float = 0.1  # independent of the concept's
    p_text: float = 0.5  # train on a caption's text vector instead of the audio vector
    p_drop_key: float = 0.2  # stem generators: key dropout ("no key" still works)
    # stem generators: standardise each stacked channel over the training bars (see
    # `training.unet.stems`); False: the codec's space, as the first stem generator was trained
    stem_norm: bool = False
    # stem generators: the loss weight of each stem (drums, bass, music; () = equal), normalised
    # to mean 1 over the channels so the loss keeps its scale
    stem_weights: tuple[float, ...] = ()
    concept_noise: float = 0.0  # Gaussian noise (per-dim std) added to the concept, renormalised
    # α at training: "uniform" (the paper) or "logit-normal:m,s" (SD3: α = sigmoid(N(m, s²)),
    # more of the steps where the direction is hardest to predict, mid-way)
    alpha_dist: str = "uniform"
    seed: int = 0
    max_loops: int = 0  # 0: every train loop of the cache; else the first N
    valid_loops: int = 64  # valid-split bars scored at fixed α and noise
    log_every: int = 25
    valid_every: int = 500
    ckpt_every: int = 500


# The wider UNet trained on a GPU (issue "The sound"): 80-320 channels, two blocks per level,
# 7.3 M parameters; ~2x the compute of the 3.4 M one per evaluation, inside the real-time budget
# (3x the old bar time), stored as float16 (15 MB). Bottom attention (`attn_heads=8`, 8.2 M) lost
# in the ablation: a loss spike at step ~580, a higher valid loss at equal steps, 11 % slower.
WIDE_UNET = UNetConfig(channels=(80, 112, 160, 224, 320), blocks=2, emb_dim=192)

# The stem generator on the CPU: a wider top (drums, bass and music latents stacked: 192 channels
# in and out), a narrower bottom, one block there and a smaller embedding: 2.34 M parameters
# (4.7 MB as float16) so that models/ stays under 60 MB beside the mix generator.
STEM_UNET = UNetConfig(
    channels=(96, 112, 128, 144, 176), mid_blocks=1, emb_dim=96, stems=("drums", "bass", "music")
)

# cpu: the 3.4 M UNet on 2 cores (~80 min). gpu: the wide UNet, batch 256, logit-normal α; its
# step count is fitted to a time budget on the GPU (`--time-budget`) and saved, and `--steps N`
# reproduces it anywhere (the CPU too, resumably). smoke: a 2-minute check that the loss falls.
PRESETS: dict[str, tuple[UNetConfig, TrainConfig]] = {
    "cpu": (UNetConfig(), TrainConfig()),
    "gpu": (
        WIDE_UNET,
        TrainConfig(
            steps=200_000,
            batch_size=256,
            lr=8e-4,
            warmup_steps=500,
            ema=0.999,
            alpha_dist="logit-normal:0,1",
            ckpt_every=1000,
            valid_every=1000,
            log_every=50,
        ),
    ),
    "stems-cpu": (
        STEM_UNET,
        TrainConfig(alpha_dist="logit-normal:0,1", ckpt_every=250, stem_norm=True),
    ),
    "stems-gpu": (
        replace(WIDE_UNET, stems=STEM_UNET.stems),
        TrainConfig(
            steps=200_000,
            batch_size=256,
            lr=8e-4,
            warmup_steps=500,
            alpha_dist="logit-normal:0,1",
            ckpt_every=1000,
            valid_every=1000,
            log_every=50,
            stem_norm=True,
        ),
    ),
    "smoke": (
        UNetConfig(channels=(32, 48, 64), mid_blocks=1),
        TrainConfig(
            steps=200,
            batch_size=16,
            warmup_steps=20,
            max_loops=256,
            valid_loops=16,
            log_every=10,
            valid_every=100,
            ckpt_every=100,
            ema=0.99,
        ),
    ),
}
