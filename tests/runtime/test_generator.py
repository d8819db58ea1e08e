"""The runtime generator and `livegen render` on a tiny exported package (no torch at run time)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livegen.dsp.resample import fit_bar
from livegen.live.render import play_bars
from livegen.runtime.generator import BarRequest, Generator
from livegen.runtime.sampler import noise
from livegen.units import bar_starts
from tests.support.models import tiny_package_one_thread

torch = pytest.importorskip("torch", reason="building the tiny package needs torch")
CONCEPT = (np.arange(8, dtype=np.float32) - 3.5) / np.linalg.norm(np.arange(8) - 3.5)


@pytest.fixture(scope="module")
def pkg(tmp_path_factory) -> Path:
    return tiny_package_one_thread(tmp_path_factory.mktemp("engine_generator"))


@pytest.fixture(scope="module")
def gen(pkg) -> Generator:
    return Generator.load(pkg, "cpu", 1)


@pytest.mark.parametrize("bpm", [110, 117.3, 125, 133.33, 140])
def test_a_bar_is_one_latent_period_fitted_once_to_the_bar_length(gen, bpm):
    bar = gen.bar(BarRequest(bpm=bpm, concept=CONCEPT, steps=2, seed=1))
    frames = round(round(240 / bpm * 24_000) / 320)
    assert bar.audio.dtype == np.float32 and bar.audio.shape == (frames * 320,)
    assert np.isfinite(bar.audio).all() and bar.gen_ms > 0
    assert bar.noise.shape == (8, frames)
    # The player's one resampling gives exactly the bar, at the model's rate or the device's.
    for rate in (24_000, 48_000):
        n = round(240 / bpm * rate)
        assert fit_bar(bar.audio, n).shape == (n,)
    z = gen.latents(bar.noise, round(240 / bpm * 24_000), CONCEPT, 2, 3.0)
    np.testing.assert_array_equal(gen.decode_period(z), bar.audio)
    assert gen.sample_rate == 24_000 and gen.concept_dim == 8


def test_same_seed_same_bar_bit_for_bit(gen):
    req = BarRequest(bpm=124, concept=CONCEPT, steps=4, guidance=3.0, seed=7)
    a, b = gen.bar(req), gen.bar(req)
    assert np.array_equal(a.audio, b.audio) and np.array_equal(a.noise, b.noise)
    other = gen.bar(BarRequest(bpm=124, concept=CONCEPT, steps=4, guidance=3.0, seed=8))
    assert not np.array_equal(a.audio, other.audio)
    unguided = gen.bar(BarRequest(bpm=124, concept=None, steps=4, seed=7))
    assert not np.array_equal(a.audio, unguided.audio)


def test_variation_moves_from_the_previous_noise_to_the_new_seed(gen):
    first = gen.bar(BarRequest(bpm=128, concept=CONCEPT, steps=2, seed=1))
    same = gen.bar(BarRequest(bpm=128, concept=CONCEPT, steps=2, seed=2), prev_noise=first.noise)
    assert np.array_equal(same.noise, first.noise) and np.array_equal(same.audio, first.audio)
    new = gen.bar(
        BarRequest(bpm=128, concept=CONCEPT, steps=2, seed=2, variation=1.0), prev_noise=first.noise
    )
    np.testing.assert_array_equal(new.noise, noise(2, 8, first.noise.shape[1]))
    half = gen.bar(
        BarRequest(bpm=128, concept=CONCEPT, steps=2, seed=2, variation=0.5), prev_noise=first.noise
    )
    assert 0 < np.linalg.norm(half.noise - first.noise) < np.linalg.norm(new.noise - first.noise)
    faster = gen.bar(BarRequest(bpm=140, concept=CONCEPT, steps=2, seed=3), first.noise)
    np.testing.assert_array_equal(faster.noise, first.noise[:, : faster.noise.shape[1]])


@pytest.mark.parametrize(
    ("req", "match"),
    [
        (BarRequest(bpm=100), "outside the trained range 110-140"),
        (BarRequest(bpm=float("nan")), "bpm must be finite"),
        (BarRequest(bpm=120, steps=0), "steps must be from 1"),
        (BarRequest(bpm=120, steps=2.5), "steps must be an integer"),  # type: ignore[arg-type]
        (BarRequest(bpm=120, guidance=-1), "guidance must be from 0"),
        (BarRequest(bpm=120, variation=1.5), "variation must be from 0 to 1"),
        (BarRequest(bpm=120, seed=-3), "seed must be a non-negative integer"),
        (BarRequest(bpm=120, concept=np.ones(5, np.float32)), "concept must have 8 values"),
        (BarRequest(bpm=120, concept=np.zeros(8, np.float32)), "non-zero"),
    ],
)
def test_bad_requests_raise_readable_value_errors(gen, req, match):
    with pytest.raises(ValueError, match=match):
        gen.bar(req)


def test_the_runtime_imports_no_torch(pkg):
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        from pathlib import Path
        from livegen.runtime.generator import BarRequest, Generator
        import livegen.live.render
        gen = Generator.load(Path({str(pkg)!r}), "cpu", 1)
        bar = gen.bar(BarRequest(bpm=125, concept=np.eye(8, dtype=np.float32)[0], steps=2))
        assert bar.audio.shape == (46080,)
        bad = [m for m in sys.modules if m == "torch" or m.startswith("torch.")]
        assert not bad, bad
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def render(pkg: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "livegen.live.render", "--model", str(pkg), "--threads", "1"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, check=False)


def test_render_writes_exactly_bars_times_the_bar(pkg, tmp_path):
    out = tmp_path / "loop.wav"
    res = render(
        pkg,
        "--bpm",
        "123",
        "--bars",
        "3",
        "--steps",
        "2",
        "--variation",
        "0.5",
        "--seed",
        "4",
        "--sample-rate",
        "44100",
        "--out",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    audio, rate = sf.read(out)
    assert rate == 44_100 and len(audio) == round(3 * 240 / 123 * 44_100)
    assert "wrote" in res.stdout


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--bpm", "300"], "outside the trained range"),
        (["--bars", "0"], "--bars must be at least 1"),
        (["--sample-rate", "100"], "--sample-rate must be"),
        (["--prompt", "acid", "--weight", "1", "--weight", "2"], "2 --weight for 1 --prompt"),
        (["--out", "/proc/x.wav"], "cannot write there"),  # before: a traceback after all bars
    ],
)
def test_render_bad_arguments_exit_1_with_one_line(pkg, tmp_path, args, match):
    res = render(pkg, "--out", str(tmp_path / "x.wav"), *args)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("livegen: error:") and match in lines[0]
    assert not (tmp_path / "x.wav").exists()


def test_render_streams_bars_to_the_file(pkg, tmp_path):
    """Issue #17 item 6: `--bars 100000` kept every bar in memory; now one bar at a time."""
    import tracemalloc

    from livegen.live.render import add_arguments, run

    parser = __import__("argparse").ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "long.wav"
    args = parser.parse_args(["--model", str(pkg), "--threads", "1", "--bars", "300",
                              "--steps", "1", "--out", str(out)])  # fmt: skip
    tracemalloc.start()
    try:
        assert run(args) == 0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    bar_bytes = round(240 / 124 * 24_000) * 4
    assert len(sf.read(out)[0]) == round(300 * 240 / 124 * 24_000)
    assert peak < 40 * bar_bytes, peak / bar_bytes  # before: > 300 bars' worth


