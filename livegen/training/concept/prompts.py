"""Prompt sets: training texts per loop, zero-shot class prompts, paraphrase pairs. Pure Python.

Training sees three kinds of text for a loop: its stored captions, fresh captions from the corpus
generator (train vocabulary), and short *structured* prompts ("acid line, no kick") whose meaning
is known as constraints on the loop's attributes, so a batch can tell which other loops they also
describe. Structured prompts draw on the corpus' train phrases plus `EXTRA`, a list of performer
words written here; `EXTRA` is disjoint from the corpus' held-out vocabulary (a test checks it),
so the zero-shot evaluation still uses only phrasings the model never saw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from livegen.corpus import captions as cap
from livegen.corpus.styles import INSTRUMENTS

# Attributes the model learns to read (audio aux head) and prompts may constrain.
# The corpus's instruments in its order (the attribute head's outputs follow it), then two
# derived attributes.
BINARY = (*INSTRUMENTS, "hats", "four_on_the_floor")
CATEGORICAL: dict[str, tuple[str, ...]] = {
    "brightness": ("dark", "neutral", "bright"),
    "tempo_class": ("slow", "mid", "fast"),
    "style": tuple(cap.STYLE),
}
Constraint = tuple[str, Any]  # (attribute, required value)

# Extra performer vocabulary (train side only; disjoint from the corpus' held-out lists).
EXTRA_INSTRUMENT: dict[str, list[str]] = {
    "kick": ["kicks", "heavy kick", "techno kick", "driving kick", "thud", "kick-drum"],
    "clap": ["claps", "909 clap", "handclap", "clapping"],
    "snare": ["snares", "909 snare", "snare roll"],
    "closed_hat": ["closed hi-hat", "hi-hats", "hats", "sixteenth hats", "ticking hats"],
    "open_hat": ["open hat", "sizzling hats", "open cymbal"],
    "rim": ["rim", "rimshot", "rim shots"],
    "perc": ["percussion", "percs", "bongos", "shakers", "perc loop"],
    "bass": ["bass", "bass line", "basslines", "subby bass", "sub"],
    "acid": ["acid", "acid lead", "resonant 303 acid", "acidic line"],
    "stabs": ["chords", "synth stabs", "chord stab", "chord progression"],
    "pad": ["pads", "strings", "atmosphere", "lush pad", "texture"],
}
EXTRA_STYLE: dict[str, list[str]] = {
    "minimal techno": ["minimalist techno", "sparse techno"],
    "dub techno": ["dub", "dubbed-out techno"],
    "deep house": ["warm house", "deep house vibe"],
    "acid techno": ["squelchy techno", "acid tekno"],
    "hypnotic techno": ["trippy techno", "loopy techno"],
    "peak-time techno": ["banging techno", "pounding techno"],
    "minimal house": ["microhouse", "minimal groove"],
}
EXTRA_MOOD: dict[str, list[str]] = {
    "dark": ["somber", "shadowy", "brooding", "nocturnal", "ominous"],
    "bright": ["shiny", "luminous", "radiant", "sunny", "crisp and clear"],
}
EXTRA_TEMPO: dict[str, list[str]] = {
    "slow": ["slow", "chilled", "downtempo", "easy-going"],
    "fast": ["quick", "rapid", "energetic", "pacey"],
}
# What an absent-instrument prompt may name: concept -> attributes that must all be false.
ABSENT = {
    "kick": ("kick",),
    "clap": ("clap",),
    "snare": ("snare",),
    "hats": ("hats",),
    "open_hat": ("open_hat",),
    "rim": ("rim",),
    "perc": ("perc", "rim"),
    "bass": ("bass",),
    "acid": ("acid",),
    "stabs": ("stabs",),
    "pad": ("pad",),
}
HAT_WORDS = ["hats", "hi-hats"]
NEG_CUES = ["no {}", "without {}", "no {}", "without any {}"]
JOINERS = [", ", ", ", " with ", " and ", " + ", "; "]


def _phrases(concept: str) -> list[str]:
    if concept == "hats":
        return HAT_WORDS
    return list(cap.INSTRUMENT[concept][0]) + EXTRA_INSTRUMENT.get(concept, [])


def style_of(meta: dict[str, Any]) -> str:
    return str(meta["style"])


def attribute_value(meta: dict[str, Any], name: str) -> Any:
    """The value of one attribute (binary, brightness, tempo_class or style) for a loop."""
    return style_of(meta) if name == "style" else meta["attributes"][name]


def satisfies(meta: dict[str, Any], constraints: tuple[Constraint, ...]) -> bool:
    """Whether a loop fits every constraint of a structured prompt."""
    return all(attribute_value(meta, k) == v for k, v in constraints)


def structured_prompt(
    meta: dict[str, Any], rng: np.random.Generator
) -> tuple[str, tuple[Constraint, ...]]:
    """A short prompt true of this loop, and what it requires: ("acid line, no kick", …)."""
    attrs = meta["attributes"]
    items: list[tuple[str, tuple[Constraint, ...]]] = []
    for concept in cap.INSTRUMENT:
        if attrs.get(concept):
            items.append((str(rng.choice(_phrases(concept))), ((concept, True),)))
    four = list(cap.INSTRUMENT["kick_4x4"][0])
    if attrs["four_on_the_floor"] and rng.random() < 0.5:
        items.append((str(rng.choice(four)), (("kick", True), ("four_on_the_floor", True))))
    elif not attrs["four_on_the_floor"] and rng.random() < 0.5:
        # "no four-on-the-floor kick" says nothing about other kicks: without it, the only
        # absence the text side ever learnt for a 4x4 phrase was "no kick at all".
        cue = str(rng.choice(NEG_CUES))
        items.append((cue.format(rng.choice(four)), (("four_on_the_floor", False),)))
    for concept, need in ABSENT.items():
        if not any(attrs[a] for a in need):
            cue = str(rng.choice(NEG_CUES))
            items.append(
                (cue.format(rng.choice(_phrases(concept))), tuple((a, False) for a in need))
            )
    style = style_of(meta)
    style_words = list(cap.STYLE[style][0]) + EXTRA_STYLE[style]
    items.append((str(rng.choice(style_words)), (("style", style),)))
    mood = attrs["brightness"]
    if mood != "neutral":
        words = list(cap.MOOD[mood][0]) + EXTRA_MOOD[mood]
        items.append((str(rng.choice(words)), (("brightness", mood),)))
    tempo = attrs["tempo_class"]
    if tempo != "mid" and rng.random() < 0.6:
        words = list(cap.TEMPO_WORD[tempo][0]) + EXTRA_TEMPO[tempo]
        items.append((str(rng.choice(words)), (("tempo_class", tempo),)))
    else:
        bpm = float(meta["bpm"])
        form = str(rng.choice(["{:.0f} bpm", "{:.0f}bpm", "at {:.0f} BPM"]))
        items.append((form.format(bpm), (("tempo_class", tempo),)))
    k = int(rng.choice([1, 1, 2, 2, 3, 4]))
    chosen = [items[i] for i in rng.permutation(len(items))[:k]]
    text = chosen[0][0]
    for phrase, _ in chosen[1:]:
        text += str(rng.choice(JOINERS)) + phrase
    constraints = tuple(c for _, cs in chosen for c in cs)
    return text, constraints


def training_texts(
    meta: dict[str, Any], seed: int, index: int, n_generated: int = 6, n_structured: int = 10
) -> tuple[list[str], list[tuple[Constraint, ...] | None]]:
    """Every text a loop trains with and its constraints (None: a full caption, meaning unknown).

    Deterministic in (seed, index): the same corpus gives the same text pool.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, index, 11]))
    texts: list[str] = list(meta.get("captions", []))
    cons: list[tuple[Constraint, ...] | None] = [None] * len(texts)
    for c in cap.captions(meta, rng, n_generated, "train"):
        if c not in texts:
            texts.append(c)
            cons.append(None)
    for _ in range(n_structured):
        text, constraints = structured_prompt(meta, rng)
        texts.append(text)
        cons.append(constraints)
    return texts, cons


