"""Convert MSD_musicnn (the TensorFlow checkpoint inside the musicnn wheel) to ONNX, check parity.

TensorFlow never enters livegen's environment: run this once, in its own venv, outside the repo.
musicnn 0.1.0 pins numpy<1.17 and uses tf.compat.v1.layers (gone in TF ≥ 2.16), and newer
tf2onnx/onnx pull numpy 2 and protobuf 7, which break TF 2.15; this combination works:

    python3.11 -m venv /work/tfvenv
    /work/tfvenv/bin/pip install "tensorflow-cpu==2.15.1" "numpy<2" "protobuf>=3.20.3,<5" \
        "ml-dtypes~=0.3.1" onnx==1.16.2 tf2onnx==1.16.1 "onnxruntime<1.20" "librosa>=0.10" soundfile
    /work/tfvenv/bin/pip install --no-deps musicnn==0.1.0
    /work/tfvenv/bin/python scripts/musicnn_onnx.py --audio /usr/share/sonic-pi/samples

(--audio: files or folders of real music, apt package sonic-pi-samples; clips of 3 s or more are
used.) Writes `models/judge/msd_musicnn.onnx` and `models/judge/manifest.json` (sha256, the 50
tags, front-end spec, parity figures, versions, licence) and the CI fixture
`tests/eval/fixtures/musicnn_frontend.npz` (a 0.5 s snippet with librosa's log-mel of it, and
TensorFlow's outputs for a seeded random patch), so tests check the numpy front end and the ONNX
graph without librosa or TensorFlow.

Parity, printed and recorded: TF vs ONNX on random patches and on real patches made by musicnn's
own front end (`musicnn.extractor.batch_data`, librosa), and against `musicnn.extractor.extractor`
end to end; livegen's numpy front end (`livegen.eval.musicnn.log_mel`) vs librosa's log-mel on the
same 16 kHz audio, and what that difference does to the embedding through ONNX.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # livegen's numpy front end and manifest helpers (no install here)

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import soundfile as sf  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
from musicnn import configuration as mconfig  # noqa: E402
from musicnn import extractor as mextractor  # noqa: E402
from musicnn import models as mmodels  # noqa: E402

from livegen.eval import musicnn as judge  # noqa: E402
from livegen.runtime.manifest import update_manifest  # noqa: E402

MODEL = "MSD_musicnn"
ONNX_NAME = "msd_musicnn.onnx"
OPSET = 17
NAMES = {"x:0": "x", "tags:0": "tags", "penultimate:0": "penultimate"}


def build_frozen() -> tuple[tf.compat.v1.Session, tf.Graph, tf.compat.v1.GraphDef]:
    """MSD_musicnn in graph mode, weights restored from the wheel, frozen to constants."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, judge.PATCH, judge.N_MELS], name="x")
        with tf.name_scope("model"):  # as musicnn's extractor builds it
            out = mmodels.define_model(x, tf.constant(False), MODEL, len(mconfig.MSD_LABELS))
        logits, penultimate = out[0], out[-1]
        tf.nn.sigmoid(logits, name="tags")
        tf.identity(penultimate, name="penultimate")
        sess = tf.compat.v1.Session(graph=graph)
        tf.compat.v1.train.Saver().restore(sess, str(Path(mmodels.__file__).parent / MODEL) + "/")
        frozen = tf.compat.v1.graph_util.convert_variables_to_constants(
            sess, graph.as_graph_def(), ["tags", "penultimate"]
        )
    return sess, graph, frozen


def to_onnx(frozen: tf.compat.v1.GraphDef) -> onnx.ModelProto:
    """tf2onnx conversion; tensor names "x:0" etc. renamed to plain "x", "tags", "penultimate"."""
    proto, _ = tf2onnx.convert.from_graph_def(
        frozen, input_names=["x:0"], output_names=["tags:0", "penultimate:0"], opset=OPSET
    )
    g = proto.graph
    for value in [*g.input, *g.output]:
        value.name = NAMES.get(value.name, value.name)
    for node in g.node:
        node.input[:] = [NAMES.get(n, n) for n in node.input]
        node.output[:] = [NAMES.get(n, n) for n in node.output]
    onnx.checker.check_model(proto)
    return proto


