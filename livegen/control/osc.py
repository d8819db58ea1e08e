"""The OSC address space: bytes in, validated commands and replies out. No sockets here.

Every address has typed, ranged arguments (ints and floats are interchangeable, since Pd cannot tell
them apart). A bad message never raises: it becomes a `/livegen/error s s` reply (address, reason)
and changes nothing. Bundles with a future time tag come back with that time attached, so the
server can apply them then without blocking. A prompt's key phrase ("dub techno in F minor")
comes back as a `SetKey` of its own before the prompt without it (`key_phrase`).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pythonosc.osc_message_builder import OscMessageBuilder

from livegen.control import commands as cmd
from livegen.control.keys import parse_key, split_key
from livegen.control.wire import WireError, read_packet
from livegen.control.words import definable, normalize

PREFIX = "/livegen/"
MAX_PROMPTS = 8
MAX_TEXT = 500  # characters: a prompt, not an essay; bounds the tokenizer's work too
MAX_SCENES = 128  # scenes 0..127, as MIDI program changes count
MAX_MORPH_BARS = 128
Sender = tuple[str, int]


class OscError(ValueError):
    """A message the daemon will not apply; `reason` is sent back to the sender."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address}: {reason}")
        self.address, self.reason = address, reason


@dataclass(frozen=True)
class Arg:
    """One typed argument: kind "f" (float), "i" (int) or "s" (string), with its range."""

    name: str
    kind: str
    lo: float | None = None
    hi: float | None = None
    default: Any = None  # not None: the argument may be left out
    description: str = ""


@dataclass(frozen=True)
class Address:
    path: str
    args: tuple[Arg, ...]
    build: Callable[..., cmd.Command]
    description: str
    # Parses the whole argument list itself, for the addresses of any length: /livegen/prompt
    # ((s [f]) repeated) and /livegen/word (s, then any words); and for /livegen/key_guidance,
    # whose one argument is a number or the word "default", and /livegen/key_lock (0/1 or a word).
    variadic: Callable[[str, Sequence[Any]], cmd.Command] | None = None


def _number(address: str, arg: Arg, value: Any) -> float | int:
    if isinstance(value, bool):  # OSC T/F
        value = int(value)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OscError(address, f"{arg.name} must be a number, got {_describe(value)}")
    if arg.kind == "i":
        if value != int(value):
            raise OscError(address, f"{arg.name} must be a whole number, got {value}")
        value = int(value)
    if (arg.lo is not None and value < arg.lo) or (arg.hi is not None and value > arg.hi):
        raise OscError(address, f"{arg.name} must be in [{arg.lo:g}, {arg.hi:g}], got {value:g}")
    return value if arg.kind == "i" else float(value)


def _text(address: str, arg: Arg, value: Any) -> str:
    if not isinstance(value, str):
        raise OscError(address, f"{arg.name} must be a string, got {_describe(value)}")
    if len(value) > MAX_TEXT:
        raise OscError(address, f"{arg.name} is {len(value)} characters; at most {MAX_TEXT}")
    return value


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_prompts(address: str, args: Sequence[Any]) -> cmd.Command:
    prompts: list[tuple[str, float]] = []
    i = 0
    weight_arg = Arg("weight", "f", 0.0, 10.0)
    while i < len(args):
        text = _text(address, Arg("prompt", "s"), args[i]).strip()
        if not text:
            raise OscError(address, "empty prompt")
        weight = 1.0
        if i + 1 < len(args) and not isinstance(args[i + 1], str):
            weight = float(_number(address, weight_arg, args[i + 1]))
            i += 1
        prompts.append((text, weight))
        i += 1
    if not prompts:
        raise OscError(address, "needs at least one prompt: s [f] [s f ...]")
    if len(prompts) > MAX_PROMPTS:
        raise OscError(address, f"{len(prompts)} prompts; at most {MAX_PROMPTS}")
    if sum(w for _, w in prompts) <= 0:
        raise OscError(address, "the prompt weights add up to 0")
    return cmd.SetPrompts(tuple(prompts))


