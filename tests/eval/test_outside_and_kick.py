"""The generator eval's outside-judge and kick studies on the shipped package and real corpus loops."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livegen.eval import kick, outside
from livegen.eval.musicnn import MusicnnJudge

MODEL = Path(__file__).resolve().parents[2] / "models" / "default"
SR = 24_000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from livegen.corpus.make import CorpusConfig, make_corpus

    path = tmp_path_factory.mktemp("corpus")
    make_corpus(path, CorpusConfig(n=48, seed=11), workers=1, progress=False)
    return path


@pytest.fixture(scope="module")
def shipped():
    from livegen.runtime.codec import Codec
    from livegen.runtime.concept import load_conditioner
    from livegen.runtime.generator import Generator

    gen = Generator.load(MODEL, "cpu", 1)
    codec = Codec.load(MODEL, "cpu", 1, with_encoder=True, warm=False)
    return gen, codec, load_conditioner("livegen-clap", model_dir=MODEL, threads=1)


def bar(bpm: float = 125.0, kick_at: tuple[float, ...] = (0, 0.25, 0.5, 0.75)) -> np.ndarray:
    """Hats every 16th, plus 50 Hz kick thumps at the given bar positions."""
    n = round(240 / bpm * SR)
    rng = np.random.default_rng(0)
    y = np.zeros(n)
    t = np.arange(int(0.15 * SR)) / SR
    for k in range(16):
        s = k * n // 16
        y[s : s + 600] += 0.1 * rng.standard_normal(600) * np.exp(-np.arange(600) / 100)
    for pos in kick_at:
        s = int(pos * n)
        thump = np.sin(2 * np.pi * 50 * t) * np.exp(-t / 0.05)
        y[s : s + len(t)] += thump[: n - s]
    return y.astype(np.float32)


def test_the_kick_measure_hears_kicks_on_the_beats_only():
    on = kick.beat_low_db(bar(), SR)
    off = kick.beat_low_db(bar(kick_at=(0.125, 0.375, 0.625, 0.875)), SR)
    none = kick.beat_low_db(bar(kick_at=()), SR)
    assert on - none > 20 and on - off > 10, (on, off, none)


def test_the_kick_measure_separates_real_corpus_loops(corpus):
    from livegen.corpus.make import load_audio, read_manifest

    entries = read_manifest(corpus)
    r = kick.real_kick_contrast(entries, [load_audio(corpus, e) for e in entries])
    assert r["with_kick_db"] - r["without_kick_db"] > 10, r


def test_outside_study_scores_generated_bars_and_caches_the_references(
    corpus, shipped, tmp_path, monkeypatch
):
    gen, codec, cond = shipped
    judge = MusicnnJudge.load(threads=1)
    calls = []
    embed = judge.embed
    monkeypatch.setattr(
        judge, "embed", lambda clips, sr, **kw: calls.append(len(clips)) or embed(clips, sr, **kw)
    )
    args = (gen, cond, judge, corpus, 2, 2, 3.0, 0, codec, MODEL, tmp_path)
    r = outside.outside_study(*args, split_b="train", progress=False)
    assert calls == [2, 2, 2, 2, 2]  # A, B, their round trips, the generated bars
    assert (
        r["fd_floor"] > 0 and np.isfinite(r["generated"]["ratio"]) and r["generated"]["ratio"] > 0
    )
    assert len(r["tags"]["generated"]) == 8 and r["tags"]["A"][0][1] > 0
    again = outside.outside_study(*args, split_b="train", progress=False)
    assert calls[5:] == [2]  # the references came from the cache
    assert again["fd_floor"] == r["fd_floor"]
    assert "outside judge" in outside.report(r)
    held = outside.held_out(corpus, "test", 2, gen.spec.bpm_min, gen.spec.bpm_max)
    tonal = sum(bool({"stabs", "pad"} & set(e["instruments"])) for e in held)
    assert r["in_tune"]["n"] == tonal
    if tonal:  # the corpus's chords and pads sit on the grid (0.30 = no pitch)
        assert r["in_tune"]["real"] > 0.5 and 0 <= r["in_tune"]["generated"] <= 1


def test_held_out_says_how_many_loops_it_lacks(corpus):
    with pytest.raises(ValueError, match="needs 500"):
        outside.held_out(corpus, "test", 500, 110, 140)


def test_kick_study_pairs_prompts_with_and_without_a_kick(shipped):
    gen, _, cond = shipped
    r = kick.kick_study(gen, cond, 2, 2, 3.0, 0, progress=False)
    assert r["pairs"] == 2 and 0.0 <= r["differs"] <= 1.0 and np.isfinite(r["median_db"])


def test_a_stem_generators_study_adds_its_stems_round_trip(corpus, shipped, tmp_path):
    from livegen.corpus.make import load_audio
    from livegen.runtime.generator import Generator

    _, codec, cond = shipped
    gen = Generator.load(MODEL, "cpu", 1, stems=True)
    held = outside.held_out(corpus, "train", 3, gen.spec.bpm_min, gen.spec.bpm_max)
    for e, back in zip(held, outside.stem_round_trip(gen, codec, corpus, held), strict=True):
        real = load_audio(corpus, e)  # the mix is the stems' sum, so the sum comes back close to it
        assert len(back) == len(real) and np.corrcoef(real, back)[0, 1] > 0.8
    judge = MusicnnJudge.load(threads=1)
    r = outside.outside_study(gen, cond, judge, corpus, 2, 2, 3.0, 0, codec, MODEL, tmp_path,
                              split_b="train", progress=False)  # fmt: skip
    assert r["codec_round_trip_stems_unpaired"]["ratio"] > 0
    assert "the stems' ceiling" in outside.report(r)
