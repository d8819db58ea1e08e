"""`livegen corpus make`: render N loops in parallel into a folder of audio files plus a manifest.

Layout: `OUT/audio/loop_000123.flac`, its stems `OUT/stems/loop_000123_{drums,bass,music}.flac`
(unless `--no-stems`), `OUT/manifest.jsonl` (one JSON object per loop, in index order, the stems
under `"stems"`), `OUT/corpus.json` (how the corpus was made). The mix file is the sum of its
stem files: exactly, sample for sample, as read back in float32 (FLAC: the stems are rounded to
16 bits and the mix is the sum of the rounded stems; WAV: float32 throughout). Loop i depends only
on (seed, i): the same seed gives identical bytes whatever the number of workers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from tqdm import tqdm

from livegen import SAMPLE_RATE as SR
from livegen import __version__
from livegen.corpus.captions import captions
from livegen.corpus.kit import Kit, load_kit, table
from livegen.corpus.loop import STEMS, Loop, make_loop

SPLITS = (("train", 0.9), ("valid", 0.05), ("test", 0.05))
N_CAPTIONS = 5
FORMATS = {"flac": ("FLAC", "PCM_16"), "wav": ("WAV", "FLOAT")}


@dataclass(frozen=True)
class CorpusConfig:
    """How a corpus is made; saved as corpus.json beside the manifest."""

    n: int = 10_000
    seed: int = 0
    audio_format: str = "flac"  # flac (16-bit, ~4x smaller) or wav (float32, lossless)
    n_captions: int = N_CAPTIONS  # paraphrases stored per loop
    stems: bool = True  # write the drums/bass/music stems beside each mix
    kit: str | None = None  # a folder of recorded one-shots for the drums (`corpus.kit`)
    modes: str = "minor"  # "both": about half the loops in major keys (the stem generator's keys)


_KITS: dict[str, Kit] = {}  # loaded once per process (the pool's workers inherit it by fork)


def kit_for(path: str | None) -> Kit | None:
    if path is None:
        return None
    if path not in _KITS:
        _KITS[path] = load_kit(Path(path))
    return _KITS[path]


def split_of(seed: int, index: int) -> str:
    """Fixed train/valid/test assignment of loop `index`, from the seed alone."""
    u = np.random.default_rng(np.random.SeedSequence([seed, index, 3])).random()
    edge = 0.0
    for name, share in SPLITS:
        edge += share
        if u < edge:
            return name
    return SPLITS[-1][0]


def render_entry(cfg: CorpusConfig, out_dir: Path, index: int) -> dict[str, Any]:
    """Render loop `index`, write its audio file, return its manifest entry."""
    loop = make_loop(cfg.seed, index, kit=kit_for(cfg.kit), modes=cfg.modes)
    rel = f"audio/loop_{index:06d}.{cfg.audio_format}"
    entry: dict[str, Any] = {
        "id": f"loop_{index:06d}",
        "path": rel,
        "split": split_of(cfg.seed, index),
    }
    if cfg.stems:
        entry["stems"] = {s: f"stems/loop_{index:06d}_{s}.{cfg.audio_format}" for s in STEMS}
    _write_audio(out_dir, rel, entry.get("stems"), loop, cfg.audio_format)
    cap_rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, index, 7]))
    entry.update(loop.meta)
    entry["captions"] = captions(loop.meta, cap_rng, cfg.n_captions)
    if loop.meta["scale"] == "major":  # the caption tables speak of minor chords
        entry["captions"] = [c.replace("minor chord", "chord") for c in entry["captions"]]
    return entry


def _write_audio(
    out_dir: Path, rel: str, stems: dict[str, str] | None, loop: Loop, audio_format: str
) -> None:
    """Write the mix and its stems so that the mix file is the sum of the stem files."""
    fmt, subtype = FORMATS[audio_format]
    if stems is None:
        sf.write(out_dir / rel, loop.audio, SR, format=fmt, subtype=subtype)
        return
    if subtype == "PCM_16":  # integers in, integers out: the 16-bit mix is the 16-bit stems' sum
        parts = {s: np.round(loop.stems[s].astype(np.float64) * 32768.0) for s in STEMS}
        mix = (parts["drums"] + parts["bass"] + parts["music"]).astype(np.int16)  # within ±1
        sums: dict[str, np.ndarray] = {s: p.astype(np.int16) for s, p in parts.items()}
    else:
        mix, sums = loop.audio, loop.stems
    sf.write(out_dir / rel, mix, SR, format=fmt, subtype=subtype)
    for name, path in stems.items():
        sf.write(out_dir / path, sums[name], SR, format=fmt, subtype=subtype)


def _work(job: tuple[CorpusConfig, Path, int]) -> str:
    return json.dumps(render_entry(*job))


def make_corpus(
    out_dir: Path,
    cfg: CorpusConfig,
    workers: int = 2,
    progress: bool = True,
    overwrite: bool = False,
) -> dict:
    """Render the corpus into `out_dir`; returns a summary with the throughput.

    Refuses a folder that already holds a manifest (it may hold imported loops) unless `overwrite`.
    """
    if cfg.audio_format not in FORMATS:
        raise ValueError(f"audio format must be one of {sorted(FORMATS)}, not {cfg.audio_format!r}")
    if cfg.n < 1:
        raise ValueError("a corpus needs at least one loop (--n >= 1)")
    out_dir = Path(out_dir)
    if (out_dir / "manifest.jsonl").exists() and not overwrite:
        raise FileExistsError(f"{out_dir} already holds a corpus; pass --overwrite to replace it")
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    if cfg.stems:
        (out_dir / "stems").mkdir(exist_ok=True)
    jobs = [(cfg, out_dir, i) for i in range(cfg.n)]
    start = time.perf_counter()
    counts = {name: 0 for name, _ in SPLITS}
    tmp = out_dir / "manifest.jsonl.partial"
    with tmp.open("w") as manifest:
        lines = _run(jobs, workers)
        for line in tqdm(lines, total=cfg.n, disable=not progress, desc="corpus", unit="loop"):
            manifest.write(line + "\n")
            counts[json.loads(line)["split"]] += 1
    tmp.replace(out_dir / "manifest.jsonl")  # only a finished corpus has a manifest
    seconds = time.perf_counter() - start
    summary = {"config": asdict(cfg), "version": __version__, "sample_rate": SR, "splits": counts}
    kit = kit_for(cfg.kit)
    if kit is not None:  # what played which voice, for the record
        summary["kit"] = kit.report()
    (out_dir / "corpus.json").write_text(json.dumps(summary, indent=2) + "\n")
    return {**summary, "seconds": seconds, "loops_per_s": cfg.n / seconds}


def _run(jobs: list, workers: int):
    if workers <= 1:
        yield from map(_work, jobs)
        return
    # fork keeps start-up cheap; chunks amortise the pickling of results.
    with mp.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_work, jobs, chunksize=16)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("data/corpus"), help="output folder")
    parser.add_argument("--n", type=int, default=10_000, help="number of one-bar loops")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (same seed = same bytes)")
    parser.add_argument("--workers", type=int, default=mp.cpu_count(), help="parallel processes")
    parser.add_argument("--format", dest="audio_format", choices=sorted(FORMATS), default="flac")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing corpus")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-stems", action="store_true", help="write only the mixes, not the drums/bass/music"
    )
    parser.add_argument(
        "--kit",
        type=Path,
        help="folder of recorded drum one-shots to play the drum patterns with (assigned to "
        "kick/clap/snare/hats/rim/perc by name and sound; missing voices stay synthesised)",
    )
    parser.add_argument(
        "--modes",
        choices=("minor", "both"),
        default="minor",
        help="minor: every loop in a minor mode (minor, dorian, phrygian; the default corpus); "
        "both: about half of them in the major key on the same tonic (for the stem generator)",
    )


def run(args: argparse.Namespace) -> int:
    cfg = CorpusConfig(
        n=args.n,
        seed=args.seed,
        audio_format=args.audio_format,
        stems=not args.no_stems,
        kit=str(args.kit) if args.kit else None,
        modes=args.modes,
    )
    kit = kit_for(cfg.kit)  # before the workers fork: they inherit it
    if kit is not None:
        print(table(kit))
    summary = make_corpus(
        args.out, cfg, workers=args.workers, progress=not args.no_progress, overwrite=args.overwrite
    )
    splits = ", ".join(f"{k} {v}" for k, v in summary["splits"].items())
    print(
        f"wrote {cfg.n} loops to {args.out} ({splits}) in {summary['seconds']:.1f} s "
        f"= {summary['loops_per_s']:.1f} loops/s"
    )
    return 0


def read_manifest(corpus_dir: Path) -> list[dict[str, Any]]:
    """All entries of a corpus (synthetic or imported), in order."""
    path = Path(corpus_dir) / "manifest.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no corpus manifest here (run `livegen corpus make`)")
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def load_audio(corpus_dir: Path, entry: dict[str, Any]) -> np.ndarray:
    """One loop's audio as float32 [n_samples] at 24 kHz."""
    audio, sr = sf.read(Path(corpus_dir) / entry["path"], dtype="float32", always_2d=False)
    if sr != SR:
        raise ValueError(f"{entry['path']}: sample rate {sr}, corpus rate is {SR}")
    return audio


def load_stems(corpus_dir: Path, entry: dict[str, Any]) -> dict[str, np.ndarray] | None:
    """One loop's stems (drums, bass, music) as float32 [n_samples] each; None if it has none."""
    if not entry.get("stems"):
        return None  # imported loops, or a corpus made with --no-stems
    return {name: load_audio(corpus_dir, {"path": path}) for name, path in entry["stems"].items()}
