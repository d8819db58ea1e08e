"""The words of a prompt: normalising, tokens, function words, and which words a performer may
give a meaning (`/livegen/word`). Pure Python, no model: the OSC protocol, the config reader and
the prompt parser (`livegen.runtime.concept.text`) all read prompts by these rules.
"""

from __future__ import annotations

import re

# Words that open a negated clause. Multi-word cues are matched first.
NEGATORS_MULTI = (
    "free of",
    "leave out",
    "get rid of",
    "none of",
    "no more",
    "take out",
    "do not want",
    "don't want",
    "dont want",
    "do not use",
    "not any",
)
NEGATORS = frozenset(
    "no not non without minus lacking lack lacks sans except excluding exclude remove mute muted "
    "kill none never".split()
)
# Connectives between clauses. "or"/"nor" keep a negation going.
CONNECTIVES = (
    "and",
    "with",
    "over",
    "featuring",
    "feat",
    "plus",
    "from",
    "but",
    "then",
    "also",
    "alongside",
    "including",
    "under",
    "or",
    "nor",
)
CARRY_NEGATION = frozenset({"or", "nor"})
# Function words that carry no concept (never reported as unknown, dropped from content words).
STOPWORDS = frozenset(
    "a an the of in on at to for by some any very really quite more less lots lot bit little "
    "please make me my it its i we you want give like that this these those is are be has have "
    "just only kind sort type ish into onto up down out as so much many few one two three four "
    "all every each get got use using add adding let lets something".split()
)
WORD = re.compile(r"[a-z0-9]+(?:['\-/][a-z0-9]+)*")


def normalize(text: str) -> str:
    """Lower-case, unify dashes/quotes, collapse whitespace: the cache key of a prompt."""
    text = text.lower().replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def words_of(text: str) -> list[str]:
    """Word tokens of a normalised text ("hi-hats", "4/4" and "don't" stay whole)."""
    return WORD.findall(text)


def shapes_reading(word: str) -> bool:
    """A function word, negator or connective: it steers the parser and names no concept."""
    return (
        word in STOPWORDS
        or word in NEGATORS
        or word in CONNECTIVES
        or word == "bpm"
        or word.endswith("n't")
    )


MAXWORD = 40  # characters of a defined word


def definable(word: str) -> str | None:
    """Why `word` cannot be given a meaning, or None when it can (one word, not a function word)."""
    w = normalize(word)
    if not w or len(w) > MAXWORD or WORD.fullmatch(w) is None:
        return f"{word!r} is not one word (letters, digits, - and ' only, at most {MAXWORD})"
    if shapes_reading(w):
        return f"{w!r} shapes how a prompt is read (a negation, connective or function word)"
    if w.replace(".", "").isdigit():
        return f"{w!r} is a number"
    return None
