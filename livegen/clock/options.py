"""Command-line options for the clock, and the factory that builds the chosen `TransportSource`.

The daemon's CLI includes these with `add_arguments(parser)` and builds its clock with
`make_clock(args, now)`; nothing here opens a port before `make_clock` is called.
"""

from __future__ import annotations

import argparse
import time

from livegen.clock.midi_clock import MidiClockConfig
from livegen.clock.sources import InternalClock, Now, TransportSource
from livegen.clock.timeline import exact_bpm

DEFAULT_BPM = "124"


def _bpm(text: str) -> str:
    # Kept as text so that "123.45" stays exactly 2469/20 in the internal clock.
    try:
        value = exact_bpm(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise argparse.ArgumentTypeError(f"not a tempo: {text!r}") from exc
    from livegen.control.osc import ADDRESSES  # one table of ranges: the OSC address space

    arg = ADDRESSES["/livegen/bpm"].args[0]
    assert arg.lo is not None and arg.hi is not None
    if not arg.lo <= value <= arg.hi:
        raise argparse.ArgumentTypeError(f"tempo {text} is outside {arg.lo:g}-{arg.hi:g} BPM")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the clock options (`--clock`, `--bpm`, `--midi-*`, `--link-*`)."""
    from livegen.clock.midi_io import API_NAMES

    group = parser.add_argument_group("clock")
    group.add_argument(
        "--clock",
        choices=("midi", "internal", "link"),
        default="midi",
        help="follow MIDI clock from a DAW (default), run the internal clock, or join the "
        "Ableton Link session on the network",
    )
    group.add_argument(
        "--bpm",
        type=_bpm,
        default=DEFAULT_BPM,
        help=f"tempo of the internal clock, or of a Link session livegen starts alone "
        f"(default {DEFAULT_BPM}; exact, e.g. 123.45)",
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
        help="MIDI system (default auto: the platform's, then JACK on Linux; JACK alone where "
        "there is no /dev/snd/seq)",
    )
    group.add_argument(
        "--midi-latency-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="how late the MIDI clock arrives; beats are placed this much earlier (default 0)",
    )
    group.add_argument(
        "--link-offset-ms",
        type=float,
        default=0.0,
        metavar="MS",
        help="play this much later than the Link session's beats (negative: earlier; default 0). "
        "The output latency is compensated already (see --output-offset-ms)",
    )
    group.add_argument(
        "--link-start-stop",
        action="store_true",
        help="follow and share the Link session's play/stop (start/stop sync); "
        "without it livegen plays all the time, in phase",
    )


def make_clock(args: argparse.Namespace, now: Now = time.monotonic) -> TransportSource:
    """The clock the options ask for. MIDI port errors raise `MidiPortError`, Link errors
    `LinkError` (both OSErrors)."""
    if args.clock == "internal":
        return InternalClock(args.bpm, now)
    if args.clock == "link":
        from livegen.clock.link import LinkClock

        return LinkClock(
            float(args.bpm),
            now=now,
            offset=args.link_offset_ms / 1000.0,
            start_stop=args.link_start_stop,
        )
    from livegen.clock.midi_io import MidiClockInput

    return MidiClockInput(
        api=args.midi_api,
        port=args.midi_in,
        virtual_name=args.midi_virtual,
        now=now,
        config=MidiClockConfig(latency=args.midi_latency_ms / 1000.0),
    )