def test_the_steps_option_takes_the_osc_range(pkg, tmp_path):
    res = render(pkg, "--steps", "0", "--out", str(tmp_path / "x.wav"))
    assert res.returncode == 2 and "steps must be in [1, 64]" in res.stderr


def test_bar_grid_never_drifts():
    starts = bar_starts(1000, 124.0, 44_100)
    assert starts[-1] == round(1000 * 240 / 124 * 44_100)
    assert all(s == round(k * 240 * 44_100 / 124) for k, s in enumerate(starts))
    assert set(np.diff(starts)) <= {85_354, 85_355}


def test_render_joins_bars_as_the_player_does():
    loop = np.sin(np.linspace(0, 40 * np.pi, 1000, endpoint=False)).astype(np.float32)
    starts = [0, 1000, 2000]
    same = np.concatenate(list(play_bars([loop, loop], starts, 24_000, block=256)))
    np.testing.assert_allclose(same, np.tile(loop, 2), atol=1e-6)  # a loop fades into itself
    other = -loop
    out = np.concatenate(list(play_bars([loop, other], starts, 24_000, block=256)))
    fade = round(0.004 * 24_000)
    np.testing.assert_array_equal(out[:1000], loop)
    np.testing.assert_allclose(out[1000 + fade :], other[fade:], atol=1e-7)
    # in the fade: the old bar running on (its own downbeat) mixed linearly into the new one
    g = ((np.arange(fade) + 0.5) / fade).astype(np.float32)
    np.testing.assert_allclose(
        out[1000 : 1000 + fade], (1 - g) * loop[:fade] + g * other[:fade], atol=1e-6
    )


