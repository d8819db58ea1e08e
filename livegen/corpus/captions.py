"""Natural-language captions built from a loop's metadata, with templates, synonyms and negatives.

Every word list comes in two disjoint vocabularies: "train" (the captions stored in the corpus) and
"heldout" (synonyms and templates kept aside, so the concept encoder can be tested zero-shot on
phrasings it never saw). A caption only names instruments that play and only negates ones that don't.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import numpy as np

Vocab = Literal["train", "heldout"]

# concept -> (train phrases, held-out phrases)
INSTRUMENT = {
    "kick": (["kick", "punchy kick", "thumping kick", "909 kick", "kick drum"], ["bass drum", "boomy kick"]),
    "kick_4x4": (["four-on-the-floor kick", "steady four-to-the-floor kick"], ["straight 4/4 kick"]),
    "clap": (["clap", "snappy clap", "handclaps"], ["hand claps on the backbeat"]),
    "snare": (["snare", "crisp snare", "snare drum"], ["snare hits"]),
    "closed_hat": (["closed hats", "ticking hi-hats", "crisp closed hi-hats"], ["tight hihats"]),
    "open_hat": (["open hats", "open hi-hats", "sizzling open hats"], ["open hihat"]),
    "open_hat_off": (["offbeat hats", "offbeat open hi-hats"], ["open hihat on the upbeats"]),
    "rim": (["rimshots", "rim clicks", "clicky rims"], ["sidestick"]),
    "perc": (["syncopated percussion", "bouncy percs", "tom-like percussion"], ["congas and toms"]),
    "bass": (["bassline", "deep bassline", "sub bass", "bass synth"], ["low-end groove"]),
    "bass_offbeat": (["offbeat bass", "offbeat bassline"], ["bass on the upbeats"]),
    "bass_rolling": (["rolling bassline", "rolling bass"], ["galloping low end"]),
    "acid": (["acid line", "squelchy 303 line", "rolling acid line", "acid riff"], ["tb-303 sequence", "acid squelch"]),
    "stabs": (["chord stabs", "minor chord stabs", "stabs"], ["chord hits"]),
    "stabs_dark": (["muffled chords", "dusty chord stabs"], ["smeared chord hits"]),
    "stabs_dub": (["dub chords", "echoing dub stabs"], ["chords drenched in echo"]),
    "pad": (["pad", "atmospheric pad", "droning pad", "drone"], ["ambient wash", "synth haze"]),
}  # fmt: skip
NEGATIVE = {
    "kick": (["no kick", "without a kick", "kickless"], ["minus the kick", "lacking a kick"]),
    "clap": (["no clap", "without claps"], ["free of claps"]),
    "hats": (["no hats", "without hi-hats"], ["minus the hihats"]),
    "bass": (["no bass", "without bassline"], ["lacking low end"]),
    "acid": (["no acid", "without acid line"], ["minus the 303"]),
    "stabs": (["no chords", "no stabs"], ["without chord hits"]),
    "perc": (["no percussion", "without percs"], ["minus the congas"]),
}
STYLE = {
    "minimal techno": (
        ["minimal techno", "stripped-back minimal techno", "minimal"],
        ["reduced techno"],
    ),
    "dub techno": (["dub techno", "dubby techno"], ["echo-chamber techno"]),
    "deep house": (["deep house", "deep house groove"], ["soulful deep groove"]),
    "acid techno": (["acid techno", "acid"], ["303 techno"]),
    "hypnotic techno": (["hypnotic techno", "hypnotic"], ["trance-inducing techno"]),
    "peak-time techno": (["peak-time techno", "driving techno"], ["warehouse techno"]),
    "minimal house": (["minimal house", "micro house"], ["clicky house"]),
}
MOOD = {
    "dark": (["dark", "murky", "muffled", "moody"], ["gloomy", "dim"]),
    "bright": (["bright", "glassy", "shimmering", "airy"], ["sparkling", "brilliant"]),
    "neutral": ([""], [""]),
}
TEMPO_WORD = {
    "slow": (["laid-back", "unhurried"], ["relaxed"]),
    "mid": ([""], [""]),
    "fast": (["fast", "uptempo", "high-energy"], ["speedy"]),
}
SWUNG = (["swung", "shuffled"], ["groovy shuffling"])
TEMPLATES = (
    [
        "{mood} {style} with {list}, {tempo}",
        "{style} loop: {list}, {negs}, {tempo}",
        "{list} in a {mood} {style} groove",
        "{tempo} {style}, {list}",
        "a {mood} {style} loop featuring {list}; {negs}",
        "{style}, {list}, {negs}",
        "{mood} {swing} {style} with {list}",
    ],
    [
        "imagine {list} over a {mood} {style} beat, {tempo}",
        "{tempo}: {style} track built from {list}, {negs}",
    ],
)
# What a negative may name, with the attributes that must all be false for it ("no percussion"
# would be a lie over rimshots).
NEGATABLE = {
    "kick": ("kick",),
    "clap": ("clap",),
    "hats": ("hats",),
    "bass": ("bass",),
    "acid": ("acid",),
    "stabs": ("stabs",),
    "perc": ("perc", "rim"),
}


def _pick(rng: np.random.Generator, pair: tuple[list[str], list[str]], vocab: Vocab) -> str:
    words = pair[0] if vocab == "train" else pair[1]
    return str(words[int(rng.integers(len(words)))])


def _instrument_phrase(name: str, entry: dict[str, Any], meta: dict[str, Any], rng, vocab) -> str:
    """A phrase for one playing instrument; specific variants (offbeat, rolling, dub) when they fit."""
    key = name
    template = entry.get("template")
    if name == "kick" and template == "four_on_the_floor" and rng.random() < 0.5:
        key = "kick_4x4"
    elif name == "open_hat" and template == "offbeat" and rng.random() < 0.6:
        key = "open_hat_off"
    elif name == "bass" and template in ("offbeat", "rolling") and rng.random() < 0.6:
        key = f"bass_{template}"
    elif name == "stabs" and rng.random() < 0.6:
        if meta["style"] == "dub techno":
            key = "stabs_dub"
        elif meta["attributes"]["brightness"] == "dark":
            key = "stabs_dark"
    if entry.get("kit"):  # a recorded hit: its plain name, no synthesiser's adjective ("909 kick")
        return INSTRUMENT[key][0 if vocab == "train" else 1][0]
    return _pick(rng, INSTRUMENT[key], vocab)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def caption(meta: dict[str, Any], rng: np.random.Generator, vocab: Vocab = "train") -> str:
    """One caption for a loop's metadata (as written by `loop.render`)."""
    inst = meta["instruments"]
    attrs = meta["attributes"]
    names = list(inst)
    rng.shuffle(names)
    # Captions name a few of the instruments, as people do; the lead voices come first.
    lead = [n for n in ("acid", "stabs", "kick", "bass") if n in inst]
    keep = lead[:2] + [n for n in names if n not in lead[:2]]
    chosen = keep[: int(rng.integers(2, 5))]
    phrases = [_instrument_phrase(n, inst[n], meta, rng, vocab) for n in chosen]
    absent = [k for k, need in NEGATABLE.items() if not any(attrs.get(a, False) for a in need)]
    n_neg = int(rng.choice([0, 1, 1, 2])) if absent else 0
    negs = [_pick(rng, NEGATIVE[k], vocab) for k in rng.permutation(absent)[:n_neg]]
    bpm = meta["bpm"]
    tempo_forms = [f"{bpm:g} BPM", f"at {round(bpm)} bpm", f"{round(bpm)}bpm"]
    tempo = str(rng.choice(tempo_forms)) if rng.random() < 0.7 else ""
    word = _pick(rng, TEMPO_WORD[attrs["tempo_class"]], vocab)
    if word:
        tempo = f"{word} {tempo}".strip()
    templates = TEMPLATES[0] if vocab == "train" else TEMPLATES[1]
    text = str(templates[int(rng.integers(len(templates)))]).format(
        mood=_pick(rng, MOOD[attrs["brightness"]], vocab),
        style=_pick(rng, STYLE[meta["style"]], vocab),
        list=_join(phrases),
        negs=", ".join(negs),
        tempo=tempo,
        swing=_pick(rng, SWUNG, vocab) if meta["swing"] >= 56 else "",
    )
    return _tidy(text)


def _tidy(text: str) -> str:
    """Remove the gaps that empty slots leave: double spaces, dangling commas and colons."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    text = ", ".join(p for p in parts if p)
    text = " ".join(text.split())
    text = text.replace(" :", ":").strip(" ,:")
    if text.startswith(": "):
        text = text[2:]
    return re.sub(r"\ba (?=[aeiou])", "an ", text)


def captions(
    meta: dict[str, Any], rng: np.random.Generator, n: int, vocab: Vocab = "train"
) -> list:
    """`n` different paraphrases of the same loop (fewer if the generator keeps repeating)."""
    out: list[str] = []
    for _ in range(n * 4):
        c = caption(meta, rng, vocab)
        if c not in out:
            out.append(c)
        if len(out) == n:
            break
    return out
