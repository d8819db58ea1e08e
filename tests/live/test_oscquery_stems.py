"""OSCQuery for stems and key: /livegen/key shows the session's key; the stem and key arguments
are menus (RANGE VALS) of values the daemon accepts. Pure: a Session in, nodes out."""

from __future__ import annotations

from dataclasses import replace

from livegen.control import commands as cmd
from livegen.control.keys import Key, parse_key
from livegen.control.osc import parse
from livegen.control.state import Session, apply
from livegen.live.desk.oscquery import find, namespace, respond

from .test_oscquery import INFO

STEM_MODEL = Session(model_stems=("drums", "bass", "music"), model_keys=True)


def node(session: Session, path: str) -> dict:
    found = find(namespace(session), path)
    assert found is not None, path
    return found


def test_the_key_is_readable_and_follows_the_session():
    assert node(Session(), "/livegen/key")["VALUE"] == ["none"]
    assert node(Session(), "/livegen/key")["ACCESS"] == 3
    keyed = apply(STEM_MODEL, cmd.SetKey(Key(5, "minor")))
    assert isinstance(keyed, Session)
    assert respond("/livegen/key?VALUE", keyed, INFO).body == {"VALUE": ["F minor"]}
    rooted = apply(keyed, cmd.SetKeyRoot(10))
    assert isinstance(rooted, Session)
    assert node(rooted, "/livegen/key")["VALUE"] == ["A# minor"]
    # what it shows is what /livegen/key reads back
    assert parse("/livegen/key", node(rooted, "/livegen/key")["VALUE"]) == cmd.SetKey(
        Key(10, "minor")
    )


def test_the_key_menu_is_none_and_the_24_keys_every_one_accepted():
    key = node(Session(), "/livegen/key")
    (menu,) = key["RANGE"]
    assert key["TYPE"] == "s" and key["CLIPMODE"] == ["none"]  # "A#m" is fine too
    assert len(menu["VALS"]) == 25 and menu["VALS"][0] == "none"
    assert {parse_key(v) for v in menu["VALS"]} == {
        Key(r, m) for r in range(12) for m in ("major", "minor")
    } | {None}


def test_stem_gain_mute_and_drop_nodes_have_types_ranges_and_a_stem_menu():
    stems = {"VALS": ["drums", "bass", "music"]}
    now = {"MIN": 0, "MAX": 1}
    expect = {  # path: TYPE, ACCESS, RANGE, placeholder VALUE
        "/livegen/stem": ("sfi", 2, [stems, {"MIN": 0.0, "MAX": 2.0}, now], ["drums", 0.0, 0]),
        "/livegen/mute": ("sii", 2, [stems, {"MIN": 0, "MAX": 1}, now], ["drums", 0, 0]),
        "/livegen/drop": ("s", 2, [stems], ["drums"]),
    }
    for path, (kind, access, ranges, placeholder) in expect.items():
        n = node(STEM_MODEL, path)
        assert (n["TYPE"], n["ACCESS"], n["RANGE"], n["VALUE"]) == (
            kind, access, ranges, placeholder), path  # fmt: skip
        assert n["CLIPMODE"][0] == "none" and set(n["CLIPMODE"][1:]) <= {"both"}
        for stem in stems["VALS"]:  # every menu value is a stem the daemon takes
            parse(path, [stem, *placeholder[1:]])
    # write-only: a stem's gain is in /livegen/status, not here
    assert respond("/livegen/stem?VALUE", STEM_MODEL, INFO).status == 204


def test_a_session_with_a_key_still_serves_the_other_values():
    s = replace(STEM_MODEL, key=Key(0, "major"), guidance=5.0)
    tree = namespace(s)
    assert find(tree, "/livegen/guidance")["VALUE"] == [5.0]  # type: ignore[index]
    assert find(tree, "/livegen/key")["VALUE"] == ["C major"]  # type: ignore[index]


def test_key_guidance_shows_the_push_in_use_with_its_range():
    model = replace(STEM_MODEL, guidance=2.5)
    n = node(model, "/livegen/key_guidance")
    assert (n["TYPE"], n["ACCESS"], n["RANGE"], n["CLIPMODE"]) == (
        "f", 3, [{"MIN": 0.0, "MAX": 20.0}], ["both"])  # fmt: skip
    assert n["VALUE"] == [2.5]  # a manifest without its own: as hard as the guidance
    own = replace(model, model_key_guidance=6.0)
    assert node(own, "/livegen/key_guidance")["VALUE"] == [6.0]  # the model's own
    pushed = apply(own, cmd.SetKeyGuidance(8.0))
    assert isinstance(pushed, Session)
    assert respond("/livegen/key_guidance?VALUE", pushed, INFO).body == {"VALUE": [8.0]}
    # what it shows is what /livegen/key_guidance reads back; "default" goes back to 6
    shown = node(pushed, "/livegen/key_guidance")["VALUE"]
    assert parse("/livegen/key_guidance", shown) == cmd.SetKeyGuidance(8.0)
    back = apply(pushed, parse("/livegen/key_guidance", ["default"]))
    assert isinstance(back, Session) and node(back, "/livegen/key_guidance")["VALUE"] == [6.0]


def test_key_lock_shows_the_sessions_switch_with_its_range():
    n = node(STEM_MODEL, "/livegen/key_lock")
    assert (n["TYPE"], n["ACCESS"], n["RANGE"], n["CLIPMODE"]) == (
        "i", 3, [{"MIN": 0, "MAX": 1}], ["both"])  # fmt: skip
    assert n["VALUE"] == [1] and type(n["VALUE"][0]) is int  # on by default; 1, not True
    off = apply(STEM_MODEL, parse("/livegen/key_lock", ["off"]))
    assert isinstance(off, Session)
    assert respond("/livegen/key_lock?VALUE", off, INFO).body == {"VALUE": [0]}
    # what it shows is what /livegen/key_lock reads back
    shown = node(off, "/livegen/key_lock")["VALUE"]
    assert parse("/livegen/key_lock", shown) == cmd.SetKeyLock(False)
