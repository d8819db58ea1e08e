"""onnxruntime sessions: CUDA when it works, CPU otherwise, chosen quietly, warmed up.

onnxruntime-gpu lists CUDAExecutionProvider even on machines without a GPU and then prints two
screens of errors when it falls back. We try CUDA only where a driver is present, with the logger
muted while the provider loads, and report which provider actually runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from livegen.runtime.manifest import ModelFileError

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
LOG_ERROR, LOG_FATAL = 3, 4  # onnxruntime severities: 0 verbose … 4 fatal
# The default logger is process-wide: sessions that may try CUDA are built one at a time, so one
# cannot unmute it while another's provider loads (CPU-only sessions build side by side).
_MUTED = threading.Lock()


@functools.cache
def _cuda_driver_present() -> bool:
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    return True


def cuda_candidate() -> bool:
    """Whether trying CUDA is worthwhile: the provider is built in and an NVIDIA driver exists."""
    return CUDA in ort.get_available_providers() and _cuda_driver_present()


def choose_providers(device: str = "auto") -> list[str]:
    """Provider list for `device`: "auto" (CUDA if plausible, else CPU), "cuda" or "cpu"."""
    if device == "cpu":
        return [CPU]
    if device == "cuda":
        if CUDA not in ort.get_available_providers():
            raise ValueError("device cuda: this onnxruntime has no CUDA provider (onnxruntime-gpu)")
        return [CUDA, CPU]
    if device != "auto":
        raise ValueError(f"device must be auto, cpu or cuda, not {device!r}")
    return [CUDA, CPU] if cuda_candidate() else [CPU]


def create_session(
    path: Path,
    device: str = "auto",
    threads: int | None = None,
    log_severity: int = LOG_ERROR,
) -> ort.InferenceSession:
    """An InferenceSession for the ONNX file at `path`; errors name the file, not ORT internals.

    Args:
        path: the .onnx file.
        device: "auto", "cpu" or "cuda" (see `choose_providers`).
        threads: intra-op threads (None: onnxruntime's default, one per core).
        log_severity: onnxruntime log level kept for the session's lifetime (3 = errors only).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such ONNX file")
    providers = choose_providers(device)
    options = ort.SessionOptions()
    options.log_severity_level = log_severity
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Denormals (decaying tails into silence) make CPU kernels several times slower: flush them.
    options.add_session_config_entry("session.set_denormal_as_zero", "1")
    if threads:
        options.intra_op_num_threads = threads
    # Provider start-up failures are logged through the default logger: mute it meanwhile.
    with _MUTED if CUDA in providers else contextlib.nullcontext():
        ort.set_default_logger_severity(LOG_FATAL if CUDA in providers else log_severity)
        try:
            session = ort.InferenceSession(str(path), options, providers=providers)
        except Exception as exc:  # InvalidProtobuf, Fail, NoSuchFile, …: one readable line
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelFileError(
                f"{path}: onnxruntime cannot load this model ({first[:160]})"
            ) from exc
        finally:
            ort.set_default_logger_severity(log_severity)
    return session


def provider(session: ort.InferenceSession) -> str:
    """The provider that runs most of the graph: "cuda" or "cpu"."""
    return "cuda" if session.get_providers()[0] == CUDA else "cpu"


def input_shapes(session: ort.InferenceSession) -> dict[str, list[Any]]:
    """Declared input shapes (ints for fixed axes, names for dynamic ones)."""
    return {i.name: list(i.shape) for i in session.get_inputs()}


def warm_up(
    session: ort.InferenceSession, feeds: Mapping[str, np.ndarray], runs: int = 2
) -> Sequence[np.ndarray]:
    """Run the session a few times so first-call allocations and autotuning happen now."""
    out: Sequence[np.ndarray] = []
    for _ in range(max(1, runs)):
        out = session.run(None, dict(feeds))
    return out