def train_vocabulary() -> list[str]:
    """Every phrase the training texts can use (corpus train vocabulary + EXTRA)."""
    out: list[str] = []
    for table in (cap.INSTRUMENT, cap.NEGATIVE, cap.STYLE, cap.MOOD, cap.TEMPO_WORD):
        for pair in table.values():
            out += [p for p in pair[0] if p]
    out += list(cap.SWUNG[0]) + list(cap.TEMPLATES[0])
    for extra in (EXTRA_INSTRUMENT, EXTRA_STYLE, EXTRA_MOOD, EXTRA_TEMPO):
        for words in extra.values():
            out += words
    out += HAT_WORDS + [c.format("") for c in NEG_CUES]
    return out


def heldout_vocabulary() -> list[str]:
    """Every phrase of the corpus' held-out vocabulary (zero-shot evaluation only)."""
    out: list[str] = []
    for table in (cap.INSTRUMENT, cap.NEGATIVE, cap.STYLE, cap.MOOD, cap.TEMPO_WORD):
        for pair in table.values():
            out += [p for p in pair[1] if p]
    return out + list(cap.SWUNG[1]) + list(cap.TEMPLATES[1])


# ---------------------------------------------------------------------------------------------
# Zero-shot attribute tests: held-out phrases only. Absence prompts use the held-out negatives,
# or a held-out negation ("minus the …", "lacking …") of a held-out phrase. The same table in the
# *train* vocabulary ("seen words") scores what the audio side can tell apart when every word is
# known: the gap between the two is what the text side loses on new words.
ZeroShotTable = dict[str, tuple[str, dict[Any, list[str]]]]


