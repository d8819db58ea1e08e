"""`livegen train unet`: train the IADB latent UNet on the cached codec latents.

Needs the corpus and a model package holding the exported codec and (for concept conditioning)
the concept encoder. On first use it caches the corpus as circular bar latents with the package's
codec (`--bars`, see `livegen.training.unet.bars`: ~3 min for 8,000 loops) and the concept vectors of
every loop's audio and captions (run folder, ~1 min). A run folder resumes automatically;
`--fresh` starts over.

    livegen train unet --corpus data/corpus --model models/default --run-dir runs/unet
    torchrun --nproc-per-node 4 -m livegen train unet --preset gpu --device cuda
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from livegen.runtime.models import add_model_argument
from livegen.training.common import add_run_arguments, resume_path, with_overrides
from livegen.training.unet.config import PRESETS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    add_model_argument(
        parser,
        help="model package (folder or name) with the codec and concept encoder to train for",
    )
    parser.add_argument(
        "--bars",
        type=Path,
        help="circular bar-latent cache, built from --corpus if missing (default data/bars.npz; "
        "data/stem_bars.npz for the stem presets)",
    )
    parser.add_argument(
        "--concepts",
        type=Path,
        help="concept-vector cache (default: RUN_DIR/concepts.npz; built if missing)",
    )
    parser.add_argument("--no-concept", action="store_true", help="BPM conditioning only")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="build the bar and concept caches, then stop (several runs can then share them)",
    )
    parser.add_argument("--run-dir", type=Path, default=Path("runs/unet"), help="output folder")
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="cpu",
        help="cpu: shipped default (~80 min, 2 cores); gpu: longer; smoke: minutes; "
        "stems-cpu/stems-gpu: the stem generator (drums, bass, music jointly, with the key)",
    )
    parser.add_argument("--resume", type=Path, help="checkpoint to resume (default: run dir's)")
    parser.add_argument("--fresh", action="store_true", help="ignore a checkpoint in the run dir")
    parser.add_argument(
        "--init",
        type=Path,
        help="start a new run from this checkpoint's weights, or from a model package's UNet "
        "(a folder with manifest.json; its stem generator for a stem preset): its architecture, "
        "fresh optimiser, step 0, this run's schedule. Fine-tunes and continued trainings",
    )
    g = add_run_arguments(parser)
    g.add_argument("--batch-size", type=int)
    g.add_argument("--lr", type=float)
    g.add_argument("--seed", type=int)
    g.add_argument("--max-loops", type=int, help="use only the first N train loops")
    g.add_argument("--channels", help="UNet widths per level, e.g. 64,96,128,160")
    g.add_argument("--blocks", type=int, help="residual blocks per level and side")
    g.add_argument("--mid-blocks", type=int, help="residual blocks at the bottom level")
    g.add_argument("--emb-dim", type=int, help="α + concept embedding size")
    g.add_argument("--attn-heads", type=int, help="self-attention heads at the bottom (0: none)")
    g.add_argument(
        "--carriers",
        help="pitch carriers: LO,HI, the MIDI range of the tempered notes whose oscillations the "
        "top level reads and writes (e.g. 28,76), or off. New with --init: they start at zero",
    )
    g.add_argument(
        "--note-lines",
        action="store_true",
        help="condition on each bar's bass line (its phase-locked carrier and pitch, from the "
        "corpus manifest; runtime.lines). New with --init: they start at zero",
    )
    g.add_argument("--alpha-dist", help="training α: uniform or logit-normal:m,s")
    g.add_argument("--ema", type=float, help="EMA decay of the exported weights")
    g.add_argument(
        "--stem-norm",
        choices=("on", "off"),
        help="stem generators: standardise each stacked channel over the training bars (the "
        "stem presets: on; off: the codec's space, as the first stem generator)",
    )
    g.add_argument(
        "--stem-weights",
        help="stem generators: loss weight per stem, e.g. 1,2,1 for drums, bass, music (default "
        "equal; scaled to mean 1)",
    )
    g.add_argument("--p-drop-concept", type=float)
    g.add_argument("--p-drop-bpm", type=float)
    g.add_argument("--p-text", type=float)
    g.add_argument("--log-every", type=int)
    g.add_argument("--valid-every", type=int)
    g.add_argument("--ckpt-every", type=int)
    parser.add_argument(
        "--time-budget",
        type=float,
        help="fresh runs: fit --steps to this many seconds of training, measured on steps "
        "20-120 (the count is saved; --steps N reproduces the run anywhere)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="processes encoding the bar and concept caches"
    )


def prepare(args: argparse.Namespace, concept: bool, main: bool, stems: bool = False):
    """The bar cache (the stem cache for a stem generator) and concept vectors (built on first
    use). Under DDP rank 0 builds them while the others wait, then every rank reads them."""
    import torch.distributed as td

    from livegen.training.unet.bars import load_or_encode
    from livegen.training.unet.concepts import load_or_compute

    def build():
        cache = load_or_encode(args.bars, args.model, args.corpus, args.workers, main, stems)
        concepts = None
        if concept:
            concepts = load_or_compute(
                args.concepts or Path(args.run_dir) / "concepts.npz",
                args.model,
                args.corpus,
                cache.ids,
                cache.captions,
                progress=main,
                workers=args.workers,
            )
        return cache, concepts

    ddp = td.is_available() and td.is_initialized()
    out = build() if main else None
    if ddp:
        td.barrier()
    return out if out is not None else build()


def load_data(
    args: argparse.Namespace, cache, concepts, train_cfg, keyed: bool = False, lines=None
):
    """Train/valid banks of the cache and the provenance stored in checkpoints."""
    from livegen.training.unet.data import BarBank, describe
    from livegen.training.unet.stems import key_table

    corpus = Path(args.corpus)
    keys = key_table(cache) if keyed else None
    train_idx = cache.select("train")
    if train_cfg.max_loops:
        train_idx = train_idx[: train_cfg.max_loops]
    bank = BarBank(cache, train_idx, concepts, keys, lines)
    valid_idx = cache.select("valid")
    valid = BarBank(cache, valid_idx, concepts, keys, lines) if len(valid_idx) else None
    info = describe(cache, bank, valid, str(args.bars), str(corpus))
    if keyed and train_cfg.stem_norm:  # from the training bars only: the same on a resume
        from livegen.training.unet.stems import standardise

        standardise(bank, valid, info)
    return bank, valid, info


def note_lines(cache, corpus: Path):
    """[L, LINE_CHANNELS, T_max] note-line rows of every bar of the cache (`runtime.lines`), from
    the corpus manifest's notes (the cache keeps no instruments)."""
    from livegen.corpus.make import read_manifest
    from livegen.runtime.lines import LINE_CHANNELS, line_notes, line_rows

    by_id = {e["id"]: e for e in read_manifest(corpus)}
    out = np.zeros((len(cache), LINE_CHANNELS, int(cache.lengths.max())), np.float32)
    for i, loop_id in enumerate(cache.ids):
        t = int(cache.lengths[i])
        notes = line_notes(by_id.get(str(loop_id), {}))
        out[i, :, :t] = line_rows(notes, int(cache.n_samples[i]), t)
    if not out.any():
        raise ValueError(f"--note-lines: no loop of {corpus} has a bass line in its manifest")
    return out


