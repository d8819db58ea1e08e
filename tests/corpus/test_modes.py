"""`corpus make --modes both`: major keys beside the minor modes, the other loops unchanged."""

from __future__ import annotations

import numpy as np

from livegen.control.keys import PITCH_CLASSES
from livegen.corpus.loop import make_loop
from livegen.eval.key import estimate_key

SR = 24_000


def test_about_half_the_loops_turn_major_and_the_rest_stay_bit_for_bit():
    major = 0
    for index in range(40):
        both = make_loop(3, index, modes="both")
        if both.meta["scale"] == "major":
            major += 1
            continue
        minor = make_loop(3, index)
        np.testing.assert_array_equal(both.audio, minor.audio)
        assert both.meta == minor.meta
    assert 12 <= major <= 28


def test_a_major_loop_is_the_same_loop_in_the_major_key_on_its_tonic():
    index = next(i for i in range(40) if make_loop(5, i, modes="both").meta["scale"] == "major")
    major, minor = make_loop(5, index, modes="both"), make_loop(5, index)
    assert major.meta["key"] == minor.meta["key"] and major.meta["bpm"] == minor.meta["bpm"]
    assert set(major.meta["instruments"]) == set(minor.meta["instruments"])
    stabs = major.meta["instruments"].get("stabs")
    if stabs is not None:
        assert stabs["params"]["chord"] in ("major", "major7", "major9", "fifths")
    assert not np.array_equal(major.stems["bass"] + major.stems["music"],
                              minor.stems["bass"] + minor.stems["music"])  # fmt: skip


def test_the_key_estimator_hears_major_loops_on_their_tonic():
    found = []
    for index in range(60):
        loop = make_loop(7, index, modes="both")
        pitched = loop.stems["bass"] + loop.stems["music"]
        if loop.meta["scale"] != "major" or not pitched.any():
            continue
        est = estimate_key(pitched, SR)
        found.append(est.tonic == PITCH_CLASSES.index(loop.meta["key"]))
    assert len(found) >= 15 and np.mean(found) >= 0.65


def test_major_loops_are_not_captioned_minor(tmp_path):
    from livegen.corpus.make import CorpusConfig, make_corpus, read_manifest

    make_corpus(tmp_path / "c", CorpusConfig(n=40, seed=2, modes="both", stems=False),
                workers=1, progress=False)  # fmt: skip
    entries = read_manifest(tmp_path / "c")
    major = [e for e in entries if e["scale"] == "major"]
    assert len(major) >= 10
    assert not any("minor" in c for e in major for c in e["captions"])
    stabbed = [e for e in entries if "stabs" in e["instruments"] and e["scale"] != "major"]
    assert any("minor chord" in c for e in stabbed for c in e["captions"])  # the tables say it
