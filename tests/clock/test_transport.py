"""The transport state machine against what DAWs really send."""

from livegen.clock.events import Continue, SongPosition, Start, Stop, Tick
from livegen.clock.transport import Moved, Played, Transport


def played(transport, n):
    return [transport.feed(Tick(0.0)) for _ in range(n)]


def test_start_makes_the_first_clock_the_downbeat():
    tr = Transport()
    assert tr.feed(Start(0.0)) == Moved(True, 0, relocated=True)
    assert played(tr, 3) == [Played(0), Played(1), Played(2)]


def test_clocks_while_stopped_move_nothing():
    # Devices that clock all the time (and Ableton with "sync when stopped").
    tr = Transport()
    assert played(tr, 50) == [None] * 50
    assert not tr.playing and tr.next_tick == 0
    tr.feed(Start(0.0))
    assert played(tr, 1) == [Played(0)]


def test_reaper_pause_sends_stop_then_song_position_and_resumes_with_continue():
    tr = Transport()
    tr.feed(Start(0.0))
    played(tr, 100)  # ticks 0..99; paused mid-16th
    assert tr.feed(Stop(0.0)) == Moved(False, 100, relocated=False)
    # Reaper reports the position rounded to the 16th it will resume from.
    assert tr.feed(SongPosition(0.0, 16)) == Moved(False, 96, relocated=True)
    played(tr, 5)  # Reaper may keep clocking: nothing moves
    assert tr.feed(Continue(0.0)) == Moved(True, 96, relocated=False)
    assert played(tr, 2) == [Played(96), Played(97)]


def test_reaper_relocate_while_playing_jumps_at_the_next_clock():
    tr = Transport()
    tr.feed(Start(0.0))
    played(tr, 10)
    assert tr.feed(SongPosition(0.0, 64)) == Moved(True, 384, relocated=True)
    assert played(tr, 1) == [Played(384)]


def test_logic_plays_from_elsewhere_with_song_position_and_continue():
    tr = Transport()
    tr.feed(SongPosition(0.0, 16 * 8))  # bar 9 (16 sixteenths a bar)
    assert tr.feed(Continue(0.0)) == Moved(True, 8 * 96, relocated=False)
    assert played(tr, 1) == [Played(8 * 96)]
    tr.feed(Stop(0.0))
    # ... and from bar 1 with Start only (no Song Position at all).
    assert tr.feed(Start(0.0)) == Moved(True, 0, relocated=True)
    assert played(tr, 1) == [Played(0)]


def test_stop_keeps_the_position_and_continue_resumes():
    tr = Transport()
    tr.feed(Start(0.0))
    played(tr, 37)
    tr.feed(Stop(0.0))
    assert tr.next_tick == 37
    tr.feed(Continue(0.0))
    assert played(tr, 1) == [Played(37)]


def test_repeated_and_redundant_messages():
    tr = Transport()
    assert tr.feed(Stop(0.0)) is None  # already stopped
    assert tr.feed(SongPosition(0.0, 0)) is None  # already there
    tr.feed(Start(0.0))
    played(tr, 10)
    assert tr.feed(Continue(0.0)) is None  # already playing
    assert tr.feed(Start(0.0)) == Moved(True, 0, relocated=True)  # Start while playing: top
    assert played(tr, 1) == [Played(0)]


def test_joining_a_song_already_playing_waits_for_a_transport_message():
    tr = Transport()
    assert played(tr, 200) == [None] * 200
    tr.feed(SongPosition(0.0, 32))
    tr.feed(Continue(0.0))
    assert played(tr, 1) == [Played(192)]
