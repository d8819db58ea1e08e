"""The strict OSC reader (issue #17 items 1 and 9): truncated arguments, tags the address space
does not take, leftover bytes and bad bundle sizes are malformed packets, answered and applied
nowhere. (python-osc 1.10 read a float with no data bytes as 0.0: `/livegen/gain ,f` muted.)"""

import struct

import pytest

from livegen.control import commands as cmd
from livegen.control.osc import encode, handle_packet
from livegen.control.wire import WireError, read_message, read_packet

ME = ("127.0.0.1", 57120)
NOW = 1_800_000_000.0


def pad(text: bytes) -> bytes:
    text += b"\0"
    return text + b"\0" * (-len(text) % 4)


@pytest.mark.parametrize(
    "data",
    [
        b"/livegen/gain\0\0\0,f\0\0",  # the float's four bytes missing
        b"/livegen/guidance\0\0\0,f\0\0\0\0",  # two of four
        b"/livegen/variation\0\0,f\0\0",
        b"/livegen/seed\0\0\0,i\0\0\0\0\0",  # a truncated int
        b"/livegen/prompt\0,s\0\0acid",  # a string with no terminator
        b"/livegen/prompt\0,sf\0acid\0\0\0\0",  # the weight missing
        b"/livegen/bpm\0\0\0\0,d\0\0\0\0\0\0",
    ],
)
def test_truncated_arguments_are_malformed_and_named(data):
    incoming, errors = handle_packet(data, ME, NOW)
    assert incoming == [] and len(errors) == 1
    address, reason = errors[0].args
    assert address == data[: data.index(b"\0")].decode()
    assert "malformed" in reason and ("truncated" in reason or "terminated" in reason)


@pytest.mark.parametrize("tag", [b"c", b"I", b"N", b"T", b"F", b"m", b"r", b"b", b"x"])
def test_type_tags_the_address_space_does_not_take_are_refused(tag):
    # `/livegen/hold ,ci 'A' 1`: python-osc skipped the c and read its 4 bytes as the int (65)
    data = pad(b"/livegen/hold") + pad(b"," + tag + b"i") + struct.pack(">ii", 65, 1)
    incoming, errors = handle_packet(data, ME, NOW)
    assert incoming == [] and errors[0].args[0] == "/livegen/hold"
    assert "type tag" in errors[0].args[1]


def test_extra_bytes_and_non_utf8_name_the_address():
    _, errors = handle_packet(encode("/livegen/gain", (0.5,)) + b"\0\0\0\0", ME, NOW)
    assert errors[0].args[0] == "/livegen/gain" and "after the last" in errors[0].args[1]
    bad = pad(b"/livegen/prompt") + pad(b",s") + pad(b"\xff\xfe acid")
    _, errors = handle_packet(bad, ME, NOW)
    assert errors[0].args == (
        "/livegen/prompt",
        "malformed OSC packet: argument 1 (s) is not UTF-8 text",
    )


def test_bundle_elements_with_bad_sizes_get_a_reply():
    message = encode("/livegen/seed", (3,))
    head = b"#bundle\0" + struct.pack(">Q", 1)
    for size in (-4, -1, len(message) + 4, 3):
        incoming, errors = handle_packet(head + struct.pack(">i", size) + message, ME, NOW)
        assert incoming == [] and "size" in errors[0].args[1], size
    good = handle_packet(head + struct.pack(">i", len(message)) + message, ME, NOW)
    assert good[0][0].command == cmd.SetSeed(3) and good[1] == []


def test_well_formed_messages_read_as_before():
    assert read_message(encode("/livegen/prompt", ("a", 0.5, "b"))).args == ("a", 0.5, "b")
    assert read_message(pad(b"/livegen/play")).args == ()  # no type tag string at all
    double = pad(b"/livegen/bpm") + pad(b",d") + struct.pack(">d", 126.5)
    assert handle_packet(double, ME, NOW)[0][0].command == cmd.SetBpm(126.5)
    with pytest.raises(WireError):
        read_packet(b"#bundle\0\0\0", NOW)