def _parse_word(address: str, args: Sequence[Any]) -> cmd.Command:
    """word, then its meaning; Pd sends typed words as separate atoms, so every argument after
    the word is part of the meaning (numbers too: "tb 303")."""
    if not args:
        raise OscError(
            address, "expects a word and what it means: s [s ...] (no meaning: forget it)"
        )
    word = _text(address, Arg("word", "s"), args[0])
    why = definable(word)
    if why is not None:
        raise OscError(address, why)
    parts = []
    for value in args[1:]:
        if isinstance(value, str):
            parts.append(value)
        else:
            parts.append(f"{float(_number(address, Arg('meaning', 'f'), value)):g}")
    meaning = " ".join(" ".join(parts).split())
    if len(meaning) > MAX_TEXT:
        raise OscError(address, f"meaning is {len(meaning)} characters; at most {MAX_TEXT}")
    return cmd.DefineWord(normalize(word), meaning)


def _clock(source: str) -> cmd.Command:
    if source not in ("midi", "internal", "link"):
        raise OscError(
            "/livegen/clock", f"clock must be 'midi', 'internal' or 'link', got {source!r}"
        )
    return cmd.SetClock(source)


def _morph(prompt: str, weight: float, bars: int) -> cmd.Command:
    if not prompt.strip():
        raise OscError("/livegen/morph", "empty prompt")
    return cmd.Morph(prompt.strip(), weight, bars)


def _stem(address: str, name: str) -> str:
    stem = name.strip().lower()
    if stem not in cmd.STEMS:
        raise OscError(address, f"no stem {name!r}: the stems are {', '.join(cmd.STEMS)}")
    return stem


def _key(text: str) -> cmd.Command:
    try:
        return cmd.SetKey(parse_key(text))
    except ValueError as exc:
        raise OscError("/livegen/key", str(exc)) from None


KEY_GUIDANCE = Arg("key_guidance", "f", 0, 20)  # the generator's MAX_GUIDANCE, as guidance


def _key_guidance(address: str, args: Sequence[Any]) -> cmd.Command:
    """A number, or "default" to go back to the model's own (None): one address, two types."""
    if len(args) != 1:
        raise OscError(address, f"expects f (or s 'default'), got {len(args)} arguments")
    value = args[0]
    if isinstance(value, str):
        if value.strip().lower() == "default":
            return cmd.SetKeyGuidance(None)
        raise OscError(
            address, f"key_guidance must be a number or 'default', got {_describe(value)}"
        )
    return cmd.SetKeyGuidance(float(_number(address, KEY_GUIDANCE, value)))


KEY_LOCK = Arg("key_lock", "i", 0, 1)
SWITCH_WORDS = {"on": True, "off": False}


def _key_lock(address: str, args: Sequence[Any]) -> cmd.Command:
    """0 or 1, or the word "on"/"off": toggles and text-only clients both work."""
    if len(args) != 1:
        raise OscError(address, f"expects i (0 or 1, or s 'on'/'off'), got {len(args)} arguments")
    value = args[0]
    if isinstance(value, str):
        word = value.strip().lower()
        if word in SWITCH_WORDS:
            return cmd.SetKeyLock(SWITCH_WORDS[word])
        raise OscError(address, f"key_lock must be 0, 1, 'on' or 'off', got {_describe(value)}")
    return cmd.SetKeyLock(bool(_number(address, KEY_LOCK, value)))


STEM_GAIN = Arg("gain", "f", 0, cmd.MAX_STEM_GAIN)
NOW = Arg("now", "i", 0, 1, 0, "1: within one audio block; 0 (default): at the next downbeat")

