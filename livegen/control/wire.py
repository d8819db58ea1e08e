"""OSC 1.0 packets from bytes, strictly: a message or bundle is read whole or refused with a reason.

python-osc's parser is lenient where a daemon must not be: it reads a float whose four data
bytes are missing as 0.0 (padding, on purpose, for Reaktor), and it skips type tags it does not
know while reading their data as the next argument (`,ci` read the char's 4 bytes as the int).
Here every argument's bytes are checked before they are read, a type tag the address space does
not take (`c`, `I`, `N`, `T`, `F`, `m`, `r`, unknown letters; blobs too) is an error, bytes left
over after the arguments are an error, and so is a bundle element whose size is negative or
runs past the packet. Strings must be UTF-8.

`read_packet(data, now)` returns `(when, Message)` pairs (`when` None: apply now) or raises
`WireError`, whose `address` is the message's address when it could be read (so the sender's
`/livegen/error` names it).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

BUNDLE = b"#bundle\0"
IMMEDIATELY = 1  # the OSC time tag that means "now"
NTP_TO_UNIX = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01
MAX_DEPTH = 8  # nested bundles at most
TAKEN = "ifsdh"  # int32, float32, string, float64, int64: what the address space takes


class WireError(ValueError):
    """A packet that is not well-formed OSC (or carries types the daemon does not take)."""

    def __init__(self, reason: str, address: str = "") -> None:
        super().__init__(reason)
        self.reason, self.address = reason, address


@dataclass(frozen=True)
class Message:
    address: str
    args: tuple[Any, ...]


def _string(data: bytes, i: int, what: str, address: str = "") -> tuple[str, int]:
    end = data.find(b"\0", i)
    if end < 0:
        raise WireError(f"{what} is not terminated", address)
    nxt = (end + 4) & ~3
    if nxt > len(data):
        raise WireError(f"{what} is not padded to 4 bytes", address)
    if any(data[end:nxt]):
        raise WireError(f"{what} has bytes after its terminator", address)
    try:
        return data[i:end].decode("utf-8"), nxt
    except UnicodeDecodeError as exc:
        raise WireError(f"{what} is not UTF-8 text", address) from exc


def read_message(data: bytes) -> Message:
    """One OSC message (the whole of `data`)."""
    if not data.startswith(b"/"):
        raise WireError("neither an OSC message nor a bundle")
    address, i = _string(data, 0, "the address")
    if i == len(data):
        return Message(address, ())  # OSC 1.0 allows a message with no type tag string
    if data[i : i + 1] != b",":
        raise WireError("the type tag string does not start with ','", address)
    tags, i = _string(data, i, "the type tag string", address)
    args: list[Any] = []
    for n, tag in enumerate(tags[1:], 1):
        if tag not in TAKEN:
            raise WireError(f"argument {n} has type tag {tag!r}; livegen takes i f s d h", address)
        if tag == "s":
            value, i = _string(data, i, f"argument {n} (s)", address)
            args.append(value)
            continue
        size = 8 if tag in "dh" else 4
        if i + size > len(data):
            have = len(data) - i
            raise WireError(
                f"argument {n} ({tag}) is truncated: {max(have, 0)} of {size} bytes", address
            )
        (value,) = struct.unpack(">" + {"i": "i", "f": "f", "d": "d", "h": "q"}[tag],
                                 data[i : i + size])  # fmt: skip
        args.append(value)
        i += size
    if i != len(data):
        raise WireError(f"{len(data) - i} bytes after the last argument", address)
    return Message(address, tuple(args))


def timetag_seconds(tag: int) -> float:
    """An OSC (NTP) time tag as seconds since the Unix epoch."""
    return (tag >> 32) - NTP_TO_UNIX + (tag & 0xFFFFFFFF) / 2**32


def read_packet(data: bytes, now: float, depth: int = 0) -> list[tuple[float | None, Message]]:
    """Every message in a datagram with when to apply it (None: now; `now` on the Unix scale)."""
    if not data.startswith(BUNDLE):
        return [(None, read_message(data))]
    if depth >= MAX_DEPTH:
        raise WireError(f"bundles nested deeper than {MAX_DEPTH}")
    if len(data) < 16:
        raise WireError("the bundle's time tag is truncated")
    (tag,) = struct.unpack(">Q", data[8:16])
    when = timetag_seconds(tag)
    late = tag == IMMEDIATELY or not math.isfinite(when) or when <= now
    out: list[tuple[float | None, Message]] = []
    i = 16
    while i < len(data):
        if i + 4 > len(data):
            raise WireError("a bundle element's size is truncated")
        (size,) = struct.unpack(">i", data[i : i + 4])
        i += 4
        if size < 0 or size % 4 or i + size > len(data):
            raise WireError(f"a bundle element's size is {size} with {len(data) - i} bytes left")
        element = data[i : i + size]
        i += size
        if element.startswith(BUNDLE):
            out.extend(read_packet(element, now, depth + 1))
        else:
            out.append((None if late else when, read_message(element)))
    return out
