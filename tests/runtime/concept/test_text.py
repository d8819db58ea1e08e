"""Prompt parsing: clauses, negation scope, stated tempo, content words."""

from livegen.control.words import definable
from livegen.runtime.concept.text import content_words, define, parse, tempo_features

KNOWN = frozenset({"kick", "clap", "hats", "bass"})


def read(text: str) -> list[tuple[str, bool]]:
    return [(c.text, c.negated) for c in parse(text, KNOWN).clauses]


def test_clauses_split_at_punctuation_and_connectives():
    assert read("dark hypnotic techno with rolling bass and clicky rims") == [
        ("dark hypnotic techno", False),
        ("rolling bass", False),
        ("clicky rims", False),
    ]


def test_negators_mark_absence():
    assert read("acid line, no kick") == [("acid line", False), ("kick", True)]
    assert read("without a clap") == [("a clap", True)]
    assert read("minus the hihats") == [("the hihats", True)]
    assert read("free of claps") == [("claps", True)]
    assert read("I don't want any kick") == [("any kick", True)]


def test_negation_carries_over_or_but_not_and():
    assert read("no kick or clap and a rolling bass") == [
        ("kick", True),
        ("clap", True),
        ("a rolling bass", False),
    ]


def test_less_suffix_only_for_known_stems():
    assert read("kickless dub techno") == [("kick", True), ("dub techno", False)]
    assert read("endless pads") == [("endless pads", False)]


def test_cue_inside_a_clause_splits_it():
    assert read("a groove that has no hats") == [("a groove that has", False), ("hats", True)]


def test_tempo_number_is_taken_out():
    p = parse("fast acid at 128.5 BPM", KNOWN)
    assert p.bpm == 128.5
    assert [c.text for c in p.clauses] == ["fast acid"]
    assert parse("126bpm minimal", KNOWN).bpm == 126.0
    assert tempo_features(None) == [0.0, 0.0]
    assert tempo_features(135.0) == [1.0, 1.0]


def test_empty_and_punctuation_only_prompts():
    assert parse("", KNOWN).clauses == ()
    assert parse(" , ; ", KNOWN).clauses == ()


def test_content_words_skip_function_words_and_numbers():
    assert content_words("The acid line, no kick at 126 BPM") == ["acid", "line", "kick"]


def test_defined_words_are_read_as_their_meaning_before_negation():
    words = {"sidestick": "rim clicks", "low-end": "deep bassline"}
    assert define("Sidestick groove, NO low-end", words) == "rim clicks groove, no deep bassline"
    assert read(define("lacking sidesticks", words)) == [("rim clicks", True)]  # plural too
    # whole words only, one pass: a meaning is not expanded again
    assert define("sidesticking", words) == "sidesticking"
    assert define("sidestick", {"sidestick": "sidestick rim"}) == "sidestick rim"
    assert define("Acid LINE", {}) == "Acid LINE"  # nothing defined: unchanged


def test_what_can_be_defined():
    assert definable("sidestick") is None and definable("TB-303") is None
    for word, why in (
        ("no", "shapes how"),
        ("with", "shapes how"),
        ("low end", "not one word"),
        ("128", "a number"),
        ("", "not one word"),
    ):
        reason = definable(word)
        assert reason is not None and why in reason, (word, reason)