def zero_shot_prompts(vocab: cap.Vocab = "heldout") -> ZeroShotTable:
    """name -> (attribute, {class value: prompts}); loops whose value is not a key are skipped."""
    k = 0 if vocab == "train" else 1
    cues = ("no {}", "without {}") if vocab == "train" else ("minus the {}", "lacking {}")

    def h(concept: str) -> list[str]:
        return list(cap.INSTRUMENT[concept][k])

    def neg(phrases: list[str]) -> list[str]:
        return [cue.format(p) for cue in cues for p in phrases]

    def absent(concept: str) -> list[str]:
        return list(cap.NEGATIVE[concept][k])

    return {
        "kick": ("kick", {True: h("kick"), False: absent("kick")}),
        "clap": ("clap", {True: h("clap"), False: absent("clap")}),
        "snare": ("snare", {True: h("snare"), False: neg(h("snare"))}),
        "hats": ("hats", {True: h("closed_hat") + h("open_hat"), False: absent("hats")}),
        "open hats": ("open_hat", {True: h("open_hat") + h("open_hat_off"), False: neg(h("open_hat"))}),
        "rim": ("rim", {True: h("rim"), False: neg(h("rim"))}),
        "perc": ("perc", {True: h("perc"), False: absent("perc")}),
        "bass": ("bass", {True: h("bass"), False: absent("bass")}),
        "acid": ("acid", {True: h("acid"), False: absent("acid")}),
        "stabs": ("stabs", {True: h("stabs"), False: absent("stabs")}),
        "pad": ("pad", {True: h("pad"), False: neg(h("pad"))}),
        "4x4 kick": ("four_on_the_floor", {True: h("kick_4x4"), False: neg(h("kick_4x4"))}),
        "dark/bright": ("brightness", {m: list(cap.MOOD[m][k]) for m in ("dark", "bright")}),
        "slow/fast": ("tempo_class", {t: list(cap.TEMPO_WORD[t][k]) for t in ("slow", "fast")}),
        "style": ("style", {s: list(cap.STYLE[s][k]) for s in cap.STYLE}),
    }  # fmt: skip


ZERO_SHOT: ZeroShotTable = zero_shot_prompts("heldout")


# Pairs of prompts that mean the same in different words; no two pairs mean the same thing.
PARAPHRASES: tuple[tuple[str, str], ...] = (
    ("dark minimal techno with a rolling bassline", "murky stripped-back techno, rolling bass"),
    ("bright deep house with chord stabs", "shimmering deep house groove and minor chord stabs"),
    ("no kick, just an atmospheric pad", "kickless, only a droning pad"),
    ("acid line over a punchy kick", "squelchy 303 riff with a thumping kick drum"),
    ("dub techno with echoing chords", "dubby techno, echoing dub stabs"),
    ("handclaps and open hi-hats", "snappy clap with sizzling open hats"),
    ("fast peak-time techno", "uptempo driving techno"),
    ("laid-back minimal house", "unhurried micro house"),
    ("hypnotic techno with syncopated percussion", "hypnotic groove with bouncy percs"),
    ("kick and hats, no bass", "kick drum with hi-hats and without bassline"),
    ("deep bassline and rimshots", "sub bass with clicky rims"),
    ("no clap and no snare", "without claps or snares"),
    ("bright airy pad", "glassy atmospheric drone"),
    ("muffled dusty chord stabs", "dark muffled chords"),
    (
        "four-on-the-floor kick with offbeat bass",
        "steady four-to-the-floor kick and offbeat bassline",
    ),
    ("minimal techno without hats", "stripped-back minimal, no hi-hats"),
    ("acid techno with no kick", "kickless acid techno"),
    ("crisp snare and ticking hi-hats", "snare drum with crisp closed hats"),
    ("swung deep house", "shuffled deep house groove"),
    ("dark driving techno at 135 bpm", "moody peak-time techno, 135 BPM"),
    ("pad and chords, no percussion", "drone with chord stabs, without percs"),
    ("rolling acid line, no bass", "acid riff without a bassline"),
    ("micro house with rim clicks", "minimal house, clicky rims"),
    ("just a thumping kick", "only a punchy kick drum"),
    ("bright hypnotic techno at 124 bpm", "glassy hypnotic, 124bpm"),
    ("echoing dub stabs with no kick", "kickless dub chords"),
    ("syncopated percussion and claps", "bouncy percs with snappy handclaps"),
    ("dark deep house, no acid", "murky deep house groove without acid line"),
    ("uptempo acid techno with handclaps", "fast acid techno and claps"),
    ("laid-back dub techno with a droning pad", "unhurried dubby techno, atmospheric pad"),
    ("offbeat open hats", "open hi-hats on the offbeat"),
    ("no chords and no pad", "without stabs or pads"),
    ("moody minimal house with sub bass", "dark micro house, deep bass synth"),
)