ADDRESSES: dict[str, Address] = {
    a.path: a
    for a in (
        Address("/livegen/prompt", (Arg("prompt", "s"), Arg("weight", "f", 0, 10, 1.0)),
                cmd.SetPrompts, "weighted text prompts: s [f] [s f ...]", variadic=_parse_prompts),
        Address("/livegen/audio_prompt", (Arg("path", "s"), Arg("weight", "f", 0, 10, 1.0)),
                cmd.SetAudioPrompt, "a reference audio file (path on the daemon's machine)"),
        Address("/livegen/guidance", (Arg("guidance", "f", 0, 20),), cmd.SetGuidance,
                "classifier-free guidance scale (0 and 1 = unguided)"),
        Address("/livegen/steps", (Arg("steps", "i", 1, 64),), cmd.SetSteps,
                "deblending steps per bar"),
        Address("/livegen/seed", (Arg("seed", "i", 0, 2**31 - 1),), cmd.SetSeed, "noise seed"),
        Address("/livegen/variation", (Arg("variation", "f", 0, 1),), cmd.SetVariation,
                "how far the next bar's noise moves from the current one"),
        Address("/livegen/hold", (Arg("hold", "i", 0, 1),), lambda v: cmd.SetHold(bool(v)),
                "1 = repeat the current bar"),
        Address("/livegen/bpm", (Arg("bpm", "f", 20, 300),), cmd.SetBpm,
                "tempo of the internal clock, or of the Link session"),
        Address("/livegen/clock", (Arg("source", "s"),), _clock,
                "clock source: midi | internal | link (Ableton Link)"),
        Address("/livegen/play", (), cmd.Play, "start the internal clock (Link: with --link-start-stop)"),
        Address("/livegen/stop", (), cmd.Stop, "stop the internal clock (Link: with --link-start-stop)"),
        Address("/livegen/gain", (Arg("gain", "f", 0, 4),), cmd.SetGain, "output gain (linear)"),
        Address("/livegen/scene", (Arg("scene", "i", 0, MAX_SCENES - 1),), cmd.RecallScene,
                "recall scene i (0-based) of the --config file at the next downbeat"),
        Address("/livegen/morph", (Arg("prompt", "s"), Arg("weight", "f", 0, 1),
                                   Arg("bars", "i", 1, MAX_MORPH_BARS)), _morph,
                "morph over i bars to a mix where prompt s has the share f (1: only s)"),
        Address("/livegen/slot", (Arg("slot", "i", 0, MAX_PROMPTS - 1), Arg("weight", "f", 0, 10)),
                cmd.SetSlotWeight, "weight of prompt slot i (0-based); the slots' mix is the prompt"),
        Address("/livegen/word", (Arg("word", "s"), Arg("meaning", "s", default="")),
                cmd.DefineWord, "prompts read word s as the words after it (none: forget s)",
                variadic=_parse_word),
        Address("/livegen/stem", (Arg("stem", "s"), STEM_GAIN, NOW),
                lambda s, g, now: cmd.StemGain(_stem("/livegen/stem", s), g, bool(now)),
                "linear gain (0-2) of stem drums | bass | music; [i] 1 = now, else next downbeat"),
        Address("/livegen/mute", (Arg("stem", "s"), Arg("mute", "i", 0, 1), NOW),
                lambda s, m, now: cmd.StemMute(_stem("/livegen/mute", s), bool(m), bool(now)),
                "1 mutes, 0 unmutes stem s; [i] 1 = now, else at the next downbeat"),
        Address("/livegen/drop", (Arg("stem", "s", default="drums"),),
                lambda s: cmd.Drop(_stem("/livegen/drop", s)),
                "mute stem s (default drums) now, bring it back at the next downbeat"),
        Address("/livegen/key", (Arg("key", "s"),), _key,
                "key of the next bars: 'F minor', 'A#m', 'Eb major' or 'none'"),
        Address("/livegen/key_guidance", (KEY_GUIDANCE,), cmd.SetKeyGuidance,
                "push to the key on its own scale (stem model); s 'default': the model's own",
                variadic=_key_guidance),
        Address("/livegen/key_lock", (KEY_LOCK,), lambda v: cmd.SetKeyLock(bool(v)),
                "1 = the bass stem's notes pulled onto the key's scale (stem model); s 'on'/'off'",
                variadic=_key_lock),
        Address("/livegen/status", (), cmd.StatusRequest, "reply /livegen/status key value ..."),
        Address("/livegen/subscribe", (Arg("on", "i", 0, 1, 1),), lambda v: cmd.Subscribe(bool(v)),
                "1 = send /livegen/beat i i and /livegen/bar i to the sender"),
    )
}  # fmt: skip


def option(address: str) -> Callable[[str], float | int]:
    """An argparse `type` for the command-line twin of `address` (its first argument's kind and
    range): `livegen serve --gain 100` is refused as `/livegen/gain 100` is."""
    arg = ADDRESSES[address].args[0]

    def convert(text: str) -> float | int:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{arg.name} must be a number, got {text!r}") from None
        try:
            return _number(address, arg, value)
        except OscError as exc:
            raise argparse.ArgumentTypeError(exc.reason) from None

    convert.__name__ = arg.name
    return convert


