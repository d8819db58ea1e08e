"""`livegen bench generator`: time to generate one bar, onnxruntime beside torch eager.

One bar at `--bpm` (125: 1.92 s) = steps guided UNet evaluations (cond + uncond as one batch
of 2) + the codec decode, exactly as the daemon runs it (`Generator.bar`). Median and p99 over
`--runs` bars after warm-up, in ms and as a fraction of the bar, for each step count. With
`--unet-checkpoint` the same sampler runs the same UNet in torch eager in the same process
(decoding with the package's ONNX decoder, so the difference is the UNet's). Goal: 8 steps +
decode ≤ 5 % of the bar on a 2-core CPU. With a GPU and onnxruntime-gpu, `--device cuda` runs the
UNet on the CUDA provider with IO binding (`livegen.runtime.generator.OnnxDenoiser`).

    livegen bench generator --model models/default --unet-checkpoint runs/unet
    livegen bench generator --stems --baseline default --threads 1   # stems beside the mix

With `--stems` the package's stem generator is timed (its bar: the UNet's steps + the three stem
decodes as one batch + the bass's key lock; beside it the same bars without the lock) in a key
(`--key`, default A minor: with a key guidance of its own, the worst case, three branches per
step); a `--baseline` package is timed with its mix generator, bar by bar in turn.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from livegen.control.keys import Key, key_option
from livegen.runtime.models import add_model_argument, model_arg
from livegen.runtime.sampler import add_interval_argument, add_key_interval_argument


def _stats(ms: np.ndarray, bar_ms: float) -> dict[str, float]:
    med, p99 = float(np.median(ms)), float(np.percentile(ms, 99))
    return {"median_ms": med, "p99_ms": p99, "median_frac": med / bar_ms, "p99_frac": p99 / bar_ms}


def bench(
    gen,
    bpm: float,
    steps_list: list[int],
    guidance: float,
    runs: int,
    torch_denoiser=None,
    baseline=None,
    key=None,
) -> dict[str, Any]:
    """Per step count: ORT bar time, torch eager bar time when a torch denoiser is given, and
    a `baseline` generator's (another package) bar by bar in turn, so both see the same load."""
    from livegen.runtime.generator import BarRequest
    from livegen.runtime.sampler import noise
    from livegen.units import bar_frames, bar_samples

    concept = None
    if gen.concept_dim:
        concept = np.zeros(gen.concept_dim, np.float32)
        concept[0] = 1.0
    bar_ms = 240_000.0 / bpm
    n = bar_samples(bpm, gen.sample_rate)
    t = bar_frames(n, gen.codec.hop)
    out: dict[str, Any] = {
        "bpm": bpm,
        "bar_ms": bar_ms,
        "frames": t,
        "guidance": guidance,
        "provider": gen.provider,
        "runs": runs,
        "steps": {},
    }
    # The pieces: one guided UNet evaluation (batch 2) and one decode.
    x = noise(0, gen.spec.latent_dim, t)
    pieces = {
        "unet_batch2": lambda: gen.latents(x, n, concept, 1, guidance),
        "decode": lambda: gen.decode_bar(x, n),
    }
    if gen.stems:  # the bass's key lock on one decoded bar
        stems = gen.decode_stems(x)
        pieces["key_lock"] = lambda: gen.lock_stems(stems, key)
    for name, fn in pieces.items():
        out[name] = _stats(_times(fn, runs), bar_ms)
    for steps in steps_list:
        row: dict[str, Any] = {}
        reqs = [
            BarRequest(bpm, concept, steps, guidance, seed, key=key) for seed in range(runs + 3)
        ]
        engines = {
            "onnxruntime": (gen, True),
            **({"baseline": (baseline, True)} if baseline else {}),
        }
        if gen.stems:  # the same bars without the bass's key lock, to read off what it costs
            engines["no key lock"] = (gen, False)
        times: dict[str, list[float]] = {k: [] for k in engines}
        order = list(engines.items())
        for i, req in enumerate(reqs):
            # each engine leads in turn: in a fixed order the first read 1.06-1.09x the second
            # for two packages of one graph, whichever was first
            turn = i % len(order)
            for k, (g, lock) in order[turn:] + order[:turn]:
                mine = g.concept_dim == gen.concept_dim and g.spec.key_dim == gen.spec.key_dim
                one = req if mine else replace(req, concept=None, key=None)
                bar = g.bar(replace(one, key_lock=lock))
                if i >= 3:
                    times[k].append(bar.gen_ms)
        for k, ms_k in times.items():
            row[k] = _stats(np.asarray(ms_k), bar_ms)
        if torch_denoiser is not None:
            ort_denoiser = gen.denoiser
            gen.denoiser = torch_denoiser
            try:
                ms = [gen.bar(req).gen_ms for req in reqs][3:]
            finally:
                gen.denoiser = ort_denoiser
            row["torch eager"] = _stats(np.asarray(ms), bar_ms)
        out["steps"][str(steps)] = row
    return out


