"""`livegen export codec`: encoder and decoder to ONNX (dynamic batch and time), parity-checked.

Writes `OUT/codec_encoder.onnx`, `OUT/codec_decoder.onnx` and merges a "codec" section into
`OUT/manifest.json` (other sections are kept). Before export, weight norm is folded into plain
weights and encodec's `SConv1d` padding is replaced by a fixed reflect pad: encodec computes an
"extra" right pad from the input length in Python (math.ceil), which tracing would freeze to the
example's length. That extra pad is zero whenever the input is a whole number of hops, which the
runtime guarantees (`livegen.runtime.codec.Codec.encode` pads; latents are whole frames). The
parity check compares the exported graphs with the *unmodified* torch model.

    livegen export codec --codec-checkpoint runs/codec --out models/default
"""

from __future__ import annotations

import argparse
import math
import types
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from livegen.runtime.models import OUT_HELP, output_model_dir
from livegen.training.codec.config import add_codec_arguments
from livegen.training.common import check_parity, relative_error, versions

if TYPE_CHECKING:
    import torch

    from livegen.training.codec.model import CodecModel, LoadedCodec

ENCODER_FILE = "codec_encoder.onnx"
DECODER_FILE = "codec_decoder.onnx"
OPSET = 17
PARITY_FRAMES = (8, 75, 150, 163)  # shortest graph input, 1 s, one 2 s bar, longest corpus bar
PARITY_TOLERANCE = 1e-4


def _fixed_pad_forward(self: Any, x: torch.Tensor) -> torch.Tensor:
    """encodec SConv1d.forward without the length-dependent extra pad (zero for whole hops)."""
    import torch.nn.functional as F

    conv = self.conv.conv
    k, stride, dilation = conv.kernel_size[0], conv.stride[0], conv.dilation[0]
    total = (k - 1) * dilation - (stride - 1)
    if total == 0:  # 1x1 convs: no Pad node at all
        return self.conv(x)
    right = 0 if self.causal else total // 2
    return self.conv(F.pad(x, (total - right, right), mode=self.pad_mode))


def _polyphase_forward(self: Any, x: torch.Tensor) -> torch.Tensor:
    """encodec SConvTranspose1d.forward as one strided-free Conv1d plus an interleave.

    A transposed conv with stride s and kernel m*s is s ordinary convs of kernel m (one per output
    phase r): y[q*s + r] = sum_j x[q - j] W[:, :, j*s + r]. onnxruntime's ConvTranspose kernel took
    ~40 % of the decoder's time; its Conv kernels are much faster. Same numbers, same trim.
    """
    import torch.nn.functional as F

    b, _, t = x.shape
    s, m, c_out = self.poly_stride, self.poly_taps, self.poly_out
    y = F.conv1d(F.pad(x, (m - 1, m - 1)), self.poly_weight, self.poly_bias)  # [B, s*C, T+m-1]
    y = y.reshape(b, s, c_out, t + m - 1).permute(0, 2, 3, 1).reshape(b, c_out, (t + m - 1) * s)
    total = self.poly_kernel - s  # full transposed length is (t - 1) * s + kernel
    y = y[..., : (t - 1) * s + self.poly_kernel]
    right = math.ceil(total * self.trim_right_ratio) if self.causal else total // 2
    return y[..., total - right : y.shape[-1] - right]


