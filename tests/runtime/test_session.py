"""onnxruntime sessions: quiet provider choice, readable errors, and no torch in the runtime."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from livegen.runtime.manifest import ModelFileError
from livegen.runtime.session import choose_providers, create_session, provider, warm_up


def double_graph(path: Path) -> Path:
    """y = x + x with a dynamic time axis."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, "time"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4, "time"])
    graph = helper.make_graph([helper.make_node("Add", ["x", "x"], ["y"])], "double", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("pretend_driver", [False, True])
def test_session_runs_on_cpu_quietly(tmp_path: Path, pretend_driver: bool) -> None:
    # With a (pretended) driver but no CUDA libraries, onnxruntime tries CUDA and falls back.
    code = (
        "import numpy as np, sys\n"
        "import livegen.runtime.session as se\n"
        f"if {pretend_driver}: se._cuda_driver_present = lambda: True\n"
        "from livegen.runtime.session import create_session, provider\n"
        f"s = create_session({str(double_graph(tmp_path / 'g.onnx'))!r}, 'auto')\n"
        "y = s.run(None, {'x': np.ones((1, 4, 7), np.float32)})[0]\n"
        "assert (y == 2).all() and provider(s) in ('cpu', 'cuda')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""  # no provider fallback noise


def test_warm_up_and_provider(tmp_path: Path) -> None:
    s = create_session(double_graph(tmp_path / "g.onnx"), "cpu", threads=1)
    out = warm_up(s, {"x": np.ones((2, 4, 3), np.float32)})
    assert out[0].shape == (2, 4, 3) and provider(s) == "cpu"
    assert choose_providers("cpu") == ["CPUExecutionProvider"]
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        choose_providers("tpu")


def test_bad_files_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match=rf"{tmp_path / 'none.onnx'}: no such ONNX file"):
        create_session(tmp_path / "none.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00\x01 definitely not protobuf")
    with pytest.raises(ModelFileError, match=rf"{junk}: onnxruntime cannot load"):
        create_session(junk, "cpu")
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(double_graph(tmp_path / "whole.onnx").read_bytes()[:40])
    with pytest.raises(ModelFileError, match=str(cut)):
        create_session(cut, "cpu")


def test_runtime_modules_import_no_torch() -> None:
    code = (
        "import sys\n"
        "import livegen.runtime.codec, livegen.runtime.manifest, livegen.runtime.session\n"
        "import livegen.training.codec.latents\n"
        "bad = [m for m in ('torch', 'torchaudio', 'encodec', 'onnx') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
