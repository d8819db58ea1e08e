"""The conditioner interface: text and audio prompts → one unit vector in a shared space.

Training (precomputing the UNet's conditioning from the corpus audio), `livegen render` and the
daemon all call the same `Conditioner`; only `load_conditioner` knows which encoder sits behind
it (livegen-clap ONNX or laion-clap). numpy only.

Mixing rule (`mix`, `Conditioner.embed_prompts`): every prompt, text or audio, is embedded to a
unit vector e_i; the conditioning vector is the normalised weighted sum

    c = Σ w_i e_i / ‖Σ w_i e_i‖

Weights are relative (only their ratios matter) and may be negative to steer away from a
prompt; a mix whose sum vanishes (e.g. "acid" at +1 and -1) is an error, not a random direction.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]
V = TypeVar("V")


@dataclass(frozen=True)
class EmbedResult:
    """One embedded prompt.

    Args:
        vector: unit vector [D] (float32).
        unknown_words: words of a text prompt the encoder cannot place (reported to the
            performer; the prompt is still embedded from the words it does know).
        clauses: how a text prompt was read, e.g. ("acid line", "NOT kick"), for feedback.
    """

    vector: Array
    unknown_words: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextPrompt:
    text: str
    weight: float = 1.0


@dataclass(frozen=True)
class AudioPrompt:
    """Audio [N] (mono) or [N, C] at `sample_rate`; `key` names it for the cache (e.g. a path)."""

    audio: npt.ArrayLike
    sample_rate: int
    weight: float = 1.0
    key: str | None = None


Prompt = TextPrompt | AudioPrompt


@dataclass(frozen=True)
class Conditioning:
    """The result of mixing prompts: the vector for the generator and feedback per prompt."""

    vector: Array  # [D], unit norm
    parts: tuple[EmbedResult, ...] = ()
    weights: tuple[float, ...] = ()
    unknown_words: tuple[str, ...] = field(default=())


@runtime_checkable
class Conditioner(Protocol):
    """What every concept encoder offers. Vectors are float32, unit norm, dimension `dim`."""

    name: str
    dim: int

    def embed_text(self, text: str) -> EmbedResult:
        """One text prompt (cached)."""
        ...

    def embed_audio(
        self, audio: npt.ArrayLike, sample_rate: int, key: str | None = None
    ) -> EmbedResult:
        """One audio prompt, mono [N] or [N, C] at any rate (cached by `key` or content)."""
        ...

    def embed_texts(self, texts: Sequence[str]) -> Array:
        """Many texts at once → [N, D] (evaluation, precomputation)."""
        ...

    def embed_prompts(self, prompts: Sequence[Prompt]) -> Conditioning:
        """Weighted mix of text and audio prompts (see the module docstring)."""
        ...


def mix(vectors: Sequence[Array], weights: Sequence[float]) -> Array:
    """Normalised weighted sum of unit vectors [D] (the documented mixing rule)."""
    if len(vectors) == 0:
        raise ValueError("mixing needs at least one prompt")
    if len(vectors) != len(weights):
        raise ValueError(f"{len(vectors)} prompts but {len(weights)} weights")
    w = np.asarray(weights, np.float64)
    if not np.all(np.isfinite(w)):
        raise ValueError(f"prompt weights must be finite numbers, got {list(weights)}")
    total = (w[:, None] * np.stack([np.asarray(v, np.float64) for v in vectors])).sum(0)
    norm = float(np.linalg.norm(total))
    if norm < 1e-6:
        raise ValueError("the weighted prompts cancel out (weights sum to a zero vector)")
    return (total / norm).astype(np.float32)


class LRUCache:
    """A small least-recently-used cache with hit/miss counters (prompts repeat during a set)."""

    def __init__(self, size: int = 256):
        self.size = size
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        if key in self._data:
            self._data.move_to_end(key)
            self.hits += 1
            return self._data[key]  # type: ignore[return-value]
        self.misses += 1
        value = compute()
        self._data[key] = value
        if len(self._data) > self.size:
            self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()


def audio_key(audio: np.ndarray, sample_rate: int) -> str:
    """Content hash of an audio prompt (cache key when the caller gives none)."""
    digest = hashlib.blake2b(np.ascontiguousarray(audio).tobytes(), digest_size=16)
    digest.update(f"{sample_rate}:{audio.shape}:{audio.dtype}".encode())
    return digest.hexdigest()


def to_mono(audio: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """[N] or [N, C] (soundfile layout) → float32 [N]."""
    x = np.asarray(audio, np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(
            f"an audio prompt must be [N] or [N, channels] samples, got shape {x.shape}"
        )
    return x


def resample(audio: npt.NDArray[np.float32], rate: int, target: int) -> npt.NDArray[np.float32]:
    """Polyphase resampling to `target` Hz (no-op when equal)."""
    if rate == target:
        return audio
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(rate), int(target))
    return resample_poly(audio, target // g, rate // g).astype(np.float32)


class PromptMixer:
    """`embed_prompts` for any conditioner: embed each prompt, then `mix`. Audio prompts are
    cached by `key` (or by content): subclasses set `audio_cache` and define `_embed_audio`."""

    audio_cache: LRUCache

    def embed_text(self, text: str) -> EmbedResult:  # pragma: no cover - provided by subclass
        raise NotImplementedError

    def _embed_audio(
        self, x: npt.NDArray[np.float32], sample_rate: int
    ) -> Array:  # pragma: no cover - provided by subclass
        raise NotImplementedError

    def embed_audio(
        self, audio: npt.ArrayLike, sample_rate: int, key: str | None = None
    ) -> EmbedResult:
        x = to_mono(audio)
        k = (key, int(sample_rate)) if key else audio_key(x, int(sample_rate))
        return self.audio_cache.get_or_compute(
            k, lambda: EmbedResult(self._embed_audio(x, int(sample_rate)))
        )

    def embed_prompts(self, prompts: Sequence[Prompt]) -> Conditioning:
        parts: list[EmbedResult] = []
        for p in prompts:
            if isinstance(p, TextPrompt):
                parts.append(self.embed_text(p.text))
            elif isinstance(p, AudioPrompt):
                parts.append(self.embed_audio(p.audio, p.sample_rate, p.key))
            else:
                raise TypeError(f"not a prompt: {p!r}")
        weights = tuple(float(p.weight) for p in prompts)
        vector = mix([r.vector for r in parts], weights)
        unknown: list[str] = []
        for r in parts:
            unknown += [w for w in r.unknown_words if w not in unknown]
        return Conditioning(vector, tuple(parts), weights, tuple(unknown))
