"""Training texts, zero-shot prompt sets and paraphrase pairs."""

import numpy as np

from livegen.control.words import words_of
from livegen.corpus import captions as cap
from livegen.training.concept import prompts as P


def _words(phrases):
    return {w for p in phrases for w in words_of(p.lower())}


def test_extra_vocabulary_is_disjoint_from_the_heldout_vocabulary():
    corpus_train = set()
    for table in (cap.INSTRUMENT, cap.NEGATIVE, cap.STYLE, cap.MOOD, cap.TEMPO_WORD):
        for pair in table.values():
            corpus_train |= _words(pair[0])
    corpus_train |= _words(list(cap.TEMPLATES[0]) + list(cap.SWUNG[0]))
    heldout_only = _words(P.heldout_vocabulary()) - corpus_train
    function = {"and", "of", "on", "the", "from", "over"}
    overlap = (_words(P.train_vocabulary()) & heldout_only) - function
    assert not overlap, f"training phrases use held-out words: {sorted(overlap)}"
    assert not set(P.train_vocabulary()) & set(P.heldout_vocabulary())


def _meta(**attrs):
    base = dict.fromkeys(P.BINARY, False)
    base.update(brightness="dark", tempo_class="fast")
    base.update(attrs)
    return {
        "attributes": base,
        "style": "acid techno",
        "bpm": 134.0,
        "swing": 50.0,
        "instruments": {},
    }


def test_structured_prompts_are_true_of_their_loop():
    meta = _meta(kick=True, acid=True, hats=True, closed_hat=True, four_on_the_floor=True)
    rng = np.random.default_rng(0)
    for _ in range(200):
        text, constraints = P.structured_prompt(meta, rng)
        assert text and constraints
        assert P.satisfies(meta, constraints), (text, constraints)
    other = _meta(kick=False, acid=False)
    assert not P.satisfies(other, (("kick", True),))


def test_zero_shot_prompts_are_heldout_and_paraphrases_enough():
    train = set(P.train_vocabulary())
    for name, (_, classes) in P.ZERO_SHOT.items():
        assert len(classes) >= 2, name
        for prompts in classes.values():
            assert prompts and not set(prompts) & train, name
    assert len(P.PARAPHRASES) >= 30
    flat = [t for pair in P.PARAPHRASES for t in pair]
    assert len(set(flat)) == len(flat)


def test_a_broken_kick_is_taught_as_no_four_on_the_floor_not_as_no_kick():
    meta = _meta(kick=True, four_on_the_floor=False)
    rng = np.random.default_rng(0)
    seen = []
    for _ in range(300):
        text, constraints = P.structured_prompt(meta, rng)
        assert P.satisfies(meta, constraints), (text, constraints)
        if ("four_on_the_floor", False) in constraints:
            seen.append(text)
    assert len(seen) >= 10  # ~1 prompt in 16: one item among the ~14 a loop can offer
    assert all("four" in t for t in seen), seen[:5]
