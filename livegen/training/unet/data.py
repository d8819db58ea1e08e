"""Training batches of whole bars from the latent cache, bucketed by length. numpy only.

Length handling (why no padding and no mask): the UNet is circular, so its input must be exactly
one bar: round(n/hop) frames of circular bar latents (`livegen.training.unet.bars`), 129-164 at
110-140 BPM. Loops of the same frame count are batched
together: a step draws one loop at random, then `batch` loops of its length (so lengths are drawn
in proportion to the corpus). Nothing is padded, no frame is wasted, and the network sees at
training exactly the shapes the daemon gives it. Everything random in a batch (loops, α, noise,
condition dropout, caption choice) comes from a generator seeded by (seed, rank, step), so a
resumed run draws the very batches an uninterrupted one would have.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from livegen.runtime.sampler import PHASE_CHANNELS, phase_signal
from livegen.training.codec.latents import LatentCache
from livegen.training.unet.concepts import ConceptTable


@dataclass
class Batch:
    """One step's tensors (numpy): x1 [B, D, T], x0 [B, D, T], alpha [B], phase [B, 6, T],
    concept [B, C] (zeros: dropped), the cache indices of the loops, and key [B, K] (zeros: no
    key or dropped; K = 0 without keys)."""

    x1: np.ndarray
    x0: np.ndarray
    alpha: np.ndarray
    phase: np.ndarray
    concept: np.ndarray
    index: np.ndarray
    key: np.ndarray


def alpha_sampler(spec: str):
    """α ~ `spec` as a function (rng, n) → float32 [n]: "uniform" (IADB) or "logit-normal:m,s"
    (α = sigmoid(m + s·ε), rectified-flow practice, SD3 §3.1). Raises on anything else."""
    kind, _, params = spec.partition(":")
    if kind == "uniform" and not params:
        return lambda rng, n: rng.random(n, dtype=np.float32)
    if kind == "logit-normal":
        try:
            m, s = (float(v) for v in params.split(","))
        except ValueError:
            raise ValueError(f"alpha_dist {spec!r}: logit-normal takes m,s") from None
        if not (np.isfinite(m) and np.isfinite(s) and s > 0):
            raise ValueError(f"alpha_dist {spec!r}: needs a finite m and s > 0")
        return lambda rng, n: (1 / (1 + np.exp(-(m + s * rng.standard_normal(n))))).astype(
            np.float32
        )
    raise ValueError(f"alpha_dist {spec!r}: 'uniform' or 'logit-normal:m,s'")


@dataclass
class Plan:
    """What one batch holds, before the latents are gathered: the bar length `t`, the loops
    `pick` (bank rows), α [B], which rows lost the tempo (`bpm_off` [B]), the concepts [B, C],
    and a seed for the noise x0 (drawn where the batch is materialised: numpy or a GPU)."""

    t: int
    pick: np.ndarray
    alpha: np.ndarray
    bpm_off: np.ndarray
    concept: np.ndarray
    noise_seed: int
    key: np.ndarray
    line_off: np.ndarray | None = None  # [B] bool: the note line's rows dropped (None: no line)


@dataclass(frozen=True)
class Dropout:
    """Condition dropout and concept choice (see `TrainConfig`)."""

    p_concept: float = 0.2
    p_bpm: float = 0.1
    p_text: float = 0.5
    noise: float = 0.0
    alpha: str = "uniform"  # `alpha_sampler` spec
    p_key: float = 0.2
    p_line: float = 0.2  # a bank with note lines: drop them ("no line" still works)


class BarBank:
    """Normalised bars of one split in RAM, grouped by frame count.

    Args:
        cache: the circular bar cache (raw latents; normalised here with its mean/std).
        indices: which loops of the cache (e.g. `cache.select("train")`).
        concepts: concept vectors for the whole cache (None: no concept conditioning).
        keys: key inputs for the whole cache [L, K] (None: no key conditioning).
        lines: note-line rows for the whole cache [L, LINE_CHANNELS, T_max] (`runtime.lines`),
            appended to the phase rows (None: none).
    """

    def __init__(
        self,
        cache: LatentCache,
        indices: np.ndarray,
        concepts: ConceptTable | None = None,
        keys: np.ndarray | None = None,
        lines: np.ndarray | None = None,
    ):
        if len(indices) == 0:
            raise ValueError("no loops to train on (empty split?)")
        self.indices = np.asarray(indices, np.int64)
        self.lengths = cache.lengths[self.indices].astype(np.int64)
        self.n_samples = cache.n_samples[self.indices].astype(np.int64)
        self.hop = int(cache.meta.get("hop", 320))
        t_max = int(self.lengths.max())
        mean, std = cache.mean[None, :, None], cache.std[None, :, None]
        z = cache.latents[self.indices, :, :t_max]
        self.x = ((z - mean) / std).astype(np.float32)  # [N, D, T_max]; beyond lengths: unused
        self.phase = np.zeros((len(self.indices), PHASE_CHANNELS, t_max), np.float32)
        for t in np.unique(self.lengths):
            self.phase[self.lengths == t, :, :t] = phase_signal(int(t))
        self.has_lines = lines is not None
        if lines is not None:
            rows = np.asarray(lines, np.float32)[self.indices, :, :t_max]
            self.phase = np.concatenate([self.phase, rows], axis=1)
        self.concepts = concepts
        if concepts is not None:
            self.audio_c = concepts.audio[self.indices]
            self.text_c = concepts.text[self.indices]
            self.text_n = concepts.text_count[self.indices]
        self.buckets = {int(t): np.flatnonzero(self.lengths == t) for t in np.unique(self.lengths)}
        self.keys = (
            np.zeros((len(self.indices), 0), np.float32)
            if keys is None
            else np.asarray(keys, np.float32)[self.indices]
        )

    def __len__(self) -> int:
        return len(self.indices)

    def rescale(self, mean: np.ndarray, std: np.ndarray) -> None:
        """Standardise every channel once more: x ← (x − mean) / std, per channel [D] (a stem
        generator's own latent space, see `livegen.training.unet.stems`)."""
        self.x -= np.asarray(mean, np.float32)[None, :, None]
        self.x /= np.asarray(std, np.float32)[None, :, None]

    @property
    def concept_dim(self) -> int:
        return self.concepts.dim if self.concepts is not None else 0

    def plan(self, rng: np.random.Generator, batch: int, drop: Dropout) -> Plan:
        """Everything random in a batch but the noise: bars of one length, α, dropped
        conditions. Cheap (no latents touched), so a GPU trainer gathers on the device."""
        t = int(self.lengths[rng.integers(len(self))])
        pick = rng.choice(self.buckets[t], size=batch, replace=len(self.buckets[t]) < batch)
        alpha = alpha_sampler(drop.alpha)(rng, batch)
        bpm_off = rng.random(batch) < drop.p_bpm
        concept = self._concepts(rng, pick, drop)
        noise_seed = int(rng.integers(2**62))
        key = self.keys[pick].copy()
        if key.shape[1]:  # drawn after the rest: a bank without keys draws what it always did
            key[rng.random(batch) < drop.p_key] = 0.0
        line_off = rng.random(batch) < drop.p_line if self.has_lines else None
        return Plan(t, pick, alpha, bpm_off, concept, noise_seed, key, line_off)

    def draw(self, rng: np.random.Generator, batch: int, drop: Dropout) -> Batch:
        """A training batch in numpy: `plan`, then the bars and noise x0 ~ N(0, I)."""
        p = self.plan(rng, batch, drop)
        x1 = self.x[p.pick, :, : p.t]
        x0 = np.random.default_rng(p.noise_seed).standard_normal(x1.shape, dtype=np.float32)
        phase = self.phase[p.pick, :, : p.t].copy()
        phase[p.bpm_off] = 0.0
        if p.line_off is not None:
            phase[p.line_off, PHASE_CHANNELS:] = 0.0
        return Batch(x1, x0, p.alpha, phase, p.concept, self.indices[p.pick], p.key)

    def _concepts(self, rng: np.random.Generator, pick: np.ndarray, drop: Dropout) -> np.ndarray:
        if self.concepts is None:
            return np.zeros((len(pick), 0), np.float32)
        c = self.audio_c[pick].copy()
        use_text = (rng.random(len(pick)) < drop.p_text) & (self.text_n[pick] > 0)
        for b in np.flatnonzero(use_text):
            c[b] = self.text_c[pick[b], rng.integers(self.text_n[pick[b]])]
        if drop.noise > 0:
            c = c + drop.noise * rng.standard_normal(c.shape, dtype=np.float32)
            c /= np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-9)
        c[rng.random(len(pick)) < drop.p_concept] = 0.0
        return c.astype(np.float32)

    def fixed(self, n: int, seed: int = 1234) -> list[Batch]:
        """Deterministic validation batches: the first `n` bars with fixed noise and α."""
        rng = np.random.default_rng(seed)
        out = []
        chosen = np.arange(min(n, len(self)))
        for t in np.unique(self.lengths[chosen]):
            pick = chosen[self.lengths[chosen] == t]
            x1 = self.x[pick, :, :t]
            concept = (
                self.audio_c[pick]
                if self.concepts is not None
                else np.zeros((len(pick), 0), np.float32)
            )
            out.append(
                Batch(
                    x1,
                    rng.standard_normal(x1.shape, dtype=np.float32),
                    rng.random(len(pick), dtype=np.float32),
                    self.phase[pick, :, :t],
                    concept,
                    self.indices[pick],
                    self.keys[pick],
                )
            )
        return out


