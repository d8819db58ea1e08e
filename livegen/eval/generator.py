"""`livegen eval generator`: tempo adherence, prompt adherence and quality against steps.

Runs the shipped package through the runtime (onnxruntime, no torch) on held-out loops and prints
one table per study, writing `report.json` and `generator_eval.png` to `--out-dir`:

- tempo: fraction of generated loops whose tracked tempo (`livegen.dsp.tempo`) is within ±2 %
  of the requested BPM (BPMs spread over 110-140), beside the same seeds and prompts with the BPM
  condition dropped, real held-out loops, and real loops through the codec (its ceiling); each
  also by the former free-grid tracker (", free grid": any tempo, even one whose beat does not
  divide the bar), so that earlier figures compare.
- prompts: zero-shot attribute accuracy of loops prompted with each class (held-out phrasings),
  classified by the concept encoder, for guidance w ∈ {0, 1, 2, 4} (w = 0: prompt ignored).
- outside: the Fréchet distance, in a pretrained music model's embedding (musicnn, nobody here
  trained it), from generated bars to held-out loops, over the distance between two held-out sets
  (`livegen.eval.outside`), beside the codec round trip on the same scale, and tag profiles.
- kick: same-seed pairs prompted with and without a kick; the share whose low band on the beats
  differs by ≥ 3 dB (`livegen.eval.kick`).
- steps: Fréchet distance between generated and held-out loops in the concept embedding space,
  per sampler (method:schedule) and step count (UNet evaluations), and the ODE error against a
  near-exact solution of the same noise (heun, 127 evaluations). Goal: 8 steps within 1.5x of 64.

    livegen eval generator --model models/default --corpus data/corpus

Sampler findings (dev model: smoke codec, 1,600 loops, 1,200 steps; w = 3; mean relative ODE
error against the near-exact solution, 24 bars; `steps` = UNet evaluations):

    steps                 1     2     3     4     6     8
    euler:uniform (paper) 0.72  0.57  0.49  0.43  0.34  0.27
    euler:shift:3         0.72  0.49  0.34  0.25  0.18  0.14
    ab2:uniform           0.72  0.54  0.45  0.39  0.29  0.21
    ab2:shift:3           0.72  0.49* 0.32  0.18  0.09  0.06   (*: ab2 is euler below 3 steps)
    heun:uniform          0.72  0.72  0.50  0.50  0.42  0.36

The error sits near the noise end: SD3's time shift (more of the grid at small α) cuts it 2-4x,
the free 2nd-order multistep (AB2, one evaluation per step) halves it again from 4 steps on, and
Heun's two evaluations per step never pay at equal cost. Shipped default: ab2 + shift:3.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from livegen.runtime.models import add_model_argument
from livegen.runtime.sampler import add_interval_argument


def report(r: dict[str, Any]) -> str:
    from livegen.eval import outside

    lines = []
    if "outside" in r:
        lines += [outside.report(r["outside"]), ""]
    if r.get("kick"):
        k = r["kick"]
        lines += [
            f"kick contrast ({k['pairs']} same-seed pairs, {k['steps']} steps, w={k['guidance']:g}): "
            f"{100 * k['differs']:.1f} % differ by ≥ {k['threshold_db']:g} dB on the beats "
            f"(median {k['median_db']:.1f} dB, p10 {k['p10_db']:.1f} dB)",
            "",
        ]
    t = r.get("tempo")
    if t:
        lines.append(
            f"tempo adherence (±2 %, {t['bars']} bars at {t['bpm_range'][0]:g}-"
            f"{t['bpm_range'][1]:g} BPM, {t['steps']} steps, w={t['guidance']:g})"
        )
        for k, v in t["accuracy"].items():
            lines.append(f"  {k:<32} {100 * v:6.1f} %")
    p = r.get("prompts") or {}
    if p:
        ws = list(p["mean"])
        lines += [
            "",
            f"prompt adherence (zero-shot attribute accuracy, {p['per_class']} bars per "
            f"class, {p['steps']} steps)",
        ]
        real = p.get("real") or {}
        kinds = list(next(iter(real.values()))) if real else []
        head = "".join(f"{'w=' + w:>9}" for w in ws) + "".join(f"{k:>20}" for k in kinds)
        lines.append(f"  {'attribute':<14}" + head)
        for name, row in p["accuracy"].items():
            cells = "".join(f"{100 * row[w]:>8.1f}%" for w in ws)
            cells += "".join(f"{100 * real[name][k]:>19.1f}%" for k in kinds)
            lines.append(f"  {name:<14}" + cells)
        means = "".join(f"{100 * p['mean'][w]:>8.1f}%" for w in ws)
        means += "".join(f"{100 * np.nanmean([real[n][k] for n in real]):>19.1f}%" for k in kinds)
        lines.append(f"  {'mean':<14}" + means)
    s = r.get("steps")
    if not s:  # skipped
        return "\n".join(lines)
    steps = list(next(iter(s["table"].values())))
    lines += [
        "",
        f"Fréchet distance to {s['bars']} held-out loops (concept space; w="
        f"{s['guidance']:g}) / ODE error vs {s['reference']}",
    ]
    lines.append(f"  {'sampler':<16}" + "".join(f"{st + ' steps':>16}" for st in steps))
    for name, row in s["table"].items():
        cells = "".join(f"{row[st]['fd']:>9.3f} /{row[st]['ode_error']:>5.2f}" for st in steps)
        lines.append(f"  {name:<16}" + cells)
    if "codec_round_trip_fd" in s:
        lines.append(f"  codec round trip of the held-out loops: FD {s['codec_round_trip_fd']:.3f}")
    main = next(iter(s["table"]))
    if "8" in s["table"][main] and "64" in s["table"][main]:
        ratio = s["table"][main]["8"]["fd"] / max(s["table"][main]["64"]["fd"], 1e-12)
        lines.append(f"  {main}: FD(8) / FD(64) = {ratio:.2f} (goal ≤ 1.5)")
    return "\n".join(lines)


def plot(r: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    acc = r["tempo"]["accuracy"]
    axes[0].bar(range(len(acc)), [100 * v for v in acc.values()], color="C0")
    axes[0].set_xticks(range(len(acc)), list(acc), rotation=20, fontsize=8)
    axes[0].set(ylabel="within ±2 % (%)", title="tempo adherence", ylim=(0, 100))
    p = r.get("prompts") or {}
    if p:
        ws = [float(w) for w in p["mean"]]
        for name, row in p["accuracy"].items():
            axes[1].plot(ws, [100 * v for v in row.values()], "o-", lw=1, alpha=0.6, label=name)
        axes[1].plot(ws, [100 * v for v in p["mean"].values()], "k-", lw=2.5, label="mean")
        axes[1].legend(fontsize=7)
    axes[1].set(xlabel="guidance w", ylabel="attribute accuracy (%)", title="prompt adherence")
    for name, row in r["steps"]["table"].items():
        st = [int(k) for k in row]
        axes[2].plot(st, [v["fd"] for v in row.values()], "o-", label=name)
    axes[2].set(
        xscale="log",
        xlabel="steps",
        ylabel="Fréchet distance (concept space)",
        title="quality against steps",
    )
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    parser.add_argument("--split", default="test", help="held-out split")
    parser.add_argument("--out-dir", type=Path, default=Path("runs/eval_generator"))
    parser.add_argument("--loops", type=int, default=128, help="held-out loops for the FD")
    parser.add_argument("--tempo-bars", type=int, default=48, help="bars per tempo arm")
    parser.add_argument("--per-class", type=int, default=8, help="bars per prompted class")
    parser.add_argument("--guidances", default="0,1,2,4", help="guidance scales for prompts")
    parser.add_argument("--guidance", type=float, default=3.0, help="guidance for tempo/steps")
    parser.add_argument("--steps", type=int, default=8, help="steps for tempo and prompts")
    parser.add_argument("--steps-list", default="1,2,4,8,16,64", help="step counts for the FD")
    parser.add_argument(
        "--samplers",
        default="ab2:shift:3,euler:uniform,euler:shift:3,heun:uniform",
        help="method:schedule pairs for the FD table (first = the shipped one)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="onnxruntime threads (default: all cores)")
    parser.add_argument(
        "--skip", default="", help="studies to skip: outside,kick,tempo,prompts,steps"
    )
    parser.add_argument(
        "--judge", type=Path, default=None, help="musicnn judge folder (default: models/judge)"
    )
    parser.add_argument("--fd-loops", type=int, default=200, help="bars per set, outside judge")
    parser.add_argument("--kick-pairs", type=int, default=56, help="pairs for the kick contrast")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path("runs/judge_cache"),
        help="judge embeddings of the reference sets (reused across runs and models)",
    )
    parser.add_argument(
        "--stems",
        action="store_true",
        help="judge the package's stem generator (its mix: the sum of the stems, no key)",
    )
    parser.add_argument(
        "--key-lock",
        choices=("on", "off"),
        default="on",
        help="with --stems: the bass tuned onto the grid first, as the daemon plays it (default on)",
    )
    add_interval_argument(parser)
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    from livegen.eval.studies import HeldOut, prompt_study, steps_study, tempo_study
    from livegen.runtime.codec import Codec
    from livegen.runtime.concept import load_conditioner
    from livegen.runtime.generator import Generator
    from livegen.runtime.sampler import METHODS, schedule

    samplers = [(m, k) for m, _, k in (s.partition(":") for s in args.samplers.split(",") if s)]
    for m, k in samplers:
        if m not in METHODS:
            raise ValueError(f"--samplers: {m!r} is not a method ({', '.join(METHODS)})")
        schedule(2, k)  # a clear error for an unknown schedule
    steps_list = [int(x) for x in args.steps_list.split(",") if x]
    guidances = [float(x) for x in args.guidances.split(",") if x]
    skip = set(args.skip.split(","))
    progress = not args.no_progress
    gen = Generator.load(args.model, "cpu", args.threads, stems=args.stems)
    gen.use_interval(args.guidance_interval)
    gen.use_key_lock(args.stems and args.key_lock == "on")
    codec = Codec.load(args.model, "cpu", args.threads, with_encoder=True, warm=False)
    cond = load_conditioner("livegen-clap", model_dir=args.model, threads=args.threads)
    held = HeldOut.load(
        args.corpus,
        args.split,
        max(args.loops, args.tempo_bars),
        cond,
        gen.spec.bpm_min,
        gen.spec.bpm_max,
    )
    fd_held = HeldOut(
        held.entries[: args.loops],
        held.audio[: args.loops],
        held.bpm[: args.loops],
        held.audio_vec[: args.loops],
        held.caption_vec[: args.loops],
    )
    r: dict[str, Any] = {"model": str(args.model), "split": args.split, "seed": args.seed}
    if args.stems:
        r["key_lock"] = args.key_lock
    if "outside" not in skip:
        from livegen.eval.musicnn import DEFAULT_DIR, MusicnnJudge
        from livegen.eval.outside import outside_study

        judge = MusicnnJudge.load(args.judge or DEFAULT_DIR, args.threads)
        r["outside"] = outside_study(
            gen, cond, judge, args.corpus, args.fd_loops, args.steps, args.guidance, args.seed,
            codec, args.model, args.cache_dir, progress=progress,
        )  # fmt: skip
    if "kick" not in skip:
        from livegen.eval.kick import kick_study

        r["kick"] = kick_study(
            gen, cond, args.kick_pairs, args.steps, args.guidance, args.seed, progress
        )
    if "tempo" not in skip:
        r["tempo"] = tempo_study(
            gen, held, args.tempo_bars, args.steps, args.guidance, args.seed, codec, progress
        )
    if "prompts" not in skip:
        r["prompts"] = prompt_study(
            gen,
            cond,
            args.per_class,
            guidances,
            args.steps,
            args.seed,
            fd_held,
            codec,
            progress=progress,
        )
    if "steps" not in skip:
        r["steps"] = steps_study(
            gen, cond, fd_held, samplers, steps_list, args.guidance, args.seed, codec, progress
        )
    _write(r, args.out_dir, skip)
    return 0


def _write(r: dict[str, Any], out_dir: Path, skip: set[str]) -> None:
    """report.json, the figure when the studies it draws ran, and a summary on stdout."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(r, indent=2, default=float) + "\n")
    print(report(r))
    if {"tempo", "steps"} <= r.keys():
        plot(r, out_dir / "generator_eval.png")
    print(
        f"\nwrote {out_dir}/report.json"
        + ("" if skip & {"tempo", "steps"} else f" and {out_dir}/generator_eval.png")
    )
