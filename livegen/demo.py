"""`livegen demo`: synthesise a few corpus loops, preview and play them; needs no model package.

Plays through the default sounddevice output (JACK included); with no output device it says so and
leaves the reel on disk instead, so it runs on a headless machine too.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy import signal

from livegen import SAMPLE_RATE as SR
from livegen.corpus.make import CorpusConfig, make_corpus
from livegen.corpus.preview import preview


def play(path: Path, seconds: float) -> str:
    """Play a WAV on the default output; returns what happened, in words."""
    import soundfile as sf

    try:
        import sounddevice as sd

        device = sd.query_devices(kind="output")
    except Exception as exc:  # no PortAudio, or no output device: not an error for a demo
        return f"no audio output device ({exc}); the reel is at {path}"
    audio, sr = sf.read(path, dtype="float32", frames=int(seconds * SR))
    rate = int(device["default_samplerate"])
    ratio = Fraction(rate, sr).limit_denominator(1000)
    audio = signal.resample_poly(audio, ratio.numerator, ratio.denominator).astype(np.float32)
    sd.play(np.repeat(audio[:, None], 2, axis=1), rate, blocking=True)
    return f"played {len(audio) / rate:.1f} s of {path} on '{device['name']}' at {rate} Hz"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("data/demo"), help="demo folder")
    parser.add_argument("--n", type=int, default=64, help="loops to synthesise")
    parser.add_argument("--seconds", type=float, default=30.0, help="how much of the reel to play")
    parser.add_argument("--no-play", action="store_true", help="only write the reel")


def run(args: argparse.Namespace) -> int:
    summary = make_corpus(args.out, CorpusConfig(n=args.n, seed=0), progress=False, overwrite=True)
    print(f"synthesised {args.n} loops in {summary['seconds']:.1f} s into {args.out}")
    result = preview(args.out, args.out / "preview", n=8)
    print(f"listening reel {result['reel']}, spectrogram contact sheet {result['sheet']}")
    if not args.no_play:
        print(play(result["reel"], args.seconds))
    return 0
