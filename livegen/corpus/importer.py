"""Imports a performer's own loops (any format libsndfile reads) into livegen's corpus format.

One bar per loop: the tempo comes from `livegen.corpus.tempo` (metadata, name, then the audio with
the loop's length as a prior), loops shorter than a bar are tiled and longer ones cut into bars.
Every file gets a line in `import_report.json` saying what decided its tempo and how sure that is,
or why it was refused. The manifest is appended and flushed file by file, so a crash or Ctrl-C
loses nothing already imported and the next run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf
from scipy.signal import resample_poly
from tqdm import tqdm

from livegen.corpus.import_manifest import caption, read_manifest, split_of
from livegen.corpus.tempo import MIN_CONFIDENCE, TempoDecision, decide
from livegen.units import SAMPLE_RATE, bar_count, bar_samples

Audio = npt.NDArray[np.float32]

# libsndfile format -> file name extensions; only the formats this libsndfile reads count.
_FORMAT_EXTENSIONS = {
    "WAV": (".wav", ".wave"), "AIFF": (".aif", ".aiff", ".aifc"), "FLAC": (".flac",),
    "OGG": (".ogg", ".oga", ".opus"), "MP3": (".mp3",), "CAF": (".caf",), "W64": (".w64",),
    "RF64": (".rf64",), "AU": (".au", ".snd"),
}  # fmt: skip
AUDIO_EXTENSIONS = frozenset(
    ext for fmt in sf.available_formats() for ext in _FORMAT_EXTENSIONS.get(fmt, ())
)
PEAK_DBFS = -1.5
SILENCE_PEAK = 1e-3  # -60 dBFS: quieter than any usable loop, louder than dither
BAR_TOLERANCE = 0.02  # rounding at two sample rates leaves a bar a few samples short
MAX_SECONDS = 120.0  # 8 bars at 60 BPM is 32 s: anything this long is a track, not a loop
CLIP_LEVEL = 0.999


@dataclass
class ImportReport:
    """What one `import_loops` run did; `imported` holds the manifest records it appended and
    `files` one entry per file looked at (status, tempo, cue, confidence, reason)."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[str] = field(default_factory=list)  # already in the manifest
    ignored: list[str] = field(default_factory=list)  # not audio by their extension
    notes: list[tuple[str, str]] = field(default_factory=list)  # imported, but something dropped
    files: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False

    @property
    def n_source_files(self) -> int:
        return len({rec["source"] for rec in self.imported})


def _cut(audio: Audio, bar: int) -> tuple[list[Audio], str]:
    """One-bar loops plus a note; no loops means rejected, and the note says why."""
    n_bars, rest = divmod(len(audio), bar)
    if rest >= (1.0 - BAR_TOLERANCE) * bar:  # a few samples short: pad rather than lose a bar
        audio = np.pad(audio, (0, bar - rest))
        n_bars, rest = n_bars + 1, 0
    if n_bars:
        note = f"dropped a {rest / bar:.2f}-bar remainder" if rest >= 0.1 * bar else ""
        return [audio[i * bar : (i + 1) * bar] for i in range(n_bars)], note
    for fraction in (0.5, 0.25):  # a half or quarter bar loops cleanly into a whole one
        if abs(len(audio) - fraction * bar) <= BAR_TOLERANCE * fraction * bar:
            return [np.resize(audio, bar)], ""
    return [], f"too short: {len(audio) / bar:.2f} bars, not a whole, half or quarter bar"


def cut_bars(audio: Audio, bpm: float, sr: int = SAMPLE_RATE) -> list[Audio]:
    """Whole one-bar loops of `audio` (tiling a half or quarter bar); [] when it cannot be cut."""
    return _cut(audio, bar_samples(bpm, sr))[0]


