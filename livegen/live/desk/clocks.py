"""The clock sources `/livegen/clock` switches between, built from the command line's options.

A MIDI clock input is parked, not closed, when the daemon switches away, and handed back on the
way back. Opening or closing a JACK MIDI client makes the server wait for every client's cycle,
the daemon's audio callback among them, while python-rtmidi holds the GIL that callback needs:
the server waits out its client timeout (`jackd -t`, 500 ms by default) and the audio drops out
(measured before parking: 0.5 s on every switch away from MIDI, 1 s on every switch to it).
Parked, the port keeps its connections (the DAW stays patched in), MIDI control that shares it
keeps listening, and the input keeps following tempo, transport and song position, so a switch
back to MIDI is in phase at once, without waiting for the DAW's next Start. A daemon that starts
on another clock opens the MIDI input at once, before the audio runs, and parks it
(`open_midi_early`), so no switch has to open one.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from livegen.clock.midi_io import MidiClockInput
from livegen.clock.options import make_clock
from livegen.clock.sources import ClockSource, InternalClock, TransportSource


class Clocks:
    """Builds a clock source by name (`clocks("link")`) and takes back the one left (`retire`).

    Args:
        args: the daemon's options (`livegen serve`).
        bpm: the tempo a new internal clock or a Link session alone starts at.
    """

    def __init__(self, args: argparse.Namespace, bpm: float) -> None:
        self.args = args
        self.bpm = bpm
        self.parked: MidiClockInput | None = None

    def __call__(self, name: str) -> TransportSource:
        args = self.args
        if name == "internal":
            bpm = args.bpm if args.clock == "internal" else self.bpm
            return InternalClock(bpm, time.monotonic, playing=False)
        if name == "link":  # alone in the session, it starts at the tempo livegen had
            link_args = {**vars(args), "clock": "link", "bpm": repr(float(self.bpm))}
            return make_clock(argparse.Namespace(**link_args), now=time.monotonic)
        if self.parked is not None:
            midi, self.parked = self.parked, None
            midi.unpark()
            return midi
        return make_clock(argparse.Namespace(**{**vars(args), "clock": "midi"}), now=time.monotonic)

    def open_midi_early(self) -> None:
        """Open the MIDI clock input now and park it, unless the daemon starts on it: call before
        the audio starts. A port that cannot open now (no MIDI system, `--midi-in` not there yet)
        is tried again by `/livegen/clock midi`, which reports why it fails."""
        if self.parked is not None or self.args.clock == "midi":
            return
        try:
            midi = self("midi")
        except OSError:
            return
        self.retire(midi)

    def retire(self, source: TransportSource) -> None:
        """The source the daemon switched away from: a MIDI input is parked, others close."""
        if isinstance(source, MidiClockInput):
            if self.parked is not None:  # pragma: no cover - one MIDI input at a time
                self.parked.close()
            source.park()
            self.parked = source
        else:
            source.close()

    def close(self) -> None:
        """Close the parked input (the daemon closes the current source itself)."""
        if self.parked is not None:
            self.parked.close()
            self.parked = None


def jack_midi_shift(
    clock: ClockSource, host_api: str, period: int, rate: int, user_latency_ms: float
) -> float:
    """Move JACK MIDI ticks half a JACK period later (why: `livegen.live.serve`'s docstring);
    returns the shift (s)."""
    inner = getattr(clock, "clock", None)
    if user_latency_ms != 0 or getattr(clock, "api", "") != "jack" or "JACK" not in host_api:
        return 0.0
    if inner is None or not hasattr(inner, "config") or period <= 0:
        return 0.0
    shift = period / rate / 2.0
    inner.config = replace(inner.config, latency=inner.config.latency - shift)
    return shift
