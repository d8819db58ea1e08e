"""Tests for livegen.corpus.importer on real audio files synthesised here (every format)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from livegen.corpus import importer
from livegen.corpus.importer import ImportReport, cut_bars, import_loops
from tests.support.loopfiles import SR, add_acid_chunk, bar_len, set_vorbis_comments, techno, write


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
    write(src / "mystery_c.ogg", techno(97, 22_050, 2), 22_050, channels=2)  # OGG/Vorbis
    write(src / "lofi_8k.wav", techno(122, 8_000), 8_000)
    write(src / "hifi_96k.flac", techno(138, 96_000, 2), 96_000, channels=2)
    write(src / "pack_loop_126_dark.aiff", techno(126, 44_100, 4), 44_100)  # bare number
    if "MP3" in sf.available_formats():
        write(src / "mystery_d.mp3", techno(128, 44_100), 44_100)
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
        "mystery_a.wav": (117.0, "length+onsets", 1),
        "mystery_b.flac": (133.0, "length+onsets", 2),
        "mystery_c.ogg": (97.0, "length+onsets", 2),
        "lofi_8k.wav": (122.0, "length+onsets", 1),
        "hifi_96k.flac": (138.0, "length+onsets", 2),
        "pack_loop_126_dark.aiff": (126.0, "name+length", 4),
        "half_bar_125bpm.wav": (125.0, "filename", 1),
        "with_tail_120bpm.wav": (120.0, "filename", 1),
    }
    if "MP3" in sf.available_formats():
        expected["mystery_d.mp3"] = (128.0, "length+onsets", 1)
    assert set(loops) == set(expected)
    for name, (bpm, source, n_loops) in expected.items():
        recs = loops[name]
        assert [r["bar_index"] for r in recs] == list(range(n_loops)), name
        for rec in recs:
            assert rec["bpm"] == pytest.approx(bpm, abs=0.01), name
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
        "noise.wav", "odd_length_124bpm.wav",
    }  # fmt: skip
    assert [Path(p).name for p in report.ignored] == ["notes.txt"]  # not audio: no refusal
    assert reasons["broken.wav"] == "unreadable or corrupt: Format not recognised."
    assert reasons["empty.flac"] == "empty file (0 bytes)"
    assert reasons["header_only.wav"].startswith("zero-length")
    assert reasons["silent_124bpm.wav"].startswith("silent")
    assert reasons["noise.wav"].startswith("unknown tempo")
    assert "Put the tempo in the file name" in reasons["noise.wav"]  # what the user can do
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
    assert "imported 3 loops from 2 files; 0 refused" in capsys.readouterr().out
    manifest = (out / "manifest.jsonl").read_text()

    again = import_loops(src, out, progress=False)
    assert again.imported == [] and len(again.skipped) == 2
    assert (out / "manifest.jsonl").read_text() == manifest

    write(src / "c_128bpm.flac", techno(128, 48_000), 48_000)
    (src / "d.txt").write_text("x")
    third = import_loops(src, out, progress=False)
    assert [r["id"] for r in third.imported] == ["import_000003"]
    assert len(third.skipped) == 2 and third.rejected == [] and len(third.ignored) == 1
    assert len((out / "manifest.jsonl").read_text().splitlines()) == 4


def test_run_fails_when_nothing_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    args = argparse.Namespace(src_dir=tmp_path / "src", out=tmp_path / "out", no_progress=True)
    assert importer.run(args) == 1
    assert "refused   broken.wav: unreadable or corrupt" in capsys.readouterr().out
    args.src_dir = tmp_path / "missing"
    assert importer.run(args) == 1


def test_bad_inputs_each_get_a_line(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    t = np.arange(2 * 44_100) / 44_100
    write(src / "sine_1khz.wav", (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32), 44_100)
    write(src / "silence.flac", np.zeros(44_100, np.float32), 44_100)
    loud = np.clip(4.0 * techno(126, 44_100), -1.0, 1.0)  # hard-clipped drums
    write(src / "clipped.wav", loud, 44_100, channels=2)
    write(src / "ten_minutes.wav", np.zeros(600 * 8_000, np.float32), 8_000)
    (src / "fake.ogg").write_bytes(b"OggS" + bytes(200))
    kick = techno(100, 44_100, 1 / 3)[: round(0.8 * 44_100)]  # one kick, its tail, then silence
    kick[round(0.2 * 44_100) :] = 0.0  # (no hat: a one-shot)
    write(src / "kick_one_shot.wav", kick, 44_100)
    write(src / "short_hit.wav", kick[: round(0.2 * 44_100)], 44_100)
    report = import_loops(src, out, progress=False)
    reasons = {Path(p).name: why for p, why in report.rejected}
    assert set(reasons) == {"sine_1khz.wav", "silence.flac", "ten_minutes.wav", "fake.ogg",
                            "kick_one_shot.wav", "short_hit.wav"}  # fmt: skip
    assert "1 hit in 0.80 s: a one-shot, not a loop" in reasons["kick_one_shot.wav"]
    assert reasons["short_hit.wav"].startswith("too short for a loop: 0.20 s")
    assert reasons["sine_1khz.wav"].startswith("unknown tempo: no onsets at all")
    assert reasons["silence.flac"].startswith("silent")
    assert reasons["ten_minutes.wav"].startswith("too long for a loop: 600 s")
    assert reasons["fake.ogg"].startswith("unreadable or corrupt")
    (clipped,) = report.imported
    assert clipped["bpm"] == pytest.approx(126.0, abs=0.01)
    notes = dict(report.notes)
    assert notes[clipped["source"]].startswith("clipped: ")
    saved = json.loads((out / "import_report.json").read_text())
    assert len(saved["files"]) == 7  # every file has its line, none a traceback
    assert {f["status"] for f in saved["files"]} == {"imported", "refused"}


def test_interrupted_import_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    for i, bpm in enumerate((120, 124, 128, 132)):
        write(src / f"{i}_loop_{bpm}bpm.wav", techno(bpm, 44_100, 2), 44_100)
    real_write, calls = importer.sf.write, []

    def ctrl_c_in_the_third_file(*args: Any, **kwargs: Any) -> None:
        calls.append(args[0])
        if len(calls) == 6:  # its second bar: the first is on disk, but listed nowhere
            raise KeyboardInterrupt
        real_write(*args, **kwargs)

    monkeypatch.setattr(importer.sf, "write", ctrl_c_in_the_third_file)
    with pytest.raises(KeyboardInterrupt):
        import_loops(src, out, progress=False)
    monkeypatch.setattr(importer.sf, "write", real_write)
    saved = json.loads((out / "import_report.json").read_text())
    assert saved["interrupted"] and len(saved["imported"]) == 4  # two files, two bars each
    manifest = out / "manifest.jsonl"
    assert len(manifest.read_text().splitlines()) == 4
    # a crash while listing the second file: one of its two lines, the other torn
    lines = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join(lines[:3]) + lines[3][:20])
    report = import_loops(src, out, progress=False)
    assert [Path(p).name for p in report.skipped] == ["0_loop_120bpm.wav"]
    assert [r["id"] for r in report.imported] == [f"import_{i:06d}" for i in range(2, 8)]
    records = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert [r["id"] for r in records] == [f"import_{i:06d}" for i in range(8)]
    by_file: dict[str, int] = {}
    for rec in records:
        by_file[Path(rec["source"]).name] = by_file.get(Path(rec["source"]).name, 0) + 1
    assert by_file == {p.name: 2 for p in src.iterdir()}  # every file whole, none twice
    assert sorted(p.name for p in (out / "audio").iterdir()) == [f"{r['id']}.flac" for r in records]
