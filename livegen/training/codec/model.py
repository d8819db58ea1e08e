"""The codec as torch modules: a SEANet encoder/decoder pair from `encodec`, continuous latents.

No quantizer: the encoder output [B, D, T] is the latent the diffusion model learns. Two sources:
our own small codec trained on the corpus (`CodecConfig`, checkpoints written by
`livegen train codec`) and the published EnCodec 24 kHz checkpoint loaded through the `encodec`
package's own code (`load_official`). Both come back as a `LoadedCodec`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from livegen.runtime.manifest import ModelFileError
from livegen.training.codec.config import OFFICIAL, OFFICIAL_CONFIGS, SOURCES, CodecConfig
from livegen.training.common import CHECKPOINT_NAME, channel_stats

CHECKPOINT_FORMAT = "livegen-codec"
# Shortest input the graphs take: the kernel-7 convs reflect-pad 3 (6 when causal) frames.
MIN_FRAMES = 8


class CodecModel(nn.Module):
    """Encoder/decoder pair with continuous latents.

    Args:
        encoder (nn.Module): maps audio [B, 1, N] to latents [B, D, ceil(N / hop)].
        decoder (nn.Module): maps latents [B, D, T] to audio [B, 1, T * hop].
        config (CodecConfig): the architecture, kept for checkpoints and export.
    """

    def __init__(self, encoder: nn.Module, decoder: nn.Module, config: CodecConfig):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.config = config

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruct audio [B, 1, N]; returns (audio [B, 1, N], latents [B, D, T])."""
        z = self.encoder(x)
        y = self.decoder(z)
        return y[..., : x.shape[-1]], z


def build_codec(cfg: CodecConfig) -> CodecModel:
    """A freshly initialised codec from `encodec.modules` SEANet blocks."""
    from encodec.modules import SEANetDecoder, SEANetEncoder

    kw: dict[str, Any] = dict(
        channels=cfg.channels,
        dimension=cfg.dimension,
        n_filters=cfg.n_filters,
        n_residual_layers=cfg.n_residual_layers,
        ratios=list(cfg.ratios),
        norm=cfg.norm,
        causal=cfg.causal,
        pad_mode=cfg.pad_mode,
        lstm=cfg.lstm,
        activation=cfg.activation,
        activation_params=cfg.activation_params,
    )
    with warnings.catch_warnings():  # encodec uses the deprecated torch.nn.utils.weight_norm
        warnings.simplefilter("ignore", FutureWarning)
        encoder = SEANetEncoder(**kw)
        decoder = SEANetDecoder(**kw)
    return CodecModel(encoder, decoder, cfg)


def remove_weight_norm(module: nn.Module) -> nn.Module:
    """Fold weight norm (hook or parametrization style) into plain weights, in place, for export."""
    from torch.nn.utils import parametrize

    for sub in module.modules():
        if hasattr(sub, "weight_g") and hasattr(sub, "weight_v"):
            torch.nn.utils.remove_weight_norm(sub)
        elif parametrize.is_parametrized(sub, "weight"):
            parametrize.remove_parametrizations(sub, "weight", leave_parametrized=True)
    return module


def setup_torch(threads: int | None = None) -> None:
    """CPU threads (default: all cores) and flush-to-zero: decaying audio tails otherwise produce
    denormal floats that slow CPU convolutions several-fold."""
    import os

    torch.set_num_threads(threads or os.cpu_count() or 1)
    torch.set_flush_denormal(True)


@dataclass
class LoadedCodec:
    """A codec ready to use: the model (eval mode, on CPU), its latent statistics, provenance.

    `mean`/`std` are per-channel [D] float32 statistics of the raw latents over training loops,
    or None until computed (official weights come without them; see `livegen.training.codec.stats`).
    """

    model: CodecModel
    source: str  # "livegen" or an OFFICIAL name
    path: Path | None
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)  # training run info, step, …

    @property
    def config(self) -> CodecConfig:
        return self.model.config