def test_guidance_on_the_tempo_too_is_an_option(gen):
    x0 = noise(5, 8, 150)
    n = 150 * 320
    plain = gen.latents(x0, n, CONCEPT, 3, 3.0)
    both = gen.latents(x0, n, CONCEPT, 3, 3.0, guide_bpm=True)
    assert not np.array_equal(plain, both)
    np.testing.assert_array_equal(  # w = 1: the conditional branch alone, either way
        gen.latents(x0, n, CONCEPT, 3, 1.0), gen.latents(x0, n, CONCEPT, 3, 1.0, guide_bpm=True)
    )
    tempo_only = gen.latents(x0, n, None, 3, 3.0, guide_bpm=True)
    assert not np.array_equal(tempo_only, gen.latents(x0, n, None, 3, 3.0))


def test_the_manifest_can_limit_guidance_to_an_interval(pkg, gen, tmp_path):
    """`sampler.guidance_interval` [lo, hi] is the default of every bar; a bad one is refused."""
    import json
    import shutil

    from livegen.runtime.manifest import ModelFileError

    def package(interval) -> Path:
        out = tmp_path / f"pkg_{len(list(tmp_path.iterdir()))}"
        shutil.copytree(pkg, out)
        manifest = json.loads((out / "manifest.json").read_text())
        manifest["generator"]["sampler"]["guidance_interval"] = interval
        (out / "manifest.json").write_text(json.dumps(manifest))
        return out

    limited = Generator.load(package([0.0, 0.2]), "cpu", 1)
    assert limited.spec.guidance_interval == (0.0, 0.2) and gen.spec.guidance_interval is None
    x0, n = noise(5, 8, 150), 150 * 320
    np.testing.assert_array_equal(
        limited.latents(x0, n, CONCEPT, 8, 3.0),
        gen.latents(x0, n, CONCEPT, 8, 3.0, interval=(0, 0.2)),
    )
    assert not np.array_equal(
        limited.latents(x0, n, CONCEPT, 8, 3.0), gen.latents(x0, n, CONCEPT, 8, 3.0)
    )
    gen_copy = Generator.load(pkg, "cpu", 1)
    gen_copy.use_interval((0.0, 0.2))
    np.testing.assert_array_equal(
        gen_copy.latents(x0, n, CONCEPT, 8, 3.0), limited.latents(x0, n, CONCEPT, 8, 3.0)
    )
    for bad in ([0.5, 0.2], "0,1", [0.1]):
        with pytest.raises(ModelFileError, match="generator section incomplete"):
            Generator.load(package(bad), "cpu", 1)
