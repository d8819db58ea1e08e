"""Musical keys as a performer writes them and as the stem generator reads them. numpy only.

A key is a root pitch class (0 = C … 11 = B) and a mode, "major" or "minor". The generator
takes it as `KEY_DIM` numbers: a one-hot root, then a one-hot mode; all zeros means "no key"
(what it saw in key dropout). Modal scales fold onto the mode of their third, as the key eval
(`livegen.eval.key`) scores them: dorian, phrygian, aeolian and locrian are minor; ionian, lydian
and mixolydian major.

Spellings read (case-insensitive for words, not for the letter's "m"): "F minor", "f min",
"Fm", "F#m", "Gb minor", "A# major", "Ebmaj", "C", "c dorian", "none", "off", "". A bare root
is major, as in a lead sheet ("C" = C major, "Cm" = C minor).

`split_key` finds a key phrase in a prompt ("dark dub techno in F minor"): "in KEY", "in the key
of KEY" or "key of KEY", where KEY also reads "F sharp minor" and "E flat". Only such a phrase
counts: "minor" alone, "in the style of", "in a warehouse" are prompt words. A lower-case letter
needs an accidental or a mode to be a key ("in a minor" is A minor, "in a" is not); an
upper-case one does not ("in C" is C major).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
MODES = ("major", "minor")
KEY_DIM = len(PITCH_CLASSES) + len(MODES)
MODE_OF_SCALE = {  # a scale's mode, by its third (also the key eval's, `livegen.eval.key`)
    "major": "major",
    "ionian": "major",
    "lydian": "major",
    "mixolydian": "major",
    "minor": "minor",
    "aeolian": "minor",
    "dorian": "minor",
    "phrygian": "minor",
    "locrian": "minor",
}
_QUALITIES = {**MODE_OF_SCALE, "maj": "major", "min": "minor"}  # what a performer may write
NONE_WORDS = frozenset({"", "none", "off", "no key", "any", "free"})
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_QUALITY = "|".join(sorted(_QUALITIES, key=len, reverse=True))
_KEY_RE = re.compile(rf"^([A-Ga-g])\s*([#♯b♭]?)\s*(M|m|(?i:{_QUALITY}))?$")


@dataclass(frozen=True)
class Key:
    root: int  # pitch class 0..11
    mode: str  # "major" or "minor"

    def __post_init__(self):
        if not 0 <= self.root < 12 or self.mode not in MODES:
            raise ValueError(f"not a key: root {self.root}, mode {self.mode!r}")

    @property
    def name(self) -> str:
        return f"{PITCH_CLASSES[self.root]} {self.mode}"

    def __str__(self) -> str:  # what a reply or an OSCQuery VALUE shows: "F minor"
        return self.name

    def with_root(self, root: int) -> Key:
        return Key(int(root) % 12, self.mode)


def parse_key(text: str) -> Key | None:
    """`text` as a Key, or None for "no key" words; ValueError (readable) for anything else."""
    if not isinstance(text, str):
        raise ValueError(f"a key is a name like 'F minor' or 'A#m', got {text!r}")
    t = " ".join(text.replace("-", " ").split())
    if t.lower() in NONE_WORDS:
        return None
    m = _KEY_RE.match(t)
    if not m:
        raise ValueError(
            f"{text!r} is not a key: say e.g. 'F minor', 'A#m', 'Eb major', 'C dorian' or 'none'"
        )
    letter, accidental, quality = m.groups()
    root = _NATURAL[letter.upper()] + {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)
    mode = {"m": "minor", "M": "major", None: "major"}.get(quality) or _QUALITIES[quality.lower()]
    return Key(root % 12, mode)


_SPELLED = {"sharp": "#", "flat": "b"}
_PHRASE = re.compile(
    r"(?:^|(?<=[\s,;(]))(?i:in\s+the\s+key\s+of|key\s+of|in)\s+"
    r"(?P<key>(?P<letter>[A-Ga-g])(?P<acc>\s*[#♯♭]|b(?![a-ln-z])|\s*-?\s*(?i:sharp|flat)\b)?"
    rf"(?P<quality>\s*(?:(?i:{_QUALITY})|m|M)\b)?)"
    r"(?:\s+(?i:key)\b)?(?=$|[\s,.;:!?)])"
)


def split_key(text: str) -> tuple[str, Key | None]:
    """A prompt's key phrase taken out: ("dark dub techno in F minor") → ("dark dub techno",
    Key(5, "minor")). Without one: (text, None), the text untouched. Several: all are taken
    out and the last one counts, as when a performer corrects themselves."""
    key: Key | None = None
    kept: list[str] = []
    at = 0
    for m in _PHRASE.finditer(text):
        if m.group("letter").islower() and not (m.group("acc") or m.group("quality")):
            continue  # "in a", "in e": English, not a key
        spelled = m.group("key")
        for word, sign in _SPELLED.items():
            spelled = re.sub(rf"\s*-?\s*(?i:{word})\b", sign, spelled)
        try:
            found = parse_key(spelled)
        except ValueError:
            continue
        if found is None:
            continue
        key = found
        kept.append(text[at : m.start()])
        at = m.end()
    if key is None:
        return text, None
    kept.append(text[at:])
    rest = " ".join(" ".join(kept).split())
    rest = re.sub(r"\s*([,;])(?:\s*[,;])+", r"\1", rest)  # "a, , b" → "a, b"
    rest = re.sub(r"\s+([,;.!?)])", r"\1", rest)
    return rest.strip(" ,;"), key


def key_of_scale(root_name: str, scale: str) -> Key:
    """A corpus loop's key ("F#", "dorian") as a Key."""
    return Key(PITCH_CLASSES.index(root_name), MODE_OF_SCALE[scale])


def key_vector(key: Key | None) -> np.ndarray:
    """The generator's key input [KEY_DIM]: one-hot root, one-hot mode; zeros for no key."""
    v = np.zeros(KEY_DIM, np.float32)
    if key is not None:
        v[key.root] = 1.0
        v[len(PITCH_CLASSES) + MODES.index(key.mode)] = 1.0
    return v


def key_option(text: str) -> Key:
    """An argparse `type` for --key: a key as `/livegen/key` reads it (leave the option out for
    no key)."""
    import argparse

    try:
        key = parse_key(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if key is None:
        raise argparse.ArgumentTypeError("leave --key out for no key")
    return key
