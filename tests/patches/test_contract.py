"""Every control in every patch sends an address the daemon accepts, with arguments it accepts.

Read statically: the Pd patch's `[oscformat livegen NAME]` objects and what feeds them (message
boxes, widget ranges, [pack]), the Max patch's message boxes and `[prepend /livegen/...]`, and the
addresses in the TouchDesigner script (with `ast`). `livegen.control.osc.parse` must accept them.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from livegen.control.commands import SetKeyGuidance, SetKeyLock
from livegen.control.keys import Key, parse_key
from livegen.control.osc import ADDRESSES, OscError, parse
from tests.support import pdfile

PATCHES = Path(__file__).parents[2] / "patches"


def accept(address: str, args: list) -> None:
    assert address in ADDRESSES, f"{address} is not in the OSC address space"
    try:
        parse(address, args)
    except OscError as exc:
        pytest.fail(f"the daemon refuses {address} {args}: {exc.reason}")


# Pure Data -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pd_patch() -> pdfile.Patch:
    return pdfile.read(PATCHES / "livegen.pd")


def pd_sends(patch: pdfile.Patch) -> dict[str, list[list]]:
    sends: dict[str, list[list]] = {}
    for box in patch.boxes:
        if box.name == "oscformat":
            address = "/" + "/".join(box.atoms[1:])
            sends.setdefault(address, []).extend(pdfile.examples_into(patch, box, 0) or [[]])
    return sends


def test_pd_every_oscformat_sends_an_accepted_message(pd_patch):
    sends = pd_sends(pd_patch)
    for address, examples in sends.items():
        assert examples, f"nothing feeds [oscformat] for {address}"
        for args in examples:
            if address == "/livegen/key" and args == [pdfile.TYPED]:
                args = ["Ebmaj"]  # typed into the key box: one word, any string reaches parse
            # Pd numbers are 32-bit floats: 2147483647 arrives as 2147483648
            accept(address, [float(np.float32(a)) if isinstance(a, float) else a for a in args])


def test_pd_covers_the_performer_controls(pd_patch):
    wanted = {"/livegen/" + a for a in "prompt guidance steps variation gain seed hold play stop "
              "subscribe status scene morph word stem mute drop key key_guidance key_lock "
              "clock".split()}  # fmt: skip
    assert wanted <= set(pd_sends(pd_patch))


def test_pd_message_boxes_into_oscformat_start_with_a_selector_it_takes(pd_patch):
    """[oscformat] has no method for a bare word: `[internal(` printed "no method for
    'internal'" and sent nothing; `[symbol internal(` sends it."""
    for box in pd_patch.boxes:
        if box.kind == "msg" and any(t.name == "oscformat" for t in pd_patch.targets(box.index)):
            first = box.atoms[0] if box.atoms else "bang"
            numeric = first.lstrip("-").replace(".", "", 1).isdigit()
            assert numeric or first in ("symbol", "list", "float", "bang"), box.atoms


def test_pd_stems_faders_mutes_and_drop(pd_patch):
    sends = pd_sends(pd_patch)
    # a fader per stem over the whole gain range, heard at once (now = 1)
    assert sorted(map(tuple, sends["/livegen/stem"])) == sorted(
        (stem, gain, 1.0) for stem in ("drums", "bass", "music") for gain in (0.0, 2.0)
    )
    # a mute toggle per stem; the now toggle makes it immediate, else the next downbeat
    assert sorted(map(tuple, sends["/livegen/mute"])) == sorted(
        (stem, 1.0, now) for stem in ("drums", "bass", "music") for now in (0.0, 1.0)
    )
    assert sends["/livegen/drop"] == [[]]  # drums, the default
    receive = {"vsl": 8, "tgl": 4, "bng": 6}  # the receive name's atom
    names = {b.atoms[receive[b.name]] for b in pd_patch.boxes if b.name in receive}
    assert {"lg-drums-gain", "lg-bass-mute", "lg-mute-now", "lg-drop"} <= names


def test_pd_key_selector_offers_the_24_keys_and_none(pd_patch):
    keys = [args[0] for args in pd_sends(pd_patch)["/livegen/key"] if args != [pdfile.TYPED]]
    assert len(keys) == 25
    parsed = {parse_key(k) for k in keys}
    assert parsed == {Key(r, m) for r in range(12) for m in ("major", "minor")} | {None}


