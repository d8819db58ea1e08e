"""`livegen export unet`: the UNet (EMA weights) to ONNX, parity-checked, merged into the package.

Writes `OUT/generator_unet.onnx` (inputs x [B, D, T], alpha [B], phase [B, 6, T] and, with
concept conditioning, concept [B, C]; output d [B, D, T]; batch and time dynamic) and a
"generator" section in `OUT/manifest.json` (other sections kept): the UNet config, the
conditioning spec (bar geometry, phase rows, BPM range, concept size and encoder), the sampler
defaults, the latent statistics it was trained with (they must equal the package codec's), the
training provenance, the parity figures and the versions. Export the codec first:

    livegen export codec --codec-checkpoint runs/codec --out models/default
    livegen export unet --checkpoint runs/unet --out models/default
"""

from __future__ import annotations

import argparse
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from livegen.runtime.manifest import ModelFileError
from livegen.runtime.models import OUT_HELP, output_model_dir
from livegen.runtime.sampler import interval_arg
from livegen.training.common import check_parity, relative_error, versions

UNET_FILE = "generator_unet.onnx"
SECTION = "generator"
# A stem generator lives beside the mix generator in the same package (same codec, same concept
# encoder): `serve --stems` and `render --stems` use it.
STEM_UNET_FILE = "generator_stems.onnx"
STEM_SECTION = "stem_generator"
OPSET = 17
PARITY_FRAMES = (97, 129, 147, 164)  # odd and even bar lengths (164 = 110 BPM, 129 = 140 BPM)
PARITY_TOLERANCE = 1e-4
FP16_TOLERANCE = 1e-2  # output change from storing the weights as float16 (measured: ~1e-3)
# Sampler defaults: AB2 on SD3's shift-3 grid has 4.5x less ODE error than the paper's Euler on
# a uniform grid at 8 steps (the findings table in livegen.eval.generator's docstring).
DEFAULT_SAMPLER = {
    "method": "ab2",
    "schedule": "shift:3",
    "steps": 8,
    "guidance": 3.0,
    "guide_bpm": False,
}


def load_unet(checkpoint: Path, ema: bool = True):
    """The UNet of a checkpoint (EMA weights by default), on CPU in eval mode, and the ckpt."""
    from livegen.training.unet.config import UNetConfig
    from livegen.training.unet.model import UNet1d
    from livegen.training.unet.trainer import read_checkpoint

    ckpt = read_checkpoint(checkpoint)
    model = UNet1d(UNetConfig.from_dict(ckpt["config"]))
    model.load_state_dict(ckpt["ema" if ema else "model"])
    return model.eval(), ckpt


def input_names(concept_dim: int, key_dim: int = 0) -> list[str]:
    return (
        ["x", "alpha", "phase"]
        + (["concept"] if concept_dim else [])
        + (["key"] if key_dim else [])
    )


def files_of(cfg: Any) -> tuple[str, str]:
    """(ONNX file, manifest section) of a UNet config: the stem generator's or the mix's."""
    return (STEM_UNET_FILE, STEM_SECTION) if cfg.stems else (UNET_FILE, SECTION)


def _example_key(cfg: Any, batch: int, torch: Any) -> Any:
    """A key input for tracing and checks: C minor, then no key."""
    key = torch.zeros(batch, cfg.key_dim)
    key[0, 0] = key[0, 12 + 1] = 1.0
    return key


def export_graph(model, path: Path, opset: int = OPSET, frames: int = 147) -> None:
    """Trace the UNet to ONNX with dynamic batch and time."""
    import torch

    cfg = model.cfg
    example = [
        torch.zeros(2, cfg.latent_dim, frames),
        torch.full((2,), 0.5),
        torch.zeros(2, cfg.phase_channels, frames),
    ]
    if cfg.concept_dim:
        example.append(torch.zeros(2, cfg.concept_dim))
    if cfg.key_dim:
        if not cfg.concept_dim:
            raise ValueError("a keyed UNet without concept conditioning is not exported")
        example.append(_example_key(cfg, 2, torch))
    names = input_names(cfg.concept_dim, cfg.key_dim)
    axes: dict[str, dict[int, str]] = {
        "x": {0: "batch", 2: "time"},
        "alpha": {0: "batch"},
        "phase": {0: "batch", 2: "time"},
        "d": {0: "batch", 2: "time"},
    }
    if cfg.concept_dim:
        axes["concept"] = {0: "batch"}
    if cfg.key_dim:
        axes["key"] = {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            tuple(example),
            str(path),
            input_names=names,
            output_names=["d"],
            dynamic_axes=axes,
            opset_version=opset,
            dynamo=False,
        )


