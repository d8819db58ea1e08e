"""The key estimator: synthetic chords in all 24 keys, and the corpus ceiling it was tuned on."""

import numpy as np
import pytest

from livegen import SAMPLE_RATE as SR
from livegen.cli import main
from livegen.corpus.loop import make_loop
from livegen.corpus.make import CorpusConfig, make_corpus
from livegen.eval.key import PITCH_CLASSES, chroma, estimate_key, in_tune, key_of

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)


def _tone(midi: float, n: int, harmonics: int = 6) -> np.ndarray:
    t = np.arange(n) / SR
    f = 440.0 * 2 ** ((midi - 69) / 12)
    return sum(np.sin(2 * np.pi * h * f * t) / h for h in range(1, harmonics + 1))


def _cadence(tonic: int, mode: str) -> np.ndarray:
    """Bass on the tonic, the tonic triad, then the scale: two seconds of saw-like tones."""
    third = 4 if mode == "major" else 3
    scale = MAJOR_SCALE if mode == "major" else MINOR_SCALE
    n = SR // 4
    parts = [_tone(36 + tonic, 8 * n) * 1.5]
    parts += [np.tile(_tone(48 + tonic + iv, n), 8) for iv in (0, third, 7)]
    melody = np.concatenate([_tone(60 + tonic + iv, n) for iv in (*scale, 12)])
    return sum(parts) + melody


def test_synthetic_keys_all_24():
    right = 0
    for mode in ("major", "minor"):
        for tonic in range(12):
            est = estimate_key(_cadence(tonic, mode), SR, periodic=False)
            right += est.tonic == tonic and est.mode == mode
    assert right >= 22


def test_the_albrecht_shanahan_profiles_find_the_24_keys_too():
    right = sum(
        estimate_key(_cadence(t, m), SR, periodic=False, profiles="albrecht-shanahan").tonic == t
        for m in ("major", "minor")
        for t in range(12)
    )
    assert right >= 22


def test_chroma_and_silence():
    c = chroma(_tone(57, SR), SR)  # A3 and its overtones
    assert c.argmax() == PITCH_CLASSES.index("A") and c.sum() == pytest.approx(1.0)
    assert not np.any(chroma(np.zeros(SR), SR))
    assert estimate_key(np.zeros(SR), SR).confidence == 0.0


def test_scales_map_to_the_24_keys():
    assert key_of("F#", "phrygian") == (6, "minor")
    assert key_of("C", "dorian") == (0, "minor")
    assert key_of("D", "mixolydian") == (2, "major")
    with pytest.raises(ValueError):
        key_of("H", "minor")


def test_corpus_ceiling_on_the_stems():
    # 400 loops of seed 3: bass+music stems 80.9 % tonic, 70.3 % tonic and mode; mix 63.5 %.
    stems, mix = [], []
    for i in range(40):
        loop = make_loop(3, i)
        tonic, mode = key_of(loop.meta["key"], loop.meta["scale"])
        pitched = loop.stems["bass"] + loop.stems["music"]
        if np.any(pitched):
            est = estimate_key(pitched, SR)
            stems.append((est.tonic == tonic, est.tonic == tonic and est.mode == mode))
        mix.append(estimate_key(loop.audio, SR).tonic == tonic)
    tonic_rate, mode_rate = np.mean(stems, axis=0)
    assert tonic_rate >= 0.70 and mode_rate >= 0.55
    assert np.mean(mix) >= 0.45
    assert np.mean(mix) < tonic_rate  # the drums cost the mix: the stems are worth having


def test_cli_eval_key(tmp_path, capsys):
    make_corpus(tmp_path, CorpusConfig(n=6, seed=4), workers=1, progress=False)
    assert main(["eval", "key", "--corpus", str(tmp_path), "--json", str(tmp_path / "k.json")]) == 0
    out = capsys.readouterr().out
    assert "bass+music stems" in out and "mix" in out and "tonic+mode" in out
    assert (tmp_path / "k.json").is_file()


def test_in_tune_tells_tempered_chords_from_detuned_and_unrelated_pitch():
    chord = [57, 60, 64, 69]  # A minor, sustained for a 2 s loop
    n = 2 * SR
    assert in_tune(sum(_tone(m, n) for m in chord), SR) > 0.95
    assert in_tune(sum(_tone(m + 0.4, n) for m in chord), SR) < 0.05  # 40 cents sharp
    rng = np.random.default_rng(0)
    scattered = [in_tune(sum(_tone(m, n) for m in rng.uniform(55, 80, 4)), SR) for _ in range(40)]
    assert 0.15 < np.mean(scattered) < 0.45  # pitch unrelated to the grid: about 0.30
    assert np.isnan(in_tune(np.zeros(n), SR))