def to_model_rate(frames: npt.NDArray, sr: int, periodic: bool = True) -> Audio:
    """[T, C] at `sr` -> mono [T'] at SAMPLE_RATE. A loop is periodic, so wrap padding keeps its
    seam free of edge ringing; a one-shot (`periodic=False`) is padded with silence instead, so
    its tail does not ring into its attack."""
    mono = frames.mean(axis=1)
    ratio = Fraction(SAMPLE_RATE, sr).limit_denominator(1000)
    if ratio != 1:
        pad = "wrap" if periodic else "constant"
        mono = resample_poly(mono, ratio.numerator, ratio.denominator, padtype=pad)
    return np.asarray(mono, dtype=np.float32)


@dataclass(frozen=True)
class _Prepared:
    loops: list[tuple[int, Audio]]  # (bar index in the source, normalised loop)
    tempo: TempoDecision
    bars_in_file: float
    note: str


def _read(path: Path, max_seconds: float) -> tuple[Audio, str] | str:
    """Mono audio at SAMPLE_RATE plus a note, or the reason the file cannot be used."""
    if path.stat().st_size == 0:
        return "empty file (0 bytes)"
    try:
        info = sf.info(str(path))
        if info.frames > 0 and info.duration > max_seconds:
            return (
                f"too long for a loop: {info.duration:.0f} s (at most {max_seconds:g} s); cut the "
                "loops out of it first, or raise --max-seconds"
            )
        frames, sr = sf.read(path, dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError, OSError, ValueError) as err:
        # libsndfile's own words ("Format not recognised."), without the path repeated
        return f"unreadable or corrupt: {getattr(err, 'error_string', err)}"
    if len(frames) == 0:
        return "zero-length: no audio frames"
    if not np.all(np.isfinite(frames)):
        return "corrupt: non-finite samples"
    clipped = float(np.mean(np.abs(frames) >= CLIP_LEVEL))
    note = f"clipped: {100 * clipped:.1f} % of samples at full scale" if clipped > 1e-3 else ""
    return to_model_rate(frames, sr), note


def _prepare(path: Path, min_confidence: float, max_seconds: float) -> _Prepared | str:
    """Read, tempo and cut one file; a string is the reason it was refused."""
    read = _read(path, max_seconds)
    if isinstance(read, str):
        return read
    audio, clip_note = read
    if np.max(np.abs(audio)) < SILENCE_PEAK:
        return "silent (peak below -60 dBFS)"
    tempo = decide(path, audio, SAMPLE_RATE)
    if tempo.confidence < min_confidence and "less than half a bar" in tempo.detail:
        return (
            f"too short for a loop: {tempo.detail} (a one-shot?); name a quarter-bar loop's tempo"
        )
    if tempo.confidence < min_confidence:
        guess = f"best guess {tempo.bpm:.1f} BPM, " if tempo.bpm else ""
        return (
            f"unknown tempo: {tempo.detail}; {guess}confidence {tempo.confidence:.2f} < "
            f"{min_confidence:g}. Put the tempo in the file name (e.g. '..._124bpm'), or pass "
            "--min-confidence to accept the guess"
        )
    bpm = round(tempo.bpm, 2)  # the manifest's bpm must give back the bar length exactly
    bars, note = _cut(audio, bar_samples(bpm))
    if not bars:
        return f"{note} at {bpm:g} BPM ({tempo.cue}: {tempo.detail})"
    gain = 10.0 ** (PEAK_DBFS / 20.0)
    loops, silent = [], []
    for i, bar in enumerate(bars):
        peak = float(np.max(np.abs(bar)))
        if peak < SILENCE_PEAK:
            silent.append(i)
        else:
            loops.append((i, (bar * (gain / peak)).astype(np.float32)))
    if silent:
        note = "; ".join(filter(None, [note, f"silent bars dropped: {silent}"]))
    if not loops:
        return "silent (every bar below -60 dBFS)"
    note = "; ".join(filter(None, [clip_note, note]))
    return _Prepared(loops, tempo, bar_count(len(audio) / SAMPLE_RATE, bpm), note)


