"""Imports a performer's own WAV/FLAC/AIFF loops into livegen's corpus format, one bar per loop."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import struct
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import soundfile as sf
from scipy.signal import resample_poly
from tqdm import tqdm

from livegen import SAMPLE_RATE

Audio = npt.NDArray[np.float32]

AUDIO_EXTENSIONS = frozenset({".wav", ".wave", ".flac", ".aif", ".aiff", ".aifc"})
BPM_RANGE = (60.0, 200.0)  # plausible for a tempo someone wrote down
ESTIMATE_RANGE = (70.0, 180.0)  # what the audio estimate may return
MIN_CONFIDENCE = 0.2  # below this an estimate is a guess (noise scores < 0.1): reject it
PEAK_DBFS = -1.5
SILENCE_PEAK = 1e-3  # -60 dBFS: quieter than any usable loop, louder than dither
BAR_TOLERANCE = 0.02  # rounding at two sample rates leaves a bar a few samples short

# "124bpm", "124 BPM", "124-bpm", "128.5bpm", "bpm=124", "BPM: 124"; other numbers are ignored.
_NUM = r"(\d{2,3}(?:\.\d+)?)"
_BPM_RE = re.compile(rf"(?<!\d){_NUM}\s*[-_ ]?\s*bpm|bpm\s*[-_:= ]?\s*{_NUM}(?!\d)", re.I)
_VORBIS_TEMPO_KEYS = frozenset({"BPM", "TBPM", "TEMPO"})
_LEADING_NUM = re.compile(r"\s*(\d+(?:\.\d+)?)")


@dataclass
class ImportReport:
    """What one `import_loops` run did; `imported` holds the manifest records it appended."""

    imported: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[str] = field(default_factory=list)  # already in the manifest
    notes: list[tuple[str, str]] = field(default_factory=list)  # imported, but something dropped

    @property
    def n_source_files(self) -> int:
        return len({rec["source"] for rec in self.imported})


def _in_range(bpm: float | None, lo_hi: tuple[float, float] = BPM_RANGE) -> float | None:
    return bpm if bpm is not None and lo_hi[0] <= bpm <= lo_hi[1] else None


def _bpm_from_text(text: str) -> float | None:
    for match in _BPM_RE.finditer(text):
        bpm = _in_range(float(match.group(1) or match.group(2)))
        if bpm is not None:
            return bpm
    return None


def bpm_from_name(name: str) -> float | None:
    """The tempo written in a file name ("dark_loop_124bpm.wav" -> 124.0), or None."""
    return _bpm_from_text(Path(name).name)


def _acid_tempo(f: BinaryIO) -> float | None:
    """Tempo of a WAV `acid` chunk (ACIDized loops); walks the RIFF chunks without reading audio."""
    head = f.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WAVE":
        return None
    while len(chunk := f.read(8)) == 8:
        size = struct.unpack("<I", chunk[4:])[0]
        if chunk[:4] == b"acid" and size >= 24:
            flags, _, _, _, _, _, _, tempo = struct.unpack("<IHHfIHHf", f.read(24))
            return None if flags & 0x01 else float(tempo)  # a one-shot's tempo means nothing
        f.seek(size + (size & 1), os.SEEK_CUR)  # RIFF chunks are padded to even sizes
    return None


def _vorbis_tempo(f: BinaryIO) -> float | None:
    """BPM/TBPM/TEMPO from a FLAC VORBIS_COMMENT metadata block (type 4)."""
    magic = f.read(4)
    if magic == b"ID3":  # some taggers put an ID3v2 tag in front of "fLaC"
        syncsafe = f.read(6)[2:]  # 4 bytes of 7 bits each
        f.seek(10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(syncsafe)))
        magic = f.read(4)
    if magic != b"fLaC":
        return None
    last = False
    while not last and len(header := f.read(4)) == 4:
        last, kind, size = bool(header[0] & 0x80), header[0] & 0x7F, int.from_bytes(header[1:])
        if kind != 4:
            f.seek(size, os.SEEK_CUR)
            continue
        block = f.read(size)
        offset = 4 + struct.unpack_from("<I", block)[0]  # skip the vendor string
        count = struct.unpack_from("<I", block, offset)[0]
        offset += 4
        for _ in range(count):
            length = struct.unpack_from("<I", block, offset)[0]
            text = block[offset + 4 : offset + 4 + length].decode("utf-8", "replace")
            offset += 4 + length
            key, _, value = text.partition("=")
            # Values come as "124", "124.00" or "124 BPM": take the leading number.
            if key.strip().upper() in _VORBIS_TEMPO_KEYS and (m := _LEADING_NUM.match(value)):
                return float(m.group(1))
    return None


def bpm_from_metadata(path: Path) -> float | None:
    """The tempo embedded in the file (acid chunk, FLAC Vorbis comment, title/comment tag)."""
    try:
        with open(path, "rb") as f:
            tempo = _in_range(_acid_tempo(f))
            f.seek(0)
            tempo = tempo or _in_range(_vorbis_tempo(f))
        if tempo is not None:
            return tempo
        with sf.SoundFile(path) as snd:
            tags = snd.copy_metadata()
    except (sf.SoundFileError, OSError, RuntimeError, ValueError, struct.error):
        return None  # malformed: no tempo in it to trust
    for key in ("comment", "title"):
        if key in tags and (tempo := _bpm_from_text(tags[key])) is not None:
            return tempo
    return None


def _onset_envelope(audio: Audio, sr: int) -> tuple[npt.NDArray[np.float64], float]:
    """Spectral-flux onset strength, computed circularly because a loop's end meets its start."""
    hop = max(1, round(sr / 200))  # 5 ms frames
    n_fft = 1 << (4 * hop - 1).bit_length()  # ~20 ms window
    x = np.pad(audio[: 60 * sr], n_fft // 2, mode="wrap")  # 60 s is plenty and bounds memory
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop]
    mag = np.abs(np.fft.rfft(frames * np.hanning(n_fft).astype(np.float32), axis=1))
    log_mag = np.log1p(100.0 * mag)  # compress, so quiet hats count next to loud kicks
    flux = np.maximum(log_mag - np.roll(log_mag, 1, axis=0), 0.0).sum(axis=1)
    return (flux - flux.mean()).astype(np.float64), sr / hop


