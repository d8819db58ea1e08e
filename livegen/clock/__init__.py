"""The clock room: where livegen's bars come from (MIDI clock, Ableton Link, internal clock).

What the scheduler and the audio side use::

    clock = make_clock(args, now=time.monotonic)     # a ClockSource (options.py)
    grid = BarGrid(clock.time_of_tick, sample_rate=48_000, time_of_sample0=t0)
    plan = grid.plan(bar, committed_start)            # start + exact length in output samples
    state = clock.state()                             # playing, bar.beat, bpm, confidence…
    for event in clock.poll(): ...                    # Beat / TransportChanged / ClockLost…
    clock.refusal("start") or clock.start(t)          # the same transport verbs on every clock

Pure logic (events, tempo, transport, timeline, sources, midi_clock, link_follower, simulate)
imports numpy at most; only midi_io.py touches a port and only link.py's `LinkClock` joins a
Link session.
Importing this package opens nothing.
"""

from livegen.clock.estimate import EstimatorConfig, TempoEstimate
from livegen.clock.events import (
    BEATS_PER_BAR,
    PPQN,
    TICKS_PER_BAR,
    Beat,
    ClockEvent,
    ClockLost,
    ClockRegained,
    Continue,
    SongPosition,
    Start,
    Stop,
    Tick,
    TransportChanged,
    parse_message,
)
from livegen.clock.midi_clock import MidiClock, MidiClockConfig
from livegen.clock.options import add_arguments, make_clock
from livegen.clock.sources import ClockSource, ClockState, InternalClock, TransportSource
from livegen.clock.tempo import TempoEstimator
from livegen.clock.timeline import BarGrid, BarPlan, TempoMap, exact_bpm

__all__ = [
    "BEATS_PER_BAR",
    "PPQN",
    "TICKS_PER_BAR",
    "BarGrid",
    "BarPlan",
    "Beat",
    "ClockEvent",
    "ClockLost",
    "ClockRegained",
    "ClockSource",
    "ClockState",
    "Continue",
    "EstimatorConfig",
    "InternalClock",
    "MidiClock",
    "MidiClockConfig",
    "SongPosition",
    "Start",
    "Stop",
    "TempoEstimate",
    "TempoEstimator",
    "TempoMap",
    "Tick",
    "TransportChanged",
    "TransportSource",
    "add_arguments",
    "exact_bpm",
    "make_clock",
    "parse_message",
]
