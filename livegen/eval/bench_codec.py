"""`livegen bench codec`: time to decode one bar with onnxruntime (CPU) beside torch eager.

One bar = 150 frames = 2 s at hop 320 (120 BPM). Both engines run the same decoder in the same
process (weight norm folded for both, so torch does no extra work), median and p99 over `--runs`
calls after warm-up, as milliseconds and as a fraction of the bar's duration. Goal: ONNX ≤ 2 % of
the bar and ≥ 2x faster than torch eager. Without `--codec-checkpoint` it times randomly
initialised decoders (speed does not depend on the weights); `--sweep` times a few sizes.

    livegen bench codec --sweep
    livegen bench codec --codec-checkpoint runs/codec
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from livegen.training.codec.config import CodecConfig, add_codec_arguments

if TYPE_CHECKING:
    from livegen.training.codec.model import CodecModel

SWEEP = (
    ("n_filters 8, dim 64", CodecConfig(n_filters=8)),
    ("n_filters 16, dim 64 (default)", CodecConfig()),
    ("n_filters 16, dim 64, ELU", CodecConfig(activation="ELU", activation_alpha=1.0)),
    ("n_filters 16, dim 64, LSTM 2", CodecConfig(lstm=2)),
    ("n_filters 32, dim 128, LSTM 2 (EnCodec)", CodecConfig(n_filters=32, dimension=128, lstm=2)),
)


def _times(fn: Any, runs: int, warm: int = 3) -> np.ndarray:
    for _ in range(warm):
        fn()
    out = np.empty(runs)
    for i in range(runs):
        t0 = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - t0
    return out


def bench_decoder(
    model: CodecModel, frames: int = 150, runs: int = 50, threads: int = 2
) -> dict[str, Any]:
    """Decode `frames` latent frames with torch eager and onnxruntime CPU; seconds per call.

    Torch runs the decoder as trained (weight norm folded: `folded`), onnxruntime the exported
    graph (`exportable`: the same numbers). Torch keeps one thread while onnxruntime is timed, so
    idle OpenMP workers that still spin cannot take a core from onnxruntime's pool.
    """
    import torch

    from livegen.runtime.session import create_session
    from livegen.training.codec.export import export_graph, exportable, folded
    from livegen.training.common import count_params

    torch.set_flush_denormal(True)  # as onnxruntime's set_denormal_as_zero: same arithmetic
    torch.set_num_threads(1)
    cfg = model.config
    z = torch.randn(1, cfg.dimension, frames)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "decoder.onnx"
        export_graph(exportable(model).decoder, z, path, ("latents", "audio"), 17)
        session = create_session(path, "cpu", threads=threads)
        feed = {"latents": z.numpy()}
        onnx_s = _times(lambda: session.run(None, feed), runs)
    torch.set_num_threads(threads)
    eager = folded(model).decoder
    with torch.inference_mode():
        torch_s = _times(lambda: eager(z), max(10, runs // 2))
    return {
        "params": count_params(model.decoder),
        "bar_s": frames * cfg.hop / cfg.sample_rate,
        "onnx": onnx_s,
        "torch": torch_s,
    }


def format_rows(rows: list[tuple[str, int, dict[str, Any]]], frames: int) -> str:
    lines = [f"decode one bar ({frames} frames) on the CPU; ms median / p99; % bar = onnx median"]
    lines.append(
        f"{'decoder':<40} {'params':>7} {'thr':>3} {'torch ms':>13} {'onnx ms':>13} "
        f"{'% bar':>6} {'speedup':>7}"
    )
    for label, threads, r in rows:
        t_med, t_99 = np.median(r["torch"]) * 1e3, np.percentile(r["torch"], 99) * 1e3
        o_med, o_99 = np.median(r["onnx"]) * 1e3, np.percentile(r["onnx"], 99) * 1e3
        lines.append(
            f"{label:<40} {r['params'] / 1e6:>6.2f}M {threads:>3} {t_med:>6.1f}/{t_99:>6.1f} "
            f"{o_med:>6.1f}/{o_99:>6.1f} {100 * o_med / 1e3 / r['bar_s']:>5.2f}% "
            f"{t_med / o_med:>6.2f}x"
        )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_codec_arguments(parser, required=False)
    parser.add_argument("--frames", type=int, default=150, help="latent frames per bar")
    parser.add_argument("--runs", type=int, default=50, help="timed decodes per engine")
    parser.add_argument(
        "--threads", default="1,2", help="CPU threads for both engines; a list gives one row each"
    )
    parser.add_argument("--sweep", action="store_true", help="time several decoder sizes")
    parser.add_argument("--n-filters", type=int, help="random-init decoder width")
    parser.add_argument("--dim", type=int, help="random-init latent channels")
    parser.add_argument("--lstm", type=int, help="random-init LSTM layers")


def run(args: argparse.Namespace) -> int:
    import torch

    from livegen.training.codec.model import build_codec, load_codec
    from livegen.training.common import with_overrides

    torch.manual_seed(0)
    models: list[tuple[str, CodecModel]] = []
    if args.codec_checkpoint is not None:
        loaded = load_codec(args.codec, args.codec_checkpoint)
        models.append((f"{loaded.source} {Path(args.codec_checkpoint).name}", loaded.model))
    elif args.sweep:
        models += [(label, build_codec(cfg)) for label, cfg in SWEEP]
    else:
        cfg = with_overrides(
            CodecConfig(), n_filters=args.n_filters, dimension=args.dim, lstm=args.lstm
        )
        models.append(
            (f"n_filters {cfg.n_filters}, dim {cfg.dimension}, LSTM {cfg.lstm}", build_codec(cfg))
        )
    threads = [int(t) for t in str(args.threads).split(",") if t]
    rows = [
        (label, n, bench_decoder(m, args.frames, args.runs, n))
        for label, m in models
        for n in threads
    ]
    print(format_rows(rows, args.frames))
    return 0
