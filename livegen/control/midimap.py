"""MIDI control: channel messages (raw bytes) in, commands out; and MIDI learn. Pure logic.

- A control change (CC) mapped to a target scales its value 0..127 linearly onto the mapping's
  range (0 gives `lo`, 127 gives `hi` exactly; steps are rounded to whole numbers): `guidance`,
  `steps`, `variation`, `gain`, or `slotN`, the weight of prompt slot N (0-based); for a stem
  model `key_guidance`, the push to the key, `key_lock`, the bass pulled onto the key's scale
  from the next bar (64..127 on, 0..63 off), `stem.drums` (bass, music), the stem's gain, heard
  at once as a fader's should be, and `mute.drums`, a mute at the next downbeat (64..127 mutes,
  0..63 unmutes).
- A note-on (velocity > 0) mapped to slot N makes that slot alone the prompt; note-offs are
  ignored.
- With `program_change`, program change P recalls scene P.
- With `key_channel`, notes on that channel set the key's root (`KeyNotes`) and nothing else:
  a note that starts as the lowest one held sets the root to its pitch class; releases never
  change it (a chord let go note by note keeps its root; all released, the last root stays).
- Channels are 1..16, as MIDI devices and DAWs number them; a mapping without a channel takes
  the map's `channel`, and with neither it listens on every channel.

`Learner` assigns, one target after the other, the next control moved that is not assigned yet
in this run (a knob sends many messages: once learned it controls its target and is not offered
to the next one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from livegen.control import commands as cmd
from livegen.control.commands import STEMS
from livegen.control.osc import ADDRESSES, MAX_PROMPTS

NOTE_OFF, NOTE_ON, CONTROL_CHANGE, PROGRAM_CHANGE = 0x80, 0x90, 0xB0, 0xC0
ALL_NOTES_OFF = (120, 123)  # CC numbers: all sound off, all notes off


@dataclass(frozen=True)
class Target:
    """What a CC can drive.

    Args:
        lo, hi: the widest range (the OSC address's).
        default: the range a mapping gets when the config gives none.
        integer: round to a whole number.
        build: value → command.
    """

    lo: float
    hi: float
    default: tuple[float, float]
    integer: bool
    build: Callable[[float], cmd.Command]


def _osc_range(address: str, index: int = 0) -> tuple[float, float]:
    arg = ADDRESSES[address].args[index]
    assert arg.lo is not None and arg.hi is not None
    return float(arg.lo), float(arg.hi)


def _targets() -> dict[str, Target]:
    # Defaults narrower than the OSC range where the full range is unmusical on a knob: gain
    # stops at unity (a knob at its end must not mean +12 dB), guidance at 10, steps at 32. Key
    # guidance keeps its whole range: the shipped model's own is 12, on its first steps only.
    targets = {
        "guidance": Target(*_osc_range("/livegen/guidance"), (0.0, 10.0), False,
                           lambda v: cmd.SetGuidance(v)),
        "key_guidance": Target(*_osc_range("/livegen/key_guidance"), (0.0, 20.0), False,
                               lambda v: cmd.SetKeyGuidance(v)),
        # a switch, as a mute is: the CC rounded to 0 or 1 (64..127 on)
        "key_lock": Target(*_osc_range("/livegen/key_lock"), (0.0, 1.0), True,
                           lambda v: cmd.SetKeyLock(v >= 0.5)),
        "steps": Target(*_osc_range("/livegen/steps"), (1.0, 32.0), True,
                        lambda v: cmd.SetSteps(int(v))),
        "variation": Target(*_osc_range("/livegen/variation"), (0.0, 1.0), False,
                            lambda v: cmd.SetVariation(v)),
        "gain": Target(*_osc_range("/livegen/gain"), (0.0, 1.0), False, lambda v: cmd.SetGain(v)),
    }  # fmt: skip
    lo, hi = _osc_range("/livegen/slot", 1)
    for slot in range(MAX_PROMPTS):
        targets[f"slot{slot}"] = Target(lo, hi, (0.0, 1.0), False, _slot_weight(slot))
    lo, hi = _osc_range("/livegen/stem", 1)
    for stem in STEMS:  # a stem fader stops at unity too, as gain does
        targets[f"stem.{stem}"] = Target(lo, hi, (0.0, 1.0), False, _stem_gain(stem))
        targets[f"mute.{stem}"] = Target(0.0, 1.0, (0.0, 1.0), True, _stem_mute(stem))
    return targets


def _slot_weight(slot: int) -> Callable[[float], cmd.Command]:
    return lambda v: cmd.SetSlotWeight(slot, v)


def _stem_gain(stem: str) -> Callable[[float], cmd.Command]:
    return lambda v: cmd.StemGain(stem, v, now=True)


def _stem_mute(stem: str) -> Callable[[float], cmd.Command]:
    return lambda v: cmd.StemMute(stem, v >= 0.5)


CC_TARGETS: dict[str, Target] = _targets()
NOTE_PREFIX = "notes."  # learn targets for notes: "notes.slot0", as in the config's [midi.notes]
LEARN_TARGETS = (*CC_TARGETS, *(f"{NOTE_PREFIX}slot{i}" for i in range(MAX_PROMPTS)))


def scale(value: int, lo: float, hi: float, integer: bool = False) -> float:
    """CC value 0..127 onto [lo, hi] (lo > hi inverts the control)."""
    t = min(max(value, 0), 127) / 127.0
    x = lo * (1.0 - t) + hi * t  # exact at both ends
    return float(round(x)) if integer else x


@dataclass(frozen=True)
class CcMap:
    """CC `cc` (0..127) on `channel` (1..16, None: the map's) drives `target` over [lo, hi]."""

    target: str
    cc: int
    channel: int | None = None
    lo: float | None = None  # None: the target's default range
    hi: float | None = None

    @property
    def span(self) -> tuple[float, float]:
        default = CC_TARGETS[self.target].default
        return (
            default[0] if self.lo is None else self.lo,
            default[1] if self.hi is None else self.hi,
        )


@dataclass(frozen=True)
class NoteMap:
    """Note `note` (0..127) on `channel` (None: the map's) makes prompt slot `slot` the prompt."""

    slot: int
    note: int
    channel: int | None = None


@dataclass(frozen=True)
class MidiMap:
    """Every MIDI control mapping (the config's `[midi]` table)."""

    cc: tuple[CcMap, ...] = ()
    notes: tuple[NoteMap, ...] = ()
    channel: int | None = None  # default for mappings without one; None: every channel
    program_change: bool = False  # program change P recalls scene P
    key_channel: int | None = None  # notes there set the key's root (`KeyNotes`); None: off

    def __bool__(self) -> bool:
        return bool(self.cc or self.notes or self.program_change or self.key_channel)

    def _hears(self, own: int | None, channel: int) -> bool:
        wanted = self.channel if own is None else own
        return wanted is None or wanted == channel

    def commands(self, message: Sequence[int]) -> list[cmd.Command]:
        """The commands one MIDI message asks for (none for anything unmapped or malformed)."""
        if len(message) < 2 or not 0x80 <= message[0] < 0xF0:
            return []
        kind, channel, number = message[0] & 0xF0, (message[0] & 0x0F) + 1, message[1]
        if kind == CONTROL_CHANGE and len(message) >= 3:
            out = []
            for m in self.cc:
                if m.cc == number and self._hears(m.channel, channel):
                    target = CC_TARGETS[m.target]
                    out.append(target.build(scale(message[2], *m.span, target.integer)))
            return out
        if kind == NOTE_ON and len(message) >= 3 and message[2] > 0:
            if channel == self.key_channel:
                return []  # the key's notes (`KeyNotes`), never a slot
            for n in self.notes:
                if n.note == number and self._hears(n.channel, channel):
                    return [cmd.TriggerSlot(n.slot)]
            return []
        if kind == PROGRAM_CHANGE and self.program_change and self._hears(None, channel):
            return [cmd.RecallScene(number)]
        return []

    def with_cc(self, mapping: CcMap) -> MidiMap:
        """`mapping` replaces the target's old one and anything else on the same control."""
        keep = tuple(
            m
            for m in self.cc
            if m.target != mapping.target
            and not (m.cc == mapping.cc and _same_channel(m.channel, mapping.channel))
        )
        return replace(self, cc=(*keep, mapping))

    def with_note(self, mapping: NoteMap) -> MidiMap:
        """`mapping` replaces the slot's old note and anything else on the same note."""
        keep = tuple(
            n
            for n in self.notes
            if n.slot != mapping.slot
            and not (n.note == mapping.note and _same_channel(n.channel, mapping.channel))
        )
        return replace(self, notes=(*keep, mapping))


def _same_channel(a: int | None, b: int | None) -> bool:
    return a is None or b is None or a == b


class KeyNotes:
    """Notes on the key channel → the key's root (module docstring): the notes held, and a
    `SetKeyRoot` when a note starts below every other one held.

    Args:
        channel: the key channel, 1..16 (None: hears nothing).
    """

    def __init__(self, channel: int | None) -> None:
        self.channel = channel
        self.held: set[int] = set()

    def feed(self, message: Sequence[int]) -> list[cmd.Command]:
        if self.channel is None or len(message) < 3 or not 0x80 <= message[0] < 0xF0:
            return []
        kind, channel, number = message[0] & 0xF0, (message[0] & 0x0F) + 1, message[1]
        if channel != self.channel:
            return []
        if kind == NOTE_ON and message[2] > 0:
            self.held.add(number)
            return [cmd.SetKeyRoot(number % 12)] if number == min(self.held) else []
        if kind in (NOTE_ON, NOTE_OFF):  # note-on with velocity 0 is a note-off
            self.held.discard(number)
        elif kind == CONTROL_CHANGE and number in ALL_NOTES_OFF:
            self.held.clear()
        return []


# Learning ------------------------------------------------------------------------------------


def learn_targets(spec: str, slots: int) -> tuple[str, ...]:
    """`--midi-learn` → targets in order: "all", or names separated by commas ("guidance,
    slot0,notes.slot0"; "cc.guidance" is "guidance"). `slots`: how many prompt slots exist."""
    knobs = ["guidance", "steps", "variation", "gain"] + [f"slot{i}" for i in range(slots)]
    if spec.strip() == "all":
        return (*knobs, *(f"{NOTE_PREFIX}slot{i}" for i in range(slots)))
    targets = []
    for raw in spec.split(","):
        name = raw.strip().removeprefix("cc.")
        if not name:
            continue
        if name not in LEARN_TARGETS:
            others = ["slotN", "key_guidance", "key_lock", "stem.drums", "mute.drums",
                      f"{NOTE_PREFIX}slotN"]  # fmt: skip
            known = ", ".join([*knobs[:4], *others, "all"])
            raise ValueError(f"--midi-learn: unknown target {raw.strip()!r} (known: {known})")
        slot = _slot_of(name.removeprefix(NOTE_PREFIX))
        if slot is not None and slot >= slots:
            raise ValueError(
                f"--midi-learn: {name} needs prompt slot {slot}, but the session has {slots} "
                "slot(s) (set [session] slots in the config)"
            )
        targets.append(name)
    if not targets:
        raise ValueError("--midi-learn: no targets given")
    return tuple(targets)


def _slot_of(name: str) -> int | None:
    return int(name[4:]) if name.startswith("slot") else None


@dataclass(frozen=True)
class Learned:
    """One assignment: `mapping` (a CcMap or a NoteMap) for `target`."""

    target: str
    mapping: CcMap | NoteMap

    def apply(self, midimap: MidiMap) -> MidiMap:
        if isinstance(self.mapping, CcMap):
            return midimap.with_cc(self.mapping)
        return midimap.with_note(self.mapping)

    def describe(self) -> str:
        m = self.mapping
        what = f"CC {m.cc}" if isinstance(m, CcMap) else f"note {m.note}"
        return f"{self.target} ← {what} on channel {m.channel}"


class Learner:
    """Assigns the next control moved to each of `targets` in turn (CCs to knob targets,
    note-ons to `notes.slotN`).

    Args:
        targets: from `learn_targets`.
    """

    def __init__(self, targets: Sequence[str]) -> None:
        self.targets = tuple(targets)
        self.index = 0
        self._used: set[tuple[str, int, int]] = set()  # (kind, channel, number) learned here

    @property
    def current(self) -> str | None:
        return self.targets[self.index] if self.index < len(self.targets) else None

    @property
    def done(self) -> bool:
        return self.current is None

    def prompt(self) -> str:
        """What the performer should do now (for the terminal)."""
        target = self.current
        if target is None:
            return "MIDI learn: done"
        n = f"({self.index + 1}/{len(self.targets)})"
        if target.startswith(NOTE_PREFIX):
            return f"MIDI learn {n}: play the note (key, pad) for {target}"
        return f"MIDI learn {n}: move the control (knob, fader) for {target}"

    def feed(self, message: Sequence[int]) -> Learned | None:
        """A message; returns the assignment it makes, if any."""
        target = self.current
        if target is None or len(message) < 3 or not 0x80 <= message[0] < 0xF0:
            return None
        kind, channel, number = message[0] & 0xF0, (message[0] & 0x0F) + 1, message[1]
        learned: Learned | None = None
        if target.startswith(NOTE_PREFIX):
            if kind == NOTE_ON and message[2] > 0 and ("note", channel, number) not in self._used:
                self._used.add(("note", channel, number))
                slot = _slot_of(target.removeprefix(NOTE_PREFIX))
                assert slot is not None
                learned = Learned(target, NoteMap(slot, number, channel))
        elif kind == CONTROL_CHANGE and ("cc", channel, number) not in self._used:
            self._used.add(("cc", channel, number))
            learned = Learned(target, CcMap(target, number, channel))
        if learned is not None:
            self.index += 1
        return learned
