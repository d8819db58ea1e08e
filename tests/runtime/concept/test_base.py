"""The conditioner interface pieces that need no model: mixing rule, cache, audio helpers."""

import numpy as np
import pytest

from livegen.runtime.concept.base import LRUCache, audio_key, mix, resample, to_mono


def unit(v):
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v)


def test_mix_is_the_normalised_weighted_sum():
    a, b = unit([1, 0, 0]), unit([0, 1, 0])
    np.testing.assert_allclose(mix([a, b], [3.0, 1.0]), unit([3, 1, 0]), atol=1e-6)
    # Only weight ratios matter.
    np.testing.assert_allclose(mix([a, b], [6.0, 2.0]), mix([a, b], [3.0, 1.0]), atol=1e-6)
    # A single prompt is itself; negative weights steer away.
    np.testing.assert_allclose(mix([a], [0.3]), a, atol=1e-6)
    np.testing.assert_allclose(mix([a, b], [1.0, -1.0]), unit([1, -1, 0]), atol=1e-6)
    assert abs(np.linalg.norm(mix([a, b], [0.2, 0.7])) - 1) < 1e-6


def test_mix_rejects_nonsense():
    a = unit([1, 0])
    with pytest.raises(ValueError, match="cancel"):
        mix([a, a], [1.0, -1.0])
    with pytest.raises(ValueError):
        mix([], [])
    with pytest.raises(ValueError):
        mix([a], [1.0, 2.0])
    with pytest.raises(ValueError):
        mix([a], [float("nan")])


def test_lru_cache_counts_hits_and_evicts_oldest():
    cache = LRUCache(size=2)
    calls = []
    get = lambda k: cache.get_or_compute(k, lambda: calls.append(k) or k.upper())  # noqa: E731
    assert get("a") == "A" and get("a") == "A"
    assert (cache.hits, cache.misses) == (1, 1)
    get("b"), get("c")  # evicts "a"
    get("a")
    assert calls == ["a", "b", "c", "a"] and len(cache) == 2


def test_audio_helpers():
    stereo = np.ones((100, 2), np.float32)
    assert to_mono(stereo).shape == (100,)
    with pytest.raises(ValueError):
        to_mono(np.zeros((0,), np.float32))
    x = np.random.default_rng(0).standard_normal(4800).astype(np.float32)
    assert resample(x, 48_000, 24_000).shape == (2400,)
    assert audio_key(x, 24_000) == audio_key(x.copy(), 24_000) != audio_key(x, 48_000)
