"""The musicnn judge: numpy front end vs librosa, the shipped ONNX vs TensorFlow, FD and tags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from livegen.corpus.loop import make_loop
from livegen.dsp.mel import mel_filterbank
from livegen.eval import musicnn as mn
from livegen.eval.measures import frechet
from livegen.runtime.manifest import ModelFileError, sha256_file

FIXTURE = Path(__file__).parent / "fixtures" / "musicnn_frontend.npz"
SR = 24_000


@pytest.fixture(scope="module")
def judge() -> mn.MusicnnJudge:
    return mn.MusicnnJudge.load(threads=2)


@pytest.fixture(scope="module")
def loops() -> list[np.ndarray]:
    return [make_loop(7, i).audio for i in range(32)]


@pytest.fixture(scope="module")
def loop_emb(judge, loops) -> tuple[np.ndarray, np.ndarray]:
    return judge.embed(loops, SR)


def sine(freq: float, seconds: float = 2.0, sr: int = SR) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def test_frontend_matches_librosa_fixture():
    data = np.load(FIXTURE)
    audio = data["pcm"].astype(np.float32) / 32767
    ours = mn.log_mel(audio)
    ref = data["log_mel"]
    assert ours.shape == ref.shape == (1 + len(audio) // mn.HOP, mn.N_MELS)
    # The same float32 arithmetic up to the last place (numpy's SIMD kernels differ by CPU): values
    # reach 6.2, whose unit in the last place is 4.8e-7; a wrong filter or scaling is far above.
    assert np.abs(ours - ref).max() < 2e-6


def test_mel_filters_are_slaney():
    w = mel_filterbank(mn.SR, mn.N_FFT, mn.N_MELS, scale="slaney")  # what musicnn uses
    assert w.shape == (96, 257) and w.dtype == np.float32
    assert np.all(w >= 0) and np.all(w.sum(1) > 0)  # no empty band at n_fft 512
    # Slaney norm: each triangle has unit area in Hz (weights × 31.25 Hz bins ≈ 1).
    area = w.sum(1) * (mn.SR / mn.N_FFT)
    assert np.median(area) == pytest.approx(1.0, rel=0.1)


def test_shipped_onnx_hash_matches_manifest():
    manifest = json.loads((mn.DEFAULT_DIR / "manifest.json").read_text())
    name = manifest["musicnn"]["onnx"]
    assert sha256_file(mn.DEFAULT_DIR / name) == manifest["files"][name]["sha256"]
    assert len(manifest["musicnn"]["tags"]) == 50 and manifest["musicnn"]["licence"] == "ISC"


def test_load_refuses_changed_or_missing_files(tmp_path):
    bad = tmp_path / "judge"
    shutil.copytree(mn.DEFAULT_DIR, bad)
    onnx = bad / "msd_musicnn.onnx"
    data = bytearray(onnx.read_bytes())
    data[-1] ^= 1
    onnx.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="sha256 mismatch"):
        mn.MusicnnJudge.load(bad)
    with pytest.raises(ModelFileError, match=r"musicnn_onnx\.py"):
        mn.MusicnnJudge.load(tmp_path / "nowhere")


def test_onnx_matches_tensorflow_reference(judge):
    data = np.load(FIXTURE)
    rng = np.random.default_rng(int(data["random_seed"]))
    x = rng.uniform(0, 4, (2, mn.PATCH, mn.N_MELS)).astype(np.float32)
    emb, tags = judge.run_patches(x)
    assert np.abs(tags - data["tf_tags"]).max() < 1e-5
    assert np.abs(emb - data["tf_emb"]).max() < 1e-4


def test_resampler_keeps_the_band_and_rolls_off_like_soxr():
    y = mn.to_16k(sine(1000.0), SR)
    assert len(y) == 32_000
    ref = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(len(y)) / 16_000)
    assert np.abs(y - ref).max() < 1e-5  # a whole number of periods: exact
    y = mn.to_16k(sine(7800.0), SR)
    gain_db = 20 * np.log10(np.abs(np.fft.rfft(y)).max() / (0.5 * len(y) / 2))
    assert gain_db == pytest.approx(-24.33, abs=0.2)


def test_loop_framing_is_circular():
    y = mn.to_16k(make_loop(7, 3).audio, SR)
    y = y[: len(y) // mn.HOP * mn.HOP]  # a whole number of hops so a roll is a frame shift
    frames = len(y) // mn.HOP
    rep = mn.log_mel(y, loop=True)
    assert rep.shape == (frames + 1, mn.N_MELS)  # librosa's count, 1 + n // hop
    assert np.abs(rep[-1] - rep[0]).max() < 1e-3  # the frame after the last is the first again
    k = 5
    rolled = mn.log_mel(np.roll(y, -k * mn.HOP), loop=True)[:frames]
    assert np.abs(rolled - np.roll(rep[:frames], -k, axis=0)).max() < 1e-3
    # Zero padding (musicnn's own framing) differs at the edges only.
    plain = mn.log_mel(y)
    assert np.abs(plain[0] - rep[0]).max() > 0.1
    assert np.abs(plain[2:-2] - rep[2:-2]).max() < 1e-3


def test_clip_patches_and_embedding_shapes(judge):
    bar = make_loop(7, 1).audio  # one bar, under 3 s: tiled to one patch
    assert len(bar) < 3 * SR
    assert mn.clip_patches(bar, SR).shape == (1, mn.PATCH, mn.N_MELS)
    long = np.tile(sine(440.0), 4)  # 8 s: two whole patches, the rest dropped
    assert mn.clip_patches(long, SR, loop=False).shape == (2, mn.PATCH, mn.N_MELS)
    stereo = np.stack([bar, bar], axis=1)
    emb, tags = judge.embed([bar, long, stereo], SR)
    assert emb.shape == (3, mn.EMBED_DIM) and tags.shape == (3, 50)
    assert emb.dtype == np.float32 and np.isfinite(emb).all()
    assert np.all((tags > 0) & (tags < 1))
    assert np.abs(emb[0] - emb[2]).max() < 1e-4  # stereo of identical channels = mono
    empty_emb, empty_tags = judge.embed([], SR)
    assert empty_emb.shape == (0, mn.EMBED_DIM) and empty_tags.shape == (0, 50)


def highpass(x: np.ndarray, hz: float) -> np.ndarray:
    spec = np.fft.rfft(x)
    spec[: int(hz * len(x) / SR)] = 0
    return np.fft.irfft(spec, n=len(x)).astype(np.float32)


# 16 embeddings in 200 dimensions: singular covariances, as expected at this size.
@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_frechet_in_musicnn_space(judge, loops, loop_emb):
    emb = loop_emb[0]
    a, a2 = emb[:16], emb[16:]
    # Another kind of audio: the same loops without their lows (hats and clicks, no kick or
    # bass). Measured: 3.5 times the floor at n = 16, 6 times at n = 32.
    b, _ = judge.embed([highpass(x, 2000.0) for x in loops[:16]], SR)
    r = mn.fd_ratio(b, a, a2)  # FD(b, a) / FD(a2, a); each FD is a 200 x 200 sqrtm (~0.5 s)
    assert r.ratio == pytest.approx(r.fd_gen / r.fd_floor) and r.fd_floor > 0
    assert abs(frechet(a, a)) < 1e-3 * r.fd_floor
    assert r.ratio > 2


def test_tags_say_electronic_for_loops_not_for_a_sine(judge, loop_emb):
    tags = loop_emb[1]
    names = judge.tags
    _, sine_tags = judge.embed([sine(1000.0)], SR)
    profile = judge.tag_profile(tags, top=5)
    assert profile[0][0] == "electronic"
    assert [p for _, p in profile] == sorted((p for _, p in profile), reverse=True)
    for tag in ("electronic", "dance", "electro", "House"):
        i = names.index(tag)
        assert tags[:, i].mean() > sine_tags[0, i] + 0.05, tag


def test_cached_embed_computes_once(judge, tmp_path):
    clips = [make_loop(7, i).audio for i in range(2)]
    calls = []

    def clips_fn():
        calls.append(1)
        return clips, SR

    key = mn.clips_key(clips, SR)
    e1, t1 = mn.cached_embed(judge, key, clips_fn, tmp_path)
    e2, t2 = mn.cached_embed(judge, key, clips_fn, tmp_path)
    assert len(calls) == 1 and len(list(tmp_path.glob("musicnn_*.npz"))) == 1
    assert np.array_equal(e1, e2) and np.array_equal(t1, t2) and e1.shape == (2, mn.EMBED_DIM)
    other = mn.clips_key([clips[0] * 0.5, clips[1]], SR)
    assert other != key
    mn.cached_embed(judge, other, clips_fn, tmp_path)
    assert len(calls) == 2
