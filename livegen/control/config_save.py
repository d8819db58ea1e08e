"""Writing MIDI mappings back into a config file (MIDI learn, `--midi-learn`): the `[midi]`
tables as TOML text, spliced into the file in place of the old ones so the rest of the file (and
its comments) stays as the performer wrote it. `livegen.control.config` reads them back.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from livegen.control.config import ConfigError
from livegen.control.midimap import MidiMap


def _toml_number(value: float) -> str:
    text = repr(float(value))
    return text if "e" not in text else f"{value:.17f}".rstrip("0")


def midi_toml(midi: MidiMap) -> str:
    """The `[midi]` tables for `midi`, as TOML text (the form `load` reads back)."""
    lines = ["[midi]"]
    if midi.channel is not None:
        lines.append(f"channel = {midi.channel}")
    lines.append(f"program_change = {'true' if midi.program_change else 'false'}")
    if midi.key_channel is not None:
        lines.append(f"key_channel = {midi.key_channel}")
    if midi.cc:
        lines += ["", "[midi.cc]"]
        for m in midi.cc:
            if m.channel is None and m.lo is None and m.hi is None:
                lines.append(f"{m.target} = {m.cc}")
                continue
            parts = [f"cc = {m.cc}"]
            if m.channel is not None:
                parts.append(f"channel = {m.channel}")
            if m.lo is not None:
                parts.append(f"min = {_toml_number(m.lo)}")
            if m.hi is not None:
                parts.append(f"max = {_toml_number(m.hi)}")
            lines.append(f"{m.target} = {{ {', '.join(parts)} }}")
    if midi.notes:
        lines += ["", "[midi.notes]"]
        for n in sorted(midi.notes, key=lambda n: n.slot):
            if n.channel is None:
                lines.append(f"slot{n.slot} = {n.note}")
            else:
                lines.append(f"slot{n.slot} = {{ note = {n.note}, channel = {n.channel} }}")
    return "\n".join(lines) + "\n"


_HEADER = re.compile(r"^\s*\[\[?([^\[\]]+)\]\]?\s*(#.*)?$")


def replace_midi(text: str, section: str) -> str:
    """`text` with its `[midi]` and `[midi.*]` tables replaced by `section` (in the place of the
    first of them, or appended); every other line is kept as it was."""
    out: list[str] = []
    in_midi = inserted = False
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line)
        if header:
            name = re.sub(r"\s+", "", header.group(1))
            in_midi = name == "midi" or name.startswith("midi.")
            if in_midi and not inserted:
                out.append(section + "\n")
                inserted = True
        if not in_midi:
            out.append(line)
    if not inserted:
        body = "".join(out)
        if body and not body.endswith("\n"):
            body += "\n"
        return body + ("\n" if body.strip() else "") + section
    return "".join(out).rstrip("\n") + "\n"


def save_midi(path: Path | str, midi: MidiMap) -> None:
    """Write `midi` into the config file's `[midi]` tables (created if missing), atomically,
    leaving the rest of the file as it is."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    section = midi_toml(midi)
    new = replace_midi(text, section)
    # The text edit only understands [midi] written as tables; anything else (dotted keys,
    # an inline table) would come out wrong: check before writing.
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML, the MIDI mappings were not saved: {exc}"
        ) from exc
    expected = {k: v for k, v in before.items() if k != "midi"}
    expected["midi"] = tomllib.loads(section)["midi"]
    try:
        after: dict[str, Any] | None = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        after = None
    if after != expected:
        raise ConfigError(
            f"{path}: cannot update its [midi] tables in place (write them as [midi], "
            f"[midi.cc] and [midi.notes] tables); the learned mappings are: "
            + section.replace("\n", "  ")
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(new)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