def _salience(
    env: npt.NDArray[np.float64], frame_rate: float, bpms: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Normalised circular autocorrelation at the beat lag plus half of it at twice the lag.

    The second term favours the tempo whose beat also repeats one period later, which is what
    separates 90 BPM with offbeat hats from 180 BPM.
    """
    power = np.abs(np.fft.rfft(env)) ** 2
    ac = np.fft.irfft(power, n=len(env))
    ac = np.append(ac, ac[0]) / max(float(ac[0]), 1e-12)
    lags = 60.0 * frame_rate / bpms
    positions = np.arange(len(env) + 1)

    def at(lag: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.interp(lag % len(env), positions, ac)

    return (at(lags) + 0.5 * at(2.0 * lags)) / 1.5


def _prior(bpms: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # Techno sits near 125 BPM; one octave wide, so it only breaks near-ties between octaves.
    return np.exp(-0.5 * np.log2(bpms / 125.0) ** 2)


def estimate_bpm(audio: Audio, sr: int) -> tuple[float, float]:
    """(bpm, confidence in [0, 1]) from the onset envelope and the prior that loops are whole bars.

    Candidates are 240*k/duration (4/4 bars, k = 1/4, 1/2, 1, 2, 4, ...) within 70-180 BPM; the
    one the autocorrelation tempo supports wins. Without an agreeing candidate (the file is not
    whole bars) the autocorrelation tempo itself is returned at half the confidence.
    """
    duration = len(audio) / sr
    env, frame_rate = _onset_envelope(audio, sr)
    grid = np.arange(ESTIMATE_RANGE[0], ESTIMATE_RANGE[1] + 1e-9, 0.05)
    score = _salience(env, frame_rate, grid) * _prior(grid)
    onset_bpm = float(grid[np.argmax(score)])
    ks = [2.0**e for e in range(-2, 10)]
    cands = np.array([b for k in ks if _in_range(b := 240.0 * k / duration, ESTIMATE_RANGE)])
    if len(cands) and np.any(env):
        best = float(cands[np.argmax(_salience(env, frame_rate, cands) * _prior(cands))])
        agreement = float(np.exp(-0.5 * (np.log(best / onset_bpm) / 0.02) ** 2))
        if agreement >= 0.5:
            periodicity = float(_salience(env, frame_rate, np.array([best]))[0])
            return best, float(np.clip(periodicity * agreement, 0.0, 1.0))
    periodicity = float(_salience(env, frame_rate, np.array([onset_bpm]))[0])
    return onset_bpm, float(np.clip(0.5 * periodicity, 0.0, 1.0))


def bar_length(bpm: float, sr: int = SAMPLE_RATE) -> int:
    """Samples in one 4/4 bar."""
    return round(240.0 / bpm * sr)


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
    return _cut(audio, bar_length(bpm, sr))[0]


def _to_model_rate(frames: npt.NDArray[np.float32], sr: int) -> Audio:
    """[T, C] at `sr` -> mono [T'] at SAMPLE_RATE."""
    mono = frames.mean(axis=1)
    ratio = Fraction(SAMPLE_RATE, sr).limit_denominator(1000)
    if ratio != 1:  # loops are periodic, so wrap padding keeps the seam free of edge ringing
        mono = resample_poly(mono, ratio.numerator, ratio.denominator, padtype="wrap")
    return np.asarray(mono, dtype=np.float32)


@dataclass(frozen=True)
class _Prepared:
    loops: list[tuple[int, Audio]]  # (bar index in the source, normalised loop)
    bpm: float
    bpm_source: str
    confidence: float
    note: str


def _prepare(path: Path) -> _Prepared | str:
    """Read, tempo and cut one file; a string is the reason it was rejected."""
    if path.stat().st_size == 0:
        return "empty file (0 bytes)"
    try:
        frames, sr = sf.read(path, dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError, OSError, ValueError) as err:
        # libsndfile's own words ("Format not recognised."), without the path repeated
        return f"unreadable or corrupt: {getattr(err, 'error_string', err)}"
    if len(frames) == 0:
        return "zero-length: no audio frames"
    if not np.all(np.isfinite(frames)):
        return "corrupt: non-finite samples"
    audio = _to_model_rate(frames, sr)
    if np.max(np.abs(audio)) < SILENCE_PEAK:
        return "silent"
    confidence, source, bpm = 1.0, "filename", bpm_from_name(path.name)
    if bpm is None:
        source, bpm = "metadata", bpm_from_metadata(path)
    if bpm is None:
        source, (bpm, confidence) = "estimate", estimate_bpm(audio, SAMPLE_RATE)
        if confidence < MIN_CONFIDENCE:
            return f"unknown tempo: estimate {bpm:.1f} BPM has confidence {confidence:.2f}"
    bpm = round(bpm, 2)  # the manifest's bpm must give back the bar length exactly
    bars, note = _cut(audio, bar_length(bpm))
    if not bars:
        return note
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
        return "silent"
    return _Prepared(loops, bpm, source, confidence, note)


def _split(name: str) -> str:
    # Hash the file name, not the path: moving the folder keeps every loop in its split.
    bucket = int.from_bytes(hashlib.sha1(name.encode()).digest()[:4], "big") % 100
    return "train" if bucket < 90 else "valid" if bucket < 95 else "test"


def _caption(name: str, bpm: float) -> str:
    stem = _BPM_RE.sub(" ", Path(name).stem)
    # Short bare numbers are take or index numbers ("loop_02"), not descriptions.
    words = [w for w in re.split(r"[\W_]+", stem.lower()) if w and not re.fullmatch(r"\d{1,2}", w)]
    tempo = f"{round(bpm, 1):g} BPM"
    return f"{' '.join(words)}, {tempo}" if words else tempo


def _read_manifest(manifest: Path) -> tuple[int, dict[str, tuple[int | None, int | None]]]:
    """(next id number, source -> (size, mtime_ns)) of an existing manifest."""
    next_id, sources = 0, {}
    if manifest.exists():
        for line in manifest.read_text().splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            if m := re.fullmatch(r"import_(\d+)", str(rec.get("id", ""))):
                next_id = max(next_id, int(m.group(1)) + 1)
            if "source" in rec:
                sources[rec["source"]] = (rec.get("source_size"), rec.get("source_mtime_ns"))
    return next_id, sources


def import_loops(src_dir: Path, out_dir: Path, *, progress: bool = True) -> ImportReport:
    """Import every audio file under `src_dir` into `out_dir` (audio/*.flac + manifest.jsonl)."""
    src_dir, out_dir = Path(src_dir).resolve(), Path(out_dir).resolve()
    if not src_dir.is_dir():
        raise NotADirectoryError(f"not a directory: {src_dir}")
    (out_dir / "audio").mkdir(parents=True, exist_ok=True)
    manifest = out_dir / "manifest.jsonl"
    next_id, known = _read_manifest(manifest)
    # Sorted for deterministic ids; the output folder may sit inside the source folder.
    files = sorted(p for p in src_dir.rglob("*") if p.is_file() and out_dir not in p.parents)
    report = ImportReport()
    with open(manifest, "a") as out:
        for path in tqdm(files, desc="importing loops", unit="file", disable=not progress):
            source, stat = str(path), path.stat()
            if path.suffix.lower() not in AUDIO_EXTENSIONS:
                report.rejected.append((source, f"unsupported extension '{path.suffix}'"))
                continue
            if known.get(source) == (stat.st_size, stat.st_mtime_ns):
                report.skipped.append(source)
                continue
            prepared = _prepare(path)
            if isinstance(prepared, str):
                report.rejected.append((source, prepared))
                continue
            if source in known:
                report.notes.append((source, "changed since its last import; old loops kept"))
            if prepared.note:
                report.notes.append((source, prepared.note))
            for bar_index, loop in prepared.loops:
                loop_id = f"import_{next_id:06d}"
                next_id += 1
                rel = f"audio/{loop_id}.flac"
                sf.write(out_dir / rel, loop, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
                record = {
                    "id": loop_id,
                    "path": rel,
                    "split": _split(path.name),
                    "bpm": prepared.bpm,
                    "n_samples": len(loop),
                    "sample_rate": SAMPLE_RATE,
                    "bars": 1,
                    "source": source,
                    "source_size": stat.st_size,
                    "source_mtime_ns": stat.st_mtime_ns,
                    "bar_index": bar_index,
                    "bpm_source": prepared.bpm_source,
                    "bpm_confidence": round(prepared.confidence, 3),
                    "captions": [_caption(path.name, prepared.bpm)],
                    "attributes": {},
                }
                out.write(json.dumps(record) + "\n")
                report.imported.append(record)
            out.flush()  # a crash later keeps what was written consistent with audio/
    summary = {
        "src_dir": str(src_dir),
        "out_dir": str(out_dir),
        "imported": [rec["id"] for rec in report.imported],  # the records are in the manifest
        "rejected": [{"path": p, "reason": why} for p, why in report.rejected],
        "skipped": report.skipped,
        "notes": [{"path": p, "note": note} for p, note in report.notes],
    }
    (out_dir / "import_report.json").write_text(json.dumps(summary, indent=2) + "\n")
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `livegen corpus import`."""
    parser.add_argument("src_dir", type=Path, help="folder of WAV/FLAC/AIFF loops (recursive)")
    parser.add_argument("--out", type=Path, required=True, help="corpus folder to create or extend")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """`livegen corpus import`: 0 on success, 1 when there were files but none could be imported."""
    try:
        report = import_loops(args.src_dir, args.out, progress=not args.no_progress)
    except NotADirectoryError as err:
        print(f"livegen corpus import: {err}", file=sys.stderr)
        return 1
    line = f"imported {len(report.imported)} loops from {report.n_source_files} files"
    line += f"; {len(report.rejected)} rejected"
    reasons = [f"{Path(p).name} ({why})" for p, why in report.rejected[:5]]
    more = ", ..." if len(report.rejected) > 5 else ""
    line += f": {', '.join(reasons)}{more}" if reasons else ""
    line += f"; {len(report.skipped)} already imported" if report.skipped else ""
    print(line + f" (report: {Path(args.out) / 'import_report.json'})")
    return 1 if report.rejected and not report.imported and not report.skipped else 0
