"""Tests for livegen.corpus.importer on real WAV/FLAC/AIFF files synthesised here."""

from __future__ import annotations

import argparse
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from livegen.corpus import importer
from livegen.corpus.importer import (
    ImportReport,
    bpm_from_metadata,
    bpm_from_name,
    cut_bars,
    estimate_bpm,
    import_loops,
)

SR = 24_000
PEAK = 10 ** (-1.5 / 20)


def bar_len(bpm: float, sr: int = SR) -> int:
    return round(240 / bpm * sr)


def techno(bpm: float, sr: int, bars: float = 1, seed: int = 0) -> np.ndarray:
    """Kick (decaying 60 Hz sine with a pitch drop) on every beat, noise hat on every offbeat."""
    n = round(bars * bar_len(bpm, sr))
    beat = 60 / bpm * sr
    t = np.arange(round(0.25 * sr)) / sr
    kick = 0.7 * np.sin(2 * np.pi * (60 * t + 4 * (1 - np.exp(-t / 0.02)))) * np.exp(-t / 0.08)
    noise = np.random.default_rng(seed).standard_normal(round(0.03 * sr))
    hat = 0.15 * np.diff(noise * np.exp(-np.arange(len(noise)) / (0.008 * sr)), prepend=0)
    out = np.zeros(n)
    for i in range(int(np.ceil(n / beat))):
        for pos, hit in ((round(i * beat), kick), (round((i + 0.5) * beat), hat)):
            if pos < n:
                out[pos : pos + len(hit)] += hit[: n - pos]
    return out.astype(np.float32)


