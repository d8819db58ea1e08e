"""Key names as performers write them."""

from __future__ import annotations

import numpy as np
import pytest

from livegen.control.keys import KEY_DIM, Key, key_of_scale, key_vector, parse_key


@pytest.mark.parametrize(
    ("text", "root", "mode"),
    [
        ("F minor", 5, "minor"),
        ("f min", 5, "minor"),
        ("Fm", 5, "minor"),
        ("F#m", 6, "minor"),
        ("A#m", 10, "minor"),
        ("Gb minor", 6, "minor"),
        ("bb minor", 10, "minor"),
        ("Ebmaj", 3, "major"),
        ("A# major", 10, "major"),
        ("C", 0, "major"),
        ("CM", 0, "major"),
        ("c dorian", 0, "minor"),
        ("E  PHRYGIAN", 4, "minor"),
        ("G mixolydian", 7, "major"),
        ("Cb", 11, "major"),
    ],
)
def test_spellings(text, root, mode):
    assert parse_key(text) == Key(root, mode)


@pytest.mark.parametrize("text", ["none", "", "  off ", "No key", "any"])
def test_no_key_words(text):
    assert parse_key(text) is None


@pytest.mark.parametrize("text", ["H minor", "F blah", "Fmm", "minor", "F minor minor", "12"])
def test_nonsense_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="'F minor'"):
        parse_key(text)


def test_non_strings_are_refused():
    with pytest.raises(ValueError, match="a key is a name"):
        parse_key(5)  # type: ignore[arg-type]


def test_the_key_vector_is_one_hot_root_then_mode():
    v = key_vector(Key(9, "minor"))
    assert v.shape == (KEY_DIM,) and v.dtype == np.float32
    assert np.flatnonzero(v).tolist() == [9, 13]
    assert np.flatnonzero(key_vector(Key(0, "major"))).tolist() == [0, 12]
    assert not key_vector(None).any()
    assert key_of_scale("F#", "phrygian") == Key(6, "minor")
    assert Key(5, "minor").name == "F minor" and Key(5, "minor").with_root(13) == Key(1, "minor")
    with pytest.raises(ValueError):
        Key(12, "minor")