def _make_polyphase(module: Any) -> None:
    """Precompute the polyphase weights of one SConvTranspose1d and swap in its forward."""
    import torch

    conv = module.convtr.convtr
    (k,), (s,) = conv.kernel_size, conv.stride
    assert conv.dilation[0] == 1 and conv.padding[0] == 0 and conv.groups == 1
    m = -(-k // s)
    w = conv.weight.detach()  # [C_in, C_out, k]
    c_in, c_out = w.shape[:2]
    w = torch.nn.functional.pad(w, (0, m * s - k)).reshape(c_in, c_out, m, s)
    # W2[r*C_out + o, i, j'] = W[i, o, (m-1-j')*s + r]: flip taps (correlation), phases first.
    w2 = w.flip(2).permute(3, 1, 0, 2).reshape(s * c_out, c_in, m).contiguous()
    bias = conv.bias.detach() if conv.bias is not None else torch.zeros(c_out)
    module.poly_weight, module.poly_bias = w2, bias.repeat(s).contiguous()
    module.poly_stride, module.poly_taps, module.poly_out, module.poly_kernel = s, m, c_out, k
    module.forward = types.MethodType(_polyphase_forward, module)


def folded(model: CodecModel) -> CodecModel:
    """A CPU copy of `model` in eval mode with weight norm folded into the weights: the decoder
    as one would run it in torch (the benchmark's torch eager side)."""
    from livegen.training.codec.model import build_codec, remove_weight_norm

    # A rebuilt copy: deepcopy fails on weight-normed modules after a forward pass.
    plain = build_codec(model.config)
    plain.load_state_dict({k: v.detach().cpu() for k, v in model.state_dict().items()})
    return remove_weight_norm(plain.eval())  # type: ignore[return-value]


def exportable(model: CodecModel) -> CodecModel:
    """`folded(model)` ready for tracing: fixed-size padding, and transposed convs as polyphase
    convs (faster in onnxruntime, same numbers; a 1 x k Conv2d form for onnxruntime's blocked
    kernels was faster on one thread but slower on two, so convs stay 1-D)."""
    return patch_for_export(folded(model))


def patch_for_export(module: Any) -> Any:
    """Swap the forwards of `module`'s encodec convs (weight norm folded) for traceable ones."""
    from encodec.modules.conv import SConv1d, SConvTranspose1d

    for sub in module.modules():
        if isinstance(sub, SConv1d):
            sub.forward = types.MethodType(_fixed_pad_forward, sub)  # type: ignore[method-assign]
        elif isinstance(sub, SConvTranspose1d):
            _make_polyphase(sub)
    return module


def export_graph(
    module: torch.nn.Module, example: torch.Tensor, path: Path, names: tuple[str, str], opset: int
) -> None:
    """Trace `module` to ONNX with dynamic batch (axis 0) and time (axis 2)."""
    import torch

    inp, out = names
    axes = {inp: {0: "batch", 2: "time_in"}, out: {0: "batch", 2: "time_out"}}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TracerWarnings from encodec's asserts, deprecations
        torch.onnx.export(
            module,
            (example,),
            str(path),
            input_names=[inp],
            output_names=[out],
            dynamic_axes=axes,
            opset_version=opset,
            dynamo=False,
        )


def parity(
    loaded: LoadedCodec,
    encoder_path: Path,
    decoder_path: Path,
    frames: tuple[int, ...],
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Relative error ONNX vs the original torch model, per length, for both graphs."""
    import torch

    from livegen.runtime.session import create_session

    assert loaded.mean is not None and loaded.std is not None
    model = loaded.model.cpu().eval()
    enc = create_session(encoder_path, "cpu")
    dec = create_session(decoder_path, "cpu")
    rng = np.random.default_rng(seed)
    d, hop = loaded.config.dimension, loaded.config.hop
    out: dict[str, dict[str, float]] = {"encoder": {}, "decoder": {}}
    for t in frames:
        z = (loaded.mean[:, None] + loaded.std[:, None] * rng.standard_normal((2, d, t))).astype(
            np.float32
        )
        audio = (0.3 * rng.standard_normal((2, 1, t * hop))).astype(np.float32)
        with torch.no_grad():
            want_y = model.decoder(torch.from_numpy(z)).numpy()
            want_z = model.encoder(torch.from_numpy(audio)).numpy()
        out["decoder"][str(t)] = relative_error(dec.run(None, {"latents": z})[0], want_y)
        out["encoder"][str(t)] = relative_error(enc.run(None, {"audio": audio})[0], want_z)
    return out


def export_codec(
    loaded: LoadedCodec,
    out_dir: Path,
    opset: int = OPSET,
    frames: tuple[int, ...] = PARITY_FRAMES,
) -> dict[str, Any]:
    """Export both graphs into `out_dir`, check parity, merge the manifest; returns the section."""
    import onnx
    import torch

    from livegen.runtime.manifest import update_manifest
    from livegen.training.codec.model import MIN_FRAMES
    from livegen.training.codec.stats import codec_meta

    if loaded.mean is None or loaded.std is None:
        raise ValueError("the codec has no latent statistics: call ensure_stats first")
    cfg = loaded.config
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = exportable(loaded.model)
    example_z = torch.zeros(1, cfg.dimension, 150)
    example_x = torch.zeros(1, cfg.channels, 150 * cfg.hop)
    export_graph(model.encoder, example_x, out_dir / ENCODER_FILE, ("audio", "latents"), opset)
    export_graph(model.decoder, example_z, out_dir / DECODER_FILE, ("latents", "audio"), opset)
    for name in (ENCODER_FILE, DECODER_FILE):
        onnx.checker.check_model(str(out_dir / name))
    errors = parity(loaded, out_dir / ENCODER_FILE, out_dir / DECODER_FILE, frames)
    worst = max(max(v.values()) for v in errors.values())
    check_parity("codec, max relative error", worst, PARITY_TOLERANCE, errors)
    meta = codec_meta(loaded)
    section = {
        "sample_rate": cfg.sample_rate,
        "hop": cfg.hop,
        "frame_rate": cfg.frame_rate,
        "latent_dim": cfg.dimension,
        "channels": cfg.channels,
        "min_frames": MIN_FRAMES,
        "encoder": ENCODER_FILE,
        "decoder": DECODER_FILE,
        "graphs": {
            "encoder": "audio [B, 1, N] (N a multiple of hop) -> latents [B, D, N / hop], raw",
            "decoder": "latents [B, D, T] raw -> audio [B, 1, T * hop]",
        },
        "latent_space": "graphs are raw; the diffusion model uses (z - stats.mean) / stats.std",
        "stats": {"mean": loaded.mean.tolist(), "std": loaded.std.tolist(), **meta["stats"]},
        "opset": opset,
        "weight_norm": "removed (folded into weights) before export",
        "config": cfg.to_dict(),
        "source": loaded.source,
        "training": {
            "checkpoint": meta["checkpoint"],
            "step": loaded.info.get("step"),
            "run": loaded.info.get("run", {}),
            "train_config": loaded.info.get("train_config", {}),
        },
        "parity": {"max_relative_error": worst, "by_frames": errors, "tolerance": PARITY_TOLERANCE},
        "versions": versions("encodec"),
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    update_manifest(out_dir, "codec", section, [ENCODER_FILE, DECODER_FILE])
    return section


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_codec_arguments(parser)
    parser.add_argument("--out", type=output_model_dir, default="models/default", help=OUT_HELP)
    parser.add_argument("--opset", type=int, default=OPSET, help="ONNX opset")
    parser.add_argument("--corpus", type=Path, default=Path("data/corpus"), help="for stats")
    parser.add_argument(
        "--stats-loops", type=int, default=1000, help="train loops for stats if the codec has none"
    )
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: all cores)")


def run(args: argparse.Namespace) -> int:

    from livegen.training.codec.model import load_codec, setup_torch
    from livegen.training.codec.stats import ensure_stats

    setup_torch(args.threads)
    loaded = load_codec(args.codec, args.codec_checkpoint)
    ensure_stats(loaded, args.corpus, args.stats_loops)
    section = export_codec(loaded, args.out, args.opset)
    sizes = {f: (Path(args.out) / f).stat().st_size / 1e6 for f in (ENCODER_FILE, DECODER_FILE)}
    print(
        f"exported {args.out}/{ENCODER_FILE} ({sizes[ENCODER_FILE]:.1f} MB), "
        f"{DECODER_FILE} ({sizes[DECODER_FILE]:.1f} MB); opset {args.opset}; "
        f"parity max relative error {section['parity']['max_relative_error']:.1e}; "
        f"manifest {args.out}/manifest.json"
    )
    return 0
