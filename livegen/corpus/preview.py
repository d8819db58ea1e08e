"""`livegen corpus preview`: a listening reel (WAV) and a PNG contact sheet of spectrograms + captions.

So a person can hear and see what the corpus sounds like before training on it.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from livegen import SAMPLE_RATE as SR
from livegen.corpus.make import load_audio, read_manifest


def pick(entries: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """A reproducible sample of `n` entries, in corpus order."""
    rng = np.random.default_rng(seed)
    idx = sorted(rng.choice(len(entries), size=min(n, len(entries)), replace=False).tolist())
    return [entries[i] for i in idx]


def reel(loops: list[np.ndarray], repeats: int, gap_s: float) -> np.ndarray:
    """Each loop played `repeats` times back to back (so the seam is heard), then a short gap."""
    gap = np.zeros(int(gap_s * SR), dtype=np.float32)
    parts = []
    for audio in loops:
        parts += [np.tile(audio, repeats), gap]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def log_spectrogram(audio: np.ndarray, n_fft: int = 1024, hop: int = 256) -> np.ndarray:
    """dB magnitude spectrogram [freq, time] with a Hann window, floor at -80 dB."""
    if len(audio) < n_fft:
        audio = np.pad(audio, (0, n_fft - len(audio)))
    frames = np.lib.stride_tricks.sliding_window_view(audio, n_fft)[::hop]
    mag = np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)).T
    return 20 * np.log10(np.maximum(mag / (mag.max() + 1e-12), 1e-4))


def contact_sheet(entries: list[dict[str, Any]], loops: list[np.ndarray], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display here, and none needed
    import matplotlib.pyplot as plt

    cols = 4
    rows = max(1, int(np.ceil(len(loops) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, entry, audio in zip(axes.flat, entries, loops, strict=False):
        spec = log_spectrogram(audio)
        ax.imshow(
            spec,
            origin="lower",
            aspect="auto",
            cmap="magma",
            vmin=-80,
            vmax=0,
            extent=(0, len(audio) / SR, 0, SR / 2000),
        )
        for beat in range(1, 4):  # beat lines: the grid a loop should sit on
            ax.axvline(beat * 60 / entry["bpm"], color="white", lw=0.5, alpha=0.5)
        caption = (entry.get("captions") or [entry["id"]])[0]
        title = f"{entry['id']}  {entry['bpm']:g} BPM\n" + "\n".join(textwrap.wrap(caption, 48)[:3])
        ax.set_title(title, fontsize=7, loc="left")
        ax.axis("on")
        ax.tick_params(labelsize=6)
        ax.set_ylabel("kHz", fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def preview(corpus: Path, out: Path, n: int = 16, repeats: int = 2, seed: int = 0) -> dict:
    entries = pick(read_manifest(corpus), n, seed)
    loops = [load_audio(corpus, e) for e in entries]
    out.mkdir(parents=True, exist_ok=True)
    reel_path, sheet_path = out / "reel.wav", out / "contact_sheet.png"
    sf.write(reel_path, reel(loops, repeats, gap_s=0.5), SR, subtype="PCM_16")
    contact_sheet(entries, loops, sheet_path)
    (out / "reel.txt").write_text(
        "".join(
            f"{i + 1:2d}. {e['id']} {e['bpm']:g} BPM: {e['captions'][0] if e.get('captions') else ''}\n"
            for i, e in enumerate(entries)
        )
    )
    return {"reel": reel_path, "sheet": sheet_path, "loops": len(entries)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="corpus folder")
    parser.add_argument("--out", type=Path, default=None, help="output folder (CORPUS/preview)")
    parser.add_argument("--n", type=int, default=16, help="loops in the reel and sheet")
    parser.add_argument("--repeats", type=int, default=2, help="times each loop repeats")
    parser.add_argument("--seed", type=int, default=0, help="which loops are picked")


def run(args: argparse.Namespace) -> int:
    out = args.out or args.corpus / "preview"
    result = preview(args.corpus, out, n=args.n, repeats=args.repeats, seed=args.seed)
    print(f"{result['loops']} loops: reel {result['reel']}, contact sheet {result['sheet']}")
    return 0
