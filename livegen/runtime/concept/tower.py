"""The frozen text tower at run time: tokenizer.json + int8 MiniLM ONNX → unit vectors [N, 384].

No torch: `tokenizers` reads the WordPiece tokenizer, onnxruntime runs the quantised graph (mean
pooling and L2 normalisation are inside it). Training precomputes its clause embeddings with this
same class, so the trained head sees exactly the int8 tower it runs with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from livegen.runtime.concept.text import ParsedPrompt, tempo_features
from livegen.runtime.session import create_session

Array = npt.NDArray[np.float32]
MAX_TOKENS = 64  # clauses are short; longer ones are truncated
MAX_CLAUSES = 10  # clauses of one prompt the text head reads


def load_tokenizer(path: Path, max_tokens: int = MAX_TOKENS):
    """A `tokenizers.Tokenizer` from tokenizer.json, without padding, truncated to max_tokens."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(max_length=max_tokens)
    return tok


class TextTower:
    """Sentence encoder: texts → L2-normalised mean-pooled embeddings [N, 384].

    Args:
        tokenizer: a `tokenizers.Tokenizer` (see `load_tokenizer`).
        session: ONNX graph (input_ids [B, L] int64, attention_mask [B, L] int64) → [B, 384].
    """

    def __init__(self, tokenizer, session: ort.InferenceSession):
        self.tokenizer = tokenizer
        self.session = session
        self.dim = int(session.get_outputs()[0].shape[-1] or 384)

    @classmethod
    def load(
        cls, onnx_path: Path, tokenizer_path: Path, device: str = "cpu", threads: int | None = None
    ) -> TextTower:
        return cls(load_tokenizer(tokenizer_path), create_session(onnx_path, device, threads))

    def feeds(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        enc = self.tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in enc)
        ids = np.zeros((len(enc), width), np.int64)
        mask = np.zeros((len(enc), width), np.int64)
        for i, e in enumerate(enc):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def embed(self, texts: Sequence[str], batch: int = 64) -> Array:
        """Unit vectors [N, dim] for N texts (batched by similar length to limit padding)."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), np.float32)
        for start in range(0, len(texts), batch):
            idx = order[start : start + batch]
            out[idx] = self.session.run(None, self.feeds([texts[i] for i in idx]))[0]
        return out


@dataclass
class ClauseBatch:
    """Padded clause inputs of the text head for N prompts (numpy)."""

    clauses: npt.NDArray[np.float32]  # [N, S, 384]
    negated: npt.NDArray[np.float32]  # [N, S]
    valid: npt.NDArray[np.float32]  # [N, S]
    tempo: npt.NDArray[np.float32]  # [N, 2]


def clause_batch(
    parsed: Sequence[ParsedPrompt], tower: TextTower, max_clauses: int = MAX_CLAUSES
) -> ClauseBatch:
    """Embed the clauses of parsed prompts with the tower and pad them for the head."""
    texts = sorted({c.text for p in parsed for c in p.clauses[:max_clauses]})
    emb = tower.embed(texts)
    row = {t: i for i, t in enumerate(texts)}
    s = max(1, max((min(len(p.clauses), max_clauses) for p in parsed), default=1))
    n = len(parsed)
    out = ClauseBatch(
        clauses=np.zeros((n, s, tower.dim), np.float32),
        negated=np.zeros((n, s), np.float32),
        valid=np.zeros((n, s), np.float32),
        tempo=np.zeros((n, 2), np.float32),
    )
    for i, p in enumerate(parsed):
        for j, c in enumerate(p.clauses[:max_clauses]):
            out.clauses[i, j] = emb[row[c.text]]
            out.negated[i, j] = float(c.negated)
            out.valid[i, j] = 1.0
        out.tempo[i] = tempo_features(p.bpm)
    return out
