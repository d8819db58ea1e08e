"""Mutated OSC packets built from livegen's real address space, for the fuzz test (not a test
module). Seeded: the same seed gives the same packets.

Each packet starts from a well-formed message to a real address with in-range arguments and is
then broken in one or two of these ways: truncated, a wrong or unknown type tag, extra bytes,
NaN/inf/huge numbers, huge counts (long strings, many prompts, a type tag string of thousands
of arguments, bundle element sizes that lie, bundles nested deep), flipped bytes, wrapped in a
bundle with an odd time tag, or replaced by noise.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator

import numpy as np

from livegen.control.osc import ADDRESSES, Arg, handle_packet

TAGS = b"cINTFmrbx?SdhZ\x00\xff"
ME = ("127.0.0.1", 1)
NOW = 1_800_000_000.0


def pad(data: bytes) -> bytes:
    data += b"\0"
    return data + b"\0" * (-len(data) % 4)


def message(address: str, args: list) -> bytes:
    tags = "," + "".join("s" if isinstance(a, str) else "i" if isinstance(a, int) else "f"
                         for a in args)  # fmt: skip
    out = pad(address.encode()) + pad(tags.encode())
    for a in args:
        if isinstance(a, str):
            out += pad(a.encode())
        elif isinstance(a, int):
            out += struct.pack(">i", a)
        else:
            out += struct.pack(">f", a)
    return out


def good_args(rng: np.random.Generator, spec_args: tuple[Arg, ...]) -> list:
    out: list = []
    for arg in spec_args:
        if arg.kind == "s":
            out.append(str(rng.choice(["dark acid", "dub chords", "midi", "internal", "x"])))
        elif arg.kind == "i":
            lo, hi = int(arg.lo or 0), int(min(arg.hi or 100, 1000))
            out.append(int(rng.integers(lo, hi + 1)))
        else:
            out.append(float(rng.uniform(arg.lo or 0.0, arg.hi or 1.0)))
    return out


def bundle(tag: int, *elements: bytes, sizes: list[int] | None = None) -> bytes:
    body = b""
    for k, e in enumerate(elements):
        size = len(e) if sizes is None else sizes[k]
        body += struct.pack(">i", size) + e
    return b"#bundle\0" + struct.pack(">Q", tag) + body


def mutate(rng: np.random.Generator, data: bytes, address: str, args: list) -> bytes:
    kind = int(rng.integers(0, 12))
    if kind == 0 and len(data) > 1:  # truncated
        return data[: int(rng.integers(1, len(data)))]
    if kind == 1 and b"," in data:  # a wrong or unknown type tag, data bytes kept
        at = data.index(b",") + 1 + int(rng.integers(0, max(1, len(args))))
        tag = TAGS[int(rng.integers(0, len(TAGS)))]
        return data[:at] + bytes([tag]) + data[at + 1 :]
    if kind == 2:  # extra bytes after the arguments
        return data + rng.bytes(int(rng.integers(1, 17)))
    if kind == 3:  # NaN, inf, huge and negative numbers (well-formed, out of range)
        bad = [math.nan, math.inf, -math.inf, 3e38, -1.0, 1e9]
        new = [float(rng.choice(bad)) if not isinstance(a, str) else a for a in args]
        return message(address, new or [math.nan])
    if kind == 4:  # huge counts: long strings, many arguments, a tag string with no data
        choice = int(rng.integers(0, 3))
        if choice == 0:
            return message(address, ["x" * int(rng.integers(501, 60_000))])
        if choice == 1:
            return message(address, ["a", 1.0] * int(rng.integers(9, 300)))
        return pad(address.encode()) + pad(b"," + b"f" * int(rng.integers(100, 8000)))
    if kind == 5:  # bundle element sizes that lie
        size = int(rng.choice([-4, -1, 3, len(data) + 4, 0x7FFFFFFF, -0x80000000]))
        return bundle(1, data, sizes=[size])
    if kind == 6:  # bundles nested deep
        out = data
        for _ in range(int(rng.integers(5, 40))):
            out = bundle(1, out)
        return out
    if kind == 7 and len(data) > 4:  # flipped bytes
        buf = bytearray(data)
        for _ in range(int(rng.integers(1, 4))):
            buf[int(rng.integers(0, len(buf)))] ^= int(rng.integers(1, 256))
        return bytes(buf)
    if kind == 8:  # a broken message inside a bundle with an odd time tag
        tags = [0, 1, 2**64 - 1, 2**63, 123456789]
        tag = tags[int(rng.integers(0, len(tags)))]
        return bundle(tag, mutate(rng, data, address, args))
    if kind == 9:  # noise
        return rng.bytes(int(rng.integers(0, 200)))
    if kind == 10:  # an argument type swapped (a string where a number goes and back)
        swapped = [1.0 if isinstance(a, str) else "3" for a in args] or ["x"]
        return message(address, swapped)
    return b"/livegen\0\0\0\0" + data  # an address that is no address (or a bad one)


def packets(seed: int, n: int) -> Iterator[tuple[bytes, bool]]:
    """`n` mutated packets and whether each carries a valid command (by livegen's own reader).

    The fuzz test sends only those that do not: a mutation can make a message well-formed and
    valid by chance (a flipped byte in a float), and that one may change settings."""
    rng = np.random.default_rng(seed)
    specs = list(ADDRESSES.values())
    for _ in range(n):
        spec = specs[int(rng.integers(0, len(specs)))]
        args = good_args(rng, spec.args)
        data = mutate(rng, message(spec.path, args), spec.path, args)
        if rng.random() < 0.2:
            data = mutate(rng, data, spec.path, args)
        incoming, _ = handle_packet(data, ME, NOW)
        yield data, bool(incoming)
