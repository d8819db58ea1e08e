"""A small reader for Pd patch files: the top-level canvas's boxes and connections, enough to
recover statically what every `[oscformat]` sends (address and example arguments)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_WIDGET_RANGES = {"hsl": (3, 4), "vsl": (3, 4), "nbx": (3, 4)}  # atom index of min, max
TYPED = "dark acid techno"  # what a performer types into a symbol box, for the examples


@dataclass
class Box:
    index: int
    kind: str  # obj | msg | floatatom | symbolatom | listbox | text | subpatch
    atoms: list[str]

    @property
    def name(self) -> str:
        return self.atoms[0] if self.kind in ("obj", "subpatch") and self.atoms else self.kind


@dataclass
class Patch:
    boxes: list[Box] = field(default_factory=list)
    lines: list[tuple[int, int, int, int]] = field(default_factory=list)  # src, outlet, dst, inlet

    def sources(self, index: int, inlet: int | None = None) -> list[tuple[Box, int]]:
        return [(self.boxes[s], o) for s, o, d, i in self.lines
                if d == index and (inlet is None or i == inlet)]  # fmt: skip

    def targets(self, index: int) -> list[Box]:
        return [self.boxes[d] for s, _, d, _ in self.lines if s == index]


def _records(text: str) -> list[str]:
    """Split on unescaped semicolons; join the escaped ones back."""
    return [r.strip() for r in re.split(r"(?<!\\);", text) if r.strip()]


def _atoms(record: str) -> list[str]:
    words = re.split(r"(?<!\\)\s+", record)
    return [w.replace("\\ ", " ").replace("\\,", ",").replace("\\;", ";") for w in words]


def read(path: Path) -> Patch:
    patch = Patch()
    depth = 0
    for record in _records(path.read_text()):
        atoms = _atoms(record)
        head, rest = atoms[:2], atoms[2:]
        if head == ["#N", "canvas"]:
            depth += 1
            continue
        if head == ["#X", "restore"]:
            depth -= 1
            if depth == 1:  # a subpatch is one box of its parent
                patch.boxes.append(Box(len(patch.boxes), "subpatch", rest[3:] or ["pd"]))
            continue
        if depth != 1 or head[0] != "#X":
            continue
        if head[1] == "connect":
            s, o, d, i = (int(x) for x in rest[:4])
            patch.lines.append((s, o, d, i))
        elif head[1] in ("obj", "msg", "floatatom", "symbolatom", "listbox", "text"):
            patch.boxes.append(Box(len(patch.boxes), head[1], rest[2:]))
    return patch


def _value(atom: str) -> float | str:
    try:
        return float(atom)
    except ValueError:
        return atom


def _message(atoms: list[str]) -> list[float | str]:
    """A message box's content as the arguments it sends (selector words dropped)."""
    values = [_value(a) for a in atoms]
    if values and values[0] in ("symbol", "list", "float"):
        values = values[1:]
    return values


def examples(patch: Patch, box: Box, outlet: int = 0, seen: frozenset = frozenset()) -> list[list]:
    """Argument lists `box` can send out of `outlet`: widget range ends, message contents, ..."""
    if box.index in seen:
        return []
    seen = seen | {box.index}
    name = box.name
    if box.kind == "msg":
        return [_message(box.atoms)]
    if box.kind == "floatatom":
        lo, hi = float(box.atoms[1]), float(box.atoms[2])
        if lo >= hi:
            raise ValueError(f"number box {box.index} has no range; every control needs one")
        return [[lo], [hi]]
    if box.kind in ("symbolatom", "subpatch"):  # typed words joined into one symbol
        return [[TYPED]]
    if box.kind == "listbox":  # typed words, one atom each
        return [["dark", "acid", "techno"]]
    if name in _WIDGET_RANGES:
        a, b = _WIDGET_RANGES[name]
        return [[float(box.atoms[a])], [float(box.atoms[b])]]
    if name == "tgl":
        return [[0.0], [1.0]]
    if name in ("bng", "metro", "loadbang", "delay", "del"):
        return [[]]
    if name in ("t", "trigger") and box.atoms[1 + outlet] in ("b", "bang"):
        return [[]]
    if (
        name == "list"
        and box.atoms[1:2] in (["prepend"], ["append"])
        and not patch.sources(box.index, 1)
    ):  # [list prepend drums]: its arguments before (or after) what comes in
        fixed = [_value(a) for a in box.atoms[2:]]
        inner = examples_into(patch, box, 0, seen)
        return [fixed + e if box.atoms[1] == "prepend" else e + fixed for e in inner]
    if name == "pack":  # every column at its top, then the first number high and the rest low
        columns = [examples_into(patch, box, i, seen) for i in range(len(box.atoms) - 1)]
        firsts = [[e[0] for e in c] for c in columns]
        numeric = [all(isinstance(v, float) for v in f) for f in firsts]
        high = [max(f) if n else f[0] for f, n in zip(firsts, numeric, strict=True)]
        mixed = [f[0] if not n else (max(f) if i == numeric.index(True) else min(f))
                 for i, (f, n) in enumerate(zip(firsts, numeric, strict=True))]  # fmt: skip
        return [high, mixed]
    # pass-through objects ([f], [symbol], [t f], ...): whatever reaches any of their inlets
    out: list[list] = []
    for src, o in patch.sources(box.index):
        for example in examples(patch, src, o, seen):
            if example not in out:
                out.append(example)
    return out


def examples_into(patch: Patch, box: Box, inlet: int, seen: frozenset = frozenset()) -> list[list]:
    out: list[list] = []
    for src, o in patch.sources(box.index, inlet):
        out.extend(e for e in examples(patch, src, o, seen) if e)
    return out