def test_pd_key_guidance_spans_its_range_and_goes_back_to_the_default(pd_patch):
    sends = pd_sends(pd_patch)["/livegen/key_guidance"]
    commands = {parse("/livegen/key_guidance", args) for args in sends}
    arg = ADDRESSES["/livegen/key_guidance"].args[0]
    assert commands == {SetKeyGuidance(arg.lo), SetKeyGuidance(arg.hi), SetKeyGuidance(None)}
    (atom,) = [b for b in pd_patch.boxes if b.kind == "floatatom" and "lg-key-guidance" in b.atoms]
    assert "/livegen/key_guidance" in _pd_address_of(pd_patch, atom)


def test_pd_key_lock_toggle_sends_both_states_and_follows_the_status(pd_patch):
    sends = pd_sends(pd_patch)["/livegen/key_lock"]
    commands = {parse("/livegen/key_lock", args) for args in sends}
    assert commands == {SetKeyLock(False), SetKeyLock(True)}
    (toggle,) = [b for b in pd_patch.boxes if b.name == "tgl" and "lg-key-lock" in b.atoms]
    assert _pd_address_of(pd_patch, toggle) == ["/livegen/key_lock"]
    # the status reply's key_lock outlet sets the toggle without sending it back
    (route,) = [b for b in pd_patch.boxes if b.atoms[:2] == ["route", "bpm"]]
    outlet = route.atoms.index("key_lock") - 1
    (setter,) = [pd_patch.boxes[d] for s, o, d, _ in pd_patch.lines
                 if s == route.index and o == outlet]  # fmt: skip
    assert setter.kind == "msg" and setter.atoms == ["set", "\\$1"]
    assert pd_patch.targets(setter.index) == [toggle]


def _pd_address_of(patch: pdfile.Patch, box: pdfile.Box) -> list[str]:
    return ["/" + "/".join(t.atoms[1:]) for t in patch.targets(box.index) if t.name == "oscformat"]


def test_pd_four_weighted_slots_send_one_prompt_message(pd_patch):
    def sends(box: pdfile.Box) -> list[list[str]]:
        return [t.atoms for t in pd_patch.targets(box.index) if t.name == "oscformat"]

    packs = [b for b in pd_patch.boxes if b.name == "pack"]
    morph = [b for b in packs if sends(b) == [["oscformat", "livegen", "morph"]]]
    assert [b.atoms[1:] for b in morph] == [["s", "f", "f"]]
    packs = [b for b in packs if sends(b) == [["oscformat", "livegen", "prompt"]]]
    assert [b.atoms[1:] for b in packs] == [["s", "f"] * 4]
    high, mixed = pdfile.examples(pd_patch, packs[0])
    assert high[1::2] == [10.0] * 4 and mixed[1::2] == [10.0, 0.0, 0.0, 0.0]  # slider ranges
    assert all(isinstance(t, str) and t for t in high[::2])


def test_pd_every_send_reaches_netsend_and_replies_are_routed(pd_patch):
    (netsend,) = [b for b in pd_patch.boxes if b.name == "netsend"]
    assert netsend.atoms[1:] == ["-u", "-b"]
    for box in pd_patch.boxes:
        if box.name == "oscformat":
            assert netsend in pd_patch.targets(box.index)
    names = [" ".join(b.atoms) for b in pd_patch.boxes if b.kind == "obj"]
    assert "netreceive -u -b" in names and "oscparse" in names
    assert "route beat bar status error unknown" in names
    assert "route bpm gen_ms key drums_mute bass_mute music_mute key_lock" in names
    assert "metro 1000" in names


# Max -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def max_patch() -> dict:
    return json.loads((PATCHES / "livegen.maxpat").read_text())["patcher"]


def max_boxes(patcher: dict) -> dict[str, dict]:
    return {b["box"]["id"]: b["box"] for b in patcher["boxes"]}


def test_max_structure_is_valid(max_patch):
    assert max_patch["fileversion"] == 1 and len(max_patch["rect"]) == 4
    ids = [b["box"]["id"] for b in max_patch["boxes"]]
    assert len(ids) == len(set(ids))
    boxes = max_boxes(max_patch)
    for box in boxes.values():
        assert len(box["patching_rect"]) == 4 and box["numinlets"] >= 0 and box["numoutlets"] >= 0
    for line in max_patch["lines"]:
        (src, outlet), (dst, inlet) = line["patchline"]["source"], line["patchline"]["destination"]
        assert src in boxes and dst in boxes, line
        assert 0 <= outlet < boxes[src]["numoutlets"], line
        assert 0 <= inlet < boxes[dst]["numinlets"], line


