"""An outside judge: MSD_musicnn (Pons & Serra 2019) as ONNX, with its log-mel front end in numpy.

Nobody here trained musicnn, so its embedding measures generated audio against the corpus without
the home advantage of our own concept encoder. `scripts/musicnn_onnx.py` converted the pretrained
TensorFlow checkpoint once (parity recorded in `models/judge/manifest.json`); this module needs
only numpy, scipy and onnxruntime.

Front end (musicnn's own, librosa 0.10+ defaults, reproduced here): 16 kHz mono; power mel
spectrogram with n_fft 512, hop 256, periodic Hann window, centred frames with zero padding,
96 Slaney mel bands (htk=False, norm="slaney"); cast to float16 and back; log10(10000·x + 1);
cut into non-overlapping patches of 187 frames (3 s).

One clip gives ONE embedding: the mean of its patches' `penultimate` rows [200] (and the mean of
their tag probabilities [50]). A one-bar loop (~2 s) is shorter than a patch, so clips are tiled
first; with `loops=True` (default) a clip is treated as one period of a seamless loop: tiled by
whole periods and framed circularly (the centre padding is the loop's own wrap-around rather than
zeros), so no patch sees an artificial edge. Resampling to 16 kHz is a Fourier resampler shaped
like librosa's soxr "HQ" band edge (exact for loops, which are periodic).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy import fft as sfft
from scipy import signal

from livegen.dsp.mel import mel_filterbank
from livegen.eval.measures import frechet
from livegen.runtime.manifest import ModelFileError, load_manifest

SR = 16_000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH = 187  # frames per patch: librosa.time_to_frames(3 s) + 1, as musicnn computes it
EMBED_DIM = 200
SECTION = "musicnn"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models" / "judge"
# Bump when the front end or the clip → embedding rule changes: it is part of every cache key.
FRONTEND_VERSION = 1


def _frames(y: np.ndarray) -> np.ndarray:
    """Frames [T, N_FFT] at hop HOP of an already padded signal (no centring here)."""
    n = 1 + (len(y) - N_FFT) // HOP
    return np.lib.stride_tricks.sliding_window_view(y, N_FFT)[: n * HOP : HOP]


def log_mel(audio: np.ndarray, loop: bool = False) -> np.ndarray:
    """musicnn's log-mel input [T, 96] float32 for 16 kHz mono audio [n].

    loop=False is librosa's centred STFT (zero padding of n_fft/2 each side, T = 1 + n // hop);
    loop=True treats `audio` as one period of a seamless loop and pads with its wrap-around (same
    T; frame T-1 is frame 0 again when n is a multiple of the hop).
    """
    y = np.asarray(audio, np.float32)
    pad = N_FFT // 2
    if loop:
        y = y[np.arange(-pad, len(y) + pad) % len(y)]
    else:
        y = np.pad(y, pad)  # librosa ≥ 0.10 centres with pad_mode="constant" (zeros)
    window = signal.get_window("hann", N_FFT, fftbins=True)  # periodic Hann, as librosa
    # librosa multiplies float32 frames by a float64 window, FFTs in float64, stores complex64.
    spec = np.fft.rfft(_frames(y) * window, axis=-1).astype(np.complex64)
    power = np.abs(spec) ** 2  # [T, F] float32
    mel = power @ mel_filterbank(SR, N_FFT, N_MELS, scale="slaney").T  # [T, M], librosa's
    # musicnn casts to float16 (that rounding is part of its input), then computes 10000·x + 1.
    # Under numpy < 2, its environment, that product is promoted to float32; numpy 2 would keep
    # float16 and overflow to inf above x ≈ 6.55 (a loud bass band reaches several hundred).
    mel = mel.astype(np.float16).astype(np.float32)
    return np.log10(10000.0 * mel + 1.0).astype(np.float32)


def patches(rep: np.ndarray) -> np.ndarray:
    """Non-overlapping 187-frame patches [P, 187, 96] of a log-mel [T, 96]; the tail is dropped."""
    n = len(rep) // PATCH
    if n == 0:
        raise ValueError(f"a log-mel of {len(rep)} frames is shorter than one patch ({PATCH})")
    return rep[: n * PATCH].reshape(n, PATCH, rep.shape[1])


# librosa ≥ 0.10 resamples with soxr "HQ", which rolls off between 7.35 and 8 kHz on its way to
# 16 kHz; musicnn's top mel bands (7-8 kHz) see that roll-off, so we apply it too. Measured with
# tones at 24 kHz in (44.1 kHz agrees within 0.1 dB down to -10 dB), dB at 25 Hz steps.
_ROLLOFF_HZ = np.arange(7350.0, 8000.0, 25.0)
_ROLLOFF_DB = np.array([
    0.0, 0.0, -0.02, -0.04, -0.11, -0.23, -0.43, -0.76, -1.25, -1.94, -2.89, -4.11, -5.67,
    -7.59, -9.92, -12.71, -16.0, -19.85, -24.33, -29.53, -35.58, -42.65, -51.01, -61.11,
    -73.8, -91.39,
])  # fmt: skip


def to_16k(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float32 at 16 kHz by Fourier resampling with soxr HQ's band edge.

    Exact for a seamless loop (one period of a periodic signal); for other clips the circular
    FFT lets a few ms of the end leak into the start, which one 3 s patch does not notice.
    """
    x = np.asarray(audio, np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)  # [n, channels] → mono, as librosa.load does
    n = len(x)
    m = max(1, round(n * SR / sample_rate))
    spec = sfft.rfft(x)
    out = np.zeros(m // 2 + 1, np.complex128)
    keep = min(n, m) // 2 + 1
    out[:keep] = spec[:keep]
    freqs = np.arange(m // 2 + 1) * (SR / m)
    out *= 10.0 ** (np.interp(freqs, _ROLLOFF_HZ, _ROLLOFF_DB, right=-120.0) / 20)
    return (sfft.irfft(out, n=m) * (m / n)).astype(np.float32)


def clip_patches(audio: np.ndarray, sample_rate: int, loop: bool = True) -> np.ndarray:
    """All patches [P, 187, 96] of one clip, tiled to at least one patch when short."""
    y = to_16k(audio, sample_rate) if sample_rate != SR else np.asarray(audio, np.float32)
    if y.ndim == 2:
        y = y.mean(axis=1)
    if len(y) == 0:
        raise ValueError("an empty clip has no embedding")
    if loop:
        # Whole periods only, so the circular framing stays exact, and at least one patch.
        reps = math.ceil(PATCH * HOP / len(y))
        return patches(log_mel(np.tile(y, reps), loop=True))
    need = (PATCH - 1) * HOP  # centred framing: 1 + n // hop frames
    if len(y) < need:
        y = np.tile(y, math.ceil(need / len(y)))  # not seamless: the seams are heard as such
    return patches(log_mel(y, loop=False))


class FdRatio(NamedTuple):
    """FD(generated, A) / FD(B, A): 1 means as far from A as another sample of real data is."""

    ratio: float
    fd_gen: float  # FD(generated, A)
    fd_floor: float  # FD(B, A): the sampling floor at this set size


def fd_ratio(gen: np.ndarray, ref_a: np.ndarray, ref_b: np.ndarray) -> FdRatio:
    """Fréchet distance of `gen` to reference set A, in units of A's distance to a disjoint set B.

    Args:
        gen: embeddings [N, D] of generated clips.
        ref_a, ref_b: embeddings [M, D], [K, D] of two disjoint reference sets (test A, test B).
    """
    fd_gen, fd_floor = frechet(gen, ref_a), frechet(ref_b, ref_a)
    return FdRatio(fd_gen / max(fd_floor, 1e-12), fd_gen, fd_floor)


@dataclass
class MusicnnJudge:
    """MSD_musicnn through onnxruntime: tags [N, 50] and the 200-d penultimate embedding.

    Args:
        session: onnxruntime session of `msd_musicnn.onnx` (input [P, 187, 96] float32; outputs
            "tags" [P, 50] after the sigmoid, "penultimate" [P, 200]).
        tags: the 50 MSD tag names in output order.
        sha256: the ONNX file's hash (part of every embedding cache key).
        batch: patches per onnxruntime call. Small batches keep the wide front-end convolutions'
            maps in cache: on 2 cores 200 patches took 8-10 s at batch 1-8 and 12-17 s at 64.
    """

    session: Any
    tags: list[str]
    sha256: str
    batch: int = 8

    @classmethod
    def load(cls, path: Path = DEFAULT_DIR, threads: int | None = None) -> MusicnnJudge:
        """Load `path/manifest.json` and its ONNX, checking the sha256; CPU, `threads` intra-op."""
        from livegen.runtime.session import create_session

        root = Path(path)
        if not (root / "manifest.json").is_file():
            raise ModelFileError(
                f"{root / 'manifest.json'}: the musicnn judge is missing; create it with "
                "scripts/musicnn_onnx.py (in its TensorFlow venv, see the script's docstring)"
            )
        manifest = load_manifest(root)  # verifies every named file's sha256
        section = manifest.section(SECTION)
        onnx_path = manifest.path(section["onnx"])
        session = create_session(onnx_path, device="cpu", threads=threads)
        sha = manifest.data["files"][section["onnx"]]["sha256"]
        return cls(session=session, tags=list(section["tags"]), sha256=sha)

    @classmethod
    def load_if_installed(cls, threads: int | None = None) -> MusicnnJudge | None:
        """The shipped judge (`models/judge`), or None where it is not installed (training
        runs that report it beside their own measures go on without it)."""
        try:
            return cls.load(threads=threads)
        except ModelFileError:
            return None

    def run_patches(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(penultimate [P, 200], tags [P, 50]) for log-mel patches x [P, 187, 96]."""
        emb, tag = [], []
        for i in range(0, len(x), self.batch):
            t, e = self.session.run(["tags", "penultimate"], {"x": x[i : i + self.batch]})
            emb.append(e)
            tag.append(t)
        return np.concatenate(emb), np.concatenate(tag)

    def embed(
        self, clips: Sequence[np.ndarray], sample_rate: int, loops: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """One embedding per clip: (emb [N, 200], tags [N, 50]), each the mean over its patches.

        Args:
            clips: mono [n] (or [n, channels]) audio clips of any length.
            sample_rate: their rate (resampled to 16 kHz here).
            loops: the clips are seamless loops (see the module docstring).
        """
        if not clips:
            return np.zeros((0, EMBED_DIM), np.float32), np.zeros((0, len(self.tags)), np.float32)
        per_clip = [clip_patches(c, sample_rate, loops) for c in clips]
        counts = [len(p) for p in per_clip]
        emb, tag = self.run_patches(np.concatenate(per_clip).astype(np.float32))
        edges = np.cumsum([0, *counts])
        mean_emb = np.stack([emb[a:b].mean(0) for a, b in itertools.pairwise(edges)])
        mean_tag = np.stack([tag[a:b].mean(0) for a, b in itertools.pairwise(edges)])
        return mean_emb.astype(np.float32), mean_tag.astype(np.float32)

    def tag_profile(self, tags: np.ndarray, top: int = 8) -> list[tuple[str, float]]:
        """The `top` tags by mean probability over a set [N, 50], highest first."""
        mean = np.asarray(tags, np.float64).mean(0)
        order = np.argsort(-mean, kind="stable")[:top]
        return [(self.tags[i], round(float(mean[i]), 4)) for i in order]


def clips_key(clips: Sequence[np.ndarray], sample_rate: int) -> str:
    """A cache key from clip contents (hashes every sample: exact, costs ~1 s per GB)."""
    h = hashlib.sha256(f"clips sr={sample_rate} n={len(clips)}".encode())
    for c in clips:
        a = np.ascontiguousarray(c, np.float32)
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def files_key(paths: Sequence[Path]) -> str:
    """A cache key from files' names, sizes and modification times (cheap; no reading)."""
    h = hashlib.sha256(b"files")
    for p in paths:
        st = Path(p).stat()
        h.update(f"{Path(p).resolve()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def cached_embed(
    judge: MusicnnJudge,
    key: str,
    clips_fn: Callable[[], tuple[Sequence[np.ndarray], int]],
    cache_dir: Path,
    loops: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """`judge.embed(*clips_fn())`, stored in `cache_dir` under (key, judge, front end).

    Args:
        key: what identifies the clips (`clips_key`, `files_key`, or the caller's own string).
        clips_fn: called only on a cache miss; returns (clips, sample_rate).
        cache_dir: folder of `musicnn_<hash>.npz` files (created when missing).
    Returns:
        (emb [N, 200], tags [N, 50]).
    """
    full = f"{key}|judge={judge.sha256}|frontend={FRONTEND_VERSION}|loops={loops}"
    name = hashlib.sha256(full.encode()).hexdigest()[:20]
    path = Path(cache_dir) / f"musicnn_{name}.npz"
    if path.is_file():
        try:
            with np.load(path) as data:
                if str(data["key"]) == full:
                    return data["emb"], data["tags"]
        except (OSError, ValueError, KeyError):
            pass  # unreadable or foreign: recompute and overwrite
    clips, sample_rate = clips_fn()
    emb, tags = judge.embed(clips, sample_rate, loops=loops)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, emb=emb, tags=tags, key=np.array(full))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)  # atomic: a concurrent reader never sees half a file
    return emb, tags
