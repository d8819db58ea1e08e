"""`livegen train all`: from a folder of your loops (an imported corpus) to a model package.

    livegen corpus import ~/loops --out data/mine
    livegen train all --corpus data/mine --out mine      # then: livegen serve --model mine

Fine-tunes the shipped default (`--model`) in five resumable stages, each recorded in
`RUN_DIR/state.json` as it completes, so a crash or Ctrl-C loses at most the stage under way (the
two training stages checkpoint inside too):
1. plan: a held-out share of your bars (by source file), the rest at several tempos in the
   model's range, beside replayed corpus loops (`livegen.training.all.plan`);
2. codec: its round trip on your bars against the corpus it learnt; only if poor, the decoder is
   fine-tuned, and kept only if it beats the shipped one on the held-out bars by the mel distance
   and by the outside judge, and renders the default's generated bars closer to your held-out
   bars too (`livegen.training.all.codec`);
3. bars: your bars as the UNet's circular latents and as concept vectors of the package's audio
   tower (kept as shipped, so text prompts still land in the same space);
4. unet: the shipped UNet (read back from its ONNX graph) trained on your bars, conditioned on
   each bar's own audio embedding, as the published design did: no captions needed;
5. export + eval: a complete package (the default's codec encoder and concept encoder, your
   decoder if it won, your UNet) and an eval page against your held-out bars (`report`).
Each stage shows a progress bar with its ETA; `docs/results/train_all_debian.md` has the times.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from livegen.runtime.models import OUT_HELP, add_model_argument, output_model_dir

STAGES = ("plan", "codec", "bars", "unet", "export", "eval")
# What each stage leaves in the run folder and would resume from: `--redo` deletes it, so a redone
# stage starts from the current inputs (a new --model's UNet, not the first run's init.pt)
STAGE_FILES = {
    "plan": ("corpus",),
    "codec": ("codec",),
    "bars": ("bars.npz", "concepts.npz"),
    "unet": ("unet", "init.pt"),
}


class Run:
    """The run folder and its stage record."""

    def __init__(self, run_dir: Path, fresh: bool):
        self.dir = Path(run_dir)
        if fresh and self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "state.json"
        self.state: dict[str, Any] = (
            json.loads(self.path.read_text()) if self.path.is_file() else {}
        )

    def done(self, stage: str) -> dict[str, Any] | None:
        return self.state.get(stage)

    def record(self, stage: str, result: dict[str, Any], started: float) -> dict[str, Any]:
        self.state[stage] = {**result, "seconds": round(time.monotonic() - started, 1)}
        self._save()
        print(f"[{stage}] done in {self.state[stage]['seconds']:.0f} s")
        return self.state[stage]

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1) + "\n")
        tmp.replace(self.path)

    def redo(self, stage: str) -> None:
        """Forget `stage` and every stage after it: their records (at once, so a stop before they
        end does not skip them next time) and the files they resume from."""
        for name in STAGES[STAGES.index(stage) :]:
            self.state.pop(name, None)
        self._save()
        for name in STAGES[STAGES.index(stage) :]:
            for file in STAGE_FILES.get(name, ()):
                path = self.dir / file
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)


def stage_plan(args: argparse.Namespace, run: Run) -> dict[str, Any]:
    from livegen.corpus.make import read_manifest
    from livegen.runtime.manifest import load_manifest
    from livegen.training.all.plan import add_replay, holdout, write_corpus

    entries = read_manifest(args.corpus)
    lo, hi = load_manifest(args.model).section("generator")["conditioning"]["bpm_range"]
    train, held = holdout(entries)
    if not train or not held:
        raise ValueError(f"{args.corpus}: {len(entries)} bars; train all needs at least 16")
    summary = write_corpus(args.corpus, train, held, run.dir / "corpus", (lo, hi), args.variants)
    # as many replayed loops as a share `--replay` of the user's training bars (after varispeed)
    n = round(args.replay * summary["written"]["train"] / max(1e-9, 1 - args.replay))
    summary["replay"] = add_replay(run.dir / "corpus", n) if args.replay > 0 else 0
    return summary


def _split_audio(corpus: Path, split: str) -> list:
    from livegen.corpus.make import load_audio, read_manifest

    return [load_audio(corpus, e) for e in read_manifest(corpus) if e["split"] == split]


def stage_codec(args: argparse.Namespace, run: Run) -> dict[str, Any]:
    """Measure; fine-tune the decoder if poor; keep it only if the held-out bars say so."""
    import torch

    from livegen.eval.codec import round_trip
    from livegen.eval.musicnn import MusicnnJudge
    from livegen.runtime.codec import Codec
    from livegen.training.all import codec as ct
    from livegen.training.all.onnx_weights import decoder_from_package

    torch.set_num_threads(args.threads)
    codec = Codec.load(args.model, device="cpu", threads=args.threads)
    train, held = (
        _split_audio(run.dir / "corpus", "train"),
        _split_audio(run.dir / "corpus", "test"),
    )
    result = ct.check(codec, held)
    print(
        f"[codec] round trip on your held-out bars: mel distance {result['user']['mel_distance']:.3f}"
        f", {result['ratio']:.2f}x the codec's own corpus ({result['reference']['mel_distance']:.3f})"
        + (
            ": good enough, kept as shipped"
            if not result["poor"]
            else ": fine-tuning the decoder"
            if args.codec_steps > 0
            else ": poor, but --codec-steps 0 keeps it as shipped"
        )
    )
    result["tuned"] = False
    if not result["poor"] or args.codec_steps <= 0:
        return result
    model, _ = decoder_from_package(args.model)
    tune = ct.DecoderTune(codec, model, train, run.dir / "codec" / "ckpt.pt", seed=args.seed)
    tune.train(args.codec_steps, progress=not args.no_progress)
    tuned = ct.torch_round_trip(codec, tune.decoder)
    after = ct.measure(tuned, held)
    result.update(tuned_held_out=after, loss=tune.losses[:: max(1, len(tune.losses) // 200)])
    better = after["mel_distance"] < result["user"]["mel_distance"]
    judge = MusicnnJudge.load_if_installed(args.threads)
    if judge is not None:  # the outside ear too: a lower mel distance can still sound duller
        shipped_d = ct.judged_distance(judge, held, round_trip(codec))
        tuned_d = ct.judged_distance(judge, held, tuned)
        result["judge_distance"] = {"shipped": shipped_d, "tuned": tuned_d}
        better = better and tuned_d < shipped_d
    if better:
        onnx = run.dir / "codec" / "codec_decoder.onnx"
        result["parity"] = ct.export_decoder(tune.decoder, onnx)
        if judge is not None:  # and on the bars the model generates, through both decoders
            gen = ct.generated_ratios(judge, Path(args.model), onnx, run.dir / "corpus",
                                      args.eval_bars, args.seed, args.threads,
                                      not args.no_progress)  # fmt: skip
            result["generated_fd_ratio"] = gen
            better = gen["tuned"] < gen["shipped"]
        result["tuned"] = better
    judged, generated = result.get("judge_distance"), result.get("generated_fd_ratio")
    print(
        f"[codec] tuned decoder on held-out bars: mel distance {after['mel_distance']:.3f} "
        f"(shipped {result['user']['mel_distance']:.3f})"
        + (
            f", musicnn distance {judged['tuned']:.3f} (shipped {judged['shipped']:.3f})"
            if judged
            else ""
        )
        + (
            f", generated bars' FD ratio {generated['tuned']:.2f} "
            f"(shipped {generated['shipped']:.2f})"
            if generated
            else ""
        )
        + (": kept" if result["tuned"] else ": not better, the shipped decoder stays")
    )
    return result


def assemble(args: argparse.Namespace, run: Run, codec: dict[str, Any]) -> Path:
    """The output package without its UNet: the base's files, the tuned decoder if it won."""
    from livegen.runtime.manifest import load_manifest, update_manifest

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    base = load_manifest(args.model)
    data = json.loads((base.root / "manifest.json").read_text())
    for name in data["files"]:
        if name != data["generator"]["unet"]:
            shutil.copy2(base.root / name, out / name)
    kept = {k: v for k, v in data.items() if k != "generator"}
    kept["files"] = {k: v for k, v in data["files"].items() if k != data["generator"]["unet"]}
    (out / "manifest.json").write_text(json.dumps(kept, indent=2) + "\n")
    if codec.get("tuned"):
        section = dict(data["codec"])
        shutil.copy2(run.dir / "codec" / section["decoder"], out / section["decoder"])
        section["decoder_finetune"] = {
            "corpus": str(args.corpus),
            "steps": args.codec_steps,
            "held_out_mel_distance": {
                "shipped": codec["user"]["mel_distance"],
                "tuned": codec["tuned_held_out"]["mel_distance"],
            },
            "parity": codec["parity"],
            "encoder": "as shipped (the latent space and its statistics are unchanged)",
        }
        if data["codec"].get("decoder_finetune"):  # the base's own fine-tune, kept beneath
            section["decoder_finetune"]["previous"] = data["codec"]["decoder_finetune"]
        update_manifest(out, "codec", section, [section["encoder"], section["decoder"]])
    return out


