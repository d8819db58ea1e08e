"""Captions say only true things about the loop, vary their wording, and sometimes negate."""

import re

import numpy as np
import pytest

from livegen.corpus import captions as cap
from livegen.corpus.loop import make_loop

# The test's own reading of a caption, independent of the generator's word lists.
NEGATION = re.compile(
    r"\b(?:no|without(?: an?)?|minus the|lacking(?: an?)?|free of)\s+([a-z0-9\- ]+?)(?=,|;|$)"
)
NEGATED = {
    "kick": "kick",
    "clap": "clap",
    "hat": "hats",
    "hihat": "hats",
    "bass": "bass",
    "low end": "bass",
    "acid": "acid",
    "303": "acid",
    "chord": "stabs",
    "stab": "stabs",
    "perc": "perc",
    "conga": "perc",
}
MENTION = {
    "kick": r"\bkick|bass drum",
    "clap": r"\bclap|hand ?claps",
    "snare": r"\bsnare",
    "hats": r"hi-?hats?|hihats?|\bhats\b",
    "open_hat": r"\bopen (?:hi-?)?hi?hats?|offbeat (?:open )?(?:hi-?)?hats",
    "closed_hat": r"\bclosed|ticking|tight hihats",
    "rim": r"\brim|sidestick",
    "perc": r"percussion|percs|congas|toms",
    "bass": r"bassline|\bbass\b(?! drum)|sub bass|low-end|galloping low end",
    "acid": r"acid|303",
    "stabs": r"stabs?\b|chords?\b|chord hits",
    "pad": r"\bpad\b|drone|droning|ambient wash|synth haze",
}
MOODS = {"dark": r"\b(?:dark|murky|moody|gloomy|dim)\b", "bright": r"\b(?:bright|glassy|shimmering|airy|sparkling|brilliant)\b"}  # fmt: skip
TEMPO_WORDS = {"fast": r"\b(?:fast|uptempo|high-energy|speedy)\b", "slow": r"\b(?:laid-back|unhurried|relaxed)\b"}  # fmt: skip


@pytest.fixture(scope="module")
def metas():
    return [make_loop(21, i).meta for i in range(120)]


def _present(meta, name):
    attrs = meta["attributes"]
    if name == "hats":
        return attrs["hats"]
    return attrs[name]


def check(meta, text):
    """Assert that one caption agrees with the loop's metadata; returns the negated names."""
    low = text.lower()
    negated = []
    for phrase in NEGATION.findall(low):
        names = {v for k, v in NEGATED.items() if k in phrase}
        assert names, f"unreadable negative {phrase!r} in {text!r}"
        for name in names:
            absent = not _present(meta, name) and (name != "perc" or not meta["attributes"]["rim"])
            assert absent, f"{text!r} negates {name}, which plays"
        negated += names
    positive = NEGATION.sub("", low).replace("kickless", "")
    for name, pattern in MENTION.items():
        if re.search(pattern, positive):
            assert _present(meta, name), f"{text!r} mentions {name}, which does not play"
    for mood, pattern in MOODS.items():
        if re.search(pattern, positive):
            assert meta["attributes"]["brightness"] == mood, (text, meta["attributes"])
    for klass, pattern in TEMPO_WORDS.items():
        if re.search(pattern, positive):
            assert meta["attributes"]["tempo_class"] == klass, text
    for number in re.findall(r"(\d+(?:\.\d+)?) ?bpm", low):
        assert abs(float(number) - meta["bpm"]) <= 0.5, (text, meta["bpm"])
    return negated


@pytest.mark.parametrize("vocab", ["train", "heldout"])
def test_captions_agree_with_the_loop(metas, vocab):
    rng = np.random.default_rng(0)
    n_neg = n_total = 0
    for meta in metas:
        for text in cap.captions(meta, rng, 5, vocab=vocab):
            n_neg += bool(check(meta, text))
            n_total += 1
    # Negatives appear sometimes, not always.
    assert 0.15 < n_neg / n_total < 0.8, n_neg / n_total


def test_several_paraphrases_per_loop(metas):
    rng = np.random.default_rng(1)
    counts = [len(cap.captions(meta, rng, 5)) for meta in metas]
    assert np.mean(counts) >= 4.5 and min(counts) >= 3


def test_heldout_words_never_appear_in_training_captions(metas):
    rng = np.random.default_rng(2)
    train_text = " | ".join(c for m in metas for c in cap.captions(m, rng, 5)).lower()
    tables = [cap.INSTRUMENT, cap.NEGATIVE, cap.STYLE, cap.MOOD, cap.TEMPO_WORD]
    train_words = {w for t in tables for pair in t.values() for w in pair[0]}
    for table in tables:
        for pair in table.values():
            for phrase in pair[1]:
                if phrase and phrase not in train_words:
                    assert phrase.lower() not in train_text, phrase


def test_caption_mentions_the_style_and_instruments(metas):
    rng = np.random.default_rng(3)
    mentioned = 0
    for meta in metas:
        text = cap.caption(meta, rng).lower()
        mentioned += sum(bool(re.search(MENTION[n], text)) for n in MENTION if n != "hats")
    assert mentioned / len(metas) >= 2.0  # two or more instruments named on average
