"""Corpus stems: the mix is their sum (in memory and in the files), the kick lives in the drums."""

import numpy as np
import pytest

from livegen import SAMPLE_RATE as SR
from livegen.cli import main
from livegen.corpus.loop import STEMS, make_loop
from livegen.corpus.make import CorpusConfig, load_audio, load_stems, make_corpus, read_manifest
from livegen.corpus.patterns import STEPS, Grid


@pytest.fixture(scope="module")
def loops():
    return [make_loop(21, i) for i in range(24)]


def test_mix_is_the_sum_of_the_stems(loops):
    for loop in loops:
        assert set(loop.stems) == set(STEMS)
        assert all(s.dtype == np.float32 and len(s) == len(loop.audio) for s in loop.stems.values())
        total = loop.stems["music"] + loop.stems["bass"] + loop.stems["drums"]  # another order
        assert np.max(np.abs(loop.audio - total)) <= 1e-6
        assert -2.0 < 20 * np.log10(np.max(np.abs(loop.audio))) < -1.0
        assert max(np.max(np.abs(s)) for s in loop.stems.values()) < 1.0  # 16-bit files fit
        inst = loop.meta["instruments"]
        for stem, names in (("bass", ("bass", "acid")), ("music", ("stabs", "pad"))):
            assert np.any(loop.stems[stem]) == any(n in inst for n in names), stem


@pytest.mark.parametrize("audio_format", ["flac", "wav"])
def test_stem_files_sum_to_the_mix_file(tmp_path, audio_format):
    make_corpus(tmp_path, CorpusConfig(n=4, seed=2, audio_format=audio_format), 1, False)
    for entry in read_manifest(tmp_path):
        assert sorted(entry["stems"]) == sorted(STEMS)
        assert all((tmp_path / p).is_file() for p in entry["stems"].values())
        mix, stems = load_audio(tmp_path, entry), load_stems(tmp_path, entry)
        assert stems is not None
        assert all(len(s) == len(mix) == entry["n_samples"] for s in stems.values())
        assert np.max(np.abs(mix - (stems["drums"] + stems["bass"] + stems["music"]))) <= 1e-6


def test_no_stems_flag(tmp_path, capsys):
    args = ["corpus", "make", "--out", str(tmp_path), "--n", "2", "--workers", "1"]
    assert main([*args, "--no-progress", "--no-stems"]) == 0
    entries = read_manifest(tmp_path)
    assert not (tmp_path / "stems").exists()
    assert all("stems" not in e and load_stems(tmp_path, e) is None for e in entries)


def _low_band_on(x: np.ndarray, starts: list[int], seconds: float = 0.05) -> float:
    """Energy below 100 Hz within `seconds` after each start (wrapping around the loop)."""
    spec = np.fft.rfft(x.astype(np.float64))
    spec[np.fft.rfftfreq(len(x), 1.0 / SR) > 100.0] = 0.0
    low = np.fft.irfft(spec, len(x))
    win = np.arange(int(seconds * SR))
    return float(sum(np.sum(np.take(low, s + win, mode="wrap") ** 2) for s in starts))


def test_kick_lives_in_the_drums_stem(loops):
    checked = 0
    for loop in loops:
        inst = loop.meta["instruments"]
        if "kick" not in inst:
            continue
        grid = Grid(loop.meta["bpm"], loop.meta["n_samples"], loop.meta["swing"])
        kicks = [grid.step_pos(s) for s in inst["kick"]["steps"]]
        drums = _low_band_on(loop.stems["drums"], kicks)
        assert 10 * np.log10(_low_band_on(loop.stems["music"], kicks) / drums + 1e-12) < -20
        # The bass stem's own notes may fall on the beat: judge it where none starts near a kick.
        notes = [n[0] for name in ("bass", "acid") for n in inst.get(name, {}).get("notes", [])]
        step = loop.meta["n_samples"] / STEPS
        near = [abs((p - k + step) % len(loop.audio) - step) < step for p in notes for k in kicks]
        if not any(near):
            assert 10 * np.log10(_low_band_on(loop.stems["bass"], kicks) / drums + 1e-12) < -20
            assert drums > 0.9 * _low_band_on(loop.audio, kicks)  # the mix's kick: the drums'
            checked += 1
    assert checked >= 3