def _record(
    loop_id: str, path: Path, prepared: _Prepared, bar_index: int, n: int
) -> dict[str, Any]:
    stat = path.stat()
    bpm = round(prepared.tempo.bpm, 2)
    return {
        "id": loop_id,
        "path": f"audio/{loop_id}.flac",
        "split": split_of(path.name),
        "bpm": bpm,
        "n_samples": n,
        "sample_rate": SAMPLE_RATE,
        "bars": 1,
        "source": str(path),
        "source_size": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        "bar_index": bar_index,
        "source_loops": len(prepared.loops),
        "bpm_source": prepared.tempo.cue,
        "bpm_confidence": round(prepared.tempo.confidence, 3),
        "captions": [caption(path.name, bpm)],
        "attributes": {},
    }


@dataclass
class _Importer:
    """Appends one file's loops to the corpus and its line to the report."""

    out_dir: Path
    manifest: Any  # the open manifest.jsonl
    next_id: int
    known: dict[str, tuple[int | None, int | None]]
    report: ImportReport
    min_confidence: float = MIN_CONFIDENCE
    max_seconds: float = MAX_SECONDS

    def refuse(self, source: str, reason: str) -> None:
        self.report.rejected.append((source, reason))
        self.report.files.append({"path": source, "status": "refused", "reason": reason})

    def add(self, path: Path) -> None:
        source = str(path)
        try:
            stat = path.stat()
        except OSError as err:  # gone or unreadable since the folder was listed
            self.refuse(source, f"cannot read: {err.strerror}")
            return
        if self.known.get(source) == (stat.st_size, stat.st_mtime_ns):
            self.report.skipped.append(source)
            self.report.files.append({"path": source, "status": "skipped",
                                      "reason": "already imported (same size and time)"})  # fmt: skip
            return
        try:
            prepared = _prepare(path, self.min_confidence, self.max_seconds)
        except Exception as err:  # a file must never stop the import: say what happened
            prepared = f"could not be processed ({type(err).__name__}: {err}); please report this"
        if isinstance(prepared, str):
            self.refuse(source, prepared)
            return
        notes = [n for n in [prepared.note] if n]
        if source in self.known:
            notes.insert(0, "changed since its last import; old loops kept")
        self.report.notes.extend((source, n) for n in notes)
        # Audio first, then the file's manifest lines in one write: an interruption in between
        # leaves only unlisted audio, which the next run overwrites.
        records = []
        for bar_index, loop in prepared.loops:
            loop_id = f"import_{self.next_id:06d}"
            self.next_id += 1
            sf.write(self.out_dir / "audio" / f"{loop_id}.flac", loop, SAMPLE_RATE,
                     format="FLAC", subtype="PCM_16")  # fmt: skip
            records.append(_record(loop_id, path, prepared, bar_index, len(loop)))
        self.manifest.write("".join(json.dumps(rec) + "\n" for rec in records))
        self.manifest.flush()
        self.report.imported.extend(records)
        ids = [rec["id"] for rec in records]
        t = prepared.tempo
        self.report.files.append({
            "path": source, "status": "imported", "bpm": round(t.bpm, 2), "cue": t.cue,
            "confidence": round(t.confidence, 3), "bars_in_file": round(prepared.bars_in_file, 3),
            "loops": ids, "why": t.detail, "notes": notes,
        })  # fmt: skip


def _write_report(out_dir: Path, src_dir: Path, report: ImportReport) -> None:
    summary = {
        "src_dir": str(src_dir),
        "out_dir": str(out_dir),
        "interrupted": report.interrupted,
        "files": report.files,
        "imported": [rec["id"] for rec in report.imported],  # the records are in the manifest
        "rejected": [{"path": p, "reason": why} for p, why in report.rejected],
        "skipped": report.skipped,
        "ignored": report.ignored,
        "notes": [{"path": p, "note": note} for p, note in report.notes],
    }
    tmp = out_dir / "import_report.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    tmp.replace(out_dir / "import_report.json")


