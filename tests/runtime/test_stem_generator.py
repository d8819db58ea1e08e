"""The stem generator at run time: three stems decoded as one batch, their sum the mix, the key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from livegen.control.keys import Key, key_vector, parse_key
from livegen.runtime.generator import BarRequest, Generator
from livegen.runtime.manifest import ModelFileError
from livegen.runtime.sampler import noise
from livegen.units import bar_frames
from tests.support.models import tiny_package_one_thread

torch = pytest.importorskip("torch", reason="building the tiny package needs torch")
CONCEPT = (np.arange(8, dtype=np.float32) - 3.5) / np.linalg.norm(np.arange(8) - 3.5)


@pytest.fixture(scope="module")
def pkg(tmp_path_factory) -> Path:
    return tiny_package_one_thread(tmp_path_factory.mktemp("stem_generator"), stems=True)


@pytest.fixture(scope="module")
def stems(pkg) -> Generator:
    return Generator.load(pkg, "cpu", 1, stems=True)


def test_the_mix_is_the_sum_of_three_stems_decoded_as_one_batch(stems):
    req = BarRequest(
        bpm=124, concept=CONCEPT, steps=2, seed=3, key=parse_key("F m"), key_lock=False
    )
    bar = stems.bar(req)
    frames = round(round(240 / 124 * 24_000) / 320)
    assert stems.stems == ("drums", "bass", "music")
    assert bar.stems is not None and bar.stems.shape == (3, frames * 320)
    assert bar.noise.shape == (24, frames)
    np.testing.assert_array_equal(bar.audio, (bar.stems[0] + bar.stems[1]) + bar.stems[2])
    # each stem is the codec's decode of its own third of the latents, nothing shared
    z = stems.latents(bar.noise, round(240 / 124 * 24_000), CONCEPT, 2, 3.0, key=Key(5, "minor"))
    for i in range(3):
        one = stems.codec.decode(
            np.concatenate(
                [z[8 * i : 8 * i + 8, -4:], z[8 * i : 8 * i + 8], z[8 * i : 8 * i + 8, :4]], axis=1
            )[None]
        )[0]
        np.testing.assert_allclose(bar.stems[i], one[4 * 320 : (4 + frames) * 320], atol=1e-5)


def test_the_key_lock_retunes_the_bass_and_nothing_else(stems):
    from livegen.dsp.tune import key_lock, note_costs

    req = dict(bpm=124, concept=CONCEPT, steps=2, seed=3, key=Key(5, "minor"))
    raw = stems.bar(BarRequest(**req, key_lock=False))
    locked = stems.bar(BarRequest(**req))  # the default: locked
    assert raw.stems is not None and locked.stems is not None
    np.testing.assert_array_equal(locked.stems[[0, 2]], raw.stems[[0, 2]])
    want, _ = key_lock(raw.stems[1], 24_000, note_costs(5, "minor"))
    np.testing.assert_array_equal(locked.stems[1], want)
    np.testing.assert_array_equal(locked.audio, (want + raw.stems[0]) + raw.stems[2])
    # a major key is locked to the scale of the key the model plays (its relative minor)
    assert stems.lock_stems(raw.stems, Key(9, "minor")).shape == raw.stems.shape


SHIPPED = Path(__file__).resolve().parents[2] / "models" / "default"


@pytest.mark.skipif(not (SHIPPED / "generator_stems.onnx").is_file(), reason="no shipped model")
def test_with_the_lock_the_shipped_bass_sits_on_the_grid():
    """The shipped stem generator's bass lies on the tempered grid no more often than chance;
    through the key lock most of it does (`eval stems`, 72 bars: 0.31 → 0.60, the corpus 0.55)."""
    from livegen.eval.pitch import bass_pitch

    gen = Generator.load(SHIPPED, "cpu", 2, stems=True)
    before, after = [], []
    for i, key in enumerate(["F minor", "A minor", "C# minor", "D major", "G major", "Bb minor"]):
        req = BarRequest(bpm=126, steps=8, seed=40 + i, key=parse_key(key), key_lock=False)
        raw = gen.bar(req)
        assert raw.stems is not None
        locked = gen.lock_stems(raw.stems, gen.key_played(req.key))
        before.append(bass_pitch(raw.stems[1], 24_000)["on_grid"])
        after.append(bass_pitch(locked[1], 24_000)["on_grid"])
    assert np.median(after) > np.median(before) + 0.15, (before, after)


def test_the_key_conditions_the_bar_and_no_key_is_a_key_too(stems):
    req = dict(bpm=124, concept=CONCEPT, steps=2, seed=3)
    f_minor = stems.bar(BarRequest(**req, key=Key(5, "minor")))
    again = stems.bar(BarRequest(**req, key=Key(5, "minor")))
    a_minor = stems.bar(BarRequest(**req, key=Key(9, "minor")))
    none = stems.bar(BarRequest(**req, key=None))
    assert np.array_equal(f_minor.audio, again.audio)
    assert not np.array_equal(f_minor.audio, a_minor.audio)
    assert not np.array_equal(f_minor.audio, none.audio)


def test_a_mode_the_model_never_trained_on_plays_as_its_relative(stems):
    assert stems.spec.modes == ("minor",)  # the tiny model, like the shipped one, saw minor only
    assert stems.key_played(Key(0, "major")) == Key(9, "minor")  # C major: A minor, same notes
    assert stems.key_played(Key(2, "minor")) == Key(2, "minor")
    assert stems.key_played(None) is None
    req = dict(bpm=124, concept=CONCEPT, steps=2, seed=3)
    c_major = stems.bar(BarRequest(**req, key=Key(0, "major")))
    a_minor = stems.bar(BarRequest(**req, key=Key(9, "minor")))
    assert np.array_equal(c_major.audio, a_minor.audio)


def test_the_mix_generator_has_no_stems_and_ignores_no_key(pkg):
    mix = Generator.load(pkg, "cpu", 1)
    bar = mix.bar(BarRequest(bpm=124, concept=CONCEPT, steps=2, seed=3))
    assert bar.stems is None and mix.stems == () and mix.key_played(Key(5, "minor")) is None


def test_a_package_without_a_stem_generator_says_so(tmp_path_factory):
    plain = tiny_package_one_thread(tmp_path_factory.mktemp("no_stems"))
    with pytest.raises(ModelFileError, match="no stem generator"):
        Generator.load(plain, "cpu", 1, stems=True)


def test_bad_keys_are_refused_with_a_readable_message(stems):
    with pytest.raises(ValueError, match="key must be a Key"):
        stems.bar(BarRequest(bpm=124, steps=2, key="F minor"))  # type: ignore[arg-type]
    assert key_vector(None).sum() == 0 and key_vector(Key(5, "minor")).sum() == 2


def test_with_guide_key_the_unconditional_branch_drops_the_key(stems):
    """The manifest's guide_key (set for stem generators) makes w push towards the key: a keyed
    bar without a concept is guided (the uncond branch has no key), unlike without guide_key."""
    from dataclasses import replace

    assert stems.spec.guide_key
    req = dict(bpm=124, steps=2, seed=5, key=Key(2, "minor"))
    weak, strong = (stems.bar(BarRequest(**req, guidance=w)) for w in (1.0, 4.0))
    assert not np.array_equal(weak.audio, strong.audio)
    unguided = replace(stems.spec, guide_key=False)
    saved, stems.spec = stems.spec, unguided
    try:
        a, b = (stems.bar(BarRequest(**req, guidance=w)) for w in (1.0, 4.0))
    finally:
        stems.spec = saved
    np.testing.assert_array_equal(a.audio, b.audio)  # no concept, key in both: nothing to guide


def test_key_guidance_pushes_to_the_key_on_its_own_scale(stems):
    """A key guidance other than w runs a third branch (concept kept, key dropped); equal to w, or
    None on a model without a default, it is today's two-branch bar; out of range it is refused."""
    assert stems.spec.key_guidance is None
    req = dict(bpm=124, concept=CONCEPT, steps=2, seed=5, key=Key(2, "minor"), guidance=3.0)
    base = stems.bar(BarRequest(**req))
    np.testing.assert_array_equal(stems.bar(BarRequest(**req, key_guidance=3.0)).audio, base.audio)
    n = round(240 / 124 * 24_000)
    z = [
        stems.latents(base.noise, n, CONCEPT, 1, 3.0, key=Key(2, "minor"), key_guidance=wk)
        for wk in (3.0, 8.0, 13.0)
    ]
    step1, step2 = z[1] - z[0], z[2] - z[1]
    assert np.abs(step1).max() > 0  # the tiny untrained model barely hears the key, but does
    np.testing.assert_allclose(step2, step1, atol=1e-5)  # one Euler step: linear in w_k
    nokey = {**req, "key": None}  # no key asked: nothing to push to
    np.testing.assert_array_equal(
        stems.bar(BarRequest(**nokey, key_guidance=8.0)).audio, stems.bar(BarRequest(**nokey)).audio
    )
    for bad in (-1.0, 21.0, float("nan")):
        with pytest.raises(ValueError, match="key_guidance"):
            stems.bar(BarRequest(**req, key_guidance=bad))