def stage_bars(args: argparse.Namespace, run: Run) -> dict[str, Any]:
    from livegen.training.unet.bars import load_or_encode
    from livegen.training.unet.concepts import load_or_compute

    corpus, pkg = run.dir / "corpus", Path(args.out)
    cache = load_or_encode(run.dir / "bars.npz", pkg, corpus, progress=not args.no_progress)
    load_or_compute(run.dir / "concepts.npz", pkg, corpus, cache.ids, cache.captions,
                    progress=not args.no_progress)  # fmt: skip
    return {"bars": len(cache.ids), "train": int((cache.split == "train").sum())}


# `--unet-steps auto`: passes over the training corpus (your bars at their tempos and the replayed
# loops), within bounds that keep a big pack under an hour on 2 cores. On the kit pack (2,553
# bars) 1,200 steps moved the judge by noise and 8,000 (~50 passes) 21 % closer to the held-out
# bars (`docs/results/train_all_debian.md`, "Longer fine-tunes").
UNET_EPOCHS = 50
UNET_STEPS_MIN, UNET_STEPS_MAX = 600, 8000


def unet_steps(args: argparse.Namespace, plan: dict[str, Any]) -> int:
    """`--unet-steps`, or for "auto" `UNET_EPOCHS` passes over the training corpus."""
    if args.unet_steps != "auto":
        return int(args.unet_steps)
    bars = plan["written"]["train"] + plan.get("replay", 0)
    return min(UNET_STEPS_MAX, max(UNET_STEPS_MIN, round(UNET_EPOCHS * bars / args.batch_size)))


