"""Raw MIDI bytes → frozen clock events."""

import dataclasses

import pytest

from livegen.clock.events import (
    TICKS_PER_BAR,
    Beat,
    ByteStreamParser,
    Continue,
    SongPosition,
    Start,
    Stop,
    Tick,
    parse_message,
)


def test_parse_realtime_messages():
    assert parse_message([0xF8], 1.0) == Tick(1.0)
    assert parse_message([0xFA], 2.0) == Start(2.0)
    assert parse_message([0xFB], 3.0) == Continue(3.0)
    assert parse_message([0xFC], 4.0) == Stop(4.0)


def test_song_position_is_14_bit_lsb_first():
    event = parse_message([0xF2, 0x10, 0x01], 5.0)
    assert event == SongPosition(5.0, 0x10 | (0x01 << 7))
    assert isinstance(event, SongPosition) and event.ticks == 144 * 6
    assert parse_message([0xF2, 0x7F, 0x7F], 0.0) == SongPosition(0.0, 16383)


@pytest.mark.parametrize(
    "data", [[], [0x90, 60, 100], [0xFE], [0xF0, 1, 2, 0xF7], [0xF2, 0x10], [0xB0, 1, 2]]
)
def test_other_messages_are_not_clock_events(data):
    assert parse_message(data, 0.0) is None


def test_events_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Tick(1.0).t = 2.0  # type: ignore[misc]


def test_byte_stream_realtime_inside_song_position():
    parser = ByteStreamParser()
    # A clock byte between the two data bytes of an SPP, a note in front, running status noise.
    events = parser.feed([0x90, 60, 100, 0xF2, 0x04, 0xF8, 0x00, 0xFA, 0xF8], 7.0)
    assert events == [Tick(7.0), SongPosition(7.0, 4), Start(7.0), Tick(7.0)]
    # An SPP split across two chunks still completes.
    assert parser.feed([0xF2, 0x01], 8.0) == []
    assert parser.feed([0x01], 9.0) == [SongPosition(9.0, 129)]


def test_beat_song_tick_and_downbeat():
    assert Beat(0.0, 3, 0).downbeat and not Beat(0.0, 3, 2).downbeat
    assert Beat(0.0, 3, 2).song_tick == 3 * TICKS_PER_BAR + 48
