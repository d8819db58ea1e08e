"""The `--config` file: session defaults, scenes and MIDI mappings in TOML (stdlib `tomllib`).

    [session]                      # where the set starts (command-line options win)
    prompts = { "dark acid techno" = 0.7, "dub chords" = 0.3 }   # or: prompt = "minimal techno"
    guidance = 3.0
    key_guidance = 6.0             # a stem model's push to the key (leave out: the model's own)
    key_lock = false               # a stem model's bass as the model made it (default: true)
    steps = 8
    slots = ["minimal techno", "dub chords", "acid bassline", "industrial noise"]

    [[scene]]                      # scene 0; /livegen/scene 0 recalls it at the next downbeat
    name = "break"
    prompt = "dub chords"
    guidance = 2.0
    morph = 8                      # bars; 0 (default) switches at the next downbeat

    [midi]
    channel = 10                   # default channel of every mapping (leave out: any channel)
    program_change = true          # program change P recalls scene P
    key_channel = 16               # a note held on channel 16 sets the key's root (--stems)

    [midi.cc]                      # CC number, or a table with a channel and a range
    guidance = 21
    gain = { cc = 7, channel = 1, min = 0.0, max = 1.0 }
    slot0 = 24                     # weight of prompt slot 0
    stem.drums = 25                # a stem's gain (--stems), heard at once
    mute.bass = 26                 # a stem's mute (CC 64..127 mutes), at the next downbeat

    [midi.notes]                   # a note makes its prompt slot the prompt
    slot0 = 36

    [words]                        # your own words: prompts read "sidestick" as "rim clicks"
    sidestick = "rim clicks"

docs/config.md is the reference; docs/example.toml a complete example. Every value is checked
against the OSC address space's ranges; the first problem becomes one `ConfigError` line naming
the key. `config_save.save_midi` writes learned mappings back: it replaces only the `[midi]` tables in the
file's text and keeps everything else (comments included) as it was.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from livegen.control.midimap import CC_TARGETS, CcMap, MidiMap, NoteMap
from livegen.control.morph import Prompts
from livegen.control.osc import ADDRESSES, MAX_MORPH_BARS, MAX_PROMPTS, MAX_SCENES, MAX_TEXT
from livegen.control.state import MAX_WORDS, Scene, Session
from livegen.control.words import definable, normalize

SETTINGS = {  # config key → (OSC address whose first argument gives the range, whole number)
    "guidance": ("/livegen/guidance", False),
    "key_guidance": ("/livegen/key_guidance", False),  # a stem model's; a mix model ignores it
    "steps": ("/livegen/steps", True),
    "seed": ("/livegen/seed", True),
    "variation": ("/livegen/variation", False),
    "gain": ("/livegen/gain", False),
}
FLAGS = ("key_lock",)  # config keys that are true or false; a stem model's, a mix model ignores it


class ConfigError(ValueError):
    """A config file the daemon will not run with; the message is one line naming the key."""


@dataclass(frozen=True)
class Config:
    """A loaded config.

    Args:
        path: the file (None: no --config).
        session: the `[session]` values, by `Session` field name (prompts, guidance, ...).
        scenes: the `[[scene]]` list, in order.
        midi: the `[midi]` mappings.
    """

    path: Path | None = None
    session: dict[str, Any] = field(default_factory=dict)
    scenes: tuple[Scene, ...] = ()
    midi: MidiMap = field(default_factory=MidiMap)

    def make_session(self, **overrides: Any) -> Session:
        """The starting session: built-in defaults, then `[session]`, then `overrides` that are
        not None (the command line). Slots default to the prompts' texts."""
        names = {f.name for f in fields(Session)}
        values = {**self.session, **{k: v for k, v in overrides.items() if v is not None}}
        unknown = set(values) - names
        if unknown:
            raise TypeError(f"not session fields: {sorted(unknown)}")
        session = Session(**values)
        slots = session.slots or tuple(text for text, _ in session.prompts)[:MAX_PROMPTS]
        weights = dict(session.prompts)
        slot_weights = tuple(float(weights.get(text, 0.0)) for text in slots)
        return replace(session, slots=slots, slot_weights=slot_weights, scenes=self.scenes)


# Loading -------------------------------------------------------------------------------------