def _max_args(text: str) -> tuple[str, list]:
    import shlex

    words = shlex.split(text)
    values: list = []
    for w in words[1:]:
        try:
            values.append(float(w))
        except ValueError:
            values.append(w)
    return words[0], values


def test_max_every_send_is_an_accepted_message(max_patch):
    boxes = max_boxes(max_patch)
    seen = set()
    for box in boxes.values():
        text = box.get("text", "")
        sources = [boxes[line["patchline"]["source"][0]] for line in max_patch["lines"]
                   if line["patchline"]["destination"][0] == box["id"]]  # fmt: skip
        if box["maxclass"] == "message" and text.startswith("/livegen/"):
            # "$1": what its sources send (a slider's range); without, what it says
            fed = [v for src in sources if "$1" in text
                   for e in _max_examples(src, max_patch) for v in e]  # fmt: skip
            address, args = _max_args(text)
            assert fed or "$1" not in text, f"nothing feeds {text}"
            for value in fed if "$1" in text else [None]:
                accept(address, [value if a == "$1" else a for a in args])
            seen.add(address)
        if box["maxclass"] == "newobj" and text.startswith("prepend /livegen/"):
            address, fixed = _max_args(text.removeprefix("prepend "))  # "prepend /a drums"
            assert address in ADDRESSES
            seen.add(address)
            # what feeds it: dials/sliders/numbers with their ranges, toggles, textedit
            for src in sources:
                for args in _max_examples(src, max_patch):
                    accept(address, fixed + args)
    wanted = {"/livegen/" + a for a in "prompt guidance steps variation gain seed hold play stop "
              "subscribe status scene morph word stem mute drop key key_guidance "
              "key_lock".split()}  # fmt: skip
    assert wanted <= seen


def _max_examples(box: dict, patcher: dict) -> list[list]:
    kind = box["maxclass"]
    if kind in ("dial", "slider"):
        lo = box.get("min", 0.0)
        size = box.get("size", 128.0)
        mult = box.get("mult", 1.0)
        # output = min + value * mult; value is 0..size-1 (ints) or up to size (floats)
        top = size if box.get("floatoutput") else size - 1
        return [[lo], [lo + top * mult]]
    if kind in ("number", "flonum"):
        return [[box["minimum"]], [box["maximum"]]]
    if kind == "toggle":
        return [[0], [1]]
    if kind == "newobj" and box["text"] == "tosymbol":  # typed words joined into one symbol
        menus = [_max_examples(src, patcher) for src in _max_sources(box, patcher)
                 if src["maxclass"] == "umenu"]  # fmt: skip
        return [e for menu in menus for e in menu] or [["dark acid techno"]]
    if kind == "umenu":  # its middle outlet: the item's text
        return [[item] for item in box["items"] if item != ","]
    if kind == "newobj" and box["text"] == "pack 0 0":  # a mute toggle, then the now toggle
        mutes, nows = (
            [
                v
                for src in _max_sources(box, patcher, inlet)
                for e in _max_examples(src, patcher)
                for v in e
            ]
            for inlet in (0, 1)
        )
        return [[m, n] for m in mutes for n in nows]
    if kind == "textedit":  # typed words straight out: one atom each
        return [["dark", "acid", "techno"]]
    if kind == "newobj" and box["text"] == "pack s 1. s 0. s 0. s 0.":  # the four slots
        return [["minimal techno", 1.0, "dub chords", 0.0, "acid bassline", 0.0, "noise", 10.0]]
    if kind == "newobj" and box["text"] == "pack s 1. 4":  # the morph: text, weight, bars
        boxes = max_boxes(patcher)
        inlets: dict[int, list] = {1: [1.0], 2: [4]}  # the pack's own defaults
        for line in patcher["lines"]:
            (src, _), (dst, inlet) = line["patchline"]["source"], line["patchline"]["destination"]
            if dst == box["id"] and inlet in inlets:
                inlets[inlet] += [v for e in _max_examples(boxes[src], patcher) for v in e]
        return [["dark acid techno", w, b] for w in inlets[1] for b in inlets[2]]
    return pytest.fail(f"cannot tell what {box['id']} ({kind} {box.get('text', '')}) sends")


def _max_sources(box: dict, patcher: dict, inlet: int | None = None) -> list[dict]:
    boxes = max_boxes(patcher)
    return [boxes[line["patchline"]["source"][0]] for line in patcher["lines"]
            if line["patchline"]["destination"][0] == box["id"]
            and inlet in (None, line["patchline"]["destination"][1])]  # fmt: skip