def test_the_manifest_sets_the_default_key_guidance(pkg, tmp_path):
    import json
    import shutil

    copy = tmp_path / "pkg"
    shutil.copytree(pkg, copy)
    data = json.loads((copy / "manifest.json").read_text())
    data["stem_generator"]["sampler"]["key_guidance"] = 8.0
    (copy / "manifest.json").write_text(json.dumps(data))
    gen = Generator.load(copy, "cpu", 1, stems=True)
    assert gen.spec.key_guidance == 8.0
    req = dict(bpm=124, concept=CONCEPT, steps=2, seed=5, key=Key(2, "minor"), guidance=3.0)
    loaded = Generator.load(pkg, "cpu", 1, stems=True)
    np.testing.assert_array_equal(
        gen.bar(BarRequest(**req)).audio, loaded.bar(BarRequest(**req, key_guidance=8.0)).audio
    )


def test_the_manifest_limits_the_keys_own_push_to_its_interval(pkg, tmp_path):
    """`key_guidance_interval` [0, 0.5) on 4 uniform steps: the key's own push on the first two
    (α 0, 0.25), the two-branch field after; so the bar lies between w_k on every step and none,
    and `use_key_interval` sets the same from outside."""
    import json
    import shutil

    copy = tmp_path / "pkg"
    shutil.copytree(pkg, copy)
    data = json.loads((copy / "manifest.json").read_text())
    data["stem_generator"]["sampler"].update(key_guidance=12.0, key_guidance_interval=[0, 0.5])
    (copy / "manifest.json").write_text(json.dumps(data))
    gen = Generator.load(copy, "cpu", 1, stems=True)
    assert gen.spec.key_interval == (0.0, 0.5)
    loaded = Generator.load(pkg, "cpu", 1, stems=True)
    n = round(240 / 124 * 24_000)
    x0 = noise(5, gen.spec.latent_dim, bar_frames(n, gen.codec.hop))
    key = Key(2, "minor")

    def z(g, wk=None):
        return g.latents(x0, n, CONCEPT, 4, 3.0, key=key, key_guidance=wk, kind="uniform")

    limited, every, none = z(gen), z(loaded, 12.0), z(loaded, 3.0)
    assert not np.allclose(limited, every) and not np.allclose(limited, none)
    loaded.use_key_interval((0.0, 0.5))
    np.testing.assert_array_equal(z(loaded, 12.0), limited)
    data["stem_generator"]["sampler"]["key_guidance_interval"] = [0.5, 0.2]
    (copy / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="generator section incomplete"):
        Generator.load(copy, "cpu", 1, stems=True)