def import_loops(
    src_dir: Path,
    out_dir: Path,
    *,
    progress: bool = True,
    min_confidence: float = MIN_CONFIDENCE,
    max_seconds: float = MAX_SECONDS,
) -> ImportReport:
    """Import every audio file under `src_dir` into `out_dir` (audio/*.flac + manifest.jsonl).

    Files already imported (same path, size and mtime) are skipped, so an interrupted import
    resumes; the report is written even when interrupted (then KeyboardInterrupt propagates).
    """
    src_dir, out_dir = Path(src_dir).resolve(), Path(out_dir).resolve()
    if not src_dir.is_dir():
        raise NotADirectoryError(f"not a directory: {src_dir}")
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    manifest = out_dir / "manifest.jsonl"
    next_id, known = read_manifest(manifest)
    # Sorted for deterministic ids; the output folder may sit inside the source folder.
    files = sorted(p for p in src_dir.rglob("*") if p.is_file() and out_dir not in p.parents)
    report = ImportReport()
    audio = [p for p in files if p.suffix.lower() in AUDIO_EXTENSIONS]
    report.ignored = [str(p) for p in files if p.suffix.lower() not in AUDIO_EXTENSIONS]
    report.files = [
        {"path": p, "status": "ignored", "reason": f"not audio ('{Path(p).suffix}')"}
        for p in report.ignored
    ]
    try:
        with open(manifest, "a") as out:
            work = _Importer(out_dir, out, next_id, known, report, min_confidence, max_seconds)
            for path in tqdm(audio, desc="importing loops", unit="file", disable=not progress):
                work.add(path)
    except KeyboardInterrupt:
        report.interrupted = True
        raise
    finally:
        _write_report(out_dir, src_dir, report)
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `livegen corpus import`."""
    kinds = "/".join(sorted({e[1:].upper() for e in AUDIO_EXTENSIONS if len(e) <= 5}))
    parser.add_argument("src_dir", type=Path, help=f"folder of loops, recursive ({kinds})")
    parser.add_argument("--out", type=Path, required=True, help="corpus folder to create or extend")
    parser.add_argument(
        "--min-confidence",
        type=float,
        default=MIN_CONFIDENCE,
        help=f"refuse audio tempo estimates less sure than this (0-1, default {MIN_CONFIDENCE})",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=MAX_SECONDS, help="refuse longer files (tracks)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--quiet", action="store_true", help="only the summary line")


def _file_line(entry: dict[str, Any]) -> str:
    name = Path(entry["path"]).name
    if entry["status"] == "refused":
        return f"  refused   {name}: {entry['reason']}"
    loops = len(entry["loops"])
    bars = entry["bars_in_file"]
    line = f"  imported  {name}: {entry['bpm']:g} BPM ({bars:g} bar{'s' if bars != 1 else ''}, "
    line += f"{loops} loop{'s' if loops != 1 else ''}); {entry['cue']}, confidence "
    return line + f"{entry['confidence']:.2f}: {entry['why']}"


def run(args: argparse.Namespace) -> int:
    """`livegen corpus import`: 0 on success, 1 when there were files but none could be imported."""
    try:
        report = import_loops(
            args.src_dir,
            args.out,
            progress=not args.no_progress,
            min_confidence=getattr(args, "min_confidence", MIN_CONFIDENCE),
            max_seconds=getattr(args, "max_seconds", MAX_SECONDS),
        )
    except NotADirectoryError as err:
        print(f"livegen corpus import: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nlivegen corpus import: interrupted; run the same command again to resume")
        return 130
    if not getattr(args, "quiet", False):
        for entry in report.files:
            if entry["status"] in ("imported", "refused"):
                print(_file_line(entry))
    line = f"imported {len(report.imported)} loops from {report.n_source_files} files"
    line += f"; {len(report.rejected)} refused"
    line += f"; {len(report.skipped)} already imported" if report.skipped else ""
    line += f"; {len(report.ignored)} not audio, ignored" if report.ignored else ""
    print(line + f" (report: {Path(args.out) / 'import_report.json'})")
    return 1 if report.rejected and not report.imported and not report.skipped else 0
