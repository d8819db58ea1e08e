"""The shipped models' torch weights, read back from their ONNX graphs.

A model package holds ONNX graphs only (no torch checkpoints: they would double its size), so a
fine-tune starts from the graph's initializers. The names survive export for every parameter the
tracer kept; the rest were rewritten and are matched here by what they became:
- float16 storage (`store_fp16`): `name_fp16` initializers behind a Cast, cast back to float32;
- a GroupNorm's affine folded into `Mul`/`Add` constants of shape [C, 1] (named `onnx::...`);
- the codec decoder's transposed convs, exported as polyphase convs (`export_codec`), whose weights
  are unnamed: found by walking the graph's Conv nodes in the decoder's forward order and undone.
Every import is checked by running both (`parity`): a wrong match cannot go unnoticed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from livegen.runtime.manifest import load_manifest

ONNX_PARITY_TOLERANCE = 1e-3  # relative; the graphs compute in float32 from the same weights


def _graph_tensors(path: Path) -> tuple[Any, dict[str, np.ndarray]]:
    """The graph and every initializer or Constant output by name, float16 cast to float32."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    tensors: dict[str, np.ndarray] = {}
    for init in model.graph.initializer:
        tensors[init.name.removesuffix("_fp16")] = numpy_helper.to_array(init).astype(np.float32)
    for node in model.graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            tensors[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return model.graph, tensors


def load_named(module: torch.nn.Module, tensors: dict[str, np.ndarray]) -> list[str]:
    """Load `module`'s state from same-named tensors; a parameter the export renamed is taken from
    the unnamed tensors (`onnx::...`) of its size, in graph order. Returns what was matched so."""
    state = module.state_dict()
    unnamed = [k for k in tensors if k.startswith("onnx::")]
    loaded, guessed = {}, []
    for key, want in state.items():
        if key in tensors:
            value = tensors[key]
        else:
            hits = [k for k in unnamed if tensors[k].size == want.numel()]
            if not hits:
                raise KeyError(f"no tensor in the graph for parameter {key} {tuple(want.shape)}")
            unnamed.remove(hits[0])
            value = tensors[hits[0]]
            guessed.append(f"{key} <- {hits[0]}")
        if value.size != want.numel():
            raise ValueError(f"{key}: graph has {value.shape}, the module {tuple(want.shape)}")
        loaded[key] = torch.from_numpy(np.ascontiguousarray(value).reshape(want.shape))
    module.load_state_dict(loaded)
    return guessed


def unet_from_package(
    model_dir: Path, section_name: str = "generator"
) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The package's UNet (`generator`, or `stem_generator`) as a torch module (eval mode) and its
    manifest section."""
    from livegen.training.unet.config import UNetConfig
    from livegen.training.unet.model import UNet1d

    manifest = load_manifest(Path(model_dir))
    section = manifest.section(section_name)
    model = UNet1d(UNetConfig.from_dict(section["config"]))
    _, tensors = _graph_tensors(manifest.root / section["unet"])
    load_named(model, tensors)
    return model.eval(), section


def unet_checkpoint_from_package(model_dir: Path, section_name: str = "generator") -> dict:
    """A checkpoint dict that `Trainer.init_from` takes, holding the package's UNet weights. The
    package keeps the EMA weights a run exported, so starting here is starting from that run's
    checkpoint (init_from takes its EMA weights and a fresh optimiser either way)."""
    from livegen.training.unet.trainer import CHECKPOINT_FORMAT

    model, section = unet_from_package(model_dir, section_name)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    step = int((section.get("training") or {}).get("step") or 0)
    config = model.cfg.to_dict()  # type: ignore[operator,union-attr]
    return {"format": CHECKPOINT_FORMAT, "config": config, "ema": state, "model": state,
            "step": step}  # fmt: skip


def _unpolyphase(w2: np.ndarray, c_in: int, c_out: int, kernel: int, stride: int) -> np.ndarray:
    """Inverse of `export_codec._make_polyphase`: [s*C_out, C_in, m] back to [C_in, C_out, k]."""
    taps = w2.shape[-1]
    w = w2.reshape(stride, c_out, c_in, taps).transpose(2, 1, 3, 0)  # [C_in, C_out, m', s]
    flat = w[:, :, ::-1, :].reshape(c_in, c_out, taps * stride)
    return np.ascontiguousarray(flat[..., :kernel])


def decoder_from_package(model_dir: Path) -> tuple[Any, dict[str, Any]]:
    """The package's codec as a torch `CodecModel` whose decoder holds the graph's weights (weight
    norm folded: the graph's plain weights are what it trains), and the codec section. The encoder
    is left untrained: fine-tunes keep the shipped encoder graph, so the latent space stays."""
    from encodec.modules.conv import SConvTranspose1d

    from livegen.training.codec.config import CodecConfig
    from livegen.training.codec.model import build_codec, remove_weight_norm

    manifest = load_manifest(Path(model_dir))
    section = manifest.section("codec")
    codec = build_codec(CodecConfig.from_dict(section["config"]))
    remove_weight_norm(codec)
    graph, tensors = _graph_tensors(manifest.root / section["decoder"])
    state = codec.decoder.state_dict()
    # Plain convs kept their names; the polyphase ones are the other Conv nodes, in forward order.
    poly = [
        (tensors[n.input[1]], tensors[n.input[2]])
        for n in graph.node
        if n.op_type == "Conv" and n.input[1] not in state and not n.input[1].startswith("model.")
    ]
    transposed = [m for m in codec.decoder.modules() if isinstance(m, SConvTranspose1d)]
    if len(poly) != len(transposed):
        raise ValueError(
            f"decoder graph: {len(poly)} unnamed convs for {len(transposed)} upsamplers"
        )
    loaded = {k: torch.from_numpy(tensors[k].copy()) for k in state if k in tensors}
    for module, (w, b) in zip(transposed, poly, strict=True):
        conv: Any = module.convtr.convtr
        c_in, c_out, k = conv.weight.shape
        name = next(n for n, m in codec.decoder.named_modules() if m is conv)
        loaded[f"{name}.weight"] = torch.from_numpy(_unpolyphase(w, c_in, c_out, k, conv.stride[0]))
        loaded[f"{name}.bias"] = torch.from_numpy(b[:c_out].copy())  # repeated once per phase
    missing = sorted(set(state) - set(loaded))
    if missing:
        raise KeyError(f"decoder graph lacks {', '.join(missing)}")
    codec.decoder.load_state_dict(loaded)
    return codec, section


def parity(
    module: torch.nn.Module, path: Path, feeds: dict[str, np.ndarray], threads: int = 1
) -> float:
    """Largest relative difference between `module(*feeds)` and the ONNX graph at `path`."""
    import onnxruntime as ort

    from livegen.training.common import relative_error

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    want = sess.run(None, feeds)[0]
    with torch.no_grad():
        got = module(*(torch.from_numpy(v) for v in feeds.values())).numpy()
    return relative_error(got[..., : want.shape[-1]], want)