def test_the_unets_own_latent_scale_is_undone_before_decoding(pkg, stems, tmp_path):
    """A stem generator trained with per-channel standardisation (the tiny one, as the shipped
    one) samples in its own space; `latents` maps that back to the codec's, channel by channel."""
    import json
    import shutil

    mean, std = stems.spec.scale  # the tiny package's, from its training bars
    assert mean.shape == std.shape == (24,) and np.all(std > 0)
    data = json.loads((pkg / "manifest.json").read_text())
    copy = tmp_path / "pkg"
    shutil.copytree(pkg, copy)
    del data["stem_generator"]["latent_scale"]
    (copy / "manifest.json").write_text(json.dumps(data))
    raw = Generator.load(copy, "cpu", 1, stems=True)
    assert raw.spec.scale is None
    n, x0 = round(240 / 124 * 24_000), stems.bar(BarRequest(bpm=124, steps=2, seed=1)).noise
    args = (x0, n, CONCEPT, 2, 3.0)
    np.testing.assert_allclose(
        stems.latents(*args), raw.latents(*args) * std[:, None] + mean[:, None], atol=1e-5
    )
    for bad in ({"mean": [0.0] * 23, "std": [1.0] * 23}, {"mean": [0.0] * 24, "std": [0.0] * 24}):
        data["stem_generator"]["latent_scale"] = bad
        (copy / "manifest.json").write_text(json.dumps(data))
        with pytest.raises(ModelFileError, match="latent_scale"):
            Generator.load(copy, "cpu", 1, stems=True)
