"""`livegen export concept`: a trained concept checkpoint → ONNX files + the manifest's "concept" section.

Writes into OUT (a model package folder, e.g. models/default):

    concept_text.onnx        int8 MiniLM sentence encoder (the exact graph training used)
    concept_tokenizer.json   its WordPiece tokenizer (read by `tokenizers`, no torch)
    concept_text_head.onnx   clauses → joint space (fp32, small)
    concept_audio.onnx       log-mel windows → joint space
    concept_vocab.npz        training words + their tower embeddings (unknown-word check)

and merges a "concept" section (files, sha256, configs, versions, parity figures) into
OUT/manifest.json. Parity with torch is checked on the way and reported.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from livegen.runtime.models import OUT_HELP, output_model_dir
from livegen.training.common import check_parity, versions

FILES = {
    "text_tower": "concept_text.onnx",
    "tokenizer": "concept_tokenizer.json",
    "text_head": "concept_text_head.onnx",
    "audio": "concept_audio.onnx",
    "vocab": "concept_vocab.npz",
}
# Best cosine to a training word below which a word is reported as unknown (see runtime.py).
# Measured with the int8 MiniLM against the training words: synonyms the model does place
# ("gloomy" 0.58, "speedy" 0.68, "squelch" 0.93, "relaxed" 0.50, "sparkling" 0.49) sit above,
# unrelated words ("banana" 0.42, "xyzzq" 0.42, "reverb" 0.41, "tb-303" 0.33) below. A heuristic:
# some words near the line go either way ("brilliant" 0.44 is reported).
UNKNOWN_THRESHOLD = 0.45
# Parity: 1 - the lowest cosine between torch's and ONNX's embeddings must stay below this.
PARITY_TOLERANCE = 1e-3
PARITY_PROMPTS = (
    "dark hypnotic techno with rolling bass and clicky rims, no clap, 126 BPM",
    "acid line, no kick",
    "imagine tb-303 sequence and bass drum over a gloomy reduced techno beat, relaxed",
    "bright airy pad",
    "kickless dub techno",
    "minus the hihats",
    "fast peak-time techno with handclaps",
    "",
)


def load_checkpoint(path: Path):
    """(ConceptModel in eval mode, checkpoint dict) from a training checkpoint."""
    import torch

    from livegen.runtime.manifest import ModelFileError
    from livegen.training.concept.model import ConceptConfig, ConceptModel

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no concept checkpoint (run `livegen train concept` first)")
    state = torch.load(path, map_location="cpu", weights_only=False)
    cfg = ConceptConfig.from_dict(state["config"]["model"])
    model = ConceptModel(cfg)
    model.load_state_dict(state["model"])
    return model.eval(), state


def _export(module, args: tuple, path: Path, names: list[str], dynamic: dict) -> None:
    import warnings

    import torch

    with warnings.catch_warnings():  # tracer and legacy-exporter notices, not problems
        warnings.simplefilter("ignore")
        _onnx_export(torch, module, args, path, names, dynamic)


def _onnx_export(torch, module, args: tuple, path: Path, names: list[str], dynamic: dict) -> None:
    torch.onnx.export(
        module,
        args,
        str(path),
        input_names=names,
        output_names=["embedding"],
        dynamic_axes={**dynamic, "embedding": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def _parity(model, example: tuple, feeds: dict, mel, out: Path) -> dict[str, float]:
    """Torch vs onnxruntime on the same inputs, as min cosines; raises past the tolerance."""
    import onnxruntime as ort
    import torch

    with torch.no_grad():
        t_ref = model.text(*example).numpy()
        a_ref = model.audio(mel).numpy()
    cpu = ["CPUExecutionProvider"]
    t_onnx = ort.InferenceSession(str(out / FILES["text_head"]), providers=cpu).run(None, feeds)[0]
    a_onnx = ort.InferenceSession(str(out / FILES["audio"]), providers=cpu).run(
        None, {"mel": mel.numpy()}
    )[0]
    parity = {
        "text_head_min_cos": float(np.min(np.sum(t_ref * t_onnx, 1))),
        "audio_min_cos": float(np.min(np.sum(a_ref * a_onnx, 1))),
        "tolerance": PARITY_TOLERANCE,
    }
    worst = 1.0 - min(parity["text_head_min_cos"], parity["audio_min_cos"])
    check_parity("concept, 1 - min cosine", worst, PARITY_TOLERANCE, parity)
    return parity


def export_concept(ckpt: Path, out: Path, tower: Path | None = None) -> dict[str, Any]:
    """Export everything and merge the manifest section; returns the section written."""
    import torch

    from livegen.runtime.concept.encoder import ABSENT_SOUNDS, KIND, SECTION
    from livegen.runtime.concept.text import parse
    from livegen.runtime.concept.tower import MAX_CLAUSES, TextTower, clause_batch
    from livegen.runtime.manifest import update_manifest
    from livegen.training.concept.minilm import MODEL_PACKAGE, export_text_tower, tokenizer_path

    model, state = load_checkpoint(ckpt)
    cfg = model.cfg
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tower_src = Path(tower) if tower else Path(ckpt).parent / "text_tower_int8.onnx"
    if tower_src.is_file():
        shutil.copyfile(tower_src, out / FILES["text_tower"])
    else:
        export_text_tower(out / FILES["text_tower"])
    shutil.copyfile(tokenizer_path(), out / FILES["tokenizer"])
    text_tower = TextTower.load(out / FILES["text_tower"], out / FILES["tokenizer"])

    # Text head: dynamic batch and clause count.
    from livegen.training.concept.data import known_words

    vocab_set = known_words()
    batch = clause_batch([parse(p, vocab_set) for p in PARITY_PROMPTS], text_tower)
    feeds = {
        "clauses": batch.clauses,
        "negated": batch.negated,
        "valid": batch.valid,
        "tempo": batch.tempo,
    }
    example = tuple(torch.from_numpy(v) for v in feeds.values())
    _export(
        model.text,
        example,
        out / FILES["text_head"],
        list(feeds),
        {"clauses": {0: "batch", 1: "clauses"}, "negated": {0: "batch", 1: "clauses"},
         "valid": {0: "batch", 1: "clauses"}, "tempo": {0: "batch"}},
    )  # fmt: skip
    mel = torch.randn(3, int(cfg.mel["n_mels"]), int(cfg.mel["frames"])) - 6.0
    _export(model.audio, (mel,), out / FILES["audio"], ["mel"], {"mel": {0: "batch", 2: "frames"}})

    parity = _parity(model, example, feeds, mel, out)

    words = sorted(w for w in vocab_set if not w.isdigit() and len(w) > 1)  # stored in the package
    np.savez(
        out / FILES["vocab"],
        words=np.asarray(words),
        embeddings=text_tower.embed(words).astype(np.float32),
        absent=text_tower.embed(list(ABSENT_SOUNDS)).astype(np.float32),
    )

    train_cfg = state["config"]
    section = {
        "kind": KIND,
        "dim": cfg.dim,
        **FILES,
        "max_clauses": MAX_CLAUSES,
        "unknown_threshold": UNKNOWN_THRESHOLD,
        "mel": cfg.mel,
        "model": cfg.to_dict(),
        "train": {k: v for k, v in train_cfg.items() if k != "model"}
        | {"step": int(state["step"])}
        | ({"init": state["init"]} if state.get("init") else {}),
        "validation": state.get("history", [])[-1:] or None,
        "parity": parity,
        "mixing": "c = sum(w_i * e_i) / ||sum(w_i * e_i)||, e_i unit prompt embeddings",
        "versions": versions("tokenizers", MODEL_PACKAGE),
    }
    update_manifest(out, SECTION, section, list(FILES.values()))
    return section


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--run", type=Path, default=Path("runs/concept"), help="training run folder"
    )
    parser.add_argument(
        "--checkpoint", type=Path, default=None, help="checkpoint (default RUN/ckpt.pt)"
    )
    parser.add_argument("--out", type=output_model_dir, required=True, help=OUT_HELP)


def run(args: argparse.Namespace) -> int:
    ckpt = args.checkpoint or args.run / "ckpt.pt"
    section = export_concept(ckpt, args.out)
    sizes = {name: (args.out / name).stat().st_size / 1e6 for name in FILES.values()}
    for name, mb in sizes.items():
        print(f"  {name:<24} {mb:7.2f} MB")
    p = section["parity"]
    print(
        f"exported concept encoder to {args.out} ({sum(sizes.values()):.1f} MB); parity with torch: "
        f"text head cos {p['text_head_min_cos']:.6f}, audio cos {p['audio_min_cos']:.6f}"
    )
    return 0
