"""Synthesised loops: length, level, seamlessness, timing on the beat grid, metadata."""

import numpy as np
import pytest

from livegen import SAMPLE_RATE as SR
from livegen.corpus import patterns
from livegen.corpus.loop import make_loop
from livegen.corpus.styles import INSTRUMENTS, KEYS, SCALES, STYLES

N_LOOPS = 60


@pytest.fixture(scope="module")
def loops():
    return [make_loop(11, i, keep_parts=True) for i in range(N_LOOPS)]


def test_length_rate_and_tempo_range(loops):
    for loop in loops:
        bpm = loop.meta["bpm"]
        assert 110.0 <= bpm <= 140.0
        assert bpm == round(bpm, 2)
        assert loop.audio.dtype == np.float32 and loop.audio.ndim == 1
        assert len(loop.audio) == loop.meta["n_samples"] == round(240.0 / bpm * SR)
        assert loop.meta["sample_rate"] == SR


def test_tempo_spread_is_uniform_over_the_range():
    bpms = np.array([make_loop(2, i).meta["bpm"] for i in range(300)])
    # Uniform on [110, 140]: every 5-BPM bin gets a fair share (expected 50 each).
    counts, _ = np.histogram(bpms, bins=6, range=(110, 140))
    assert counts.min() > 25, counts


def test_level_finite_no_clipping(loops):
    for loop in loops:
        x = loop.audio
        assert np.isfinite(x).all()
        peak_db = 20 * np.log10(np.max(np.abs(x)))
        assert -2.0 < peak_db < -1.0, peak_db
        # A loop is a groove, not a blip: enough energy over the whole bar.
        assert loop.meta["rms_dbfs"] > -30


def test_seam_is_no_larger_than_inside_the_loop(loops):
    for loop in loops:
        x = loop.audio.astype(np.float64)
        inside = np.abs(np.diff(x))
        seam = abs(x[0] - x[-1])
        assert seam <= inside.max()
        # Stricter: the seam is an ordinary step, not among the loop's 0.5 % largest jumps.
        assert seam <= np.quantile(inside, 0.995), (loop.meta["style"], seam)


def _onsets(x: np.ndarray, ratio: float = 6.0, min_gap_s: float = 0.03) -> np.ndarray:
    """Onsets of a percussive stem: where the energy of the next 0.25 ms jumps over the last 5 ms.

    The loop is a circle, so the look-back wraps around the start.
    """
    pre_n, post_n = int(0.005 * SR), 6
    e = np.concatenate([x[-pre_n:], x, x[:post_n]]).astype(np.float64) ** 2
    c = np.concatenate([[0.0], np.cumsum(e)])
    i = np.arange(len(x)) + pre_n
    pre = (c[i] - c[i - pre_n]) / pre_n
    post = (c[i + post_n] - c[i]) / post_n
    floor = (0.02 * np.max(np.abs(x))) ** 2
    hits = np.flatnonzero((post > ratio * pre + 1e-12) & (post > floor))
    if len(hits) == 0:
        return hits
    keep = np.concatenate([[True], np.diff(hits) > min_gap_s * SR])
    hits = hits[keep]
    if len(hits) > 1 and hits[0] + len(x) - hits[-1] <= min_gap_s * SR:
        hits = hits[:-1]  # the onset at the start, seen a few samples early through the wrap
    return hits


def test_kick_onsets_on_the_beat_grid_within_1ms(loops):
    checked = 0
    for loop in loops:
        kick = loop.meta["instruments"].get("kick")
        if kick is None:
            continue
        grid = patterns.Grid(loop.meta["bpm"], loop.meta["n_samples"], loop.meta["swing"])
        found = _onsets(loop.parts["kick"])
        expected = np.array([grid.step_time(s) for s in kick["steps"]])
        assert len(found) == len(expected), (found, expected)
        err_ms = np.abs(np.sort(found) - np.sort(expected)) / SR * 1e3
        assert err_ms.max() < 1.0, err_ms
        if kick["template"] == "four_on_the_floor":
            # Straight four: the hits are exactly the beats of the recorded BPM.
            beats = np.arange(4) * 60.0 / loop.meta["bpm"] * SR
            assert np.abs(np.sort(found) - beats).max() / SR * 1e3 < 1.0
        checked += 1
    assert checked >= N_LOOPS // 2


def test_metadata_records_what_played(loops):
    for loop in loops:
        meta = loop.meta
        assert meta["key"] in KEYS and meta["scale"] in SCALES and meta["style"] in STYLES
        assert 50.0 <= meta["swing"] <= 62.0
        assert set(meta["instruments"]) <= set(INSTRUMENTS)
        assert len(meta["instruments"]) >= 3
        for name, entry in meta["instruments"].items():
            assert entry["params"], name
            assert meta["attributes"][name] is True
            stem = loop.parts[name]
            assert np.max(np.abs(stem)) > 1e-3, f"{name} is listed but silent"
        for name in set(INSTRUMENTS) - set(meta["instruments"]):
            assert meta["attributes"][name] is False
        assert meta["attributes"]["brightness"] in ("dark", "neutral", "bright")


def test_brightness_label_follows_the_audio():
    metas = [make_loop(4, i).meta for i in range(150)]
    high = {b: [m["high_energy_db"] for m in metas if m["attributes"]["brightness"] == b] for b in
            ("dark", "neutral", "bright")}  # fmt: skip
    assert all(len(v) >= 10 for v in high.values()), {k: len(v) for k, v in high.items()}
    assert max(high["dark"]) < min(high["neutral"]) and max(high["neutral"]) < min(high["bright"])


def test_same_seed_same_loop_bit_for_bit():
    a, b = make_loop(7, 3), make_loop(7, 3)
    assert a.audio.tobytes() == b.audio.tobytes() and a.meta == b.meta
    assert make_loop(8, 3).audio.tobytes() != a.audio.tobytes()


def test_every_style_and_instrument_occurs():
    metas = [make_loop(9, i).meta for i in range(250)]
    assert {m["style"] for m in metas} == set(STYLES)
    seen = {name for m in metas for name in m["instruments"]}
    assert seen == set(INSTRUMENTS)
    no_kick = sum("kick" not in m["instruments"] for m in metas)
    assert 0.03 * len(metas) < no_kick < 0.3 * len(metas)


def test_euclid_and_swing():
    assert patterns.euclid(4) == (0, 4, 8, 12)
    assert len(patterns.euclid(5)) == 5 and len(patterns.euclid(7, rotate=2)) == 7
    grid = patterns.Grid(bpm=120.0, n_samples=48000, swing=60.0)
    assert grid.step_time(4) == 12000.0  # on-beats never move
    assert grid.step_time(1) == pytest.approx(3000.0 + 0.2 * 3000.0)  # 60 % swing
