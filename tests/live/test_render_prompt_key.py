"""`livegen render --prompt "... in F minor"` reads the key phrase as /livegen/prompt does."""

from __future__ import annotations

import argparse

import pytest

from livegen.control.keys import Key
from livegen.live import render


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    render.add_arguments(parser)
    args = parser.parse_args([*argv, "--out", "x.wav"])
    render.prompt_key(args)
    return args


def test_a_key_phrase_becomes_the_key_and_leaves_the_prompt():
    args = parse("--stems", "--prompt", "dark dub techno in F minor")
    assert args.key == Key(5, "minor") and args.prompt == ["dark dub techno"]


def test_in_a_mix_the_heaviest_phrase_wins_and_weights_follow_their_prompts():
    args = parse("--stems", "--prompt", "acid in A minor", "--prompt", "in C# minor",
                 "--prompt", "dub chords", "--weight", "0.3", "--weight", "0.6",
                 "--weight", "0.1")  # fmt: skip
    assert args.key == Key(1, "minor")
    assert list(zip(args.prompt, args.weight, strict=True)) == [("acid", 0.3), ("dub chords", 0.1)]


def test_an_explicit_key_wins_and_a_mix_model_ignores_the_phrase(capsys):
    args = parse("--stems", "--key", "G minor", "--prompt", "techno in F minor")
    assert args.key == Key(7, "minor") and args.prompt == ["techno"]
    args = parse("--prompt", "techno in F minor")
    assert args.key is None and args.prompt == ["techno"]
    assert "no key input" in capsys.readouterr().err


def test_prompts_without_a_key_phrase_are_untouched():
    args = parse("--stems", "--prompt", "minimal techno in the style of a warehouse")
    assert args.key is None and args.prompt == ["minimal techno in the style of a warehouse"]


def test_serve_reads_the_first_prompts_key_phrase_and_needs_stems_for_a_key():
    from livegen.live.options import add_arguments, first_prompt_and_key

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--prompt", "dub techno in F minor"])
    assert first_prompt_and_key(args, stems=True) == ("dub techno", Key(5, "minor"))
    args = parser.parse_args(["--prompt", "in A minor", "--key", "C minor"])
    assert first_prompt_and_key(args, stems=True) == (None, Key(0, "minor"))
    with pytest.raises(ValueError, match="add --stems"):
        first_prompt_and_key(parser.parse_args(["--key", "F#m"]), stems=False)
    assert first_prompt_and_key(parser.parse_args(["--prompt", "acid"]), False) == ("acid", None)


def test_serve_key_guidance_takes_the_osc_range_and_needs_stems():
    from livegen.live.options import add_arguments, first_prompt_and_key

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).key_guidance is None  # the model's own (or the config's)
    args = parser.parse_args(["--key-guidance", "7.5", "--key", "A minor"])
    assert args.key_guidance == 7.5
    assert first_prompt_and_key(args, stems=True) == (None, Key(9, "minor"))
    alone = parser.parse_args(["--key-guidance", "0"])  # 0 is a value: still needs --stems
    with pytest.raises(ValueError, match="--key-guidance: the mix generator has no key input"):
        first_prompt_and_key(alone, stems=False)
    for bad in ("-1", "20.5", "nan", "default"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--key-guidance", bad])


def test_serve_key_lock_is_on_or_off_and_needs_stems():
    from livegen.live.options import add_arguments, first_prompt_and_key, key_lock

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    default = parser.parse_args([])
    assert default.key_lock is None and key_lock(default) is None  # the config's, else on
    assert first_prompt_and_key(default, stems=False) == (None, None)
    assert key_lock(parser.parse_args(["--key-lock", "off"])) is False
    assert key_lock(parser.parse_args(["--key-lock", "on"])) is True
    assert key_lock(parser.parse_args(["--key-lock", "OFF"])) is False  # as /livegen/key_lock
    for word in ("on", "off"):  # either is a setting a mix model does not have
        alone = parser.parse_args(["--key-lock", word])
        assert first_prompt_and_key(alone, stems=True) == (None, None)
        with pytest.raises(ValueError, match="--key-lock: the mix generator has no key input"):
            first_prompt_and_key(alone, stems=False)
    for bad in ("1", "true", "no", ""):
        with pytest.raises(SystemExit):
            parser.parse_args(["--key-lock", bad])