def _torch_load(path: Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such checkpoint file")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file: name the file instead
        text = str(exc)
        if "Weights only load failed" in text:
            reason = "holds objects other than tensors and plain data; refusing to unpickle them"
        else:
            reason = text.splitlines()[0][:120] if text else type(exc).__name__
        raise ModelFileError(f"{path}: not a readable torch checkpoint ({reason})") from exc


def _load_state(model: nn.Module, state: Any, path: Path) -> None:
    if not isinstance(state, dict):
        raise ModelFileError(f"{path}: holds no model state dict")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "shape or key mismatch"
        raise ModelFileError(f"{path}: weights do not fit the architecture ({first})") from exc


def load_official(path: Path, name: str = "encodec_24khz") -> LoadedCodec:
    """The published EnCodec checkpoint file, through `encodec`'s own model code, quantizer dropped."""
    from encodec import EncodecModel

    if name != "encodec_24khz":
        raise ValueError(f"unknown official codec {name!r} (known: {', '.join(OFFICIAL)})")
    state = _torch_load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        full = EncodecModel.encodec_model_24khz(pretrained=False)
    _load_state(full, state, Path(path))
    cfg = OFFICIAL_CONFIGS[name]
    model = CodecModel(full.encoder, full.decoder, cfg).eval()
    return LoadedCodec(model=model, source=name, path=Path(path), info={"checkpoint": str(path)})


def resolve_checkpoint(path: Path) -> Path:
    """A run folder stands for its latest checkpoint."""
    path = Path(path)
    return path / CHECKPOINT_NAME if path.is_dir() else path


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A training checkpoint as a dict, with a clear error when it is not one of ours."""
    path = resolve_checkpoint(path)
    ckpt = _torch_load(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{path}: not a livegen codec checkpoint (written by train codec)")
    return ckpt


def load_trained(path: Path) -> LoadedCodec:
    """Our own codec from a checkpoint (or run folder) written by `livegen train codec`."""
    path = resolve_checkpoint(path)
    ckpt = read_checkpoint(path)
    cfg = CodecConfig.from_dict(ckpt["config"])
    model = build_codec(cfg)
    _load_state(model, ckpt.get("model"), path)
    stats = ckpt.get("latent_stats") or {}
    mean = np.asarray(stats["mean"], np.float32) if "mean" in stats else None
    std = np.asarray(stats["std"], np.float32) if "std" in stats else None
    info = {"checkpoint": str(path), "step": ckpt.get("step"), "run": ckpt.get("run", {})}
    info["train_config"] = ckpt.get("train_config", {})
    if mean is not None:
        info["stats"] = {"source": "checkpoint", "loops": stats.get("loops")}
    return LoadedCodec(model.eval(), source="livegen", path=path, mean=mean, std=std, info=info)


def load_codec(source: str, checkpoint: Path | None) -> LoadedCodec:
    """The codec named on a command line: `--codec SOURCE --codec-checkpoint PATH`."""
    if checkpoint is None:
        raise ValueError("--codec-checkpoint is required (a run folder or checkpoint file)")
    if source == "livegen":
        return load_trained(checkpoint)
    if source in OFFICIAL:
        return load_official(checkpoint, source)
    raise ValueError(f"unknown codec {source!r} (known: {', '.join(SOURCES)})")


def pad_to_hop(audio: torch.Tensor, hop: int, min_frames: int = MIN_FRAMES) -> torch.Tensor:
    """Zero-pad audio [..., N] to a whole number of hops, at least `min_frames` of them.

    SEANet pads the same zeros internally; doing it first makes the torch encoder and the exported
    ONNX encoder (which only takes whole hops) see identical input.
    """
    frames = max(math.ceil(audio.shape[-1] / hop), min_frames)
    return torch.nn.functional.pad(audio, (0, frames * hop - audio.shape[-1]))


@torch.no_grad()
def encode_loop(model: CodecModel, audio: np.ndarray, device: str = "cpu") -> np.ndarray:
    """Raw latents float32 [D, ceil(N / hop)] of one loop float32 [N]."""
    x = torch.from_numpy(np.ascontiguousarray(audio, np.float32)).to(device).view(1, 1, -1)
    frames = math.ceil(x.shape[-1] / model.config.hop)
    z = model.encoder(pad_to_hop(x, model.config.hop))[0, :, :frames]
    return z.float().cpu().numpy()


@torch.no_grad()
def latent_stats(
    model: CodecModel, loops: Iterable[np.ndarray], device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std [D] of the raw latents of whole loops (float64 accumulation)."""
    return channel_stats((encode_loop(model, audio, device) for audio in loops), 1e-5)
