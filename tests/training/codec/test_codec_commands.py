"""The command modules: cheap to set up (no torch), and `run` works end to end on tiny inputs."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from livegen.eval import bench_codec
from livegen.eval import codec as eval_codec
from livegen.training.codec import export as export_codec
from livegen.training.codec import train as codec

COMMANDS = {
    "train codec": "livegen.training.codec.train",
    "export codec": "livegen.training.codec.export",
    "eval codec": "livegen.eval.codec",
    "bench codec": "livegen.eval.bench_codec",
}


def parse(module, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    return parser.parse_args(argv)


def test_add_arguments_imports_no_torch() -> None:
    code = (
        "import argparse, importlib, sys\n"
        f"for name in {sorted(COMMANDS.values())!r}:\n"
        "    importlib.import_module(name).add_arguments(argparse.ArgumentParser())\n"
        "bad = [m for m in ('torch', 'encodec', 'onnx') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_train_run_then_export_eval_bench(corpus: Path, tmp_path: Path, capsys) -> None:
    run_dir = tmp_path / "run"
    args = parse(codec, [
        "--corpus", str(corpus), "--run-dir", str(run_dir), "--steps", "2", "--batch-size", "2",
        "--crop-seconds", "0.2", "--n-filters", "4", "--dim", "8", "--max-loops", "2",
        "--stats-loops", "2", "--threads", "1", "--no-progress",
    ])  # fmt: skip
    assert codec.run(args) == 0
    # Running again resumes from the run dir and may extend the run.
    args.steps = 3
    assert codec.run(args) == 0
    assert "resuming" in capsys.readouterr().out

    pkg = tmp_path / "pkg"
    ckpt = ["--codec-checkpoint", str(run_dir)]
    ckpt += ["--threads", "1"]
    assert export_codec.run(parse(export_codec, [*ckpt, "--out", str(pkg)])) == 0

    reel = tmp_path / "reel.wav"
    eval_args = ["--model-dir", str(pkg), "--corpus", str(corpus), "--split", "valid"]
    eval_args += ["--threads", "1"]
    assert eval_codec.run(parse(eval_codec, [*eval_args, "--reel", str(reel)])) == 0
    out = capsys.readouterr().out
    for measure in ("mel distance", "SI-SDR", "onset corr"):
        assert measure in out
    audio, sr = sf.read(reel)
    assert sr == 24_000 and len(audio) > 3 * 41_143
    torch_args = [*ckpt, "--corpus", str(corpus), "--split", "valid", "--reel-loops", "0"]
    assert eval_codec.run(parse(eval_codec, torch_args)) == 0

    assert bench_codec.run(parse(bench_codec, [*ckpt, "--runs", "3", "--frames", "20"])) == 0
    table = capsys.readouterr().out
    assert "onnx ms" in table and "speedup" in table


def test_reel_alternates_original_and_reconstruction() -> None:
    a, b = np.ones(10, np.float32), -np.ones(10, np.float32)
    r = eval_codec.reel([a], [b], 40)
    assert r[:10].tolist() == [1] * 10 and r[20:30].tolist() == [-1] * 10