def steps_or_auto(text: str) -> int | str:
    """`--unet-steps`: a positive count, or "auto"."""
    if text == "auto":
        return text
    try:
        steps = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a step count nor 'auto'") from None
    if steps < 1:
        raise argparse.ArgumentTypeError(f"{steps} steps: give at least 1, or 'auto'")
    return steps


def stage_unet(args: argparse.Namespace, run: Run) -> dict[str, Any]:
    """The shipped UNet's weights as a checkpoint `train unet --init` takes, then `train unet`."""
    import torch

    from livegen.training.all.onnx_weights import unet_checkpoint_from_package
    from livegen.training.common import save_checkpoint
    from livegen.training.unet import train as train_unet

    steps = unet_steps(args, run.state["plan"])
    init = run.dir / "init.pt"
    if not init.is_file():
        save_checkpoint(unet_checkpoint_from_package(args.model), init)
    parser = argparse.ArgumentParser()
    train_unet.add_arguments(parser)
    argv = [
        "--corpus", str(run.dir / "corpus"), "--model", str(args.out),
        "--bars", str(run.dir / "bars.npz"), "--concepts", str(run.dir / "concepts.npz"),
        "--run-dir", str(run.dir / "unet"), "--init", str(init), "--device", "cpu",
        "--threads", str(args.threads), "--steps", str(steps),
        "--batch-size", str(args.batch_size), "--lr", str(args.lr), "--ema", "0.995",
        "--p-text", "0", "--alpha-dist", "logit-normal:0,1", "--seed", str(args.seed),
        "--ckpt-every", "100", "--valid-every", "100000", "--log-every", "20",
    ]  # fmt: skip
    if args.no_progress:
        argv.append("--no-progress")
    if args.time_limit:
        argv += ["--time-limit", str(args.time_limit)]
    train_unet.run(parser.parse_args(argv))
    ckpt = torch.load(run.dir / "unet" / "checkpoint.pt", map_location="cpu", weights_only=False)
    if ckpt["step"] < steps:
        raise SystemExit(f"paused at step {ckpt['step']}/{steps}: run again to resume")
    return {"steps": int(ckpt["step"]), "checkpoint": str(run.dir / "unet" / "checkpoint.pt")}


