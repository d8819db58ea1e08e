"""Tests for livegen.corpus.tempo: the audio estimate with the length prior, and the cue order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livegen.corpus import tempo
from livegen.corpus.tempo import (
    decide,
    estimate_bpm,
    fits_whole_bars,
    is_loop_length,
    length_candidates,
)
from tests.support.loopfiles import SR, add_acid_chunk, techno, write


@pytest.mark.parametrize("bars", [1, 2])
@pytest.mark.parametrize("bpm", [97.0, 110.0, 117.0, 124.0, 128.5, 133.0, 140.0, 85.0, 160.0])
def test_estimate_bpm_whole_bars(bpm: float, bars: int) -> None:
    # Every tempo here has a length candidate an octave away too (e.g. 97 and 194, 160 and 80).
    estimate, confidence, how = estimate_bpm(techno(bpm, SR, bars, seed=bars), SR)
    assert estimate == pytest.approx(bpm, rel=0.001)
    assert confidence > 0.4
    assert how.startswith(f"length is {bars} bar")


@pytest.mark.parametrize("bpm", [112.0, 124.0, 137.0])
def test_estimate_bpm_without_whole_bars(bpm: float) -> None:
    # A fifth of a bar of extra audio: no candidate from the length is related to the beat
    # (124 BPM x 1.2 bars is 1 bar at 103.3), so the steady beat alone answers.
    estimate, confidence, how = estimate_bpm(techno(bpm, SR, 1.2), SR)
    assert estimate == pytest.approx(bpm, rel=0.01)
    assert how.startswith("steady beat")
    assert tempo.MIN_CONFIDENCE < confidence < estimate_bpm(techno(bpm, SR), SR)[1]


def test_estimate_bpm_refuses_noise_and_tones() -> None:
    rng = np.random.default_rng(1)
    for seconds in (2.0, 3.7):
        noise = rng.standard_normal(round(seconds * SR)).astype(np.float32)
        assert estimate_bpm(0.3 * noise, SR)[1] < tempo.MIN_CONFIDENCE
    t = np.arange(2 * SR) / SR
    sine = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    assert estimate_bpm(sine, SR)[:2] == (0.0, 0.0)
    assert estimate_bpm(np.zeros(SR, np.float32), SR)[1] == 0.0


def test_length_candidates_and_fit() -> None:
    # 8.0 s: 2 bars at 60 or 4 bars at 120 (8 bars at 240 is out of range)
    assert length_candidates(8.0) == [(2.0, 60.0), (4.0, 120.0)]
    assert [b for _, b in length_candidates(2.474)] == pytest.approx([97.0, 194.0], abs=0.03)
    assert fits_whole_bars(8.0, 120.0) and fits_whole_bars(1.0, 120.0)  # 2 bars; a half bar
    assert fits_whole_bars(4.0 * 1.015, 120.0)  # within 2 %
    assert not fits_whole_bars(8.0, 160.0)  # 5.33 bars: the old importer's mistake
    assert not fits_whole_bars(10.67, 120.0)
    # a bare number must give a pack's loop length nearly exactly
    assert is_loop_length(8.0, 120.0) and is_loop_length(1.0, 120.0)  # 4 bars; a half bar
    assert not is_loop_length(4.0 * 1.015, 120.0)  # 2.03 bars: a take number, not the tempo
    assert not is_loop_length(6.0, 120.0)  # 3 bars: whole, but no pack cuts loops so


def test_decide_trusts_metadata_then_name_then_audio(tmp_path: Path) -> None:
    loop = techno(124, 44_100, 2)
    audio = techno(124, SR, 2)
    tagged = write(tmp_path / "groove_130bpm.wav", loop, 44_100)
    add_acid_chunk(tagged, 124.0)  # metadata beats the name
    assert (decide(tagged, audio, SR).bpm, decide(tagged, audio, SR).cue) == (124.0, "metadata")
    named = decide(tmp_path / "groove_62bpm.wav", audio, SR)  # written down: trusted as is
    assert (named.bpm, named.cue) == (62.0, "filename")
    bare = decide(tmp_path / "groove_124_a.wav", audio, SR)  # 2 bars at 124: the length agrees
    assert (bare.bpm, bare.cue, bare.confidence) == (124.0, "name+length", 0.9)
    # "128" does not fit the length (2 bars at 124 are 2.07 bars at 128): the audio decides
    dated = decide(tmp_path / "2024-01-05 jam 128.wav", audio, SR)
    assert dated.cue == "length+onsets" and dated.bpm == pytest.approx(124.0, abs=0.01)
    assert "2 bars at 124.00 BPM" in dated.detail
    # found on a pack of 320 loops: two bars at 128.14 BPM are 2.98 bars at "191"
    at_128 = techno(128.14, SR, 2)
    indexed = decide(tmp_path / "EE_dub_techno_191.wav", at_128, SR)
    assert indexed.cue == "length+onsets" and indexed.bpm == pytest.approx(128.14, abs=0.02)
