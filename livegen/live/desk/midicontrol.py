"""MIDI control in the daemon: which port, MIDI learn, saving; a thin shell around `midimap`.

Which input carries the performer's CCs and notes (`--midi-control`):

- `--midi-control NAME`: the MIDI output whose name contains NAME (a controller, another DAW
  track). If that is the very port the clock follows (`--midi-in NAME`), the clock's input is
  shared instead of opening the port twice.
- no `--midi-control`: the MIDI clock's input (`livegen:clock_in`, or the port `--midi-in`
  names), open whatever the clock (livegen/live/desk/clocks.py): a DAW sends clock, notes and CCs
  down one cable. Only if that input could not open, a virtual input `livegen:control_in`.

MIDI control opens only when the config has `[midi]` mappings, or with `--midi-control` or
`--midi-learn`. A shared clock port stays open when `/livegen/clock` switches to another clock
(livegen/live/desk/clocks.py parks it), so MIDI control keeps listening there.

The MIDI reader thread (ours, or the clock's) only appends the message to a deque and wakes the
control thread; mapping, learning and saving happen there (`Controller.step` →
`MidiControl.commands`).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

from livegen.clock.midi_io import MidiReader, open_input
from livegen.control import commands as cmd
from livegen.control.config import Config, ConfigError, load
from livegen.control.config_save import save_midi
from livegen.control.midimap import KeyNotes, Learner, MidiMap, learn_targets

MIDI_SENDER = ("midi", 0)  # the `sender` of MIDI commands: errors go to the status line
CONTROL_PORT_NAME = "control_in"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`--config`, `--midi-control`, `--midi-learn`."""
    group = parser.add_argument_group("scenes and MIDI control")
    group.add_argument("--config", type=Path, metavar="FILE",
                       help="TOML file with the session, [[scene]]s and [midi] mappings "
                            "(docs/config.md)")  # fmt: skip
    group.add_argument("--midi-control", metavar="NAME",
                       help="read CCs and notes from the MIDI output whose name contains NAME "
                            "(default: the MIDI clock's port, livegen:clock_in or --midi-in)"
                       )  # fmt: skip
    group.add_argument("--key-channel", type=_channel, metavar="N",
                       help="a note held on MIDI channel N (1..16) sets the key's root, the "
                            "lowest one held when a note starts (default: the config's [midi] "
                            "key_channel, else off)")  # fmt: skip
    group.add_argument("--midi-learn", metavar="TARGETS",
                       help="assign controls by moving them, saved into --config: 'all' or a "
                            "comma list (guidance,steps,variation,gain,slot0,notes.slot0,...)")  # fmt: skip


def _channel(text: str) -> int:
    try:
        channel = int(text)
    except ValueError:
        channel = 0
    if not 1 <= channel <= 16:
        raise argparse.ArgumentTypeError(f"a MIDI channel is 1..16, got {text!r}")
    return channel


def load_config(args: argparse.Namespace) -> Config:
    """The `--config` file (empty without one); a missing file is fine only when learning."""
    if args.midi_learn is not None and args.config is None:
        raise ConfigError("--midi-learn needs --config FILE: the learned mappings are saved there "
                          "(it is created if it does not exist)")  # fmt: skip
    learning = args.midi_learn is not None
    config = Config() if args.config is None else load(args.config, missing_ok=learning)
    if getattr(args, "key_channel", None) is not None:  # the command line wins
        config = replace(config, midi=replace(config.midi, key_channel=args.key_channel))
    if args.midi_learn is not None:  # a wrong target stops here too, before anything opens
        prompt = getattr(args, "prompt", None)
        session = config.make_session(prompts=None if prompt is None else ((prompt, 1.0),))
        learn_targets(args.midi_learn, len(session.slots))
    return config


class Port(Protocol):
    def drain(self, limit: int) -> list[list[int]]: ...

    def close(self) -> None: ...