def write(path: Path, audio: np.ndarray, sr: int, channels: int = 1, **tags: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.stack([audio * (1 - 0.2 * c) for c in range(channels)], axis=1)
    fmt = "AIFF" if path.suffix == ".aif" else None  # soundfile only guesses from ".aiff"
    with sf.SoundFile(path, "w", sr, channels, subtype="PCM_16", format=fmt) as f:
        for key, value in tags.items():
            setattr(f, key, value)
        f.write(frames)
    return path


def add_acid_chunk(path: Path, tempo: float, flags: int = 0x02) -> None:
    """Append an ACID chunk after the data chunk and fix the RIFF size."""
    body = struct.pack("<IHHfIHHf", flags, 60, 0x8000, 0.0, 4, 4, 4, tempo)
    data = path.read_bytes() + b"acid" + struct.pack("<I", len(body)) + body
    path.write_bytes(data[:4] + struct.pack("<I", len(data) - 8) + data[8:])


def set_vorbis_comments(path: Path, *comments: str) -> None:
    """Replace a FLAC file's VORBIS_COMMENT block (type 4) with one holding `comments`."""
    data = path.read_bytes()
    assert data[:4] == b"fLaC"
    blocks, pos, last = [], 4, False
    while not last:
        last, size = bool(data[pos] & 0x80), int.from_bytes(data[pos + 1 : pos + 4])
        blocks.append((data[pos] & 0x7F, data[pos + 4 : pos + 4 + size]))
        pos += 4 + size
    vendor = b"livegen tests"
    body = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    body += b"".join(struct.pack("<I", len(c.encode())) + c.encode() for c in comments)
    blocks = [blocks[0], (4, body)] + [b for b in blocks[1:] if b[0] != 4]
    out = b"fLaC"
    for i, (kind, block) in enumerate(blocks):
        last_flag = 0x80 if i == len(blocks) - 1 else 0
        out += bytes([kind | last_flag]) + len(block).to_bytes(3) + block
    path.write_bytes(out + data[pos:])


@pytest.mark.parametrize(
    ("name", "bpm"),
    [
        ("dark_loop_124bpm.wav", 124.0),
        ("Loop 124 BPM.flac", 124.0),
        ("124-bpm_kick.aif", 124.0),
        ("acid_128.5bpm.wav", 128.5),
        ("ACID_LOOP_130BPM_02.WAV", 130.0),
        ("loop_02_909_126bpm.wav", 126.0),
        ("jam bpm=127.wav", 127.0),
        ("some/dir/take3 BPM_132.flac", 132.0),
        ("kick_909.wav", None),
        ("2024-01-05 jam 128.wav", None),
        ("loop_250bpm.wav", None),
        ("loop_45bpm.wav", None),
    ],
)
def test_bpm_from_name(name: str, bpm: float | None) -> None:
    assert bpm_from_name(name) == bpm


def test_bpm_from_metadata(tmp_path: Path) -> None:
    loop = techno(126, 44_100)
    acid = write(tmp_path / "acid.wav", loop, 44_100, channels=2)
    add_acid_chunk(acid, 126.0)
    assert sf.info(acid).frames == len(loop)  # the chunk leaves the audio readable
    assert bpm_from_metadata(acid) == 126.0
    one_shot = write(tmp_path / "one_shot.wav", loop, 44_100)
    add_acid_chunk(one_shot, 126.0, flags=0x01)
    assert bpm_from_metadata(one_shot) is None
    for key in ("BPM", "tbpm", "TEMPO"):
        flac = write(tmp_path / f"{key}.flac", loop, 48_000)
        set_vorbis_comments(flac, "ARTIST=someone 140 BPM", f"{key}=131.5")
        assert sf.info(flac).frames == len(loop)
        assert bpm_from_metadata(flac) == 131.5
    assert bpm_from_metadata(write(tmp_path / "c.wav", loop, 44_100, comment="bpm=127")) == 127.0
    assert (
        bpm_from_metadata(write(tmp_path / "t.aiff", loop, 44_100, title="Groove 129 BPM")) == 129
    )
    spaced = write(tmp_path / "spaced.flac", loop, 44_100)
    set_vorbis_comments(spaced, "bpm = 128 BPM")
    assert bpm_from_metadata(spaced) == 128.0
    assert bpm_from_metadata(write(tmp_path / "plain.flac", loop, 44_100)) is None
    (tmp_path / "junk.wav").write_bytes(b"RIFF\xff\xff\xff\xffWAVEacid\x18\x00")
    assert bpm_from_metadata(tmp_path / "junk.wav") is None


@pytest.mark.parametrize("bars", [1, 2])
@pytest.mark.parametrize("bpm", [110.0, 117.0, 124.0, 128.5, 133.0, 140.0, 85.0, 160.0])
def test_estimate_bpm_whole_bars(bpm: float, bars: int) -> None:
    # 85 and 160 BPM also have a bar candidate an octave away (170 and 80) in 70-180.
    estimate, confidence = estimate_bpm(techno(bpm, SR, bars, seed=bars), SR)
    assert estimate == pytest.approx(bpm, rel=0.01)
    assert confidence > 0.6


@pytest.mark.parametrize("bpm", [112.0, 124.0, 137.0])
def test_estimate_bpm_without_whole_bars(bpm: float) -> None:
    # A third of a bar of extra audio: no bar candidate fits, the onset tempo alone answers.
    estimate, confidence = estimate_bpm(techno(bpm, SR, 1.33), SR)
    assert estimate == pytest.approx(bpm, rel=0.01)
    assert importer.MIN_CONFIDENCE < confidence < estimate_bpm(techno(bpm, SR), SR)[1]


def test_estimate_bpm_noise_has_no_confidence() -> None:
    noise = np.random.default_rng(1).standard_normal(2 * SR).astype(np.float32)
    assert estimate_bpm(noise, SR)[1] < importer.MIN_CONFIDENCE
    assert estimate_bpm(np.zeros(SR, np.float32), SR)[1] == 0.0


def test_cut_bars() -> None:
    bar = bar_len(124)
    x = np.arange(4 * bar, dtype=np.float32)
    assert [len(b) for b in cut_bars(x[: 2 * bar], 124, SR)] == [bar, bar]
    np.testing.assert_array_equal(cut_bars(x[: 2 * bar], 124, SR)[1], x[bar : 2 * bar])
    assert len(cut_bars(x[: 2 * bar + bar // 20], 124, SR)) == 2  # short remainder dropped
    assert len(cut_bars(x[: 3 * bar - bar // 2], 124, SR)) == 2  # long one dropped too
    short = cut_bars(x[: 2 * bar - 3], 124, SR)  # resampling rounding: padded, not lost
    assert [len(b) for b in short] == [bar, bar] and np.all(short[1][-3:] == 0)
    half = x[: bar // 2]
    np.testing.assert_array_equal(cut_bars(half, 124, SR)[0], np.resize(half, bar))
    quarter = cut_bars(x[: round(bar / 4 * 1.01)], 124, SR)
    assert len(quarter) == 1 and len(quarter[0]) == bar
    assert cut_bars(x[: round(0.7 * bar)], 124, SR) == []
    assert cut_bars(x[: round(0.3 * bar)], 124, SR) == []


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ImportReport]:
    src = tmp_path_factory.mktemp("loops")
    write(src / "stereo/dark_loop_124bpm.wav", techno(124, 44_100), 44_100, channels=2)
    write(src / "Loop 124 BPM.flac", techno(124, 48_000, seed=1), 48_000)
    write(src / "124-bpm_kick.aif", techno(124, 44_100, seed=2), 44_100)
    write(src / "acid_128.5bpm.wav", techno(128.5, 44_100, 2), 44_100)
    write(src / "deep/techno_132bpm_4bars.flac", techno(132, 48_000, 4), 48_000)
    add_acid_chunk(write(src / "acidized.wav", techno(126, 44_100), 44_100, channels=2), 126.0)
    set_vorbis_comments(write(src / "tagged.flac", techno(130, 44_100, 2), 44_100), "BPM=130")
    write(src / "mystery_a.wav", techno(117, 44_100), 44_100)
    write(src / "mystery_b.flac", techno(133, 48_000, 2), 48_000)
    write(src / "half_bar_125bpm.wav", techno(125, 44_100, 0.5), 44_100)
    write(src / "with_tail_120bpm.wav", techno(120, 44_100, 1.5), 44_100)
    write(src / "odd_length_124bpm.wav", techno(124, 44_100, 0.7), 44_100)
    write(src / "silent_124bpm.wav", np.zeros(bar_len(124, 44_100), np.float32), 44_100)
    write(src / "noise.wav", np.random.default_rng(0).uniform(-0.5, 0.5, 88_200), 44_100)
    write(src / "header_only.wav", np.zeros(0, np.float32), 44_100)
    (src / "broken.wav").write_bytes(np.random.default_rng(0).bytes(5000))
    (src / "empty.flac").write_bytes(b"")
    (src / "notes.txt").write_text("not audio\n")
    out = tmp_path_factory.mktemp("corpus")
    return src, out, import_loops(src, out, progress=False)


def by_name(report: ImportReport) -> dict[str, list[dict[str, Any]]]:
    loops: dict[str, list[dict[str, Any]]] = {}
    for rec in report.imported:
        loops.setdefault(Path(rec["source"]).name, []).append(rec)
    return loops


def test_import_tempo_and_bars(corpus: tuple[Path, Path, ImportReport]) -> None:
    loops = by_name(corpus[2])
    expected = {  # name: (bpm, bpm_source, number of loops)
        "dark_loop_124bpm.wav": (124.0, "filename", 1),
        "Loop 124 BPM.flac": (124.0, "filename", 1),
        "124-bpm_kick.aif": (124.0, "filename", 1),
        "acid_128.5bpm.wav": (128.5, "filename", 2),
        "techno_132bpm_4bars.flac": (132.0, "filename", 4),
        "acidized.wav": (126.0, "metadata", 1),
        "tagged.flac": (130.0, "metadata", 2),
        "mystery_a.wav": (117.0, "estimate", 1),
        "mystery_b.flac": (133.0, "estimate", 2),
        "half_bar_125bpm.wav": (125.0, "filename", 1),
        "with_tail_120bpm.wav": (120.0, "filename", 1),
    }
    assert set(loops) == set(expected)
    for name, (bpm, source, n_loops) in expected.items():
        recs = loops[name]
        assert [r["bar_index"] for r in recs] == list(range(n_loops)), name
        for rec in recs:
            assert rec["bpm"] == pytest.approx(bpm, rel=0.01), name
            assert rec["bpm_source"] == source, name
            assert rec["n_samples"] == bar_len(rec["bpm"]), name
            assert 0.5 < rec["bpm_confidence"] <= 1.0
        assert len({r["split"] for r in recs}) == 1  # a file's bars never straddle splits
    assert loops["dark_loop_124bpm.wav"][0]["captions"] == ["dark loop, 124 BPM"]
    assert loops["acid_128.5bpm.wav"][0]["captions"] == ["acid, 128.5 BPM"]
    assert loops["mystery_a.wav"][0]["captions"] == ["mystery a, 117 BPM"]
    assert ("with_tail_120bpm.wav", "dropped a 0.50-bar remainder") in [
        (Path(p).name, note) for p, note in corpus[2].notes
    ]


def test_import_audio_files(corpus: tuple[Path, Path, ImportReport]) -> None:
    _, out, report = corpus
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == report.imported
    assert [r["id"] for r in report.imported] == [f"import_{i:06d}" for i in range(len(lines))]
    for rec in report.imported:
        assert rec["path"] == f"audio/{rec['id']}.flac"
        assert rec["sample_rate"] == SR and rec["bars"] == 1 and rec["attributes"] == {}
        assert rec["split"] in {"train", "valid", "test"}
        info = sf.info(out / rec["path"])
        assert (info.samplerate, info.channels, info.subtype) == (SR, 1, "PCM_16")
        assert info.frames == rec["n_samples"]
        audio, _ = sf.read(out / rec["path"], dtype="float32")
        assert 20 * np.log10(np.max(np.abs(audio))) == pytest.approx(-1.5, abs=0.01)
    # The half bar was looped: both halves of the bar are the same audio.
    (tiled,) = by_name(report)["half_bar_125bpm.wav"]
    audio, _ = sf.read(out / tiled["path"], dtype="float32")
    half = len(audio) // 2
    assert np.max(np.abs(audio[:half] - audio[half : 2 * half])) < 1e-3


def test_import_rejects_with_reasons(corpus: tuple[Path, Path, ImportReport]) -> None:
    _, out, report = corpus
    reasons = {Path(path).name: reason for path, reason in report.rejected}
    assert set(reasons) == {
        "broken.wav", "empty.flac", "header_only.wav", "silent_124bpm.wav",
        "notes.txt", "noise.wav", "odd_length_124bpm.wav",
    }  # fmt: skip
    assert reasons["broken.wav"] == "unreadable or corrupt: Format not recognised."
    assert reasons["empty.flac"] == "empty file (0 bytes)"
    assert reasons["header_only.wav"].startswith("zero-length")
    assert reasons["silent_124bpm.wav"] == "silent"
    assert reasons["notes.txt"] == "unsupported extension '.txt'"
    assert reasons["noise.wav"].startswith("unknown tempo")
    assert reasons["odd_length_124bpm.wav"].startswith("too short: 0.70 bars")
    saved = json.loads((out / "import_report.json").read_text())
    assert {Path(r["path"]).name: r["reason"] for r in saved["rejected"]} == reasons
    assert saved["imported"] == [r["id"] for r in report.imported]


def test_reimport_skips_and_continues_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    write(src / "a_124bpm.wav", techno(124, 44_100, 2), 44_100)
    write(src / "b_130bpm.wav", techno(130, 44_100), 44_100)
    parser = argparse.ArgumentParser()
    importer.add_arguments(parser)
    args = parser.parse_args([str(src), "--out", str(out), "--no-progress"])
    assert importer.run(args) == 0
    assert "imported 3 loops from 2 files; 0 rejected" in capsys.readouterr().out
    manifest = (out / "manifest.jsonl").read_text()

    again = import_loops(src, out, progress=False)
    assert again.imported == [] and len(again.skipped) == 2
    assert (out / "manifest.jsonl").read_text() == manifest

    write(src / "c_128bpm.flac", techno(128, 48_000), 48_000)
    (src / "d.txt").write_text("x")
    third = import_loops(src, out, progress=False)
    assert [r["id"] for r in third.imported] == ["import_000003"]
    assert len(third.skipped) == 2 and len(third.rejected) == 1
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 4


def test_run_fails_when_nothing_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    args = argparse.Namespace(src_dir=tmp_path / "src", out=tmp_path / "out", no_progress=True)
    assert importer.run(args) == 1
    assert "broken.wav (unreadable or corrupt" in capsys.readouterr().out
    args.src_dir = tmp_path / "missing"
    assert importer.run(args) == 1
