"""OSC address space: bytes in, commands or errors out; no sockets needed."""

import time

import numpy as np
import pytest
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from livegen.control import commands as cmd
from livegen.control.osc import ADDRESSES, MAX_TEXT, encode, handle_packet, parse
from livegen.control.state import Refused, Session, apply, status_args

ME = ("127.0.0.1", 57120)
NOW = 1_800_000_000.0


def one(address, *args):
    incoming, errors = handle_packet(encode(address, args), ME, NOW)
    return incoming, errors


def test_every_documented_address_parses_with_good_arguments():
    good = {
        "/livegen/prompt": ("dark acid", 0.7, "dub chords", 0.3),
        "/livegen/audio_prompt": ("/tmp/ref.wav", 0.5),
        "/livegen/guidance": (3.5,),
        "/livegen/steps": (8,),
        "/livegen/seed": (42,),
        "/livegen/variation": (0.25,),
        "/livegen/hold": (1,),
        "/livegen/bpm": (126.5,),
        "/livegen/clock": ("midi",),
        "/livegen/play": (),
        "/livegen/stop": (),
        "/livegen/gain": (0.8,),
        "/livegen/scene": (2,),
        "/livegen/morph": ("dub chords", 0.5, 8),
        "/livegen/slot": (1, 0.7),
        "/livegen/word": ("sidestick", "rim clicks"),
        "/livegen/stem": ("bass", 0.5),
        "/livegen/mute": ("drums", 1, 1),
        "/livegen/drop": (),
        "/livegen/key": ("F minor",),
        "/livegen/key_guidance": (8.0,),
        "/livegen/key_lock": (0,),
        "/livegen/status": (),
        "/livegen/subscribe": (),
    }
    assert set(good) == set(ADDRESSES)
    for address, args in good.items():
        incoming, errors = one(address, *args)
        assert errors == [] and len(incoming) == 1, (address, errors)
        assert incoming[0].sender == ME and incoming[0].when is None


def test_prompt_forms():
    assert parse("/livegen/prompt", ["acid"]) == cmd.SetPrompts((("acid", 1.0),))
    both = parse("/livegen/prompt", ["acid", 2, "dub", 0.5])
    assert both == cmd.SetPrompts((("acid", 2.0), ("dub", 0.5)))
    # a weight may be left out for any prompt
    assert parse("/livegen/prompt", ["a", "b", 0.5]).prompts == (("a", 1.0), ("b", 0.5))


def test_word_forms():
    # Pd sends a typed list as separate atoms: everything after the word is its meaning
    assert parse("/livegen/word", ["Sidestick", "rim", "clicks"]) == cmd.DefineWord(
        "sidestick", "rim clicks"
    )
    assert parse("/livegen/word", ["tb-303", "acid", 303.0]).meaning == "acid 303"
    assert parse("/livegen/word", ["sidestick"]) == cmd.DefineWord("sidestick", "")  # forget
    session = Session()
    for command in (
        cmd.DefineWord("sidestick", "rim clicks"),
        cmd.DefineWord("boomy", "punchy kick"),
        cmd.DefineWord("sidestick", "rimshots"),  # a new meaning replaces the old
    ):
        session = apply(session, command)
    assert session.words == (("boomy", "punchy kick"), ("sidestick", "rimshots"))
    session = apply(session, cmd.DefineWord("boomy", ""))
    assert session.words == (("sidestick", "rimshots"),)
    assert apply(session, cmd.DefineWord("never-defined", "")) == session


def test_ints_and_floats_are_interchangeable():
    assert parse("/livegen/steps", [8.0]) == cmd.SetSteps(8)
    assert parse("/livegen/guidance", [3]) == cmd.SetGuidance(3.0)
    assert parse("/livegen/hold", [1.0]) == cmd.SetHold(True)
    assert parse("/livegen/hold", [True]) == cmd.SetHold(True)