def test_max_stems_and_key_controls(max_patch):
    boxes = max_boxes(max_patch)
    texts = {b.get("text", "") for b in boxes.values()}
    for stem in ("drums", "bass", "music"):
        assert f"/livegen/stem {stem} $1 1" in texts  # a slider: heard at once
        assert f"prepend /livegen/mute {stem}" in texts  # a toggle, then the now toggle
    assert "/livegen/drop" in texts
    (menu,) = [b for b in boxes.values() if b["maxclass"] == "umenu"]
    keys = [k for (k,) in _max_examples(menu, max_patch)]
    assert len(keys) == 25
    assert {parse_key(k) for k in keys} == {
        Key(r, m) for r in range(12) for m in ("major", "minor")
    } | {None}
    # key guidance: a number box over the address's whole range, and a message for the default
    assert "/livegen/key_guidance default" in texts
    (prepend,) = [b for b in boxes.values() if b.get("text") == "prepend /livegen/key_guidance"]
    fed = [e for src in _max_sources(prepend, max_patch) for e in _max_examples(src, max_patch)]
    arg = ADDRESSES["/livegen/key_guidance"].args[0]
    assert sorted(fed) == [[arg.lo], [arg.hi]]
    # key lock: a toggle into /livegen/key_lock, both states accepted
    (lock,) = [b for b in boxes.values() if b.get("text") == "prepend /livegen/key_lock"]
    (toggle,) = _max_sources(lock, max_patch)
    assert toggle["maxclass"] == "toggle"
    commands = {parse("/livegen/key_lock", e) for e in _max_examples(toggle, max_patch)}
    assert commands == {SetKeyLock(False), SetKeyLock(True)}
    # the status reply's key, mutes and key lock are shown, not sent back
    (status,) = [b for b in boxes.values() if b.get("text", "").startswith("route bpm gen_ms")]
    assert status["text"] == "route bpm gen_ms key drums_mute bass_mute music_mute key_lock"
    assert status["numoutlets"] == 8 == len(status["outlettype"])
    setters = [boxes[line["patchline"]["destination"][0]] for line in max_patch["lines"]
               if line["patchline"]["source"] == [status["id"], 6]]  # fmt: skip
    assert [s["text"] for s in setters] == ["prepend set"]
    assert _max_sources(toggle, max_patch) == setters


def test_max_replies_are_routed(max_patch):
    texts = [b["text"] for b in max_boxes(max_patch).values() if b["maxclass"] == "newobj"]
    assert "udpsend 127.0.0.1 9000" in texts and "udpreceive 9001" in texts
    route = "route /livegen/beat /livegen/bar /livegen/status /livegen/error /livegen/unknown"
    assert route in texts
    # /livegen/unknown: its words shown in a message box, which a reply without words clears
    boxes = max_boxes(max_patch)
    (rid,) = [i for i, b in boxes.items() if b.get("text") == route]

    def after(box_id: str, outlet: int) -> list[str]:
        return [line["patchline"]["destination"][0] for line in max_patch["lines"]
                if line["patchline"]["source"] == [box_id, outlet]]  # fmt: skip

    (split,) = after(rid, 4)
    assert boxes[split]["text"] == "route bang"
    (clear,) = after(split, 0)
    (prepend,) = after(split, 1)
    assert boxes[clear]["text"] == "set" and boxes[prepend]["text"].startswith("prepend set ")
    assert (
        after(clear, 0) == after(prepend, 0) and boxes[after(clear, 0)[0]]["maxclass"] == "message"
    )


# TouchDesigner -------------------------------------------------------------------------------


def td_sends() -> list[tuple[str, ast.Call]]:
    """Every sendOSC(address, args) call in the script whose address is a string literal."""
    tree = ast.parse((PATCHES / "touchdesigner" / "livegen_osc.py").read_text())
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "sendOSC":
            calls.append(node)
    return calls


def test_td_sends_only_known_addresses_and_covers_the_controls():
    tree = ast.parse((PATCHES / "touchdesigner" / "livegen_osc.py").read_text())
    addresses = {n.value for n in ast.walk(tree)
                 if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and n.value.startswith("/livegen/")}  # fmt: skip
    assert addresses <= set(ADDRESSES), addresses - set(ADDRESSES)
    wanted = {"/livegen/" + a for a in "prompt guidance steps variation gain seed hold play stop "
              "subscribe status bpm scene morph slot word stem mute drop key key_guidance "
              "key_lock".split()}  # fmt: skip
    assert wanted <= addresses


