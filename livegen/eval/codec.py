"""`livegen eval codec`: how well the codec reconstructs held-out loops, as a table, plus a reel.

Measures per whole loop (original vs encode→decode), averaged over the split:
- multi-scale mel distance: mean |Δ log10 mel| over six STFT sizes (64…2048), 0 = identical;
- SI-SDR (dB): waveform fidelity, phase included;
- onset-envelope correlation: the loops' spectral-flux envelopes (`livegen.dsp.onset`, 5 ms frames) of original and
  reconstruction; near 1 when kick and hat attacks survive where and as strong as they were.
The listening reel alternates original and reconstruction, loop by loop.

Runs the exported ONNX package (`--model-dir`, what the daemon ships) or a torch checkpoint.

    livegen eval codec --model-dir models/default --corpus data/corpus
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from livegen.runtime.models import add_model_argument
from livegen.training.codec.config import add_codec_arguments

Reconstruct = Callable[[np.ndarray], np.ndarray]  # float32 [N] → float32 [N]


def round_trip(codec: Any) -> Reconstruct:
    """Encode then decode a loop with a loaded ONNX `Codec` (raw latents, the loop's length)."""

    def rec(audio: np.ndarray) -> np.ndarray:
        z = codec.encode(audio[None], normalized=False)
        return codec.decode(z, normalized=False, n_samples=len(audio))[0]

    return rec


def onnx_reconstructor(model_dir: Path, threads: int | None = None) -> tuple[Reconstruct, str]:
    from livegen.runtime.codec import Codec

    codec = Codec.load(model_dir, device="auto", threads=threads)
    return round_trip(codec), f"onnx ({codec.provider}) {model_dir}"


def torch_reconstructor(source: str, checkpoint: Path) -> tuple[Reconstruct, str]:
    import torch

    from livegen.training.codec.model import load_codec, pad_to_hop

    loaded = load_codec(source, checkpoint)
    model, hop = loaded.model.eval(), loaded.config.hop

    @torch.no_grad()
    def rec(audio: np.ndarray) -> np.ndarray:
        x = pad_to_hop(torch.from_numpy(audio).view(1, 1, -1), hop)
        return model.decoder(model.encoder(x))[0, 0, : len(audio)].numpy()

    return rec, f"torch {source} {checkpoint}"


def evaluate(
    rec: Reconstruct, loops: list[np.ndarray], sample_rate: int
) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """Per-loop measures and the reconstructions."""
    import torch

    from livegen.training.codec.losses import MultiScaleMelLoss, si_sdr

    mel = MultiScaleMelLoss(sample_rate=sample_rate)
    rows: dict[str, list[float]] = {"mel_distance": [], "si_sdr_db": [], "onset_corr": []}
    outs = []
    for audio in loops:
        y = rec(audio)
        outs.append(y)
        ref, est = torch.from_numpy(audio)[None], torch.from_numpy(np.ascontiguousarray(y))[None]
        rows["mel_distance"].append(float(mel.distance(est, ref)[0]))
        rows["si_sdr_db"].append(float(si_sdr(est, ref)[0]))
        rows["onset_corr"].append(onset_correlation(y, audio, sample_rate))
    return {k: np.array(v) for k, v in rows.items()}, outs


def onset_correlation(est: np.ndarray, ref: np.ndarray, sample_rate: int) -> float:
    """Pearson correlation of the two loops' onset envelopes (`livegen.dsp.onset`): near 1 when
    every attack of `ref` is in `est`, where and as strong as it was."""
    from livegen.dsp.onset import onset_envelope

    a, _ = onset_envelope(est[: len(ref)], sample_rate)
    b, _ = onset_envelope(ref, sample_rate)
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def reel(originals: list[np.ndarray], recs: list[np.ndarray], sample_rate: int) -> np.ndarray:
    """original, 0.25 s gap, reconstruction, 0.75 s gap, … for each loop."""
    short, long = np.zeros(sample_rate // 4, np.float32), np.zeros(3 * sample_rate // 4, np.float32)
    parts = []
    for a, b in zip(originals, recs, strict=True):
        parts += [a, short, np.clip(b, -1, 1).astype(np.float32), long]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def format_table(stats: dict[str, np.ndarray], label: str, n: int) -> str:
    lines = [f"codec: {label}  ({n} loops)"]
    lines.append(f"{'measure':<28} {'mean':>8} {'median':>8} {'p10':>8} {'p90':>8}")
    names = {
        "mel_distance": "mel distance (lower better)",
        "si_sdr_db": "SI-SDR dB (higher better)",
        "onset_corr": "onset corr (1 = perfect)",
    }
    for key, values in stats.items():
        p10, med, p90 = np.percentile(values, [10, 50, 90])
        lines.append(f"{names[key]:<28} {values.mean():>8.3f} {med:>8.3f} {p10:>8.3f} {p90:>8.3f}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser, "--model-dir", None, "exported package to evaluate (folder or name)")
    add_codec_arguments(parser, required=False)
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    parser.add_argument("--split", default="test", help="held-out split to score")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N loops")
    parser.add_argument("--reel", type=Path, default=Path("runs/codec_eval/reel.wav"))
    parser.add_argument("--reel-loops", type=int, default=8, help="loops in the listening reel")
    parser.add_argument("--json", type=Path, help="also write the measures here")
    parser.add_argument("--threads", type=int, help="CPU threads (default: all cores)")


def run(args: argparse.Namespace) -> int:
    import soundfile as sf

    from livegen import SAMPLE_RATE
    from livegen.corpus.make import load_audio, read_manifest
    from livegen.training.codec.model import setup_torch

    setup_torch(args.threads)
    if args.model_dir is not None:
        rec, label = onnx_reconstructor(args.model_dir, args.threads)
    elif args.codec_checkpoint is not None:
        rec, label = torch_reconstructor(args.codec, args.codec_checkpoint)
    else:
        raise ValueError("give --model-dir (exported ONNX) or --codec-checkpoint (torch)")
    entries = [e for e in read_manifest(args.corpus) if e["split"] == args.split]
    entries = entries[: args.limit or None]
    if not entries:
        raise ValueError(f"{args.corpus}: no loops in split {args.split!r}")
    loops = [load_audio(args.corpus, e) for e in entries]
    stats, recs = evaluate(rec, loops, SAMPLE_RATE)
    print(format_table(stats, label, len(loops)))
    k = min(args.reel_loops, len(loops))
    if k:
        args.reel.parent.mkdir(parents=True, exist_ok=True)
        sf.write(args.reel, reel(loops[:k], recs[:k], SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")
        print(f"listening reel: {args.reel} ({k} loops: original, then reconstruction)")
    if args.json:
        summary: dict[str, Any] = {"codec": label, "split": args.split, "loops": len(loops)}
        summary.update({k: float(v.mean()) for k, v in stats.items()})
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0
