"""Command-line options for the clock, and the factory that builds the chosen `ClockSource`.

The daemon's CLI includes these with `add_arguments(parser)` and builds its clock with
`make_clock(args, now)`; nothing here opens a port before `make_clock` is called.
"""

from __future__ import annotations

import argparse
import time

from livegen.clock.midi_clock import MidiClockConfig
from livegen.clock.sources import ClockSource, InternalClock, Now
from livegen.clock.timeline import exact_bpm

DEFAULT_BPM = "124"


def _bpm(text: str) -> str:
    # Kept as text so that "123.45" stays exactly 2469/20 in the internal clock.
    try:
        value = exact_bpm(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise argparse.ArgumentTypeError(f"not a tempo: {text!r}") from exc
    if not 20 <= value <= 400:
        raise argparse.ArgumentTypeError(f"tempo {text} is outside 20-400 BPM")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the clock options (`--clock`, `--bpm`, `--midi-in`, `--midi-virtual`, `--midi-api`)."""
    from livegen.clock.midi_io import API_NAMES

    group = parser.add_argument_group("clock")
    group.add_argument(
        "--clock",
        choices=("midi", "internal"),
        default="midi",
        help="follow MIDI clock from a DAW (default) or run the internal clock",
    )
    group.add_argument(
        "--bpm",
        type=_bpm,
        default=DEFAULT_BPM,
        help=f"tempo of the internal clock (default {DEFAULT_BPM}; exact, e.g. 123.45)",
    )
    source = group.add_mutually_exclusive_group()
    source.add_argument(
        "--midi-in",
        metavar="NAME",
        help="follow the existing MIDI output whose name contains NAME",
    )
    source.add_argument(
        "--midi-virtual",
        metavar="NAME",
        default="livegen",
        help="create a virtual MIDI input NAME for the DAW to send clock to (default livegen)",
    )
    group.add_argument(
        "--midi-api",
        choices=API_NAMES,
        default="auto",
        help="MIDI system (default auto: the platform's, then JACK on Linux)",
    )
    group.add_argument(
        "--midi-latency-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="how late the MIDI clock arrives; beats are placed this much earlier (default 0)",
    )


def make_clock(args: argparse.Namespace, now: Now = time.monotonic) -> ClockSource:
    """The clock the options ask for. MIDI port errors raise `MidiPortError` (an OSError)."""
    if args.clock == "internal":
        return InternalClock(args.bpm, now)
    from livegen.clock.midi_io import MidiClockInput

    return MidiClockInput(
        api=args.midi_api,
        port=args.midi_in,
        virtual_name=args.midi_virtual,
        now=now,
        config=MidiClockConfig(latency=args.midi_latency_ms / 1000.0),
    )
