"""Key names as performers write them."""

from __future__ import annotations

import numpy as np
import pytest

from livegen.control.keys import KEY_DIM, Key, key_of_scale, key_vector, parse_key, split_key


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


@pytest.mark.parametrize(
    ("text", "rest", "root", "mode"),
    [
        ("dark dub techno in F minor", "dark dub techno", 5, "minor"),
        ("in A#m", "", 10, "minor"),
        ("rolling techno in Eb", "rolling techno", 3, "major"),
        ("key of C dorian", "", 0, "minor"),
        ("acid in the key of D", "acid", 2, "major"),
        ("dub, in F sharp minor, with tape hiss", "dub, with tape hiss", 6, "minor"),
        ("house in e-flat minor", "house", 3, "minor"),
        ("acid in a minor key", "acid", 9, "minor"),
        ("hot in Ebm!", "hot!", 3, "minor"),
        ("in F minor groove", "groove", 5, "minor"),
        ("techno in Gm, no wait, in G mixolydian", "techno, no wait", 7, "major"),
    ],
)
def test_a_key_phrase_is_taken_out_of_a_prompt(text, rest, root, mode):
    assert split_key(text) == (rest, Key(root, mode))


@pytest.mark.parametrize(
    "text",
    [
        "minor chords, major seventh pads",  # mode words alone
        "dub in the style of basic channel",  # "in" + words that are no key
        "techno in a warehouse",  # a lower-case bare letter is English
        "going in b",
        "in Eminem style",
        "in Dorian mode",
        "within F minor",  # "in" must be a word
        "F minor",  # a key without "in" / "key of" is prompt words
        "in Fmaj7",  # a chord, not a key
    ],
)
def test_text_without_a_key_phrase_is_left_untouched(text):
    assert split_key(text) == (text, None)