def stage_export(args: argparse.Namespace, run: Run) -> dict[str, Any]:
    from livegen.runtime.manifest import load_manifest, update_manifest
    from livegen.training.unet.export import export_unet

    base = load_manifest(args.model).section("generator")
    section = export_unet(Path(run.state["unet"]["checkpoint"]), Path(args.out), base["sampler"])
    # The base learnt the whole tempo range; your bars may cover less of it: keep the base's.
    section["conditioning"]["bpm_range"] = base["conditioning"]["bpm_range"]
    section["training"]["finetune"] = {"base": str(args.model), "corpus": str(args.corpus),
                                       "plan": run.state["plan"], "codec": run.state["codec"]}  # fmt: skip
    update_manifest(Path(args.out), "generator", section, [section["unet"]])
    return {"package": str(args.out)}


def replay_share(text: str) -> float:
    """`--replay`: a share of the training bars, so below 1 (1.0 would ask for endless loops)."""
    try:
        share = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= share <= 0.95:
        raise argparse.ArgumentTypeError(
            f"{share:g} is not a share in 0-0.95 (0.5: as many replayed loops as bars of yours)"
        )
    return share


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, required=True, help="your imported loops")
    parser.add_argument("--out", type=output_model_dir, required=True, help=OUT_HELP)
    add_model_argument(parser, help="the package to fine-tune (default: the shipped default)")
    parser.add_argument(
        "--run-dir", type=Path, help="resumable work folder (default: runs/all-NAME)"
    )
    parser.add_argument("--fresh", action="store_true", help="start over (deletes the run folder)")
    parser.add_argument("--redo", choices=STAGES, help="run this stage and the ones after again")
    parser.add_argument("--variants", type=int, default=5, help="tempos per training bar")
    parser.add_argument(
        "--replay",
        type=replay_share,
        default=0.25,
        help="share of the training bars that are synthesised corpus loops, 0-0.95 (keeps tempo "
        "lock; 0.5 = one replayed loop per bar of yours)",
    )
    parser.add_argument("--codec-steps", type=int, default=600, help="decoder steps if it is poor")
    parser.add_argument(
        "--unet-steps",
        type=steps_or_auto,
        default="auto",
        help=f"UNet fine-tuning steps (auto: {UNET_EPOCHS} passes over the training bars, "
        f"{UNET_STEPS_MIN}-{UNET_STEPS_MAX} steps)",
    )
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch/onnxruntime threads")
    parser.add_argument("--eval-bars", type=int, default=96, help="generated bars per model")
    parser.add_argument("--time-limit", type=float, metavar="MIN", help="pause the UNet stage")
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    from livegen.training.all.report import stage_eval, verdict

    run = Run(args.run_dir or Path("runs") / f"all-{Path(args.out).name}", args.fresh)
    print(f"train all: {args.corpus} -> {args.out} (from {args.model}); run folder {run.dir}")
    stages = {"plan": stage_plan, "codec": stage_codec, "bars": stage_bars,
              "unet": stage_unet, "export": stage_export, "eval": stage_eval}  # fmt: skip
    if args.redo:
        run.redo(args.redo)
    if run.done("bars") and not (Path(args.out) / "manifest.json").is_file():
        # --out is new, or was deleted since: the package again, and its UNet if it had one
        if run.done("export"):
            run.redo("export")
        assemble(args, run, run.state["codec"])
    t0 = time.monotonic()
    for name in STAGES:
        if run.done(name):
            print(f"[{name}] done earlier ({run.state[name]['seconds']:.0f} s)")
        else:
            started = time.monotonic()
            if name == "bars":  # the package must exist before its codec encodes the bars
                assemble(args, run, run.state["codec"])
            run.record(name, stages[name](args, run), started)
    if "bootstrap" in run.state["eval"]:  # (an eval recorded before the bootstrap had none)
        print(verdict(run.state["eval"]))
    print(f"train all: {args.out} ready in {(time.monotonic() - t0) / 60:.1f} min this sitting; "
          f"eval page {Path(args.out) / 'eval' / 'index.md'}")  # fmt: skip
    return 0
