"""`livegen corpus make` / `preview` and the CLI: files, manifest, splits, determinism, bad input."""

import hashlib
import json
import subprocess
import sys

import numpy as np
import soundfile as sf

from livegen import SAMPLE_RATE as SR
from livegen.cli import main
from livegen.corpus.make import CorpusConfig, load_audio, make_corpus, read_manifest, split_of


def _digest(folder):
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "corpus.json")
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def test_same_seed_identical_bytes_whatever_the_workers(tmp_path):
    cfg = CorpusConfig(n=12, seed=5)
    make_corpus(tmp_path / "a", cfg, workers=1, progress=False)
    make_corpus(tmp_path / "b", cfg, workers=2, progress=False)
    make_corpus(tmp_path / "c", CorpusConfig(n=12, seed=6), workers=2, progress=False)
    a, b, c = _digest(tmp_path / "a"), _digest(tmp_path / "b"), _digest(tmp_path / "c")
    assert len(a) == 49  # 12 loops, 3 stems each, manifest
    assert a == b
    assert all(a[k] != c[k] for k in a)


def test_manifest_and_audio_files(tmp_path):
    make_corpus(tmp_path, CorpusConfig(n=10, seed=1), workers=1, progress=False)
    entries = read_manifest(tmp_path)
    assert [e["id"] for e in entries] == [f"loop_{i:06d}" for i in range(10)]
    for e in entries:
        info = sf.info(tmp_path / e["path"])
        assert info.samplerate == SR and info.channels == 1 and info.format == "FLAC"
        audio = load_audio(tmp_path, e)
        assert len(audio) == e["n_samples"]
        assert 20 * np.log10(np.max(np.abs(audio))) < -1.0
        assert len(e["captions"]) >= 3 and all(isinstance(c, str) and c for c in e["captions"])
        assert e["split"] in ("train", "valid", "test")
        for key in ("bpm", "key", "scale", "style", "swing", "instruments", "attributes", "fx"):
            assert key in e
    summary = json.loads((tmp_path / "corpus.json").read_text())
    assert summary["config"]["seed"] == 1 and sum(summary["splits"].values()) == 10


def test_wav_format_is_float32(tmp_path):
    make_corpus(tmp_path, CorpusConfig(n=2, seed=1, audio_format="wav"), workers=1, progress=False)
    entry = read_manifest(tmp_path)[0]
    assert sf.info(tmp_path / entry["path"]).subtype == "FLOAT"


def test_split_is_fixed_and_proportioned():
    splits = [split_of(0, i) for i in range(4000)]
    assert splits == [split_of(0, i) for i in range(4000)]
    share = {s: splits.count(s) / len(splits) for s in ("train", "valid", "test")}
    assert abs(share["train"] - 0.9) < 0.02 and abs(share["test"] - 0.05) < 0.015
    assert splits != [split_of(1, i) for i in range(4000)]


def test_existing_corpus_is_not_overwritten(tmp_path, capsys):
    make_corpus(tmp_path, CorpusConfig(n=2, seed=1), workers=1, progress=False)
    before = _digest(tmp_path)
    code = main(["corpus", "make", "--out", str(tmp_path), "--n", "3", "--no-progress"])
    assert code == 1
    assert "already holds a corpus" in capsys.readouterr().err
    assert _digest(tmp_path) == before


def test_cli_make_and_preview(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    assert main(["corpus", "make", "--out", str(corpus), "--n", "6", "--workers", "1"]) == 0
    assert "wrote 6 loops" in capsys.readouterr().out
    assert main(["corpus", "preview", "--corpus", str(corpus), "--n", "4", "--repeats", "2"]) == 0
    reel, sr = sf.read(corpus / "preview" / "reel.wav")
    entries = read_manifest(corpus)
    listed = (corpus / "preview" / "reel.txt").read_text().splitlines()
    assert sr == SR and len(listed) == 4
    picked = [e for e in entries if e["id"] in " ".join(listed)]
    expected = sum(2 * e["n_samples"] for e in picked) + 4 * int(0.5 * SR)
    assert len(reel) == expected
    png = (corpus / "preview" / "contact_sheet.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["corpus", "preview", "--corpus", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "no corpus manifest" in err and "Traceback" not in err


def test_console_help_lists_subcommands():
    out = subprocess.run(
        [sys.executable, "-m", "livegen", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("corpus", "bench", "demo"):
        assert command in out
    out = subprocess.run(
        [sys.executable, "-m", "livegen", "corpus", "--help"], capture_output=True, text=True
    ).stdout
    for sub in ("make", "import", "preview"):
        assert sub in out
