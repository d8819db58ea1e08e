"""livegen-clap at run time: the shipped ONNX text and audio encoders behind the Conditioner API.

Loaded only through the package manifest's "concept" section (hashes verified). No torch: text
goes through `text.parse` → int8 MiniLM (`TextTower`) → ONNX text head; audio through the numpy
log-mel → ONNX audio tower. Prompt embeddings are cached (LRU, by normalised text or audio key).

Unknown words: each content word of a prompt that is not in the training vocabulary is embedded
by the same tower. It is reported in `EmbedResult.unknown_words` (the model cannot place it) when
its best cosine to any training word is below the manifest's `unknown_threshold`, or when it is
closer to a sound the corpus does not contain (`ABSENT_SOUNDS`: piano, vocals, guitar…) than to
any training word: "piano" is near "percussion" for MiniLM, yet the model cannot play one.
`nearest_known` gives the closest training word for feedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from livegen.control.words import normalize, words_of
from livegen.runtime.concept.base import (
    Array,
    EmbedResult,
    LRUCache,
    PromptMixer,
    resample,
)
from livegen.runtime.concept.mel import MelConfig, log_mel, windows
from livegen.runtime.concept.text import ParsedPrompt, parse, tempo_features
from livegen.runtime.concept.tower import MAX_CLAUSES, TextTower, clause_batch, load_tokenizer
from livegen.runtime.manifest import Manifest, ModelFileError, load_manifest
from livegen.runtime.session import create_session

SECTION = "concept"
KIND = "livegen-clap"
# Sounds and genres no loop of the corpus contains: a word nearer to one of these than to any
# training word is reported as unknown (stored with the vocabulary at export).
# Instruments only: genre names ("jazz") pull in mood adjectives ("relaxed") and were dropped.
ABSENT_SOUNDS = (
    "piano", "guitar", "vocals", "voice", "singing", "rap", "lyrics", "saxophone", "trumpet",
    "violin", "cello", "flute", "organ", "choir", "bells", "cowbell", "harp", "banjo",
    "accordion", "orchestra", "breakbeat", "dubstep",
)  # fmt: skip


@dataclass(frozen=True)
class Vocabulary:
    """Words the model was trained on and their tower embeddings (for the unknown-word check)."""

    words: tuple[str, ...]
    embeddings: npt.NDArray[np.float32]  # [V, 384] unit rows
    threshold: float
    absent: npt.NDArray[np.float32]  # [A, 384] sounds the corpus lacks (ABSENT_SOUNDS)

    @classmethod
    def load(cls, path: Path, threshold: float) -> Vocabulary:
        with np.load(path, allow_pickle=False) as z:
            absent = z["absent"] if "absent" in z.files else np.zeros((0, z["embeddings"].shape[1]))
            return cls(
                tuple(str(w) for w in z["words"]),
                z["embeddings"].astype(np.float32),
                threshold,
                absent.astype(np.float32),
            )

    def unplaced(self, embeddings: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
        """For tower embeddings [N, 384] of new words: which ones the model cannot place."""
        best = (embeddings @ self.embeddings.T).max(1)
        out = best < self.threshold
        if self.absent.size:
            out |= (embeddings @ self.absent.T).max(1) > best
        return out

    def knows(self, word: str) -> bool:
        """In the vocabulary itself, as a plural/singular, or every hyphen/slash part is."""
        known = self._set
        if word in known or word.rstrip("s") in known or word + "s" in known:
            return True
        parts = [p for p in word.replace("/", "-").split("-") if p]
        if len(parts) > 1 and all(p in known or p.isdigit() for p in parts):
            return True
        return word.replace(".", "").isdigit()

    @property
    def _set(self) -> frozenset[str]:
        s = self.__dict__.get("_cached_set")
        if s is None:
            s = frozenset(self.words)
            object.__setattr__(self, "_cached_set", s)
        return s


class LivegenClap(PromptMixer):
    """The default concept encoder (ONNX). Use `LivegenClap.load(model_dir)`.

    Args:
        tower: frozen MiniLM text tower.
        text_head: ONNX (clauses [B, S, 384], negated [B, S], valid [B, S], tempo [B, 2]) → [B, D].
        audio: ONNX log-mel windows [B, n_mels, frames] → [B, D].
        vocab: training words for the unknown-word check.
        mel: log-mel settings the audio tower was trained with.
        cache_size: prompts kept in each (text, audio) cache.
    """

    name = KIND

    def __init__(
        self,
        tower: TextTower,
        text_head: ort.InferenceSession,
        audio: ort.InferenceSession,
        vocab: Vocabulary,
        mel: MelConfig,
        max_clauses: int = MAX_CLAUSES,
        cache_size: int = 256,
    ):
        self.tower = tower
        self.text_head = text_head
        self.audio = audio
        self.vocab = vocab
        self.mel = mel
        self.max_clauses = max_clauses
        self.dim = int(text_head.get_outputs()[0].shape[-1])
        self.known = frozenset(vocab.words)
        self.text_cache = LRUCache(cache_size)
        self.audio_cache = LRUCache(max(16, cache_size // 8))

    @classmethod
    def load(
        cls,
        model_dir: Path,
        device: str = "cpu",
        threads: int | None = None,
        manifest: Manifest | None = None,
        warm: bool = True,
    ) -> LivegenClap:
        """Open the package's concept encoder (every file's sha256 checked by the manifest)."""
        manifest = manifest or load_manifest(Path(model_dir))
        s = manifest.section(SECTION)
        where = manifest.root / "manifest.json"
        if s.get("kind") != KIND:
            raise ModelFileError(f"{where}: concept section is {s.get('kind')!r}, not {KIND!r}")
        try:
            tower = TextTower(
                load_tokenizer(manifest.path(s["tokenizer"])),
                create_session(manifest.path(s["text_tower"]), device, threads),
            )
            head = create_session(manifest.path(s["text_head"]), device, threads)
            audio = create_session(manifest.path(s["audio"]), device, threads)
            vocab = Vocabulary.load(manifest.path(s["vocab"]), float(s["unknown_threshold"]))
            mel = MelConfig(**s["mel"])
            max_clauses = int(s.get("max_clauses", MAX_CLAUSES))
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{where}: concept section incomplete ({exc!r})") from exc
        enc = cls(tower, head, audio, vocab, mel, max_clauses)
        if warm:
            enc.warm_up()
        return enc

    def warm_up(self) -> None:
        self.embed_texts(["warm-up acid line, no kick"])
        self._embed_mel_windows(np.zeros((1, self.mel.n_mels, self.mel.frames), np.float32))

    # --- text -----------------------------------------------------------------------------------
    def read(self, text: str) -> ParsedPrompt:
        """How a prompt is read: clauses with negation flags, stated tempo, content words."""
        return parse(text, self.known)

    def embed_text(self, text: str) -> EmbedResult:
        return self.text_cache.get_or_compute(normalize(text), lambda: self._embed_text(text))

    def _embed_text(self, text: str) -> EmbedResult:
        parsed = self.read(text)
        clauses = parsed.clauses[: self.max_clauses]
        clause_texts = list(dict.fromkeys(c.text for c in clauses))
        candidates = [w for w in parsed.words if not self.vocab.knows(w)]
        emb = self.tower.embed(clause_texts + candidates)  # one run for clauses and new words
        row = {t: i for i, t in enumerate(clause_texts)}
        s = max(1, len(clauses))
        feeds = {
            "clauses": np.zeros((1, s, self.tower.dim), np.float32),
            "negated": np.zeros((1, s), np.float32),
            "valid": np.zeros((1, s), np.float32),
            "tempo": np.asarray([tempo_features(parsed.bpm)], np.float32),
        }
        for j, c in enumerate(clauses):
            feeds["clauses"][0, j] = emb[row[c.text]]
            feeds["negated"][0, j] = float(c.negated)
            feeds["valid"][0, j] = 1.0
        vector = self.text_head.run(None, feeds)[0][0]
        unknown = []
        if candidates:
            flags = self.vocab.unplaced(emb[len(clause_texts) :])
            unknown = [w for w, bad in zip(candidates, flags, strict=True) if bad]
        read = tuple(("NOT " if c.negated else "") + c.text for c in clauses)
        if parsed.bpm is not None:
            read += (f"{parsed.bpm:g} BPM",)
        return EmbedResult(_unit(vector), tuple(unknown), read)

    def embed_texts(self, texts: Sequence[str]) -> Array:
        """[N, D] for many prompts in one batch (no unknown-word check, no cache)."""

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        b = clause_batch([self.read(t) for t in texts], self.tower, self.max_clauses)
        feeds = {"clauses": b.clauses, "negated": b.negated, "valid": b.valid, "tempo": b.tempo}
        out = self.text_head.run(None, feeds)[0]
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    def nearest_known(self, word: str) -> tuple[str, float]:
        """The training word closest to `word` and its cosine (feedback for unknown words)."""
        e = self.tower.embed([word])[0]
        sims = self.vocab.embeddings @ e
        i = int(np.argmax(sims))
        return self.vocab.words[i], float(sims[i])

    # --- audio ----------------------------------------------------------------------------------
    def _embed_audio(self, x: npt.NDArray[np.float32], sample_rate: int) -> Array:
        x = resample(x, sample_rate, self.mel.sample_rate)
        return self.embed_log_mel(log_mel(x, self.mel))

    def embed_log_mel(self, mel: Array) -> Array:
        """[D] for one log-mel [n_mels, T] (any length; windows averaged)."""
        return self._embed_mel_windows(windows(mel, self.mel.frames))

    def _embed_mel_windows(self, w: Array) -> Array:
        out = self.audio.run(None, {"mel": np.ascontiguousarray(w, np.float32)})[0]
        return _unit(out.mean(0))


def _unit(v: np.ndarray) -> Array:
    v = np.asarray(v, np.float32)
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)


__all__ = ["KIND", "SECTION", "LivegenClap", "Vocabulary", "words_of"]