@pytest.mark.parametrize(
    ("address", "args", "reason"),
    [
        ("/livegen/nope", (1,), "unknown address"),
        ("/other/guidance", (1.0,), "unknown address"),
        ("/livegen/guidance", ("loud",), "must be a number"),
        ("/livegen/guidance", (), "expects f"),
        ("/livegen/guidance", (1.0, 2.0), "expects f"),
        ("/livegen/guidance", (99.0,), "must be in [0, 20]"),
        ("/livegen/guidance", (float("nan"),), "must be a number"),
        ("/livegen/steps", (4.5,), "whole number"),
        ("/livegen/steps", (0,), "must be in [1, 64]"),
        ("/livegen/variation", (1.5,), "must be in [0, 1]"),
        ("/livegen/seed", (-1,), "must be in"),
        ("/livegen/clock", ("ableton",), "'midi', 'internal' or 'link'"),
        ("/livegen/prompt", (), "at least one prompt"),
        ("/livegen/prompt", (3.0,), "must be a string"),
        ("/livegen/prompt", ("  ",), "empty prompt"),
        ("/livegen/prompt", ("a", -1.0), "must be in [0, 10]"),
        ("/livegen/prompt", ("a", 0.0), "add up to 0"),
        ("/livegen/prompt", ("x" * (MAX_TEXT + 1),), "characters"),
        ("/livegen/prompt", tuple(x for i in range(9) for x in (f"p{i}", 1.0)), "at most 8"),
        ("/livegen/play", (1,), "no arguments"),
        ("/livegen/scene", (128,), "must be in [0, 127]"),
        ("/livegen/morph", ("acid", 0.5), "expects s f i"),
        ("/livegen/morph", ("acid", 1.5, 4), "must be in [0, 1]"),
        ("/livegen/morph", ("acid", 1.0, 0), "must be in [1, 128]"),
        ("/livegen/morph", (" ", 1.0, 4), "empty prompt"),
        ("/livegen/slot", (8, 1.0), "must be in [0, 7]"),
        ("/livegen/word", (), "expects a word and what it means"),
        ("/livegen/word", ("no", "kick"), "shapes how a prompt is read"),
        ("/livegen/word", ("low end", "bass"), "not one word"),
        ("/livegen/word", (808, "kick"), "word must be a string"),
        ("/livegen/word", ("x", "y" * (MAX_TEXT + 1)), "characters"),
        ("/livegen/key_guidance", (-0.5,), "key_guidance must be in [0, 20], got -0.5"),
        ("/livegen/key_guidance", (20.5,), "key_guidance must be in [0, 20], got 20.5"),
        ("/livegen/key_guidance", (float("nan"),), "key_guidance must be a number, got nan"),
        ("/livegen/key_guidance", (float("inf"),), "key_guidance must be a number"),
        ("/livegen/key_guidance", ("loud",), "must be a number or 'default', got 'loud'"),
        ("/livegen/key_guidance", ("",), "must be a number or 'default', got ''"),
        ("/livegen/key_guidance", (), "expects f (or s 'default'), got 0 arguments"),
        ("/livegen/key_guidance", (4.0, 8.0), "expects f (or s 'default'), got 2 arguments"),
        ("/livegen/key_guidance", ("default", 4.0), "got 2 arguments"),
        ("/livegen/key_lock", (2,), "key_lock must be in [0, 1], got 2"),
        ("/livegen/key_lock", (-1,), "key_lock must be in [0, 1], got -1"),
        ("/livegen/key_lock", (0.5,), "key_lock must be a whole number, got 0.5"),
        ("/livegen/key_lock", (float("nan"),), "key_lock must be a number, got nan"),
        ("/livegen/key_lock", ("yes",), "key_lock must be 0, 1, 'on' or 'off', got 'yes'"),
        ("/livegen/key_lock", ("",), "key_lock must be 0, 1, 'on' or 'off', got ''"),
        ("/livegen/key_lock", (), "expects i (0 or 1, or s 'on'/'off'), got 0 arguments"),
        ("/livegen/key_lock", (1, 0), "expects i (0 or 1, or s 'on'/'off'), got 2 arguments"),
    ],
)
def test_bad_messages_get_a_reason_and_no_command(address, args, reason):
    incoming, errors = one(address, *args)
    assert incoming == []
    assert len(errors) == 1
    err = errors[0]
    assert err.address == "/livegen/error" and err.to == ME
    assert err.args[0] == address and reason in err.args[1], err.args


def test_key_guidance_is_a_number_or_the_models_own():
    assert parse("/livegen/key_guidance", [8]) == cmd.SetKeyGuidance(8.0)
    assert parse("/livegen/key_guidance", [0.0]) == cmd.SetKeyGuidance(0.0)
    assert parse("/livegen/key_guidance", [20.0]) == cmd.SetKeyGuidance(20.0)
    assert isinstance(parse("/livegen/key_guidance", [8]).value, float)
    for word in ("default", " Default ", "DEFAULT"):
        assert parse("/livegen/key_guidance", [word]) == cmd.SetKeyGuidance(None)
    # the bound is the generator's: a value OSC takes is never refused by `BarRequest`'s check
    from livegen.runtime.generator import MAX_GUIDANCE

    arg = ADDRESSES["/livegen/key_guidance"].args[0]
    assert (arg.lo, arg.hi) == (0, MAX_GUIDANCE) == (0, ADDRESSES["/livegen/guidance"].args[0].hi)


def test_key_lock_is_a_switch_as_int_bool_or_word():
    for args, on in (([1], True), ([0], False), ([1.0], True), ([0.0], False),  # Pd: floats
                     (["on"], True), ([" OFF "], False), (["On"], True)):  # fmt: skip
        incoming, errors = one("/livegen/key_lock", *args)
        assert errors == [] and [i.command for i in incoming] == [cmd.SetKeyLock(on)], args
    # OSC's T/F tags are refused on the wire for every address (control.wire), named: the
    # sender learns why, nothing changes
    incoming, errors = one("/livegen/key_lock", False)
    assert incoming == [] and errors[0].args[0] == "/livegen/key_lock"
    assert "type tag 'F'" in errors[0].args[1]