def _carriers(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    if text == "off":
        return ()
    try:
        lo, hi = (int(n) for n in text.split(","))
    except ValueError:
        raise ValueError(f"--carriers {text!r}: LO,HI (MIDI notes, e.g. 28,76) or off") from None
    if not 0 <= lo <= hi <= 127:
        raise ValueError(f"--carriers {text!r}: want 0 <= LO <= HI <= 127")
    return (lo, hi)


def _stem_weights(text: str | None) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(w) for w in text.split(","))
    except ValueError:
        raise ValueError(
            f"--stem-weights {text!r}: numbers separated by commas, e.g. 1,2,1"
        ) from None


def read_init(path: Path, stems: bool) -> dict:
    """`--init`: a checkpoint (or run folder), or a model package whose UNet a run continues."""
    from livegen.training.unet.trainer import read_checkpoint

    if (Path(path) / "manifest.json").is_file():
        from livegen.training.all.onnx_weights import unet_checkpoint_from_package

        return unet_checkpoint_from_package(path, "stem_generator" if stems else "generator")
    return read_checkpoint(path)


def run(args: argparse.Namespace) -> int:
    from livegen.training.codec.model import setup_torch
    from livegen.training.common import resumed_configs, run_trainer
    from livegen.training.dist import setup_dist
    from livegen.training.unet.config import TrainConfig, UNetConfig
    from livegen.training.unet.trainer import Trainer, read_checkpoint

    setup_torch(args.threads)
    unet_cfg, train_cfg = PRESETS[args.preset]
    resume = resume_path(args.run_dir, args.resume, args.fresh)
    init = read_init(args.init, bool(unet_cfg.stems)) if args.init and resume is None else None
    if init is not None:  # the architecture is the checkpoint's; the weights come below
        unet_cfg = UNetConfig.from_dict(init["config"])
    if resume is not None:
        ckpt = read_checkpoint(resume)
        unet_cfg, train_cfg = resumed_configs(ckpt, UNetConfig, TrainConfig, args.steps)
    else:
        channels = tuple(int(c) for c in args.channels.split(",")) if args.channels else None
        unet_cfg = with_overrides(
            unet_cfg,
            channels=channels,
            blocks=args.blocks,
            mid_blocks=args.mid_blocks,
            emb_dim=args.emb_dim,
            attn_heads=args.attn_heads,
            carriers=_carriers(args.carriers),
            line=True if args.note_lines else None,
        )
        train_cfg = with_overrides(
            train_cfg,
            steps=args.steps,
            batch_size=args.batch_size,
            lr=args.lr,
            seed=args.seed,
            max_loops=args.max_loops,
            p_drop_concept=args.p_drop_concept,
            p_drop_bpm=args.p_drop_bpm,
            p_text=args.p_text,
            log_every=args.log_every,
            valid_every=args.valid_every,
            ckpt_every=args.ckpt_every,
            alpha_dist=args.alpha_dist,
            ema=args.ema,
            stem_norm=None if args.stem_norm is None else args.stem_norm == "on",
            stem_weights=_stem_weights(args.stem_weights),
        )
    dist = setup_dist(args.device)
    if args.no_concept:
        unet_cfg = with_overrides(unet_cfg, concept_dim=0)
    elif resume is None:
        from livegen.runtime.manifest import load_manifest

        dim = int(load_manifest(args.model).section("concept")["dim"])
        if init is not None and dim != unet_cfg.concept_dim:
            raise ValueError(f"{args.init}: its UNet takes {unet_cfg.concept_dim}-d concepts, "
                             f"{args.model}'s encoder makes {dim}-d ones")  # fmt: skip
        unet_cfg = with_overrides(unet_cfg, concept_dim=dim)
    if unet_cfg.line and resume is None:
        from livegen.runtime.lines import LINE_CHANNELS
        from livegen.runtime.sampler import PHASE_CHANNELS

        unet_cfg = with_overrides(unet_cfg, phase_channels=PHASE_CHANNELS + LINE_CHANNELS)
    if (unet_cfg.carriers or unet_cfg.line) and resume is None:  # in the codec's frames
        from livegen.runtime.manifest import load_manifest

        rate = float(load_manifest(args.model).section("codec")["frame_rate"])
        unet_cfg = with_overrides(unet_cfg, frame_rate=rate)
    stems = bool(unet_cfg.stems)
    if stems and resume is None:
        from livegen.control.keys import KEY_DIM

        unet_cfg = with_overrides(unet_cfg, key_dim=KEY_DIM)
    if args.bars is None:
        args.bars = Path("data/stem_bars.npz" if stems else "data/bars.npz")
    Path(args.run_dir).mkdir(parents=True, exist_ok=True)
    cache, concepts = prepare(args, bool(unet_cfg.concept_dim), dist.main, stems)
    if stems and list(cache.meta.get("stems", [])) != list(unet_cfg.stems):
        raise ValueError(f"{args.bars}: holds stems {cache.meta.get('stems')}, the UNet makes "
                         f"{list(unet_cfg.stems)}: give the stem cache's path")  # fmt: skip
    if args.prepare_only:
        return 0
    if resume is None:
        unet_cfg = with_overrides(unet_cfg, latent_dim=int(cache.latents.shape[1]))
    elif unet_cfg.latent_dim != cache.latents.shape[1]:
        raise ValueError(
            f"{args.bars}: {cache.latents.shape[1]}-d latents, the checkpoint's "
            f"UNet takes {unet_cfg.latent_dim}"
        )
    lines = note_lines(cache, Path(args.corpus)) if unet_cfg.line else None
    bank, valid, info = load_data(args, cache, concepts, train_cfg, bool(unet_cfg.key_dim), lines)
    trainer = Trainer(
        train_cfg, unet_cfg, args.run_dir, bank, valid, dist, info, not args.no_progress
    )
    trainer.budget_s = args.time_budget if resume is None else None
    if init is not None:  # only without --resume; run_trainer does the resuming
        step = trainer.init_from(init, args.init)
        if dist.main:
            print(f"starting from the weights of {args.init} (its step {step})")
    return run_trainer(trainer, resume, args.time_limit, args.stop_at)
