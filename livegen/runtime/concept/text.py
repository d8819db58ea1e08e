"""Prompt text → clauses with negation flags, a tempo number and content words. Pure Python.

The frozen sentence encoder places words well but does not separate "kick" from "no kick" (their
MiniLM cosine is ~0.88), so negation is handled structurally before any network sees the text:

1. The prompt is lower-cased and cut into *clauses* at punctuation and at connectives ("and",
   "with", "over", "featuring", "plus", "from", "but", "or", …).
2. A clause that contains a negator ("no", "without", "minus", "lacking", "free of", "mute", …)
   is split there: what follows the cue is a *negated* clause, what precedes it stays positive.
   Words ending in "-less" / "-free" whose stem is a known concept ("kickless", "clap-free")
   become negated clauses of that stem. A negation carries over clauses joined by "or" / "nor"
   ("no kick or clap" negates both), not over "and" ("no kick and a rolling bass").
3. A tempo written as a number ("126 BPM", "at 128bpm") is taken out as a number.

The same function prepares text for training and at run time, so both see identical clauses.
The negator list is ordinary English (what a performer types), not learned from the captions.

A performer's own words (`define`, e.g. "sidestick" = "rim clicks") are replaced before parsing,
so "no sidestick" reads as "no rim clicks". They are the performer's, never used in training or
evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from livegen.control.words import (
    CARRY_NEGATION,
    CONNECTIVES,
    NEGATORS,
    NEGATORS_MULTI,
    WORD,
    normalize,
    shapes_reading,
    words_of,
)

MAX_CLAUSES = 16

_TEMPO = re.compile(r"(?:\bat\s+)?(?<![\d.])(\d{2,3}(?:\.\d+)?)\s*-?\s*bpm\b")
_SPLIT = re.compile(r"[,;:|.!?()\[\]{}\n&+]|(?<!\d)/|/(?!\d)")
_CONNECTIVE = re.compile(r"\b(" + "|".join(CONNECTIVES) + r")\b")
_SUFFIX_NEG = re.compile(r"^([a-z0-9]+?)-?(less|free)$")


@dataclass(frozen=True)
class Clause:
    """One piece of a prompt: its words and whether the prompt asks for its absence."""

    text: str
    negated: bool = False


@dataclass(frozen=True)
class ParsedPrompt:
    """What the text tower sees of a prompt.

    Args:
        clauses: positive and negated clauses, in prompt order (at most MAX_CLAUSES).
        bpm: a tempo the prompt states as a number, else None.
        words: content words (for the unknown-word check), in order, without duplicates.
    """

    clauses: tuple[Clause, ...]
    bpm: float | None = None
    words: tuple[str, ...] = field(default=())


def content_words(text: str) -> list[str]:
    """Words that name something: no stopwords, negators, connectives or plain numbers."""
    out: list[str] = []
    for w in words_of(normalize(text)):
        if shapes_reading(w):
            continue
        if re.fullmatch(r"[\d.]+", w) or w in out:
            continue
        out.append(w)
    return out


def define(text: str, words: Mapping[str, str]) -> str:
    """`text` with each defined word replaced by its meaning (whole words, plurals too).

    One pass: a meaning is not expanded again, so definitions cannot loop. Without definitions
    the text comes back unchanged (not even normalised).
    """
    if not words:
        return text

    def meaning(m: re.Match[str]) -> str:
        w = m.group(0)
        if w in words:
            return words[w]
        if w.endswith("s") and w[:-1] in words:
            return words[w[:-1]]
        return w

    return WORD.sub(meaning, normalize(text))


def _negation_cut(clause: str) -> tuple[str, str] | None:
    """(before, after) around the first negation cue of a clause, or None."""
    for cue in NEGATORS_MULTI:
        m = re.search(r"\b" + re.escape(cue) + r"\b", clause)
        if m:
            return clause[: m.start()], clause[m.end() :]
    tokens = clause.split(" ")
    for i, tok in enumerate(tokens):
        if tok in NEGATORS or tok.endswith("n't"):
            return " ".join(tokens[:i]), " ".join(tokens[i + 1 :])
    return None


def _suffix_negations(clause: str, known: frozenset[str]) -> tuple[str, list[str]]:
    """Take "kickless" / "clap-free" out of a clause; returns (rest, negated stems)."""
    rest, stems = [], []
    for tok in clause.split(" "):
        m = _SUFFIX_NEG.match(tok)
        if m and (m.group(1) in known or m.group(1) + "s" in known):
            stems.append(m.group(1))
        else:
            rest.append(tok)
    return " ".join(rest), stems


def _has_content(text: str) -> bool:
    return bool(content_words(text))


def parse(text: str, known_words: frozenset[str] = frozenset()) -> ParsedPrompt:
    """Cut a prompt into clauses with negation flags (see the module docstring).

    Args:
        text: the performer's prompt, any case and punctuation.
        known_words: vocabulary of concept words; "-less"/"-free" only negate a known stem, so
            "endless" or "relentless" stay positive.
    """
    norm = normalize(text)
    bpm = None
    m = _TEMPO.search(norm)
    if m:
        bpm = float(m.group(1))
        norm = _TEMPO.sub(" ", norm)
    clauses: list[Clause] = []
    for chunk in _SPLIT.split(norm):
        # Connectives split a chunk; remember which connective opened each piece.
        pieces = _CONNECTIVE.split(chunk)
        opener = ""
        carry = False  # negation carried by "or"/"nor" from the previous piece
        for i, piece in enumerate(pieces):
            if i % 2 == 1:
                opener = piece
                continue
            piece = " ".join(piece.split())
            if not piece:
                continue
            piece, stems = _suffix_negations(piece, known_words)
            for stem in stems:
                clauses.append(Clause(stem, True))
            cut = _negation_cut(piece)
            negated_here = False
            if cut is not None:
                before, after = (" ".join(s.split()) for s in cut)
                if _has_content(before):
                    clauses.append(Clause(before, carry and opener in CARRY_NEGATION))
                if _has_content(after):
                    clauses.append(Clause(after, True))
                negated_here = True
            elif _has_content(piece):
                negated = carry and opener in CARRY_NEGATION
                clauses.append(Clause(piece, negated))
                negated_here = negated
            carry = negated_here or (bool(stems) and not _has_content(piece))
    words = content_words(" ".join(c.text for c in clauses))
    return ParsedPrompt(clauses=tuple(clauses[:MAX_CLAUSES]), bpm=bpm, words=tuple(words))


def tempo_features(bpm: float | None) -> list[float]:
    """[has_tempo, scaled tempo] for the text head: 0 when the prompt states none."""
    if bpm is None:
        return [0.0, 0.0]
    return [1.0, max(-3.0, min(3.0, (bpm - 125.0) / 10.0))]
