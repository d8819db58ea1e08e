"""Training cache for the concept encoder: log-mels, text pools, clause embeddings, attributes.

Built once per (corpus, text settings) into the run folder and reused by later runs and resumes:
every text a loop trains with is parsed into clauses, each distinct clause is embedded once by
the int8 MiniLM tower (the same graph that ships), and every loop's log-mel is computed with the
numpy front end the runtime uses. numpy only; no torch here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from livegen.runtime.concept.mel import MelConfig, log_mel
from livegen.runtime.concept.text import ParsedPrompt, parse, tempo_features
from livegen.runtime.concept.tower import MAX_CLAUSES, TextTower
from livegen.training.concept.prompts import BINARY, CATEGORICAL, Constraint, training_texts
from livegen.training.concept.prompts import attribute_value as _value

ATTRIBUTES = (*BINARY, *CATEGORICAL)  # order of the attribute columns


def attribute_codes(meta: dict[str, Any]) -> np.ndarray:
    """A loop's attributes as integer codes [len(ATTRIBUTES)] (binary 0/1, categorical index)."""
    out = np.zeros(len(ATTRIBUTES), np.int8)
    for k, name in enumerate(ATTRIBUTES):
        value = _value(meta, name)
        out[k] = int(bool(value)) if name in BINARY else CATEGORICAL[name].index(value)
    return out


def constraint_codes(constraints: Sequence[Constraint] | None) -> np.ndarray:
    """Constraints as codes [len(ATTRIBUTES)]; -1 where the text says nothing about it."""
    out = np.full(len(ATTRIBUTES), -1, np.int8)
    for name, value in constraints or ():
        k = ATTRIBUTES.index(name)
        out[k] = int(bool(value)) if name in BINARY else CATEGORICAL[name].index(value)
    return out


def known_words(extra: Sequence[str] = ()) -> frozenset[str]:
    """Words of the training vocabulary (for "-less" stems and the unknown-word check)."""
    from livegen.control.words import words_of
    from livegen.training.concept.prompts import train_vocabulary

    words: set[str] = set()
    for phrase in [*train_vocabulary(), *extra]:
        words.update(words_of(phrase.lower()))
    return frozenset(words)


def cache_key(corpus: Path, entries: list[dict], settings: dict) -> str:
    manifest = Path(corpus) / "manifest.jsonl"
    stat = manifest.stat()
    blob = json.dumps(
        [str(manifest.resolve()), stat.st_size, len(entries), settings], sort_keys=True
    )
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def _log_mels(
    corpus: Path, entries: list[dict], mel_cfg: MelConfig, progress: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Every loop's log-mel, zero-padded to the longest [N, M, Tmax] float16, and its length."""
    from livegen.corpus.make import load_audio

    lengths = np.zeros(len(entries), np.int32)
    mels: list[np.ndarray] = []
    for i, meta in enumerate(tqdm(entries, desc="log-mel", disable=not progress, unit="loop")):
        mel = log_mel(load_audio(corpus, meta), mel_cfg)
        lengths[i] = mel.shape[1]
        mels.append(mel)
    mel_arr = np.zeros((len(entries), mel_cfg.n_mels, int(lengths.max())), np.float16)
    for i, mel in enumerate(mels):
        mel_arr[i, :, : mel.shape[1]] = mel
    return mel_arr, lengths


def build_cache(
    corpus: Path,
    entries: list[dict],
    tower: TextTower,
    out: Path,
    seed: int,
    n_generated: int,
    n_structured: int,
    mel_cfg: MelConfig,
    progress: bool = True,
) -> dict[str, np.ndarray]:
    """Compute (or load) the arrays training needs; saved as one .npz in `out`."""
    settings = {
        "seed": seed,
        "n_generated": n_generated,
        "n_structured": n_structured,
        "mel": mel_cfg.to_dict(),
        "max_clauses": MAX_CLAUSES,
        "v": 3,  # 3: "no four-on-the-floor" prompts
    }
    path = Path(out) / f"cache_{cache_key(corpus, entries, settings)}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    vocab = known_words()
    text_loop: list[int] = []
    parsed: list[ParsedPrompt] = []
    cons: list[np.ndarray] = []
    is_caption: list[bool] = []
    for i, meta in enumerate(tqdm(entries, desc="texts", disable=not progress, unit="loop")):
        index = int(str(meta["id"]).rsplit("_", 1)[-1]) if "_" in str(meta["id"]) else i
        texts, constraints = training_texts(meta, seed, index, n_generated, n_structured)
        for text, c in zip(texts, constraints, strict=True):
            text_loop.append(i)
            parsed.append(parse(text, vocab))
            cons.append(constraint_codes(c))
            is_caption.append(c is None)
    clause_texts = sorted({c.text for p in parsed for c in p.clauses[:MAX_CLAUSES]})
    emb = np.zeros((len(clause_texts), tower.dim), np.float32)
    step = 512
    for s in tqdm(range(0, len(clause_texts), step), desc="clauses", disable=not progress):
        emb[s : s + step] = tower.embed(clause_texts[s : s + step])
    row = {t: i for i, t in enumerate(clause_texts)}
    n_text = len(parsed)
    clause_idx = np.full((n_text, MAX_CLAUSES), -1, np.int32)
    negated = np.zeros((n_text, MAX_CLAUSES), np.int8)
    tempo = np.zeros((n_text, 2), np.float32)
    for t, p in enumerate(parsed):
        for j, clause in enumerate(p.clauses[:MAX_CLAUSES]):
            clause_idx[t, j] = row[clause.text]
            negated[t, j] = int(clause.negated)
        tempo[t] = tempo_features(p.bpm)
    mel_arr, lengths = _log_mels(corpus, entries, mel_cfg, progress)
    arrays: dict[str, np.ndarray] = {
        "clause_emb": emb,
        "text_loop": np.asarray(text_loop, np.int32),
        "text_clauses": clause_idx,
        "text_negated": negated,
        "text_tempo": tempo,
        "text_constraints": np.stack(cons),
        "text_is_caption": np.asarray(is_caption, bool),
        "loop_attributes": np.stack([attribute_codes(m) for m in entries]),
        "mel": mel_arr,
        "mel_frames": lengths,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial.npz")
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(path)
    return arrays