def test_key_lock_in_the_session_and_its_status():
    keyed = Session(model_keys=True)
    assert keyed.key_lock is True  # on unless asked
    off = apply(keyed, cmd.SetKeyLock(False))
    assert isinstance(off, Session) and off.key_lock is False
    back = apply(off, cmd.SetKeyLock(True))
    assert isinstance(back, Session) and back.key_lock is True
    pairs = dict(zip(*[iter(status_args(off, {}))] * 2, strict=True))
    assert pairs["key_lock"] == 0 and isinstance(pairs["key_lock"], int)
    assert list(pairs).index("key_lock") == list(pairs).index("key_guidance") + 1
    on = dict(zip(*[iter(status_args(keyed, {}))] * 2, strict=True))
    assert on["key_lock"] == 1
    # a mix model has no key: refused like /livegen/key_guidance, and nothing changes
    mix = Session()
    refused = apply(mix, cmd.SetKeyLock(False))
    assert refused == Refused(
        "/livegen/key_lock", "the model has no key input (start livegen serve with --stems)"
    )
    assert mix.key_lock is True


def test_key_guidance_in_the_session_and_its_status():
    keyed = Session(model_keys=True, guidance=2.5)
    assert keyed.key_guidance is None and keyed.key_guidance_in_use == 2.5  # the model's: w
    assert Session(model_keys=True, model_key_guidance=6.0).key_guidance_in_use == 6.0
    s = apply(keyed, cmd.SetKeyGuidance(8.0))
    assert s.key_guidance == 8.0 and s.key_guidance_in_use == 8.0
    assert apply(s, cmd.SetKeyGuidance(0.0)).key_guidance_in_use == 0.0  # 0 is a value, not None
    assert apply(s, cmd.SetKeyGuidance(None)).key_guidance is None
    args = status_args(s, {})
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    assert pairs["key_guidance"] == 8.0
    assert list(pairs).index("key_guidance") == list(pairs).index("key_played") + 1
    # a mix model has no key: refused like /livegen/key, and nothing changes
    mix = Session()
    refused = apply(mix, cmd.SetKeyGuidance(8.0))
    assert refused == Refused(
        "/livegen/key_guidance", "the model has no key input (start livegen serve with --stems)"
    )


def test_garbage_packets_never_raise():
    rng = np.random.default_rng(0)
    packets = [b"", b"\x00", b"#bundle", b"/livegen/steps\x00\x00,i\x00\x00", b"/x" * 500]
    packets += [rng.bytes(int(rng.integers(1, 200))) for _ in range(300)]
    good = encode("/livegen/steps", [8])
    packets += [good[:k] for k in range(len(good))]  # every truncation of a real message
    for data in packets:
        incoming, errors = handle_packet(data, ME, NOW)
        assert len(incoming) + len(errors) >= 1 or data == b""
        for reply in errors:
            reply.encode()  # every error reply is itself valid OSC


def test_bundles_immediate_future_and_nested():
    now = time.time()
    future = OscBundleBuilder(now + 2.0)
    future.add_content(OscMessageBuilder("/livegen/seed").build())  # missing arg: an error
    msg = OscMessageBuilder("/livegen/steps")
    msg.add_arg(4)
    future.add_content(msg.build())
    outer = OscBundleBuilder(IMMEDIATELY)
    msg = OscMessageBuilder("/livegen/guidance")
    msg.add_arg(2.0)
    outer.add_content(msg.build())
    outer.add_content(future.build())
    incoming, errors = handle_packet(outer.build().dgram, ME, now)
    by_cmd = {type(i.command): i for i in incoming}
    assert by_cmd[cmd.SetGuidance].when is None
    assert by_cmd[cmd.SetSteps].when == pytest.approx(now + 2.0, abs=1e-3)
    assert len(errors) == 1 and errors[0].args[0] == "/livegen/seed"
    # a time tag in the past applies at once
    past = OscBundleBuilder(now - 5.0)
    past.add_content(OscMessageBuilder("/livegen/play").build())
    incoming, _ = handle_packet(past.build().dgram, ME, now)
    assert incoming[0].when is None


def test_session_apply_and_status():
    s = Session()
    for command in (
        cmd.SetPrompts((("acid", 0.7), ("dub", 0.3))),
        cmd.SetSteps(4),
        cmd.SetGuidance(2.5),
        cmd.SetSeed(9),
        cmd.Stop(),
        cmd.StatusRequest(),
    ):
        s = apply(s, command)
    assert s.steps == 4 and s.guidance == 2.5 and s.seed == 9 and not s.playing
    assert s.prompt_text == "acid:0.7 | dub:0.3"
    args = status_args(s, {"bpm": 128.0, "bar": 12, "beat": 3, "gen_ms": 41.5})
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    expected_keys = ["bpm", "bar", "beat", "playing", "clock", "prompt", "steps", "guidance"]
    expected_keys += ["seed", "gen_ms", "late_bars", "underruns", "key", "key_played"]
    expected_keys += ["key_guidance", "key_lock"]
    assert list(pairs) == expected_keys  # a model without stems: no stem pairs
    assert pairs["bpm"] == 128.0 and pairs["bar"] == 12 and pairs["playing"] == 0
    encode("/livegen/status", args)  # every value is an OSC type


def test_docs_list_every_address():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "osc.md").read_text()
    for address in ADDRESSES:
        assert f"`{address}`" in doc, address
