"""`livegen train decoder`: the codec decoder's fine-tune on the corpus, its encoder frozen
(`livegen.training.codec.decoder`; `livegen export decoder` writes the package).

    livegen train decoder --model default --corpus data/corpus --run-dir runs/decoder
"""

from __future__ import annotations

import argparse
from pathlib import Path

from livegen.runtime.models import DEFAULT_MODEL, model_arg
from livegen.training.common import add_run_arguments, resume_path, with_overrides


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", type=model_arg, default=DEFAULT_MODEL, metavar="NAME|DIR",
                        help="package whose decoder is tuned (a name or a folder)")  # fmt: skip
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    parser.add_argument("--run-dir", type=Path, default=Path("runs/decoder"), help="run folder")
    parser.add_argument("--fresh", action="store_true", help="ignore a checkpoint in the run dir")
    g = add_run_arguments(parser)
    g.add_argument("--batch-size", type=int, help="crops per step")
    g.add_argument("--crop-frames", type=int, help="latent frames per crop (75 per second)")
    g.add_argument("--lr", type=float)
    g.add_argument("--seed", type=int)
    g.add_argument("--loops", type=int, help="train loops to encode (0: all)")
    g.add_argument("--adversarial", action=argparse.BooleanOptionalAction, default=None,
                   help="MS-STFT critic (default on)")  # fmt: skip
    g.add_argument("--disc-filters", type=int, help="critic width (EnCodec: 32)")
    g.add_argument("--disc-warmup", type=int, help="steps in which the critic learns alone")
    g.add_argument("--w-time", type=float, help="weight of the waveform L1")
    g.add_argument("--w-mel", type=float, help="weight of the multi-scale mel loss")
    g.add_argument("--w-adv", type=float)
    g.add_argument("--w-feat", type=float)
    g.add_argument("--valid-loops", type=int, help="fresh loops scored at each validation")
    g.add_argument("--log-every", type=int)
    g.add_argument("--ckpt-every", type=int)
    g.add_argument("--valid-every", type=int)


def run(args: argparse.Namespace) -> int:
    import torch

    from livegen.runtime.models import resolve_model
    from livegen.training.codec.decoder import DecoderTrainConfig, DecoderTrainer
    from livegen.training.common import run_trainer

    if args.device == "cuda":
        raise ValueError("train decoder runs on the CPU (its encoder is the package's ONNX graph)")
    if args.threads:
        torch.set_num_threads(args.threads)
    model = resolve_model(str(args.model))
    resume = resume_path(args.run_dir, None, args.fresh)
    if resume is not None:
        ckpt = torch.load(resume, map_location="cpu", weights_only=False)
        cfg = with_overrides(DecoderTrainConfig.from_dict(ckpt["train_config"]), steps=args.steps)
    else:
        overrides = {k: getattr(args, k) for k in (
            "steps", "batch_size", "crop_frames", "lr", "seed", "loops", "adversarial",
            "disc_filters", "disc_warmup", "w_time", "w_mel", "w_adv", "w_feat", "valid_loops", "log_every",
            "ckpt_every", "valid_every")}  # fmt: skip
        cfg = with_overrides(DecoderTrainConfig(), **overrides)
    if cfg.steps < 1 or cfg.batch_size < 1 or cfg.crop_frames <= 2 * 4 + 8:
        raise ValueError("--steps and --batch-size must be positive and --crop-frames above 16")
    trainer = DecoderTrainer(cfg, model, args.corpus, args.run_dir, not args.no_progress)
    return run_trainer(trainer, resume, args.time_limit, args.stop_at)
