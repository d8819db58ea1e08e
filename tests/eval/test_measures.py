"""Tests for livegen.eval.measures on embeddings whose answers are known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from livegen.eval.measures import (
    PROMPT_ATTRIBUTES,
    attribute_tasks,
    classify,
    frechet,
    prototypes,
    relative_rmse,
)


def test_frechet_is_zero_for_one_set_and_the_squared_shift_for_a_moved_one() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 8))
    assert frechet(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.zeros(8)
    shift[0], shift[3] = 3.0, 4.0  # |shift|^2 = 25; same covariance, so the trace term is ~0
    assert frechet(a, a + shift) == pytest.approx(25.0, rel=1e-6)


def test_frechet_sees_a_wider_spread_as_the_gaussian_formula_says() -> None:
    # N(0, I) against N(0, 4 I) in D dims: Tr(I + 4I - 2 * 2I) = D
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((20_000, 4)), 2.0 * rng.standard_normal((20_000, 4))
    assert frechet(a, b) == pytest.approx(4.0, rel=0.05)
    near = frechet(a, rng.standard_normal((20_000, 4)))
    assert near < 0.01  # two draws of one distribution are far closer than the two spreads


def test_frechet_needs_two_embeddings_a_set() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        frechet(np.zeros((1, 3)), np.zeros((5, 3)))


def test_prototypes_and_classify_pick_the_nearest_class() -> None:
    # A fake text encoder: each phrase is a fixed direction; the prototype is their unit mean.
    directions = {"kick": [1.0, 0.0, 0.0], "thud": [0.8, 0.6, 0.0], "none": [0.0, 0.0, 1.0]}

    def embed(texts):
        return np.array([directions[t] for t in texts])

    values, protos = prototypes(embed, {True: ["kick", "thud"], False: ["none"]})
    assert values == [True, False]
    assert np.linalg.norm(protos, axis=1) == pytest.approx([1.0, 1.0])
    assert protos[0] == pytest.approx(np.array([0.9, 0.3, 0.0]) / np.hypot(0.9, 0.3))
    audio = np.array([[1.0, 0.1, 0.0], [0.1, 0.0, 1.0], [0.0, 1.0, 0.2]])
    assert classify(audio, protos).tolist() == [0, 1, 0]


def test_attribute_tasks_hold_phrases_for_every_class_of_the_scored_attributes() -> None:
    tasks = attribute_tasks()
    assert set(tasks) == set(PROMPT_ATTRIBUTES)
    for classes in tasks.values():
        assert len(classes) >= 2 and all(phrases for phrases in classes.values())
    assert attribute_tasks(("kick", "no such attribute")).keys() == {"kick"}


def test_relative_rmse() -> None:
    ref = np.array([3.0, -4.0, 0.0, 0.0])  # RMS 2.5
    assert relative_rmse(ref, ref) == 0.0
    assert relative_rmse(ref + 0.5, ref) == pytest.approx(0.5 / 2.5)
    assert relative_rmse(np.ones(4), np.zeros(4)) == pytest.approx(1e12)  # guarded, not inf
