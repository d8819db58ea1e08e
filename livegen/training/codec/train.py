"""`livegen train codec`: train the small SEANet codec on the corpus (CPU, GPU or torchrun DDP).

Shipped default (`--preset cpu`): n_filters 16, 64 latent channels, no LSTM, LeakyReLU, batch
8 x 1 s crops, 10 x waveform L1 + multi-scale mel, Adam 1e-3 with cosine decay, 14,000 steps.
Measured on the 2-core CPU: ~0.29 s/step with 2 threads when nothing else runs (≈ 68 min), plus
~17 s loading the 7,200 train loops (0.7 GB as int16) and ~1 min for validation, checkpoints and
latent statistics. On a busy machine use `--threads 1`: two spinning OpenMP threads sharing a core
with another process run ten times slower. EnCodec's MS-STFT discriminator (32 filters) makes a
CPU step ~9x slower (0.8 s → 7 s at 1 thread), so it only pays on a GPU (`--preset gpu`).
A run folder resumes automatically; `--fresh` starts over.

    livegen train codec --corpus data/corpus --run-dir runs/codec
    torchrun --nproc-per-node 4 -m livegen train codec --preset gpu --device cuda
"""

from __future__ import annotations

import argparse
from pathlib import Path

from livegen.training.codec.config import PRESETS
from livegen.training.common import add_run_arguments, resume_path, with_overrides


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    parser.add_argument("--run-dir", type=Path, default=Path("runs/codec"), help="output folder")
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="cpu",
        help="cpu: shipped default (~75 min, 2 cores); gpu: longer, GAN; smoke: 2-minute check",
    )
    parser.add_argument(
        "--resume", type=Path, help="resume from this checkpoint (default: run dir's)"
    )
    parser.add_argument("--fresh", action="store_true", help="ignore a checkpoint in the run dir")
    g = add_run_arguments(parser)
    g.add_argument("--batch-size", type=int, help="crops per step and process")
    g.add_argument("--crop-seconds", type=float)
    g.add_argument("--lr", type=float)
    g.add_argument("--seed", type=int)
    g.add_argument("--max-loops", type=int, help="use only the first N train loops")
    g.add_argument("--adversarial", action=argparse.BooleanOptionalAction, default=None)
    g.add_argument("--w-time", type=float, help="weight of the waveform L1 loss")
    g.add_argument("--w-mel", type=float, help="weight of the multi-scale mel loss")
    g.add_argument("--n-filters", type=int)
    g.add_argument("--dim", type=int, help="latent channels")
    g.add_argument("--lstm", type=int, help="LSTM layers (0 = none)")
    g.add_argument("--causal", action=argparse.BooleanOptionalAction, default=None)
    g.add_argument("--log-every", type=int)
    g.add_argument("--ckpt-every", type=int)
    g.add_argument("--valid-every", type=int)
    g.add_argument("--stats-loops", type=int, help="train loops for latent stats (0 = all)")


def run(args: argparse.Namespace) -> int:
    from livegen.training.codec.config import CodecConfig, TrainConfig
    from livegen.training.codec.model import read_checkpoint, setup_torch
    from livegen.training.codec.trainer import Trainer
    from livegen.training.common import resumed_configs, run_trainer
    from livegen.training.dist import setup_dist

    setup_torch(args.threads)
    codec_cfg, train_cfg = PRESETS[args.preset]
    resume = resume_path(args.run_dir, args.resume, args.fresh)
    if resume is not None:
        ckpt = read_checkpoint(resume)
        codec_cfg, train_cfg = resumed_configs(ckpt, CodecConfig, TrainConfig, args.steps)
    else:
        codec_cfg = with_overrides(
            codec_cfg,
            n_filters=args.n_filters,
            dimension=args.dim,
            lstm=args.lstm,
            causal=args.causal,
        )
        train_cfg = with_overrides(
            train_cfg,
            steps=args.steps,
            batch_size=args.batch_size,
            crop_seconds=args.crop_seconds,
            lr=args.lr,
            seed=args.seed,
            max_loops=args.max_loops,
            adversarial=args.adversarial,
            w_time=args.w_time,
            w_mel=args.w_mel,
            log_every=args.log_every,
            ckpt_every=args.ckpt_every,
            valid_every=args.valid_every,
            stats_loops=args.stats_loops,
        )
    dist = setup_dist(args.device)
    trainer = Trainer(train_cfg, codec_cfg, args.run_dir, args.corpus, dist, not args.no_progress)
    return run_trainer(trainer, resume, args.time_limit, args.stop_at)
