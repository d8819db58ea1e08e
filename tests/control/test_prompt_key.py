"""A key phrase in /livegen/prompt ("dub techno in F minor") becomes a key, not concept words:
bytes in, commands out, no sockets."""

from __future__ import annotations

from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from livegen.control import commands as cmd
from livegen.control.keys import Key
from livegen.control.osc import encode, handle_packet, key_phrase
from livegen.control.state import Refused, Session, apply

ME = ("127.0.0.1", 57120)
NOW = 1_800_000_000.0


def commands(*args) -> list[cmd.Command]:
    incoming, errors = handle_packet(encode("/livegen/prompt", args), ME, NOW)
    assert errors == []
    assert all(item.sender == ME and item.when is None for item in incoming)
    return [item.command for item in incoming]


def test_a_prompt_with_a_key_phrase_sets_the_key_and_the_rest_is_the_prompt():
    assert commands("dark dub techno in F minor") == [
        cmd.SetKey(Key(5, "minor")),
        cmd.SetPrompts((("dark dub techno", 1.0),)),
    ]
    assert commands("acid in A#m", 0.5) == [
        cmd.SetKey(Key(10, "minor")),
        cmd.SetPrompts((("acid", 0.5),)),
    ]


def test_a_prompt_without_one_is_one_command_as_before():
    assert commands("dub in the style of basic channel", 2.0) == [
        cmd.SetPrompts((("dub in the style of basic channel", 2.0),))
    ]
    assert commands("minor chords") == [cmd.SetPrompts((("minor chords", 1.0),))]


def test_in_a_mix_the_heaviest_prompt_with_a_phrase_names_the_key():
    got = commands("acid in G minor", 0.25, "dub chords in Eb", 0.75, "hats", 0.75)
    assert got == [
        cmd.SetKey(Key(3, "major")),
        cmd.SetPrompts((("acid", 0.25), ("dub chords", 0.75), ("hats", 0.75))),
    ]
    # equal weights: the first
    assert commands("a in C", 1.0, "b in D", 1.0)[0] == cmd.SetKey(Key(0, "major"))


def test_a_prompt_that_is_only_a_key_leaves_the_mix_or_the_prompts_as_they_are():
    assert commands("in A minor") == [cmd.SetKey(Key(9, "minor"))]
    assert commands("in A minor", 1.0, "dub chords", 0.375) == [
        cmd.SetKey(Key(9, "minor")),
        cmd.SetPrompts((("dub chords", 0.375),)),
    ]
    # what remains weighs nothing: no prompt change (a mix of weight 0 is refused)
    assert commands("key of C", 1.0, "acid", 0.0) == [cmd.SetKey(Key(0, "major"))]


def test_a_timed_prompt_sets_its_key_at_the_same_time():
    bundle = OscBundleBuilder(NOW + 2.0)
    message = OscMessageBuilder("/livegen/prompt")
    message.add_arg("techno in Dm")
    bundle.add_content(message.build())
    incoming, errors = handle_packet(bundle.build().dgram, ME, NOW)
    assert errors == []
    assert [(i.command, i.when) for i in incoming] == [
        (cmd.SetKey(Key(2, "minor")), NOW + 2.0),
        (cmd.SetPrompts((("techno", 1.0),)), NOW + 2.0),
    ]


def test_other_commands_pass_through():
    for command in (cmd.Morph("dub in F minor", 1.0, 4), cmd.SetGuidance(3.0)):
        assert key_phrase(command) == [command]


def test_applied_the_key_lands_in_a_stem_session_and_a_mix_model_refuses_only_the_key():
    stem_model = Session(model_stems=("drums", "bass", "music"), model_keys=True)
    session = stem_model
    for command in commands("dark dub techno in F minor"):
        result = apply(session, command)
        assert isinstance(result, Session)
        session = result
    assert session.key == Key(5, "minor") and session.prompts == (("dark dub techno", 1.0),)
    mix_model = Session()
    key, prompt = commands("dark dub techno in F minor")
    assert apply(mix_model, key) == Refused(
        "/livegen/key", "the model has no key input (start livegen serve with --stems)"
    )
    after = apply(mix_model, prompt)
    assert isinstance(after, Session) and after.prompts == (("dark dub techno", 1.0),)