def parse(address: str, args: Sequence[Any]) -> cmd.Command:
    """One OSC message to a command; raises OscError with a reason a performer can read."""
    spec = ADDRESSES.get(address)
    if spec is None:
        raise OscError(address, "unknown address (see /livegen/status or docs/osc.md)")
    if spec.variadic is not None:
        return spec.variadic(address, args)
    required = sum(a.default is None for a in spec.args)
    if not required <= len(args) <= len(spec.args):
        want = " ".join(a.kind if a.default is None else f"[{a.kind}]" for a in spec.args)
        raise OscError(address, f"expects {want or 'no arguments'}, got {len(args)} arguments")
    values: list[Any] = []
    filled = list(args) + [a.default for a in spec.args[len(args) :]]
    for arg, value in zip(spec.args, filled, strict=True):
        if arg.kind == "s":
            values.append(_text(address, arg, value))
        else:
            values.append(_number(address, arg, value))
    if address == "/livegen/audio_prompt":
        values[0] = str(Path(values[0]).expanduser())
    return spec.build(*values)


def key_phrase(command: cmd.Command) -> list[cmd.Command]:
    """A prompt's key phrase as a key: SetPrompts(("dub techno in F minor", 1)) becomes
    SetKey(F minor), then SetPrompts(("dub techno", 1)), so the concept never sees the key's
    words and the key goes where `/livegen/key` goes (a mix-only model refuses it there).

    In a mix, every prompt loses its phrase and the heaviest prompt that had one names the key
    (ties: the first). A prompt that was only a key phrase ("in A minor") leaves the mix; if
    none is left (or only weight 0), the prompts stay as they are. Any other command: itself.
    """
    if not isinstance(command, cmd.SetPrompts):
        return [command]
    prompts: list[tuple[str, float]] = []
    key, heaviest = None, -1.0
    for text, weight in command.prompts:
        rest, found = split_key(text)
        if found is not None and weight > heaviest:
            key, heaviest = found, weight
        if rest:
            prompts.append((rest, weight))
    if key is None:
        return [command]
    keyed: list[cmd.Command] = [cmd.SetKey(key)]
    if sum(w for _, w in prompts) > 0:
        keyed.append(cmd.SetPrompts(tuple(prompts)))
    return keyed


@dataclass(frozen=True)
class Incoming:
    """A valid command, from whom, and when to apply it (None: now)."""

    command: cmd.Command
    sender: Sender
    when: float | None = None


@dataclass(frozen=True)
class Reply:
    address: str
    args: tuple[Any, ...]
    to: Sender

    def encode(self) -> bytes:
        return encode(self.address, self.args)


def encode(address: str, args: Sequence[Any]) -> bytes:
    builder = OscMessageBuilder(address=address)
    for value in args:
        builder.add_arg(value)
    return builder.build().dgram


def error_reply(address: str, reason: str, to: Sender) -> Reply:
    return Reply("/livegen/error", (address, reason), to)


def handle_packet(data: bytes, sender: Sender, now: float) -> tuple[list[Incoming], list[Reply]]:
    """Parse one UDP datagram (message or bundle, nested bundles too) into commands and errors.

    Args:
        data: the datagram.
        sender: (host, port) it came from; errors are addressed there.
        now: the current time on the OSC time-tag scale (seconds since the Unix epoch).
    """
    incoming: list[Incoming] = []
    errors: list[Reply] = []
    try:
        messages = read_packet(data, now)
    except WireError as exc:  # any garbage on the wire is the sender's problem, not ours
        return [], [error_reply(exc.address, f"malformed OSC packet: {exc.reason}", sender)]
    except Exception as exc:  # a bug in the reader must not take the daemon down
        return [], [error_reply("", f"malformed OSC packet ({type(exc).__name__})", sender)]
    for when, message in messages:
        try:
            command = parse(message.address, message.args)
        except OscError as exc:
            errors.append(error_reply(exc.address, exc.reason, sender))
        except Exception as exc:  # a bug in validation must not take the daemon down
            errors.append(error_reply(message.address, f"could not read: {exc}", sender))
        else:
            incoming += (Incoming(c, sender, when) for c in key_phrase(command))
    return incoming, errors
