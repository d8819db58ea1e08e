"""Measures of generated loops: Fréchet distance, attribute prompts, sampler error. numpy only.

- `frechet(a, b)`: Fréchet distance between Gaussians fitted to two sets of embeddings [N, D]
  (FID's formula, here in the concept encoder's embedding space).
- `attribute_tasks()`: the zero-shot attributes used for prompt adherence (held-out phrasings of
  `livegen.training.concept.prompts.ZERO_SHOT`), `prototypes` and `classify` to score generated audio.
- `relative_rmse(x, ref)`: distance of a few-step sample from the many-step solution of the same
  noise (the ODE discretisation error, in normalised latent units).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import linalg

# Attributes scored for prompt adherence (the concept room's core set, minus slow/fast: tempo is
# the BPM's job, not the prompt's).
PROMPT_ATTRIBUTES = ("kick", "acid", "clap", "open hats", "dark/bright", "bass", "pad")


def frechet(a: np.ndarray, b: np.ndarray, eps: float = 1e-6) -> float:
    """‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa Σb)^½) for embeddings a [N, D], b [M, D]."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("Fréchet distance needs at least 2 embeddings per set")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(cov_a)) * eps
        covmean = linalg.sqrtm((cov_a + offset) @ (cov_b + offset))
    covmean = np.real(covmean)
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a + cov_b - 2 * covmean))


def attribute_tasks(names: Sequence[str] = PROMPT_ATTRIBUTES) -> dict[str, dict[Any, list[str]]]:
    """{attribute: {class value: held-out prompt phrases}} for the attributes scored."""
    from livegen.training.concept.prompts import ZERO_SHOT

    return {name: dict(ZERO_SHOT[name][1]) for name in names if name in ZERO_SHOT}


def prototypes(
    embed_texts: Callable[[Sequence[str]], np.ndarray], classes: dict[Any, list[str]]
) -> tuple[list[Any], np.ndarray]:
    """Class values and their unit prototype vectors [C, D] (mean of the phrase embeddings)."""
    values = list(classes)
    protos = []
    for v in values:
        e = embed_texts(classes[v]).mean(0)
        protos.append(e / max(float(np.linalg.norm(e)), 1e-9))
    return values, np.stack(protos)


def classify(audio: np.ndarray, protos: np.ndarray) -> np.ndarray:
    """Index of the nearest prototype for each audio embedding [N, D]."""
    return np.argmax(np.asarray(audio) @ protos.T, axis=1)


def relative_rmse(x: np.ndarray, ref: np.ndarray) -> float:
    """RMS(x − ref) / RMS(ref)."""
    x, ref = np.asarray(x, np.float64), np.asarray(ref, np.float64)
    return float(np.sqrt(np.mean((x - ref) ** 2)) / max(np.sqrt(np.mean(ref**2)), 1e-12))