class MidiControlPort:
    """Channel messages (CC, notes, program changes) from one MIDI input, for the control thread.

    Args:
        midi_in: an open python-rtmidi MidiIn of our own (None: shared with a clock).
        name: the port's name, for messages.
        capacity: messages queued at most (the oldest are dropped: the newest value matters).
    """

    def __init__(self, midi_in: Any = None, name: str = "", capacity: int = 1024) -> None:
        self.name = name
        self.queue: deque[list[int]] = deque(maxlen=capacity)
        self.wake: threading.Event | None = None  # set on every message (the control loop's)
        self.clock: Any = None  # the clock input shared, if any
        self._reader: MidiReader | None = None
        if midi_in is not None:
            self._reader = MidiReader(midi_in, self._on_message)

    @classmethod
    def open(cls, api: str, port: str | None, virtual_name: str) -> MidiControlPort:
        """Our own input: an existing port (`port`) or a virtual one."""
        midi_in, name = open_input(api, port, virtual_name, CONTROL_PORT_NAME, "livegen-control")
        return cls(midi_in, name)

    @classmethod
    def sharing(cls, clock: Any) -> MidiControlPort:
        """Listen on a `MidiClockInput`'s port."""
        port = cls(None, str(getattr(clock, "port_name", "")))
        port.follow(clock)
        return port

    @property
    def shared(self) -> bool:
        return self._reader is None

    def _on_message(self, data: list[int], delta: float, arrival: float) -> None:
        # The reader's thread: queue and wake, nothing else
        self.push(data)

    def push(self, data: Sequence[int], t: float = 0.0) -> None:
        if data and data[0] < 0xF0:
            self.queue.append(list(data))
            if self.wake is not None:
                self.wake.set()

    def follow(self, clock: Any) -> bool:
        """A shared port moves to a new clock source; returns whether it hears MIDI now."""
        if not self.shared:
            return True
        listeners = getattr(clock, "listeners", None)
        if listeners is None:
            # Another kind of clock: stay on the port we share while it is open (parked).
            if self.clock is not None and not getattr(self.clock, "closed", True):
                return True
            self._detach()
            return False
        self._detach()
        listeners.append(self.push)
        self.clock = clock
        self.name = str(getattr(clock, "port_name", self.name))
        return True

    def drain(self, limit: int) -> list[list[int]]:
        out: list[list[int]] = []
        while self.queue and len(out) < limit:
            out.append(self.queue.popleft())
        return out

    def _detach(self) -> None:
        if self.clock is not None:
            try:
                self.clock.listeners.remove(self.push)
            except ValueError:
                pass
            self.clock = None

    def close(self) -> None:
        self._detach()
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class MidiControl:
    """MIDI messages → commands, with learning and saving. Called by the control thread.

    Args:
        port: where messages come from (`MidiControlPort`, or anything with `drain`/`close`).
        midimap: the mappings.
        learner: `--midi-learn` in progress (None: not learning).
        save: writes the map after each learned assignment (into the config file).
        say: a line for the performer (learn prompts, save errors).
    """

    def __init__(
        self,
        port: Port,
        midimap: MidiMap,
        learner: Learner | None = None,
        save: Callable[[MidiMap], None] | None = None,
        say: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
    ) -> None:
        self.port = port
        self.midimap = midimap
        self.learner = learner
        self._save = save
        self.say = say
        self.keys = KeyNotes(midimap.key_channel)
        self.received = 0

    def start(self) -> None:
        """Tell the performer what to do first, when learning."""
        if self.learner is not None:
            self.say(self.learner.prompt())

    def commands(self, limit: int = 64) -> list[cmd.Command]:
        """The commands of the messages that arrived since the last call (at most `limit`)."""
        out: list[cmd.Command] = []
        for message in self.port.drain(limit):
            self.received += 1
            if self.learner is not None and not self.learner.done:
                learned = self.learner.feed(message)
                if learned is not None:
                    self.midimap = learned.apply(self.midimap)
                    self.say(f"MIDI learn: {learned.describe()}{self._saved()}")
                    self.say(self.learner.prompt())
            out += self.midimap.commands(message)
            out += self.keys.feed(message)
        return out

    def _saved(self) -> str:
        if self._save is None:
            return ""
        try:
            self._save(self.midimap)
        except (ConfigError, OSError) as exc:
            return f" (NOT saved: {exc})"
        return " (saved)"

    def clock_changed(self, clock: Any) -> str | None:
        """`/livegen/clock` switched sources; returns a notice when MIDI control fell silent
        (the shared port was closed, not parked)."""
        follow = getattr(self.port, "follow", None)
        if follow is not None and not follow(clock):
            return "MIDI control shared the MIDI clock's port: silent until /livegen/clock midi"
        return None

    def close(self) -> None:
        self.port.close()


def open_control(
    args: argparse.Namespace,
    config: Config,
    clock: Any,
    slots: int,
    say: Callable[[str], None] | None = None,
) -> MidiControl | None:
    """The daemon's MIDI control as the options and config ask (module docstring), or None.

    Args:
        clock: the MIDI clock input (`listeners` to share), current or parked, else the clock.
        slots: how many prompt slots the session has (for `--midi-learn all`).
    """
    learning = args.midi_learn is not None
    if not config.midi and not learning and args.midi_control is None:
        return None
    learner = Learner(learn_targets(args.midi_learn, slots)) if learning else None
    api = getattr(args, "midi_api", "auto")
    virtual = getattr(args, "midi_virtual", None) or "livegen"
    shareable = getattr(clock, "listeners", None) is not None
    port: MidiControlPort
    if args.midi_control is None:
        if shareable:
            port = MidiControlPort.sharing(clock)
        else:
            port = MidiControlPort.open(api, None, virtual)
    else:
        port = MidiControlPort.open(api, args.midi_control, virtual)
        if shareable and port.name == getattr(clock, "port_name", None):
            port.close()  # the clock reads that port already: listen there
            port = MidiControlPort.sharing(clock)
    path = config.path
    save = None if path is None else (lambda midimap: save_midi(path, midimap))
    kwargs = {} if say is None else {"say": say}
    return MidiControl(port, config.midi, learner, save if learning else None, **kwargs)