def compact_names(path: Path) -> int:
    """Drop the node names and give the graph's inner values short names (t0, t1, ...): the
    exporter's module paths take ~110 KB of a 2.3 M-parameter graph, and models/ has a size
    budget. Inputs, outputs and weights keep theirs. Returns the bytes saved."""
    import onnx

    before = Path(path).stat().st_size
    model = onnx.load(str(path))
    graph = model.graph
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    keep |= {i.name for i in graph.initializer}
    short: dict[str, str] = {}
    for node in graph.node:
        node.name = ""
        for i, name in enumerate(node.output):
            if name and name not in keep:
                short.setdefault(name, f"t{len(short)}")
                node.output[i] = short[name]
        for i, name in enumerate(node.input):
            node.input[i] = short.get(name, name)
    del graph.value_info[:]
    onnx.save(model, str(path))
    return before - Path(path).stat().st_size


def store_fp16(path: Path, min_size: int = 1024) -> int:
    """Store the graph's large float32 weights as float16, each behind a Cast back to float32.

    onnxruntime folds the casts when the session loads, so the graph computes in float32 exactly
    as a float32 graph holding the fp16-rounded weights; only the file halves (the package must
    stay under 60 MB). Returns how many initializers were converted."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    casts, keep, n = [], [], 0
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < min_size:
            keep.append(init)
            continue
        half = numpy_helper.from_array(
            numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16"
        )
        keep.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
        n += 1
    del graph.initializer[:]
    graph.initializer.extend(keep)
    for i, node in enumerate(casts):
        graph.node.insert(i, node)
    onnx.save(model, str(path))
    return n


def round_to_fp16(model) -> float:
    """Round the model's weights to float16 in place (what `store_fp16` keeps); returns the
    largest relative change of the output on a fixed input (what storing fp16 costs)."""
    import torch

    cfg = model.cfg
    gen = torch.Generator().manual_seed(0)
    example = [
        torch.randn(2, cfg.latent_dim, 147, generator=gen),
        torch.full((2,), 0.3),
        torch.randn(2, cfg.phase_channels, 147, generator=gen),
    ]
    if cfg.concept_dim:
        example.append(
            torch.nn.functional.normalize(torch.randn(2, cfg.concept_dim, generator=gen), dim=1)
        )
    if cfg.key_dim:
        example.append(_example_key(cfg, 2, torch))
    with torch.no_grad():
        before = model(*example)
        for p in model.parameters():
            p.copy_(p.half().float())
        after = model(*example)
    return relative_error(after.numpy(), before.numpy())


def parity(model, path: Path, frames: tuple[int, ...] = PARITY_FRAMES, seed: int = 0) -> dict:
    """Relative error ONNX vs torch per length, batch 2 (cond + uncond, as guidance runs it)."""
    import torch

    from livegen.runtime.sampler import phase_signal
    from livegen.runtime.session import create_session

    cfg = model.cfg
    session = create_session(path, "cpu")
    rng = np.random.default_rng(seed)
    out = {}
    for t in frames:
        phase = phase_signal(t)
        if cfg.phase_channels > len(phase):  # a note line: a held note sliding into another
            from livegen.runtime.lines import line_rows

            n = t * 320
            notes = [[0, 45, False, True], [n // 2, 52, False, False]]
            phase = np.concatenate([phase, line_rows(notes, n, t)])
        feeds = {
            "x": rng.standard_normal((2, cfg.latent_dim, t), dtype=np.float32),
            "alpha": np.array([0.3, 0.3], np.float32),
            "phase": np.stack([phase, phase]),
        }
        if cfg.concept_dim:
            c = rng.standard_normal(cfg.concept_dim).astype(np.float32)
            feeds["concept"] = np.stack([c / np.linalg.norm(c), np.zeros_like(c)])
        if cfg.key_dim:
            feeds["key"] = _example_key(cfg, 2, torch).numpy()
        names = input_names(cfg.concept_dim, cfg.key_dim)
        with torch.no_grad():
            want = model(*(torch.from_numpy(feeds[k]) for k in names))
        got = session.run(None, feeds)[0]
        out[str(t)] = relative_error(got, want.numpy())
    return out


def check_stats(model_dir: Path, stats: dict[str, Any]) -> None:
    """The UNet's latent statistics must be the package codec's (the runtime de-normalises with
    the codec's): refuse a package whose codec is another one."""
    from livegen.runtime.manifest import load_manifest

    codec = load_manifest(model_dir).section("codec")
    for key in ("mean", "std"):
        a, b = np.asarray(codec["stats"][key]), np.asarray(stats[key])
        if b.size and a.size and b.size % a.size == 0:  # a stem generator: the codec's, per stem
            a = np.tile(a, b.size // a.size)
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=1e-6):
            raise ModelFileError(
                f"{model_dir}: the package's codec has other latent statistics than the latents "
                f"the UNet was trained on: export the codec those latents came from "
                f"({stats.get('codec_checkpoint') or 'see the checkpoint'}), or re-encode and retrain"
            )


def _conditioning(data: dict[str, Any], cfg: Any) -> dict[str, Any]:
    """The manifest's account of what the UNet is conditioned on and how a bar is framed."""
    from livegen.runtime.sampler import NOISE_FRAMES
    from livegen.units import BEATS_PER_BAR

    bpm_lo, bpm_hi = data.get("bpm_range", [110.0, 140.0])
    return {
        "sample_rate": data.get("sample_rate", 24_000),
        "hop": data.get("hop", 320),
        "beats_per_bar": BEATS_PER_BAR,
        "bar_samples": "round(beats * 60 / bpm * sample_rate)",
        "frames": "round(bar_samples / hop); the bar is resampled to frames * hop samples",
        "latents": "circular: one exact period; decode wrapped, then fit_bar to bar_samples",
        "phase_rows": [
            "beat saw frac(4u)",
            "bar saw u",
            "sin beat",
            "cos beat",
            "sin bar",
            "cos bar",
        ],
        "phase_position": "u = t / frames",
        "bpm_range": [float(np.floor(bpm_lo)), float(np.ceil(bpm_hi))],
        "frames_range": data.get("frames_range"),
        "concept_dim": cfg.concept_dim,
        "concept": data.get("concept"),
        "noise_frames": NOISE_FRAMES,
    }


def export_unet(
    checkpoint: Path,
    out_dir: Path,
    sampler: dict[str, Any] | None = None,
    opset: int = OPSET,
    fp16: bool = True,
) -> dict[str, Any]:
    """Export, check parity and stats, merge the manifest; returns the section. `fp16`: store
    the weights as float16 (computed in float32; the cost of the rounding is measured)."""
    import onnx

    from livegen.runtime.manifest import update_manifest

    model, ckpt = load_unet(checkpoint)
    data = ckpt.get("data", {})
    out_dir = Path(out_dir)
    check_stats(
        out_dir, {**data["stats"], "codec_checkpoint": data.get("codec", {}).get("checkpoint")}
    )
    rounding = round_to_fp16(model) if fp16 else 0.0
    if ckpt.get("slim"):  # its weights are float16 already: the rounding was measured then
        rounding = ckpt.get("fp16_rounding_relative_error")
    if rounding is not None and rounding >= FP16_TOLERANCE:
        raise RuntimeError(f"float16 weights change the output by {rounding:.2e} (relative)")
    cfg = model.cfg
    keyed = ("key_guidance", "key_guidance_interval")
    if any((sampler or {}).get(k) is not None for k in keyed) and not cfg.key_dim:
        raise ValueError("key guidance is for stem generators: this UNet has no key input")
    unet_file, section_name = files_of(cfg)
    export_graph(model, out_dir / unet_file, opset)
    if fp16:
        store_fp16(out_dir / unet_file)
    compact_names(out_dir / unet_file)
    onnx.checker.check_model(str(out_dir / unet_file))
    errors = parity(model, out_dir / unet_file)  # against the fp16-rounded torch weights
    worst = max(errors.values())
    check_parity("UNet, max relative error", worst, PARITY_TOLERANCE, errors)
    section = {
        "unet": unet_file,
        "inputs": {
            "x": "[B, D, T] x_alpha, normalised latents"
            + (
                f" ({', '.join(cfg.stems)} stacked: D = {len(cfg.stems)} x codec D)"
                if cfg.stems
                else ""
            ),
            "alpha": "[B]",
            "phase": (
                "[B, 9, T] beat/bar phase (zeros: no tempo), then the note line's cos, sin and "
                "pitch (runtime.lines; zeros: no line)"
                if cfg.line
                else "[B, 6, T] beat/bar phase (zeros: no tempo)"
            ),
            **({"concept": "[B, C] unit concept vector (zeros: none)"} if cfg.concept_dim else {}),
            **(
                {"key": "[B, 14] one-hot root (C..B), one-hot mode (major, minor); zeros: none"}
                if cfg.key_dim
                else {}
            ),
        },
        **(
            {"stems": list(cfg.stems), "modes": data.get("modes", ["major", "minor"])}
            if cfg.stems
            else {}
        ),
        "output": "d [B, D, T] estimate of x1 - x0 (IADB)",
        "config": cfg.to_dict(),
        "conditioning": _conditioning(data, cfg),
        "sampler": {
            **DEFAULT_SAMPLER,
            **({"guide_key": True} if cfg.key_dim else {}),
            **(sampler or {}),
        },
        "stats": data["stats"],
        **(
            {
                "latent_scale": {
                    **data["latent_scale"],
                    "space": "the UNet's x = (codec-normalised latents - mean) / std, per channel "
                    "of the stack; the runtime maps its samples back before decoding",
                }
            }
            if data.get("latent_scale")
            else {}
        ),
        "training": {
            "checkpoint": str(checkpoint),
            "step": ckpt["step"],
            "run": ckpt.get("run", {}),
            "train_config": ckpt.get("train_config", {}),
            "latents": data.get("latents"),
            "codec": data.get("codec", {}),
            "weights": "EMA",
        },
        "parity": {
            "max_relative_error": worst,
            "by_frames": errors,
            "tolerance": PARITY_TOLERANCE,
            "batch": 2,
            "weights": "float16, cast to float32 at load" if fp16 else "float32",
            "fp16_rounding_relative_error": rounding,
        },
        "opset": opset,
        "versions": versions(),
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    update_manifest(out_dir, section_name, section, [unet_file])
    return section


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=Path("runs/unet"),
        help="training run folder or its checkpoint.pt",
    )
    parser.add_argument(
        "--out",
        type=output_model_dir,
        default="models/default",
        help=OUT_HELP + " (must already hold the codec)",
    )
    parser.add_argument(
        "--method",
        choices=("euler", "ab2"),
        default=DEFAULT_SAMPLER["method"],
        help="default sampler step stored in the manifest",
    )
    parser.add_argument(
        "--schedule",
        default=DEFAULT_SAMPLER["schedule"],
        help="default α schedule stored in the manifest",
    )
    parser.add_argument(
        "--guide-bpm",
        action="store_true",
        help="guidance also contrasts with the tempo dropped (default: the concept only)",
    )
    parser.add_argument(
        "--key-guidance",
        type=float,
        help="stem generators: the default push to the key, on its own scale (default: w's)",
    )
    parser.add_argument(
        "--guidance-interval",
        type=interval_arg,
        help="LO,HI: the manifest's default guidance interval (guide only alpha in [LO, HI))",
    )
    parser.add_argument(
        "--key-guidance-interval",
        type=interval_arg,
        help="LO,HI: stem generators: the key's own push only on alpha in [LO, HI)",
    )
    parser.add_argument("--opset", type=int, default=OPSET)
    parser.add_argument(
        "--fp32", action="store_true", help="store float32 weights (default: float16, half size)"
    )
    parser.add_argument("--threads", type=int, help="torch CPU threads")


def run(args: argparse.Namespace) -> int:
    import torch

    from livegen.runtime.sampler import schedule

    torch.set_num_threads(args.threads or torch.get_num_threads())
    schedule(2, args.schedule)  # validates the name
    if args.key_guidance is not None and not 0.0 <= args.key_guidance <= 20.0:
        raise SystemExit(f"--key-guidance must be from 0 to 20, got {args.key_guidance:g}")
    section = export_unet(
        args.checkpoint,
        args.out,
        {
            "method": args.method,
            "schedule": args.schedule,
            "guide_bpm": args.guide_bpm,
            **({} if args.key_guidance is None else {"key_guidance": args.key_guidance}),
            **(
                {}
                if args.guidance_interval is None
                else {"guidance_interval": list(args.guidance_interval)}
            ),
            **(
                {}
                if args.key_guidance_interval is None
                else {"key_guidance_interval": list(args.key_guidance_interval)}
            ),
        },
        args.opset,
        fp16=not args.fp32,
    )
    unet_file, section_name = section["unet"], STEM_SECTION if "stems" in section else SECTION
    size = (Path(args.out) / unet_file).stat().st_size / 1e6
    print(
        f"exported {args.out}/{unet_file} ({size:.1f} MB, step {section['training']['step']}); "
        f"parity max relative error {section['parity']['max_relative_error']:.1e}; "
        f"manifest {args.out}/manifest.json section {section_name!r}"
    )
    return 0