def _times(fn, runs: int, warm: int = 3) -> np.ndarray:
    for _ in range(warm):
        fn()
    ms = np.empty(runs)
    for i in range(runs):
        t0 = time.perf_counter()
        fn()
        ms[i] = (time.perf_counter() - t0) * 1e3
    return ms


def report(r: dict[str, Any]) -> str:
    lines = [
        f"one bar at {r['bpm']:g} BPM ({r['bar_ms']:.0f} ms, {r['frames']} frames), guidance "
        f"{r['guidance']:g} (cond + uncond batch 2), {r['runs']} runs, UNet on {r['provider']}",
        f"  one guided UNet evaluation {r['unet_batch2']['median_ms']:.2f} ms (p99 "
        f"{r['unet_batch2']['p99_ms']:.2f}); decode {r['decode']['median_ms']:.2f} ms (p99 "
        f"{r['decode']['p99_ms']:.2f})"
        + (
            f"; the bass's key lock {r['key_lock']['median_ms']:.2f} ms (p99 "
            f"{r['key_lock']['p99_ms']:.2f})"
            if "key_lock" in r
            else ""
        ),
        "",
        f"  {'steps':>5} {'engine':<12} {'median ms':>10} {'p99 ms':>8} {'median':>8} {'p99':>8}",
    ]
    if r.get("guidance_interval"):
        lo, hi = r["guidance_interval"]
        lines.insert(
            2, f"  guidance only on steps with alpha in [{lo:g}, {hi:g}), the rest batch 1"
        )
    if r.get("key"):  # a stem generator in a key: three branches per step when it guides apart
        kg, ki = r.get("key_guidance"), r.get("key_guidance_interval")
        only = f" on steps with alpha in [{ki[0]:g}, {ki[1]:g})" if ki else ""
        lines.insert(2, f"  stems in {r['key']}, key guidance {'= w' if kg is None else kg}{only}")
    for steps, row in r["steps"].items():
        for engine, s in row.items():
            lines.append(
                f"  {steps:>5} {engine:<12} {s['median_ms']:>10.1f} {s['p99_ms']:>8.1f} "
                f"{100 * s['median_frac']:>7.2f}% {100 * s['p99_frac']:>7.2f}%"
            )
        if "baseline" in row:
            ratio = row["onnxruntime"]["p99_ms"] / row["baseline"]["p99_ms"]
            lines.append(f"  {steps:>5} p99 against the baseline: {ratio:.2f}x")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--bpm", type=float, default=125.0)
    parser.add_argument("--steps-list", default="1,2,4,8,16", help="step counts")
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=50, help="timed bars per step count")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (both engines)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    parser.add_argument(
        "--unet-checkpoint",
        type=Path,
        help="UNet training run: also time torch eager on the same weights",
    )
    parser.add_argument(
        "--baseline",
        type=model_arg,  # a folder, or a name found along the model search path, as --model
        help="another model package timed bar by bar in turn with --model (e.g. the previous "
        "default), for a ratio measured in one run",
    )
    parser.add_argument(
        "--stems", action="store_true", help="time the package's stem generator (3 decodes)"
    )
    parser.add_argument(
        "--baseline-stems",
        action="store_true",
        help="time the baseline's stem generator (default: its mix generator)",
    )
    parser.add_argument(
        "--key", type=key_option, default=Key(9, "minor"), help="--stems: the key asked for"
    )
    add_interval_argument(parser)
    add_key_interval_argument(parser)
    parser.add_argument("--json", type=Path, help="also write the figures here")


def run(args: argparse.Namespace) -> int:
    from livegen.runtime.generator import Generator

    if args.runs < 1:
        raise ValueError(f"--runs must be at least 1, got {args.runs}")
    steps_list = [int(s) for s in args.steps_list.split(",") if s]
    gen = Generator.load(args.model, args.device, args.threads, stems=args.stems)
    gen.use_interval(args.guidance_interval)
    gen.use_key_interval(args.key_guidance_interval)
    torch_denoiser = None
    if args.unet_checkpoint is not None:
        import torch

        from livegen.training.unet.export import load_unet
        from livegen.training.unet.model import TorchDenoiser

        torch.set_num_threads(args.threads)
        torch.set_flush_denormal(True)
        model, _ = load_unet(args.unet_checkpoint)
        torch_denoiser = TorchDenoiser(model)
    baseline = None
    if args.baseline:
        baseline = Generator.load(
            args.baseline, args.device, args.threads, stems=args.baseline_stems
        )
    key = args.key if gen.spec.key_dim else None
    r = bench(gen, args.bpm, steps_list, args.guidance, args.runs, torch_denoiser, baseline, key)
    r["stems"] = list(gen.stems)
    r["guidance_interval"] = gen.spec.guidance_interval
    if baseline is not None:
        r["baseline_stems"] = list(baseline.stems)
        r["baseline_guidance_interval"] = baseline.spec.guidance_interval
    if key is not None:
        r["key"], r["key_guidance"] = str(key), gen.spec.key_guidance
        r["key_guidance_interval"] = gen.spec.key_interval
    if args.baseline:
        r["baseline"] = str(args.baseline)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=2) + "\n")
    return 0
