"""The concept vectors the UNet trains with: each loop's audio embedding and its captions' text
embeddings, from the package's concept encoder, cached beside the run. numpy only.

Why both: the seed conditioned on the training audio's CLAP embedding and prompted with text at
inference, relying on the joint space. Our encoder is small, so text and audio vectors of the same
loop are further apart than CLAP's; training on a caption's text vector half of the time
(`TrainConfig.p_text`) lets text prompts land where the UNet has seen conditions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from livegen.runtime.manifest import load_manifest


@dataclass
class ConceptTable:
    """Concept vectors of the loops of a latent cache, in the cache's order.

    Args:
        ids (np.ndarray): str [L], the cache's loop ids.
        audio (np.ndarray): float32 [L, C], unit audio embeddings.
        text (np.ndarray): float32 [L, K, C], unit caption embeddings (zeros where missing).
        text_count (np.ndarray): int32 [L], captions per loop (≤ K).
        source (str): which encoder made them (kind + sha256 of its files).
    """

    ids: np.ndarray
    audio: np.ndarray
    text: np.ndarray
    text_count: np.ndarray
    source: str

    @property
    def dim(self) -> int:
        return int(self.audio.shape[1])

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(
            tmp,
            ids=self.ids.astype(str),
            audio=self.audio,
            text=self.text,
            text_count=self.text_count,
            source=np.array(self.source),
        )
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path) -> ConceptTable:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["ids"], z["audio"], z["text"], z["text_count"], str(z["source"]))


def concept_source(model_dir: Path) -> str:
    """A fingerprint of the package's concept encoder (its kind and files' sha256)."""
    manifest = load_manifest(model_dir)
    section = manifest.section("concept")
    files = manifest.data["files"]
    digest = ",".join(files[f]["sha256"][:16] for f in sorted(section.get("files", [])))
    return f"{section.get('kind', '?')}:{digest}"


def _audio_chunk(model_dir: str, corpus: str, entries: list[dict]) -> list[np.ndarray]:
    """One pool job: audio embeddings of some loops with a 1-thread encoder of its own."""
    from livegen.runtime.concept import load_conditioner

    cond = load_conditioner("livegen-clap", model_dir=Path(model_dir), threads=1)
    return list(corpus_embeddings(cond, Path(corpus), entries, progress=False))


def compute_concepts(
    model_dir: Path,
    corpus: Path,
    ids: np.ndarray,
    captions: list[list[str]],
    progress: bool = True,
    threads: int | None = None,
    workers: int = 1,
) -> ConceptTable:
    """Embed every loop's audio (from `corpus`; `workers` processes) and captions with the
    package's encoder."""
    from functools import partial

    from livegen.corpus.make import read_manifest
    from livegen.runtime.concept import load_conditioner
    from livegen.training.unet.bars import pool_map

    by_id = {e["id"]: e for e in read_manifest(Path(corpus))}
    missing = [str(i) for i in ids if str(i) not in by_id]
    if missing:
        raise ValueError(
            f"{corpus}: {len(missing)} loops of the latent cache are not in this corpus "
            f"(first: {missing[0]}); pass the corpus the cache was encoded from (--corpus)"
        )
    entries = [by_id[str(i)] for i in ids]
    # The pool forks before this process opens any onnxruntime session.
    job = partial(_audio_chunk, str(model_dir), str(corpus))
    audio = np.stack(pool_map(job, entries, workers, "concept audio", progress)).astype(np.float32)
    cond = load_conditioner("livegen-clap", model_dir=Path(model_dir), threads=threads)
    k = max(1, max((len(c) for c in captions), default=1))
    text = np.zeros((len(ids), k, cond.dim), np.float32)
    count = np.array([len(c) for c in captions], np.int32)
    flat = [(i, j, t) for i, caps in enumerate(captions) for j, t in enumerate(caps)]
    for start in range(0, len(flat), 256):
        chunk = flat[start : start + 256]
        vectors = cond.embed_texts([t for _, _, t in chunk])
        for (i, j, _), v in zip(chunk, vectors, strict=True):
            text[i, j] = v
    return ConceptTable(np.asarray(ids).astype(str), audio, text, count, concept_source(model_dir))


def load_or_compute(
    path: Path,
    model_dir: Path,
    corpus: Path,
    ids: np.ndarray,
    captions: list[list[str]],
    progress: bool = True,
    workers: int = 1,
) -> ConceptTable:
    """The table at `path` if it was made by the same encoder for the same loops, else compute."""
    source = concept_source(model_dir)
    if Path(path).is_file():
        table = ConceptTable.load(path)
        if table.source == source and np.array_equal(table.ids, np.asarray(ids).astype(str)):
            return table
        print(f"{path}: made by another concept encoder or for other loops: recomputing")
    table = compute_concepts(model_dir, corpus, ids, captions, progress, workers=workers)
    table.save(path)
    meta = {"source": source, "loops": len(ids), "dim": table.dim, "model_dir": str(model_dir)}
    Path(path).with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return table


def corpus_embeddings(
    cond: Any, corpus: Path, entries: list[dict] | None = None, progress: bool = True
):
    """Audio embeddings [N, D] (float32) of a corpus' loops, in manifest order, for UNet training.

    The generator trains on the concept vector of each loop's own audio (as the seed project did
    with CLAP) and is prompted with text or audio vectors from the same conditioner at run time.
    """
    import numpy as np
    from tqdm import tqdm

    from livegen.corpus.make import load_audio, read_manifest

    entries = entries if entries is not None else read_manifest(Path(corpus))
    out = np.zeros((len(entries), cond.dim), np.float32)
    for i, e in enumerate(tqdm(entries, desc=f"{cond.name} audio", disable=not progress)):
        out[i] = cond.embed_audio(load_audio(Path(corpus), e), 24_000, key=str(e["path"])).vector
    return out
