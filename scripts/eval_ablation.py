"""The generator ablation table: several model packages scored in one run, side by side.

For each NAME=PACKAGE: the outside judge's FD ratio (musicnn, n bars per set), the kick contrast,
tempo adherence and prompt adherence (best w) from `livegen eval generator`'s studies, and the
time of one 8-step guided bar with decode on 1 onnxruntime thread (p50/p99, as a share of a 140
BPM bar and against the first package). Writes JSON and a Markdown table.

    python scripts/eval_ablation.py --corpus data/eval --out docs/results/generator_ablation \
        today=runs/pkgs/today base-uniform=runs/pkgs/base-uniform wide=models/default
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from livegen.eval.kick import kick_study
from livegen.eval.musicnn import MusicnnJudge
from livegen.eval.outside import outside_study
from livegen.eval.studies import HeldOut, prompt_study, tempo_study
from livegen.runtime.codec import Codec
from livegen.runtime.concept import load_conditioner
from livegen.runtime.generator import BarRequest, Generator


def bar_time(model: Path, runs: int, bpm: float = 140.0) -> dict[str, float]:
    """8 guided steps + decode of one bar, 1 onnxruntime thread: median and p99 (ms)."""
    gen = Generator.load(model, "cpu", 1)
    c = np.zeros(gen.concept_dim, np.float32)
    c[0] = 1.0
    times = []
    for i in range(runs):
        t = time.perf_counter()
        gen.bar(BarRequest(bpm=bpm, concept=c, steps=8, guidance=3.0, seed=i))
        times.append(1e3 * (time.perf_counter() - t))
    bar_ms = 4 * 60_000 / bpm
    return {
        "median_ms": float(np.median(times)),
        "p99_ms": float(np.percentile(times, 99)),
        "p99_frac_140bpm": float(np.percentile(times, 99) / bar_ms),
    }


def score(name: str, model: Path, args, judge) -> dict:
    gen = Generator.load(model, "cpu", args.threads)
    codec = Codec.load(model, "cpu", args.threads, with_encoder=True, warm=False)
    cond = load_conditioner("livegen-clap", model_dir=model, threads=args.threads)
    r: dict = {"name": name, "model": str(model)}
    r["outside"] = outside_study(
        gen, cond, judge, args.corpus, args.n, 8, 3.0, 0, codec, model, args.cache_dir,
        progress=False,
    )  # fmt: skip
    r["kick"] = kick_study(gen, cond, args.kick_pairs, 8, 3.0, 0, progress=False)
    bars = args.tempo_bars
    held = HeldOut.load(args.corpus, "test", bars, cond, gen.spec.bpm_min, gen.spec.bpm_max)
    r["tempo"] = tempo_study(gen, held, bars, 8, 3.0, 0, None, progress=False)
    ws = [1.0, 2.0, 3.0, 4.0]
    r["prompts"] = prompt_study(gen, cond, 8, ws, 8, 0, progress=False)
    return r


def table(rows: list[dict], reference: str = "today") -> str:
    """Markdown; bar times as ratios to the `reference` row (else the first)."""
    ref = next((r for r in rows if r["name"] == reference), rows[0])
    base = ref["time"]["p99_ms"]
    out = [
        "| model | what changed | steps | FD ratio (musicnn) | codec ceiling | kick contrast | "
        "tempo ±2 % (free grid) | prompts (best w) | bar p99 (1 thread) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        o, p = r["outside"], r["prompts"]["mean"]
        w = max(p, key=lambda k: p[k])
        t = r["tempo"]["accuracy"]
        free = f" ({100 * t['generated, free grid']:.1f} %)" if "generated, free grid" in t else ""
        out.append(
            f"| {r['name']} | {r.get('what', '')} | {r.get('steps', '')} | "
            f"{o['generated']['ratio']:.2f} | {o['codec_round_trip_unpaired']['ratio']:.2f} | "
            f"{100 * r['kick']['differs']:.0f} % | {100 * t['generated']:.1f} %{free} | "
            f"{100 * p[w]:.1f} % (w={w}) | {r['time']['p99_ms']:.0f} ms = "
            f"{100 * r['time']['p99_frac_140bpm']:.1f} % ({r['time']['p99_ms'] / base:.2f}x) |"
        )
    return "\n".join(out)


def plot_curves(runs: Path, names: list[str], out: Path) -> Path:
    """EMA valid loss (fixed noise and α) against wall time of the runs in `runs/NAME/`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name in names:
        path = runs / name / "metrics.jsonl"
        if not path.is_file():
            continue
        rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
        train = [(r["step"], r["loss"]) for r in rows if r.get("kind") == "train"]
        valid = [(r["step"], r["valid_loss"]) for r in rows if r.get("kind") == "valid"]
        axes[0].plot(*zip(*train, strict=True), lw=0.8, label=name)
        axes[1].plot(*zip(*valid, strict=True), "o-", label=name)
    axes[0].set(xlabel="step", ylabel="train loss (IADB MSE)", yscale="log")
    axes[1].set(xlabel="step", ylabel="valid loss (EMA, uniform α, fixed noise)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("ablation runs side by side on one H200, 300 s each")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="NAME=PACKAGE, the first is the reference")
    parser.add_argument("--corpus", type=Path, required=True, help="held-out corpus")
    parser.add_argument("--out", type=Path, required=True, help="output stem (.json, .md)")
    parser.add_argument("--n", type=int, default=200, help="bars per set for the FD")
    parser.add_argument("--kick-pairs", type=int, default=56)
    parser.add_argument("--tempo-bars", type=int, default=200, help="bars per tempo arm")
    parser.add_argument("--runs", type=int, default=60, help="timed bars per model")
    parser.add_argument("--threads", type=int, default=2, help="threads for the studies")
    parser.add_argument("--cache-dir", type=Path, default=Path("runs/judge_cache"))
    parser.add_argument("--what", default="", help="NAME=text;NAME=text: the table's notes")
    parser.add_argument("--runs-dir", type=Path, help="training runs RUNS/NAME: plot their losses")
    parser.add_argument(
        "--table-only", action="store_true", help="redo the table from --out's JSON"
    )
    args = parser.parse_args(argv)
    names = [m.partition("=")[0] for m in args.models]
    if args.runs_dir:
        plot_curves(args.runs_dir, names, args.out.with_name(args.out.name + "_loss.png"))
    if args.table_only:
        print(table(json.loads(args.out.with_suffix(".json").read_text())))
        args.out.with_suffix(".md").write_text(
            table(json.loads(args.out.with_suffix(".json").read_text())) + "\n"
        )
        return 0
    notes = dict(kv.split("=", 1) for kv in args.what.split(";") if "=" in kv)
    judge = MusicnnJudge.load(threads=args.threads)
    rows = []
    for item in args.models:
        name, _, path = item.partition("=")
        manifest = json.loads((Path(path) / "manifest.json").read_text())
        r = score(name, Path(path), args, judge)
        r["what"] = notes.get(name, "")
        r["steps"] = manifest["generator"]["training"]["step"]
        rows.append(r)
        print(f"{name}: FD ratio {r['outside']['generated']['ratio']:.2f}", flush=True)
        partial = args.out.with_suffix(".partial.json")  # a long run's figures survive a stop
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(rows, indent=1, default=float) + "\n")
    for r in rows:  # timing last, all in one stretch, so the ratios compare like with like
        r["time"] = bar_time(Path(r["model"]), args.runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1, default=float) + "\n")
    text = table(rows)
    args.out.with_suffix(".md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
