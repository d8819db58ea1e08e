"""Clock options, the factory, port choice and the delta time stamper (no ports opened here,
except to check the readable error where the ALSA sequencer cannot open)."""

import argparse
import os
from fractions import Fraction

import numpy as np
import pytest

from livegen.clock import add_arguments, make_clock
from livegen.clock.midi_io import DeltaStamper, MidiPortError, choose_port
from livegen.clock.sources import ClockSource, InternalClock


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_follow_midi_on_a_virtual_port():
    args = parse()
    assert (args.clock, args.midi_virtual, args.midi_in, args.midi_api) == (
        "midi",
        "livegen",
        None,
        "auto",
    )
    assert args.midi_latency_ms == 0.0


def test_internal_clock_keeps_the_decimal_tempo():
    clock = make_clock(parse("--clock", "internal", "--bpm", "123.45"), now=lambda: 5.0)
    assert isinstance(clock, InternalClock) and isinstance(clock, ClockSource)
    assert clock.bpm == Fraction(2469, 20) and clock.state().playing


@pytest.mark.parametrize("argv", [("--bpm", "fast"), ("--bpm", "0"), ("--bpm", "900")])
def test_bad_tempo_is_refused(argv, capsys):
    with pytest.raises(SystemExit):
        parse(*argv)
    assert "tempo" in capsys.readouterr().err


def test_midi_in_and_virtual_are_exclusive():
    with pytest.raises(SystemExit):
        parse("--midi-in", "Reaper", "--midi-virtual", "x")


@pytest.mark.skipif(os.path.exists("/dev/snd/seq"), reason="this machine has an ALSA sequencer")
def test_missing_alsa_sequencer_is_explained():
    with pytest.raises(MidiPortError, match="--midi-api jack") as info:
        make_clock(parse("--midi-api", "alsa"))
    assert isinstance(info.value, OSError)  # the CLI prints OSErrors as one line


def test_choose_port_by_substring():
    ports = ["Midi Through:Midi Through Port-0 14:0", "REAPER:out 1", "REAPER:out 2", "Bitwig"]
    assert choose_port(ports, "bitwig") == 3
    assert choose_port(ports, "reaper:out 2") == 2
    with pytest.raises(MidiPortError, match="several"):
        choose_port(ports, "REAPER")
    with pytest.raises(MidiPortError, match="Available inputs: Midi Through"):
        choose_port(ports, "Logic")
    with pytest.raises(MidiPortError, match="none"):
        choose_port([], "Logic")


def test_delta_stamper_removes_callback_delay():
    # RtMidi's deltas are exact; the callback runs 0-5 ms late (waiting for the GIL).
    rng = np.random.default_rng(0)
    true = 50.0 + np.cumsum(np.full(500, 0.02))
    arrival = true + rng.uniform(0.0, 0.005, 500)
    arrival[0] = true[0] + 0.004
    stamper = DeltaStamper()
    deltas = np.diff(true, prepend=true[0])
    stamps = np.array([stamper.stamp(d, a) for d, a in zip(deltas, arrival, strict=True)])
    assert np.all(stamps <= arrival + 1e-12)  # never later than arrival
    assert np.max(np.abs(stamps[50:] - true[50:])) < 0.2e-3
    assert np.std(np.diff(stamps[50:])) < 1e-5  # vs 1.4 ms for the raw arrivals


def test_delta_stamper_resyncs_when_the_time_line_breaks():
    stamper = DeltaStamper()
    for k in range(10):
        stamper.stamp(0.02 if k else 0.0, 10.0 + 0.02 * k)
    # A message RtMidi swallowed: its 0.5 s are missing from the deltas.
    assert stamper.stamp(0.02, 10.7) == pytest.approx(10.7)