def load(path: Path | str, missing_ok: bool = False) -> Config:
    """Read and check a config file (`missing_ok`: a file that does not exist yet is empty)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return Config(path)
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from exc
    return loads(text, path)


def loads(text: str, path: Path | str | None = None) -> Config:
    """Parse and check config text (`path` names it in errors)."""
    where = str(path) if path is not None else "config"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from exc
    try:
        return _config(data, None if path is None else Path(path))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _config(data: dict[str, Any], path: Path | None) -> Config:
    _known(data, "", {"session", "scene", "midi", "words"})
    session = _session(_table(data, "session"), "session")
    words = _words(_table(data, "words"))
    if words:
        session["words"] = words
    scenes_raw = data.get("scene", [])
    if not isinstance(scenes_raw, list) or not all(isinstance(s, dict) for s in scenes_raw):
        raise ConfigError("scene: write each scene as a [[scene]] table")
    if len(scenes_raw) > MAX_SCENES:
        raise ConfigError(f"scene: {len(scenes_raw)} scenes; at most {MAX_SCENES}")
    scenes = tuple(_scene(s, f"scene[{i}]") for i, s in enumerate(scenes_raw))
    slots = session.get("slots") or ()
    n_slots = len(slots) if slots else len(session.get("prompts", (("", 1.0),)))
    midi = _midi(_table(data, "midi"), n_slots)
    return Config(path, session, scenes, midi)


def _table(data: dict[str, Any], key: str, prefix: str = "") -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{prefix}{key} must be a table ([{prefix}{key}])")
    return value


def _known(table: dict[str, Any], prefix: str, known: set[str]) -> None:
    for key in table:
        if key not in known:
            listing = ", ".join(sorted(known))
            raise ConfigError(f"unknown key {prefix}{key} (known here: {listing})")


def _number(key: str, value: Any, lo: float, hi: float, integer: bool) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{key} must be a number, got {value!r}")
    if integer and value != int(value):
        raise ConfigError(f"{key} must be a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise ConfigError(f"{key} must be in [{lo:g}, {hi:g}], got {value:g}")
    return int(value) if integer else float(value)


def _setting(key: str, name: str, value: Any) -> float | int:
    address, integer = SETTINGS[name]
    arg = ADDRESSES[address].args[0]
    assert arg.lo is not None and arg.hi is not None
    return _number(key, value, arg.lo, arg.hi, integer)


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):  # TOML's true/false only: 1 or "on" is more likely a slip
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key} must be a non-empty string, got {value!r}")
    if len(value) > MAX_TEXT:
        raise ConfigError(f"{key} is {len(value)} characters; at most {MAX_TEXT}")
    return value.strip()


def _prompts(table: dict[str, Any], prefix: str) -> Prompts | None:
    if "prompt" in table and "prompts" in table:
        raise ConfigError(f"{prefix}prompt and {prefix}prompts: give one of them")
    if "prompt" in table:
        return ((_text(f"{prefix}prompt", table["prompt"]), 1.0),)
    if "prompts" not in table:
        return None
    raw = table["prompts"]
    key = f"{prefix}prompts"
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f'{key} must be a table of "text" = weight, e.g. {{ "acid" = 0.7 }}')
    if len(raw) > MAX_PROMPTS:
        raise ConfigError(f"{key} has {len(raw)} prompts; at most {MAX_PROMPTS}")
    lo, hi = ADDRESSES["/livegen/prompt"].args[1].lo, ADDRESSES["/livegen/prompt"].args[1].hi
    assert lo is not None and hi is not None
    prompts = tuple(
        (_text(f"{key} text", text), float(_number(f'{key}."{text}"', w, lo, hi, False)))
        for text, w in raw.items()
    )
    if sum(w for _, w in prompts) <= 0:
        raise ConfigError(f"{key}: the weights add up to 0")
    return prompts


def _session(table: dict[str, Any], prefix: str) -> dict[str, Any]:
    p = f"{prefix}."
    _known(table, p, {"prompt", "prompts", "slots", *SETTINGS, *FLAGS})
    out: dict[str, Any] = {}
    prompts = _prompts(table, p)
    if prompts is not None:
        out["prompts"] = prompts
    for name in SETTINGS:
        if name in table:
            out[name] = _setting(p + name, name, table[name])
    out.update({name: _flag(p + name, table[name]) for name in FLAGS if name in table})
    if "slots" in table:
        slots = table["slots"]
        if not isinstance(slots, list) or not slots:
            raise ConfigError(f"{p}slots must be a list of prompt texts")
        if len(slots) > MAX_PROMPTS:
            raise ConfigError(f"{p}slots has {len(slots)} slots; at most {MAX_PROMPTS}")
        out["slots"] = tuple(_text(f"{p}slots[{i}]", s) for i, s in enumerate(slots))
    return out


def _words(table: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    if len(table) > MAX_WORDS:
        raise ConfigError(f"words has {len(table)} words; at most {MAX_WORDS}")
    out: dict[str, str] = {}
    for word, meaning in table.items():
        why = definable(word)
        if why is not None:
            raise ConfigError(f"words.{word}: {why}")
        out[normalize(word)] = _text(f"words.{word}", meaning)
    return tuple(sorted(out.items()))


def _scene(table: dict[str, Any], prefix: str) -> Scene:
    p = f"{prefix}."
    _known(table, p, {"name", "prompt", "prompts", "morph", *SETTINGS, *FLAGS})
    values: dict[str, Any] = {name: _setting(p + name, name, table[name])
                              for name in SETTINGS if name in table}  # fmt: skip
    values.update({name: _flag(p + name, table[name]) for name in FLAGS if name in table})
    if "name" in table:
        if not isinstance(table["name"], str):
            raise ConfigError(f"{p}name must be a string, got {table['name']!r}")
        values["name"] = table["name"]
    values["prompts"] = _prompts(table, p)
    if "morph" in table:
        values["morph"] = int(_number(f"{p}morph", table["morph"], 0, MAX_MORPH_BARS, True))
        if values["morph"] and values["prompts"] is None:
            raise ConfigError(f"{p}morph: the scene has no prompt to morph to")
    return Scene(**values)


def _channel(key: str, value: Any) -> int:
    return int(_number(key, value, 1, 16, True))


def _midi(table: dict[str, Any], n_slots: int) -> MidiMap:
    _known(table, "midi.", {"channel", "program_change", "key_channel", "cc", "notes"})
    channel = _channel("midi.channel", table["channel"]) if "channel" in table else None
    key = table.get("key_channel")
    key_channel = None if key is None else _channel("midi.key_channel", key)
    program_change = _flag("midi.program_change", table.get("program_change", False))
    ccs = [_cc(f"midi.cc.{name}", name, v, n_slots)
           for name, v in _flat_cc(_table(table, "cc", "midi."))]  # fmt: skip
    notes = [_note(f"midi.notes.{name}", name, v, n_slots)
             for name, v in _table(table, "notes", "midi.").items()]  # fmt: skip
    return MidiMap(tuple(ccs), tuple(notes), channel, program_change, key_channel)


def _flat_cc(table: dict[str, Any]) -> list[tuple[str, Any]]:
    """`[midi.cc]` entries by target name: TOML reads `stem.drums = 22` as a table `stem` with
    a key `drums`; it is the target "stem.drums" (as `"stem.drums" = 22` is)."""
    out: list[tuple[str, Any]] = []
    for name, value in table.items():
        if name in ("stem", "mute") and isinstance(value, dict):
            out += [(f"{name}.{stem}", v) for stem, v in value.items()]
        else:
            out.append((name, value))
    return out


def _check_slot(key: str, name: str, n_slots: int) -> int | None:
    if not name.startswith("slot"):
        return None
    slot = int(name[4:])
    if slot >= n_slots:
        raise ConfigError(
            f"{key}: prompt slot {slot} does not exist ({n_slots} slot(s); set session.slots)"
        )
    return slot


def _cc(key: str, name: str, value: Any, n_slots: int) -> CcMap:
    if name not in CC_TARGETS:
        known = (
            "guidance, key_guidance, key_lock, steps, variation, gain, slot0..slot7, "
            "stem.drums, ..."
        )
        raise ConfigError(f"unknown key {key} (known here: {known})")
    _check_slot(key, name, n_slots)
    if not isinstance(value, dict):
        return CcMap(name, int(_number(key, value, 0, 127, True)))
    _known(value, f"{key}.", {"cc", "channel", "min", "max"})
    if "cc" not in value:
        raise ConfigError(f"{key}.cc is missing (the controller number 0..127)")
    target = CC_TARGETS[name]
    lo, hi = (_number(f"{key}.{k}", value[k], target.lo, target.hi, target.integer)
              if k in value else None for k in ("min", "max"))  # fmt: skip
    return CcMap(
        name,
        int(_number(f"{key}.cc", value["cc"], 0, 127, True)),
        _channel(f"{key}.channel", value["channel"]) if "channel" in value else None,
        None if lo is None else float(lo),
        None if hi is None else float(hi),
    )


def _note(key: str, name: str, value: Any, n_slots: int) -> NoteMap:
    if not re.fullmatch(r"slot[0-9]", name) or int(name[4:]) >= MAX_PROMPTS:
        raise ConfigError(f"unknown key {key} (known here: slot0..slot{MAX_PROMPTS - 1})")
    slot = _check_slot(key, name, n_slots)
    assert slot is not None
    if not isinstance(value, dict):
        return NoteMap(slot, int(_number(key, value, 0, 127, True)))
    _known(value, f"{key}.", {"note", "channel"})
    if "note" not in value:
        raise ConfigError(f"{key}.note is missing (the note number 0..127, 60 = middle C)")
    channel = _channel(f"{key}.channel", value["channel"]) if "channel" in value else None
    return NoteMap(slot, int(_number(f"{key}.note", value["note"], 0, 127, True)), channel)
