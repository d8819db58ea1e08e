"""`livegen export decoder`: a `train decoder` run's decoder into a copy of its base package.

    livegen export decoder --run-dir runs/decoder --model default --out models/mine

Only `codec_decoder.onnx` is replaced (the encoder, its latent statistics, the generators and the
concept encoder are the base's): every model trained on the base's latents plays through it
unchanged. The graph's parity with torch is checked (the codec export's tolerance).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from livegen.runtime.manifest import Manifest
from livegen.runtime.models import DEFAULT_MODEL, model_arg


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", type=Path, required=True, help="a `train decoder` run")
    parser.add_argument("--model", type=model_arg, default=DEFAULT_MODEL, metavar="NAME|DIR",
                        help="the base package (as trained on)")  # fmt: skip
    parser.add_argument("--out", type=Path, required=True, help="the new package's folder")
    parser.add_argument("--force", action="store_true", help="replace an existing --out")
    parser.add_argument("--step", type=int, help="the decoder as it was at this valid step "
                        "(default: the checkpoint's, the run's last)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import torch

    from livegen.runtime.manifest import load_manifest, update_manifest
    from livegen.runtime.models import resolve_model
    from livegen.training.all.codec import export_decoder
    from livegen.training.all.onnx_weights import decoder_from_package
    from livegen.training.codec.decoder import CHECKPOINT_FORMAT

    ckpt_path = Path(args.run_dir) / "checkpoint.pt"
    if not ckpt_path.is_file():
        raise FileNotFoundError(f"{ckpt_path}: no checkpoint (run `livegen train decoder` first)")
    ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=False)
    if ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{ckpt_path}: not a `train decoder` checkpoint")
    base = load_manifest(resolve_model(str(args.model)))
    out = Path(args.out)
    if out.resolve() == base.root.resolve():
        raise ValueError("--out is the base package: export into a new folder, then move it")
    if out.exists() and any(out.iterdir()):
        if not args.force:
            raise FileExistsError(f"{out} exists (--force replaces it)")
        shutil.rmtree(out)
    model, section = decoder_from_package(base.root)
    weights, step = ckpt["decoder"], ckpt["step"]
    if args.step is not None and args.step != step:
        snap = Path(args.run_dir) / "decoders" / f"step_{args.step:06d}.pt"
        if not snap.is_file():
            kept = sorted(p.stem for p in snap.parent.glob("step_*.pt"))
            raise FileNotFoundError(f"{snap}: no decoder kept at step {args.step} "
                                    f"(kept: {', '.join(kept) or 'none'})")  # fmt: skip
        weights, step = torch.load(snap, map_location="cpu", weights_only=True), args.step
    try:
        model.decoder.load_state_dict(weights)
    except RuntimeError as exc:  # another codec's decoder: a one-line error, not a traceback
        first = str(exc).splitlines()[0]
        raise ValueError(f"the run's decoder does not fit {base.root}'s codec ({first}): "
                         "export with the package it was trained on") from None  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    for name in base.data["files"]:
        shutil.copy2(base.root / name, out / name)
    shutil.copy2(base.root / "manifest.json", out / "manifest.json")
    parity = export_decoder(model.decoder, out / section["decoder"])
    section = {k: v for k, v in section.items() if k != "files"}
    previous = section.get("decoder_finetune")  # the base's decoder was a fine-tune too
    section["decoder_finetune"] = _provenance(ckpt, step, parity, base, Path(args.run_dir))
    if previous:
        section["decoder_finetune"]["previous"] = previous
    update_manifest(out, "codec", section, [section["encoder"], section["decoder"]])
    print(f"wrote {out} (decoder from {ckpt_path}, step {step}; parity {parity:.1e})")
    return 0


RUN_KEYS = ("started", "elapsed_s", "corpus", "torch", "livegen", "host", "finished")


def _provenance(
    ckpt: dict[str, Any], step: int, parity: float, base: Manifest, run_dir: Path
) -> dict[str, Any]:
    """What the manifest records: the run, its config, the valid figures at the exported step
    and at step 0 (the base decoder), the parity."""
    return {
        "command": "livegen train decoder",
        "base": str(base.root),
        "base_decoder_sha256": base.data["files"][base.section("codec")["decoder"]]["sha256"],
        "step": step,
        "train": ckpt["train_config"],
        "run": {k: ckpt["run"].get(k) for k in RUN_KEYS},
        "valid": {
            str(r["step"]): {k: v for k, v in r.items() if k.startswith("valid_")}
            for r in _valid_rows(run_dir)
            if r["step"] in (0, step)
        },
        "parity": parity,
        "encoder": "as in the base package (the latent space and its statistics are unchanged)",
    }


def _valid_rows(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "metrics.jsonl"
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("kind") == "valid"]