def test_td_functions_send_what_the_daemon_accepts():
    """Run the script against a stand-in for op('oscout1') and check every message it sends."""
    namespace, sent = _td()
    namespace["send_prompt"]("dark acid techno", 0.7)
    namespace["send_prompts"]([("dark acid techno", 0.7), ("dub chords", 0.3)])
    namespace["set_guidance"](4.5)
    namespace["set_steps"](6)
    namespace["set_variation"](0.2)
    namespace["set_gain"](1.0)
    namespace["set_seed"](42)
    namespace["set_hold"](True)
    namespace["set_bpm"](124)
    namespace["play"]()
    namespace["stop"]()
    namespace["subscribe"]()
    namespace["request_status"]()
    namespace["recall_scene"](3)
    namespace["morph"]("dub chords", 0.5, 8)
    namespace["morph"]("dub chords", 7, 0)  # clamped into range
    namespace["set_slot"](1, 0.7)
    namespace["define_word"]("sidestick", "rim clicks")
    namespace["define_word"]("sidestick")  # forget it
    assert len(sent) == 19
    for address, args in sent:
        accept(address, args)
    assert td_sends()


def _td() -> tuple[dict, list[tuple[str, list]]]:
    sent: list[tuple[str, list]] = []

    class OscOut:
        def sendOSC(self, address, args):
            sent.append((address, list(args)))

    namespace = {"op": lambda name: OscOut()}
    exec(compile((PATCHES / "touchdesigner" / "livegen_osc.py").read_text(), "livegen_osc.py",
                 "exec"), namespace)  # fmt: skip
    return namespace, sent


def test_td_stems_and_key_send_what_the_daemon_accepts():
    td, sent = _td()
    td["set_stem_gain"]("drums", 0.5)
    td["set_stem_gain"]("Bass", 3.0, now=False)  # clamped to 2
    td["set_stem_mute"]("music", True)
    td["set_stem_mute"]("drums", False, now=True)
    td["drop"]()
    td["set_key"]("F minor")
    td["set_key"](0)  # a menu's index: "none"
    td["set_key"](24)  # the last: "B minor"
    td["set_key_guidance"](8)
    td["set_key_guidance"](25.0)  # clamped to 20
    td["set_key_guidance"]()  # the model's own
    td["set_key_guidance"]("Default")
    td["set_key_lock"](False)
    td["set_key_lock"]()  # on, the daemon's default
    assert sent == [
        ("/livegen/stem", ["drums", 0.5, 1]),
        ("/livegen/stem", ["bass", 2.0, 0]),
        ("/livegen/mute", ["music", 1, 0]),
        ("/livegen/mute", ["drums", 0, 1]),
        ("/livegen/drop", ["drums"]),
        ("/livegen/key", ["F minor"]),
        ("/livegen/key", ["none"]),
        ("/livegen/key", ["B minor"]),
        ("/livegen/key_guidance", [8.0]),
        ("/livegen/key_guidance", [20.0]),
        ("/livegen/key_guidance", ["default"]),
        ("/livegen/key_guidance", ["default"]),
        ("/livegen/key_lock", [0]),
        ("/livegen/key_lock", [1]),
    ]
    for address, args in sent:
        accept(address, args)
    assert {parse_key(k) for k in td["KEYS"]} == {
        Key(r, m) for r in range(12) for m in ("major", "minor")
    } | {None}
    with pytest.raises(ValueError, match="drums, bass, music"):
        td["set_stem_mute"]("vocals", True)
    sent.clear()
    td["PARAMETERS"]["Bassmute"](1)
    td["PARAMETERS"]["Musicgain"](0.25)
    td["PARAMETERS"]["Keyguidance"](-3)  # clamped to 0
    td["PARAMETERS"]["Keyguidancedefault"](1)
    td["PARAMETERS"]["Keylock"](0)  # a Toggle parameter's value
    assert sent == [
        ("/livegen/mute", ["bass", 1, 0]),
        ("/livegen/stem", ["music", 0.25, 1]),
        ("/livegen/key_guidance", [0.0]),
        ("/livegen/key_guidance", ["default"]),
        ("/livegen/key_lock", [0]),
    ]
    assert parse(*sent[-2]) == SetKeyGuidance(None)
    assert parse(*sent[-1]) == SetKeyLock(False)