def tf_run(sess: tf.compat.v1.Session, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g = sess.graph
    return sess.run(
        [g.get_tensor_by_name("tags:0"), g.get_tensor_by_name("penultimate:0")], {"x:0": x}
    )


def ort_run(session: ort.InferenceSession, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tags, pen = session.run(["tags", "penultimate"], {"x": x.astype(np.float32)})
    return tags, pen


def audio_files(paths: list[Path], min_seconds: float, limit: int) -> list[Path]:
    """Real audio files of at least `min_seconds` (musicnn's extractor needs one 3 s patch)."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():  # sonic-pi's loop_*.flac first: whole pieces of music, not one-shots
            found += sorted(p.glob("loop_*.flac")) or sorted(p.glob("*.flac"))
        else:
            found.append(p)
    return [f for f in found if sf.info(str(f)).duration >= min_seconds][:limit]


def librosa_log_mel(y16: np.ndarray) -> np.ndarray:
    """musicnn's batch_data front end on audio already at 16 kHz [T, 96]."""
    rep = librosa.feature.melspectrogram(
        y=y16, sr=judge.SR, hop_length=judge.HOP, n_fft=judge.N_FFT, n_mels=judge.N_MELS
    ).T
    return np.log10(10000 * rep.astype(np.float16) + 1)


def parity_real(sess, session, files: list[Path]) -> dict[str, float]:
    """TF vs ONNX and librosa vs numpy front end on real audio files."""
    d = dict.fromkeys(
        [
            *("tf_onnx_tags", "tf_onnx_emb", "extractor_onnx_tags", "extractor_onnx_emb_row0"),
            *("frontend_logmel", "frontend_emb", "pipeline_logmel", "pipeline_emb_rel"),
        ],
        0.0,
    )
    d.update(frontend_logmel_frac_differing=0.0, patches=0)
    for f in files:
        batch, rep = mextractor.batch_data(str(f), judge.PATCH, judge.PATCH)
        t_tf, e_tf = tf_run(sess, batch)
        t_on, e_on = ort_run(session, batch)
        d["tf_onnx_tags"] = max(d["tf_onnx_tags"], float(np.abs(t_tf - t_on).max()))
        d["tf_onnx_emb"] = max(d["tf_onnx_emb"], float(np.abs(e_tf - e_on).max()))
        d["patches"] += len(batch)
        with contextlib.redirect_stdout(io.StringIO()):  # it prints progress
            taggram, _, feats = mextractor.extractor(str(f), model=MODEL, extract_features=True)
        d["extractor_onnx_tags"] = max(
            d["extractor_onnx_tags"], float(np.abs(taggram - t_on).max())
        )
        # musicnn 0.1.0 bug: after the first patch it appends the first patch's `penultimate_`
        # again (the loop unpacks it as `backend_`), so only row 0 of its features is right.
        err = float(np.abs(feats["penultimate"][0] - e_on[0]).max())
        d["extractor_onnx_emb_row0"] = max(d["extractor_onnx_emb_row0"], err)
        # Front end alone: the same 16 kHz samples through librosa and through numpy.
        y16, _ = librosa.load(str(f), sr=judge.SR)
        ours = judge.log_mel(y16)
        diff = np.abs(ours - rep)
        d["frontend_logmel"] = max(d["frontend_logmel"], float(diff.max()))
        frac = float((diff > 0).mean())
        d["frontend_logmel_frac_differing"] = max(d["frontend_logmel_frac_differing"], frac)
        _, e_ours = ort_run(session, judge.patches(ours))
        d["frontend_emb"] = max(d["frontend_emb"], float(np.abs(e_ours - e_on).max()))
        # Whole pipeline from the file: our resampler instead of librosa's soxr, per clip.
        audio, sr = sf.read(str(f), dtype="float32")
        ours_full = judge.log_mel(judge.to_16k(audio, sr))
        t = min(len(ours_full), len(rep))
        # Interior frames: the circular FFT resampler lets the clip's end leak into its first and
        # last few ms (a loop's wrap-around is right; a one-shot's is not).
        err = float(np.abs(ours_full[3 : t - 3] - rep[3 : t - 3]).max())
        d["pipeline_logmel"] = max(d["pipeline_logmel"], err)
        _, e_pipe = ort_run(session, judge.clip_patches(audio, sr, loop=False))
        a, b = e_pipe.mean(0), e_on.mean(0)
        rel = float(np.linalg.norm(a - b) / np.linalg.norm(b))
        d["pipeline_emb_rel"] = max(d["pipeline_emb_rel"], rel)
    return d


def fixture(sess, out: Path) -> dict[str, float]:
    """CI fixture: 0.5 s of a corpus loop at 16 kHz (int16), librosa's log-mel of it, and TF's
    outputs for a seeded random patch (the test regenerates the patch from the seed)."""
    from livegen.corpus.loop import make_loop

    loop = make_loop(7, 0).audio
    y16 = librosa.resample(np.tile(loop, 2), orig_sr=24_000, target_sr=judge.SR)[: judge.SR // 2]
    pcm = np.round(np.clip(y16, -1, 1) * 32767).astype(np.int16)
    ref = librosa_log_mel(pcm.astype(np.float32) / 32767).astype(np.float32)
    x = np.random.default_rng(0).uniform(0, 4, (2, judge.PATCH, judge.N_MELS)).astype(np.float32)
    t_tf, e_tf = tf_run(sess, x)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out, pcm=pcm, sample_rate=judge.SR, log_mel=ref, random_seed=0, tf_tags=t_tf, tf_emb=e_tf
    )
    ours = judge.log_mel(pcm.astype(np.float32) / 32767)
    return {"fixture_logmel": float(np.abs(ours - ref).max()), "fixture_bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--audio", type=Path, nargs="+", default=[Path("/usr/share/sonic-pi/samples")])
    p.add_argument("--max-files", type=int, default=6)
    p.add_argument("--out", type=Path, default=ROOT / "models" / "judge")
    p.add_argument(
        "--fixture", type=Path, default=ROOT / "tests/eval/fixtures/musicnn_frontend.npz"
    )
    args = p.parse_args(argv)

    files = audio_files(args.audio, 3.0, args.max_files)
    if not files:
        p.error(f"no audio of 3 s or more under {args.audio} (apt-get install sonic-pi-samples)")
    sess, _, frozen = build_frozen()
    proto = to_onnx(frozen)
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / ONNX_NAME
    onnx.save(proto, str(onnx_path))
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])

    x = np.random.default_rng(1).uniform(0, 4, (16, judge.PATCH, judge.N_MELS)).astype(np.float32)
    (t_tf, e_tf), (t_on, e_on) = tf_run(sess, x), ort_run(session, x)
    parity = {
        "random_tags_max_abs": float(np.abs(t_tf - t_on).max()),
        "random_emb_max_abs": float(np.abs(e_tf - e_on).max()),
        "random_patches": len(x),
    }
    real = parity_real(sess, session, files)
    ours = ("frontend", "pipeline")
    parity.update({f"real_{k}": v for k, v in real.items() if not k.startswith(ours)})
    frontend = {k: v for k, v in real.items() if k.startswith(ours)}
    frontend.update(fixture(sess, args.fixture))
    parity["real_files"] = [f.name for f in files]

    section = {
        "onnx": ONNX_NAME,
        "source": "musicnn 0.1.0 (PyPI) by Jordi Pons and Xavier Serra, MSD_musicnn checkpoint",
        "licence": "ISC",
        "paper": "Pons & Serra, musicnn: pre-trained convolutional neural networks for music "
        "audio tagging, ISMIR 2019 LBD",
        "tags": list(mconfig.MSD_LABELS),
        "inputs": {"x": ["N", judge.PATCH, judge.N_MELS, "float32 log-mel patches"]},
        "outputs": {"tags": ["N", 50, "sigmoid"], "penultimate": ["N", judge.EMBED_DIM]},
        "frontend": {
            "sample_rate": judge.SR,
            "resample": "musicnn: librosa.load (soxr HQ); livegen: Fourier resampler with soxr "
            "HQ's measured 7.35-8 kHz roll-off (livegen.eval.musicnn.to_16k)",
            "n_fft": judge.N_FFT,
            "hop": judge.HOP,
            "n_mels": judge.N_MELS,
            "mel": "librosa default: Slaney scale (htk=False), norm='slaney', fmin 0, fmax sr/2",
            "stft": "centred, zero padding (librosa>=0.10 pad_mode='constant'), periodic Hann",
            "power": 2.0,
            "compression": "float16 round trip, then log10(10000*x + 1)",
            "patch_frames": judge.PATCH,
            "clip_embedding": "mean of the clip's non-overlapping patches' penultimate rows",
            "version": judge.FRONTEND_VERSION,
        },
        "parity_tf_vs_onnx": parity,
        "parity_frontend_numpy_vs_librosa": frontend,
        "versions": {
            "tensorflow": tf.__version__,
            "tf2onnx": tf2onnx.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
            "librosa": librosa.__version__,
            "musicnn": "0.1.0",
            "opset": OPSET,
        },
    }
    update_manifest(args.out, "musicnn", section, [ONNX_NAME])
    print(json.dumps({"parity": parity, "frontend": frontend}, indent=2))
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB) and its manifest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
