"""`livegen train concept`: train livegen-clap (text head + audio tower) on the corpus captions.

Loss: symmetric InfoNCE between the audio of a loop and one of its texts, where a short
structured prompt ("acid line, no kick") counts as a positive for every loop in the batch it
describes (multi-positive targets), plus an attribute read-out on the joint space applied to the
audio (all attributes) and to structured prompts (the attributes they constrain), so "no kick" in
text and a kickless loop land on the same side of the same direction.

`--init CKPT --text-only` retrains only the text head against another run's frozen audio tower:
the joint space stays where it is, so a generator conditioned on that tower's audio embeddings
needs no retraining after a vocabulary or text-side change.

Seeded, resumable (`RUN/ckpt.pt` holds model, optimiser, step, RNG states and this config),
tqdm progress, `RUN/loss.png` loss curve, validation figures in `RUN/history.json`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from livegen.runtime.concept.mel import MelConfig, windows
from livegen.training.common import lr_at, save_checkpoint

CKPT = "ckpt.pt"
RESUME_MAY_CHANGE = {"steps", "eval_every", "threads", "run", "corpus"}
TOWER = "text_tower_int8.onnx"


def _default_model() -> dict:
    return {
        "dim": 128,
        "text_in": 384,
        "text_hidden": 384,
        "audio_channels": 128,
        "dropout": 0.1,
        "audio_context": 2,
        # A window longer than any loop's bar (164 frames at 110 BPM): the tower sees the
        # whole rhythm of the bar, wrapped around.
        "mel": {**MelConfig().to_dict(), "frames": 192},
    }


@dataclass
class TrainConfig:
    """Everything a concept training run depends on (saved in its checkpoint)."""

    corpus: str = "data/corpus"
    run: str = "runs/concept"
    steps: int = 6000
    batch: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup: int = 200
    aux_weight: float = 0.5  # attribute read-out loss (audio + structured text)
    text_noise: float = 0.5  # Gaussian noise on clause embeddings: robustness to unseen wording
    n_generated: int = 6  # extra train-vocabulary captions per loop
    n_structured: int = 10  # structured prompts per loop
    seed: int = 0
    threads: int = 2
    eval_every: int = 500
    max_loops: int = 0  # 0 = whole corpus (tests use a few)
    model: dict = field(default_factory=_default_model)
    init: str = ""  # checkpoint whose weights (and model config) this run starts from
    text_only: bool = False  # with init: audio tower, attribute read-out and scale stay frozen


class Trainer:
    """Holds the cache, the model and the optimiser; `step()` does one update."""

    def __init__(self, cfg: TrainConfig, progress: bool = True):
        import torch

        from livegen.corpus.make import read_manifest
        from livegen.runtime.concept.tower import TextTower
        from livegen.training.concept.data import build_cache, known_words
        from livegen.training.concept.minilm import export_text_tower, tokenizer_path
        from livegen.training.concept.model import ConceptConfig, ConceptModel

        self.cfg = cfg
        self.run = Path(cfg.run)
        self.run.mkdir(parents=True, exist_ok=True)
        torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        init_state = self._init_state(cfg)
        self.rng = np.random.default_rng(cfg.seed)
        entries = read_manifest(Path(cfg.corpus))
        if cfg.max_loops:
            entries = entries[: cfg.max_loops]
        self.entries = entries
        tower_path = self.run / TOWER
        if not tower_path.is_file():
            export_text_tower(tower_path)
        self.tower = TextTower.load(tower_path, tokenizer_path(), threads=cfg.threads)
        self.vocab = known_words()
        self.mel_cfg = MelConfig(**cfg.model["mel"])
        c = build_cache(
            Path(cfg.corpus),
            entries,
            self.tower,
            self.run,
            cfg.seed,
            cfg.n_generated,
            cfg.n_structured,
            self.mel_cfg,
            progress,
        )
        self.c = c
        splits = np.asarray([e["split"] for e in entries])
        self.train_idx = np.flatnonzero(splits == "train")
        self.valid_idx = np.flatnonzero(splits == "valid")
        if self.valid_idx.size == 0:  # tiny corpora: validate on what there is
            self.valid_idx = np.arange(len(entries))[: max(2, len(entries) // 4)]
        loops = c["text_loop"]
        self.pool_start = np.searchsorted(loops, np.arange(len(entries)), "left")
        self.pool_count = np.searchsorted(loops, np.arange(len(entries)), "right") - self.pool_start
        self.model = ConceptModel(ConceptConfig.from_dict(cfg.model))
        self.init_info = None
        if init_state is not None:
            self.model.load_state_dict(init_state["model"])
            self.init_info = init_state["init_info"]
        if cfg.text_only:  # frozen parameters get no gradient, so no graph is built for them
            for name, param in self.model.named_parameters():
                param.requires_grad_(name.startswith("text."))
        trained = [p for p in self.model.parameters() if p.requires_grad]
        self.opt = torch.optim.AdamW(trained, lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.step_n = 0
        self.history: list[dict[str, Any]] = []
        self.losses: list[list[float]] = []  # [step, total, contrastive, aux]

    @staticmethod
    def _init_state(cfg: TrainConfig) -> dict[str, Any] | None:
        """The checkpoint a run starts from (`cfg.init`); its model config replaces cfg.model."""
        import torch

        if cfg.text_only and not cfg.init:
            raise ValueError("--text-only needs --init CKPT: the audio tower it keeps frozen")
        if not cfg.init:
            return None
        path = Path(cfg.init)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no concept checkpoint to start from")
        state = torch.load(path, map_location="cpu", weights_only=False)
        cfg.model = dict(state["config"]["model"])  # same architecture, mel front end included
        # Provenance for the manifest: which weights, exactly, the run started from.
        state["init_info"] = {
            "path": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "step": int(state["step"]),
        }
        return state

    # --- batches -------------------------------------------------------------------------------
    def mel_batch(self, loops: np.ndarray, random_crop: bool = True):
        """Circular crops [B, M, F] of the cached log-mels (loops wrap seamlessly)."""
        frames = self.mel_cfg.frames
        lengths = self.c["mel_frames"][loops]
        start = self.rng.integers(0, lengths) if random_crop else np.zeros_like(lengths)
        idx = (start[:, None] + np.arange(frames)[None, :]) % lengths[:, None]  # [B, F]
        mel = self.c["mel"][loops]  # [B, M, Tmax] float16
        return np.take_along_axis(mel, idx[:, None, :].astype(np.int64), axis=2).astype(np.float32)

    def text_batch(self, texts: np.ndarray, noise: float):
        c = self.c
        clause_idx = c["text_clauses"][texts]  # [B, S]
        valid = (clause_idx >= 0).astype(np.float32)
        emb = c["clause_emb"][np.maximum(clause_idx, 0)] * valid[..., None]  # [B, S, 384]
        if noise > 0:
            n = self.rng.standard_normal(emb.shape).astype(np.float32) / math.sqrt(emb.shape[-1])
            emb = emb + noise * n
            emb /= np.maximum(np.linalg.norm(emb, axis=-1, keepdims=True), 1e-6)
            emb *= valid[..., None]
        return emb, c["text_negated"][texts].astype(np.float32), valid, c["text_tempo"][texts]

    # --- training ------------------------------------------------------------------------------
    def step(self) -> tuple[float, float, float]:
        import torch

        from livegen.training.concept.objective import attribute_loss, fitting_pairs, info_nce

        cfg, c, model = self.cfg, self.c, self.model
        model.train()
        if cfg.text_only:
            model.audio.eval()  # frozen: batch-norm statistics and dropout as trained
        b = min(cfg.batch, self.train_idx.size)
        loops = self.rng.choice(self.train_idx, b, replace=False)
        texts = self.pool_start[loops] + (self.rng.random(b) * self.pool_count[loops]).astype(int)
        emb, neg, valid, tempo = self.text_batch(texts, cfg.text_noise)
        mel = self.mel_batch(loops)
        attrs = torch.from_numpy(c["loop_attributes"][loops].astype(np.int64))  # [B, K]
        cons = torch.from_numpy(c["text_constraints"][texts].astype(np.int64))  # [B, K]
        t = model.text(*(torch.from_numpy(x) for x in (emb, neg, valid, tempo)))
        a = model.audio(torch.from_numpy(mel))
        caption = torch.from_numpy(c["text_is_caption"][texts])
        logits = model.logit_scale.exp().clamp(max=100.0) * t @ a.T
        contrastive = info_nce(logits, fitting_pairs(cons, attrs, caption))
        # a frozen audio side has nothing to learn from its read-out
        aux = attribute_loss(model, t, a, cons, attrs, audio_too=not cfg.text_only)
        loss = contrastive + cfg.aux_weight * aux
        for group in self.opt.param_groups:
            group["lr"] = lr_at(self.step_n, self.cfg.lr, self.cfg.warmup, self.cfg.steps)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        self.opt.step()
        self.step_n += 1
        row = [loss.item(), contrastive.item(), aux.item()]
        self.losses.append([self.step_n, *row])
        return row[0], row[1], row[2]

    # --- embeddings and validation --------------------------------------------------------------
    def embed_texts(self, texts) -> np.ndarray:
        import torch

        from livegen.runtime.concept.text import parse
        from livegen.runtime.concept.tower import clause_batch

        batch = clause_batch([parse(t, self.vocab) for t in texts], self.tower)
        self.model.eval()
        with torch.no_grad():
            out = self.model.text(
                *(
                    torch.from_numpy(x)
                    for x in (batch.clauses, batch.negated, batch.valid, batch.tempo)
                )
            )
        return out.numpy()

    def embed_loops(self, loops: np.ndarray) -> np.ndarray:
        """Audio embeddings of whole loops, averaged over windows as the runtime does."""
        import torch

        self.model.eval()
        out = []
        with torch.no_grad():
            for i in loops:
                mel = self.c["mel"][i, :, : self.c["mel_frames"][i]].astype(np.float32)
                w = torch.from_numpy(windows(mel, self.mel_cfg.frames))
                e = self.model.audio(w).mean(0)
                out.append((e / e.norm().clamp(min=1e-9)).numpy())
        return np.stack(out)

    def validate(self) -> dict[str, Any]:
        from livegen.eval.concept_metrics import paraphrases, retrieval, zero_shot

        loops = self.valid_idx
        audio = self.embed_loops(loops)
        metas = [self.entries[i] for i in loops]
        text = self.embed_texts(
            [m["captions"][0] if m.get("captions") else m["style"] for m in metas]
        )
        r = retrieval(text, audio)
        scores = zero_shot(self.embed_texts, audio, metas)
        para = paraphrases(self.embed_texts)
        out = {
            "step": self.step_n,
            "R@1": r["R@1"],
            "R@5": r["R@5"],
            "zero_shot_balanced": float(np.mean([s.balanced for s in scores])),
            "paraphrases": para.passed / para.total,
        }
        self.history.append(out)
        return out

    # --- checkpoints -----------------------------------------------------------------------------
    def save(self) -> Path:
        import torch

        path = self.run / CKPT
        state = {
            "model": self.model.state_dict(),
            "opt": self.opt.state_dict(),
            "step": self.step_n,
            "config": asdict(self.cfg),
            "init": self.init_info,
            "history": self.history,
            "losses": self.losses,
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
        }
        save_checkpoint(state, path)
        (self.run / "history.json").write_text(json.dumps(self.history, indent=2) + "\n")
        from livegen.training.plots import plot_concept_losses

        plot_concept_losses(self.losses, self.history, self.run / "loss.png")
        return path

    def load(self, path: Path) -> None:
        import torch

        state = torch.load(path, map_location="cpu", weights_only=False)
        saved, now = state.get("config", {}), asdict(self.cfg)
        changed = sorted(k for k in now if k not in RESUME_MAY_CHANGE and saved.get(k) != now[k])
        if changed:
            print(
                f"warning: resuming {path} with changed settings: {', '.join(changed)}",
                file=sys.stderr,
            )
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.step_n = int(state["step"])
        self.init_info = state.get("init", self.init_info)  # what the run first started from
        self.history = list(state.get("history", []))
        self.losses = list(state.get("losses", []))
        self.rng.bit_generator.state = state["rng"]
        torch.set_rng_state(state["torch_rng"])


def train(cfg: TrainConfig, resume: bool = True, progress: bool = True) -> Trainer:
    """Run (or continue) a training run to cfg.steps; returns the trainer with the model."""
    from tqdm import tqdm

    trainer = Trainer(cfg, progress)
    ckpt = trainer.run / CKPT
    if resume and ckpt.is_file():
        trainer.load(ckpt)
    bar = tqdm(total=cfg.steps, initial=trainer.step_n, disable=not progress, desc="concept")
    start = time.perf_counter()
    while trainer.step_n < cfg.steps:
        loss, contrastive, aux = trainer.step()
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}", nce=f"{contrastive:.3f}", attr=f"{aux:.3f}")
        if trainer.step_n % cfg.eval_every == 0 or trainer.step_n == cfg.steps:
            v = trainer.validate()
            bar.write(
                f"step {v['step']}: valid R@1 {v['R@1']:.3f} R@5 {v['R@5']:.3f} "
                f"zero-shot {100 * v['zero_shot_balanced']:.1f}% paraphrases {100 * v['paraphrases']:.0f}%"
                f" ({time.perf_counter() - start:.0f} s)"
            )
            trainer.save()
    bar.close()
    trainer.save()
    return trainer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    parser.add_argument("--corpus", default=d.corpus, help="corpus folder (manifest.jsonl)")
    parser.add_argument("--run", default=d.run, help="run folder: cache, checkpoint, loss.png")
    parser.add_argument("--steps", type=int, default=d.steps)
    parser.add_argument("--batch", type=int, default=d.batch)
    parser.add_argument("--lr", type=float, default=d.lr)
    parser.add_argument("--dim", type=int, default=128, help="joint space dimension")
    parser.add_argument(
        "--text-noise", type=float, default=d.text_noise, help="noise on clause embeddings"
    )
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--threads", type=int, default=d.threads, help="torch CPU threads")
    parser.add_argument("--eval-every", type=int, default=d.eval_every)
    parser.add_argument("--max-loops", type=int, default=0, help="use only the first N loops")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument(
        "--init", default="", metavar="CKPT", help="start from this run's weights and model config"
    )
    parser.add_argument(
        "--text-only",
        action="store_true",
        help="with --init: train only the text head; the audio space (and a generator "
        "conditioned on it) stays valid",
    )
    parser.add_argument("--no-progress", action="store_true")


def run(args: argparse.Namespace) -> int:
    model = _default_model()
    model["dim"] = args.dim
    cfg = TrainConfig(
        corpus=args.corpus,
        run=args.run,
        steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        text_noise=args.text_noise,
        seed=args.seed,
        threads=args.threads,
        eval_every=args.eval_every,
        max_loops=args.max_loops,
        model=model,
        init=args.init,
        text_only=args.text_only,
    )
    trainer = train(cfg, resume=not args.fresh, progress=not args.no_progress)
    print(f"checkpoint: {trainer.run / CKPT}  loss curve: {trainer.run / 'loss.png'}")
    return 0