def describe(
    cache: LatentCache, bank: BarBank, valid: BarBank | None, path: str, corpus: str
) -> dict:
    """Provenance of the training data, stored in checkpoints and copied into the manifest."""
    bpm = cache.bpm[bank.indices]
    return {
        "latents": str(path),
        "layout": cache.meta.get("layout"),
        "corpus": str(corpus),
        "hop": bank.hop,
        "sample_rate": int(cache.meta.get("sample_rate", 24_000)),
        "latent_dim": int(cache.latents.shape[1]),
        "stats": {"mean": cache.mean.tolist(), "std": cache.std.tolist()},
        "codec": cache.meta.get("codec", {}),
        "bpm_range": [float(bpm.min()), float(bpm.max())],
        "frames_range": [int(bank.lengths.min()), int(bank.lengths.max())],
        "train_loops": len(bank),
        "valid_loops": len(valid) if valid else 0,
        "concept": (
            {"source": bank.concepts.source, "dim": bank.concepts.dim}
            if bank.concepts is not None
            else None
        ),
        **_key_info(cache, bank),
    }


def _key_info(cache: LatentCache, bank: BarBank) -> dict:
    """A stem generator's stems and the modes its training keys cover (a mode it never saw is
    played as its relative by the runtime; see `runtime.generator`)."""
    if not bank.keys.shape[1]:
        return {}
    from livegen.control.keys import MODES

    seen = bank.keys[:, -len(MODES) :].sum(axis=0)
    return {
        "stems": cache.meta.get("stems"),
        "modes": [m for m, k in zip(MODES, seen, strict=True) if k > 0],
    }
