"""Clock sources on virtual time: the internal clock, and MidiClock fed DAW-like streams."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from livegen.clock import simulate as sim
from livegen.clock.events import (
    Beat,
    ClockLost,
    ClockRegained,
    Continue,
    SongPosition,
    Start,
    Stop,
    Tick,
    TransportChanged,
)
from livegen.clock.link import LinkClock
from livegen.clock.midi_clock import MidiClock, MidiClockConfig
from livegen.clock.sources import VERBS, ClockSource, InternalClock, TransportSource
from livegen.clock.timeline import BarGrid
from tests.support.fakes import FakeLink

SR = 48_000

# --- internal clock ----------------------------------------------------------------------------


def test_internal_clock_beats_on_exact_times(vtime):
    clock = InternalClock(120, vtime)
    assert isinstance(clock, ClockSource)
    start = vtime.t
    events = clock.poll()
    assert events == [TransportChanged(start, True, 0), Beat(start, 0, 0)]
    vtime.advance(2.1)  # four more beats at 0.5 s
    beats = clock.poll()
    assert [(b.bar, b.beat) for b in beats] == [(0, 1), (0, 2), (0, 3), (1, 0)]
    assert [b.t for b in beats] == [start + 0.5, start + 1.0, start + 1.5, start + 2.0]
    assert beats[-1].downbeat
    state = clock.state()
    assert state.playing and state.bar_beat == "2.1" and state.bpm == 120
    assert state.confidence == 1.0 and not state.free_running


def test_internal_clock_stop_and_resume_keep_the_position(vtime):
    clock = InternalClock("123.45", vtime)
    vtime.advance(3.0)
    clock.stop()
    position = clock.state().song_tick
    assert clock.time_of_tick(96) is None
    vtime.advance(10.0)
    assert clock.state().song_tick == position and not clock.state().playing
    clock.resume()
    assert abs(clock.time_of_tick(Fraction(position)) - Fraction(vtime.t)) < 1e-9
    kinds = [type(e).__name__ for e in clock.poll()]
    assert kinds.count("TransportChanged") == 3  # start, stop, resume


def test_internal_clock_tempo_change_reanchors_at_the_next_tick(vtime):
    clock = InternalClock(120, vtime)
    start = Fraction(vtime.t)
    vtime.advance(1.01)  # tick 48.48
    clock.set_bpm(125)
    assert clock.time_of_tick(49) == start + Fraction(49, 48)  # old tempo up to tick 49
    assert clock.time_of_tick(49 + 50) == start + Fraction(49, 48) + 1  # then 50 ticks a second
    assert clock.bpm == 125


def test_internal_clock_does_not_flood_after_a_long_pause(vtime):
    clock = InternalClock(120, vtime)
    clock.poll()
    vtime.advance(60.0)  # 120 beats without a poll
    beats = [e for e in clock.poll() if isinstance(e, Beat)]
    assert len(beats) == 8 and beats[-1].bar * 4 + beats[-1].beat == 120


# --- MIDI clock --------------------------------------------------------------------------------


def stream(bpm, n, path=sim.JACK, t0=100.0, seed=0):
    rng = np.random.default_rng(seed)
    true = sim.tick_times(bpm, n, t0=t0, timer_jitter=0.06e-3, rng=rng)
    return true, sim.deliver(true, path, rng)


def play(clock, vtime, events):
    """Feed timestamped events in order, polling after each; return what was reported."""
    out = []
    for event in sorted(events, key=lambda e: e.t):
        vtime.t = float(event.t)
        clock.feed(event)
        out += clock.poll()
    return out


def ticks(times):
    return [Tick(float(t)) for t in times]


def test_start_locks_within_two_beats_and_reports_beats(vtime):
    true, arrivals = stream(124.0, 960)
    clock = MidiClock(vtime)
    events = play(clock, vtime, [Start(true[0] - 0.01), *ticks(arrivals)])
    assert isinstance(clock, ClockSource)
    beats = [e for e in events if isinstance(e, Beat)]
    assert len(beats) == 40 and beats[0] == Beat(beats[0].t, 0, 0)
    delay = sim.JACK.mean_delay
    for beat in beats[2:]:
        assert abs(beat.t - (true[beat.song_tick] + delay)) < 2e-3
    state = clock.state()
    assert state.playing and state.receiving and not state.free_running
    assert state.bar_beat == "10.4" and abs(state.bpm - 124.0) < 0.05 and state.confidence > 0.9
    # The scheduler's view: bar 12 (not played yet) lands within 2 ms of the sender's.
    grid = BarGrid(clock.time_of_tick, SR, time_of_sample0=100.0)
    exact_bar12 = (true[0] + 12 * 96 * 60 / (24 * 124.0) + delay - 100.0) * SR
    assert abs(grid.bar_start(12) - exact_bar12) < 0.002 * SR
    assert grid.bar_length(12) in (round(SR * 240 / 124.0), round(SR * 240 / 124.0) + 1)


def test_clock_while_stopped_locks_before_start(vtime):
    # A device (or Ableton) clocking while stopped: the tempo is known at Start, and the next
    # tick after Start is predicted before it arrives.
    true, arrivals = stream(132.0, 400)
    clock = MidiClock(vtime)
    play(clock, vtime, ticks(arrivals[:200]))
    state = clock.state()
    assert not state.playing and abs(state.bpm - 132.0) < 0.1 and state.confidence > 0.8
    assert clock.time_of_tick(0) is None  # stopped: nothing to predict
    start_t = (true[199] + true[200]) / 2
    play(clock, vtime, [Start(start_t)])
    assert abs(float(clock.time_of_tick(0)) - arrivals[200]) < 3e-3
    events = play(clock, vtime, ticks(arrivals[200:]))
    assert events[0] == Beat(events[0].t, 0, 0)
    assert clock.state().song_tick == 199


def test_reaper_pause_then_resume(vtime):
    _true, arrivals = stream(128.0, 400, t0=100.0)
    clock = MidiClock(vtime)
    out = play(clock, vtime, [Start(99.99), *ticks(arrivals[:250])])
    # Pause mid-16th: Stop, then the position rounded to the 16th; the clock stops too.
    out += play(
        clock, vtime, [Stop(arrivals[249] + 0.005), SongPosition(arrivals[249] + 0.006, 41)]
    )
    vtime.advance(5.0)
    out += clock.poll()
    assert not any(isinstance(e, ClockLost) for e in out)
    assert clock.state().song_tick == 246 and clock.state().bar_beat == "3.3"
    # Resume 5 s later with a new clock phase.
    true2, arrivals2 = stream(128.0, 200, t0=vtime.t + 0.02)
    resumed = play(clock, vtime, [Continue(vtime.t), *ticks(arrivals2[:50])])
    assert TransportChanged(resumed[0].t, True, 246) == resumed[0]
    beats = [e for e in resumed if isinstance(e, Beat)]
    assert beats[0].song_tick == 264  # 246 + 18: the next beat
    assert abs(beats[0].t - (true2[18] + sim.JACK.mean_delay)) < 2e-3
    assert abs(clock.state().bpm - 128.0) < 0.1  # the tempo survived the pause


def test_logic_song_position_then_continue(vtime):
    _true, arrivals = stream(120.0, 200)
    clock = MidiClock(vtime)
    events = play(clock, vtime, [SongPosition(99.9, 128), Continue(99.95), *ticks(arrivals)])
    beats = [e for e in events if isinstance(e, Beat)]
    assert (beats[0].bar, beats[0].beat) == (8, 0)
    assert clock.state().bar_beat == "11.1"


def test_relocate_while_playing_and_start_without_song_position(vtime):
    _true, arrivals = stream(126.0, 600)
    clock = MidiClock(vtime)
    play(clock, vtime, [Start(99.99), *ticks(arrivals[:100])])
    # Reaper relocates to bar 17 while playing: only a Song Position.
    events = play(
        clock, vtime, [SongPosition(arrivals[99] + 0.001, 256), *ticks(arrivals[100:300])]
    )
    beats = [e for e in events if isinstance(e, Beat)]
    assert (beats[0].bar, beats[0].beat) == (16, 0)
    assert abs(clock.state().bpm - 126.0) < 0.1
    # A device that sends Start alone, mid-song: back to the top.
    events = play(clock, vtime, [Start(arrivals[299] + 0.001), *ticks(arrivals[300:])])
    beats = [e for e in events if isinstance(e, Beat)]
    assert (beats[0].bar, beats[0].beat) == (0, 0)
    assert clock.state().song_tick == 299


@pytest.mark.parametrize("returning_bpm", [124.0, 130.0])
def test_clock_loss_free_runs_then_relocks(vtime, returning_bpm):
    true, arrivals = stream(124.0, 600)
    clock = MidiClock(vtime)
    play(clock, vtime, [Start(99.99), *ticks(arrivals[:400])])
    # The clock vanishes for about 3 s (a cable pulled); the DAW plays on.
    lost_at = arrivals[399]
    out = []
    for dt in np.arange(0.05, 3.0, 0.05):
        vtime.t = lost_at + dt
        out += clock.poll()
        state = clock.state()
    assert sum(isinstance(e, ClockLost) for e in out) == 1
    assert state.free_running and state.playing and not state.receiving
    assert 0.0 < state.confidence < 0.9
    free_beats = [e for e in out if isinstance(e, Beat)]
    assert len(free_beats) >= 5
    for beat in free_beats:  # the free run keeps the grid
        assert abs(beat.t - (true[beat.song_tick] + sim.JACK.mean_delay)) < 2e-3
    # The clock returns: the DAW has played on at its tempo (the same, or a new one).
    back = int((3.0 + lost_at - true[0]) * 124.0 * 24 / 60) + 1
    t_back = true[back]
    period = 60 / (24 * returning_bpm)
    later = t_back + period * np.arange(200)
    arrivals_back = sim.deliver(later, sim.JACK, np.random.default_rng(9))
    out = play(clock, vtime, ticks(arrivals_back))
    assert isinstance(out[0], ClockRegained)
    beats = [e for e in out if isinstance(e, Beat)]
    song_ticks = [b.song_tick for b in beats]
    assert song_ticks == sorted(set(song_ticks))  # no beat reported twice
    assert all(t > free_beats[-1].song_tick for t in song_ticks)
    state = clock.state()
    assert math.floor(state.song_tick) == back + 199
    assert abs(state.bpm - returning_bpm) < 0.1 and state.confidence > 0.8
    # Re-locked: the phase of a returning tick is right again within a beat.
    assert abs(float(clock.time_of_tick(back + 199)) - arrivals_back[199]) < 3e-3


def test_stop_is_not_a_clock_loss(vtime):
    _true, arrivals = stream(124.0, 300)
    clock = MidiClock(vtime)
    play(clock, vtime, [Start(99.99), *ticks(arrivals[:200])])
    out = play(clock, vtime, [Stop(arrivals[199] + 0.001)])
    for _ in range(100):
        vtime.advance(0.1)
        out += clock.poll()
    assert out == [TransportChanged(arrivals[199] + 0.001, False, 200)]
    assert not clock.state().free_running and not clock.state().receiving


def test_latency_moves_beats_earlier(vtime):
    _true, arrivals = stream(124.0, 200)
    plain, late = MidiClock(vtime), MidiClock(vtime, MidiClockConfig(latency=0.005))
    beats = []
    for clock in (plain, late):
        events = play(clock, vtime, [Start(99.99), *ticks(arrivals)])
        beats.append([e for e in events if isinstance(e, Beat)])
    assert all(abs(a.t - b.t - 0.005) < 1e-6 for a, b in zip(*beats, strict=True))


def test_nothing_known_before_any_clock(vtime):
    clock = MidiClock(vtime)
    state = clock.state()
    assert state.bpm is None and state.confidence == 0.0 and not state.receiving
    assert clock.time_of_tick(0) is None and clock.poll() == []
    play(clock, vtime, [Start(100.0)])
    assert clock.time_of_tick(0) is None and clock.state().playing


def test_clock_gap_while_stopped_does_not_move_the_song(vtime):
    _true, arrivals = stream(124.0, 900)
    clock = MidiClock(vtime)
    play(clock, vtime, [Start(99.99), *ticks(arrivals[:300]), Stop(arrivals[299] + 0.001)])
    # The device stops clocking for a while, then clocks again while still stopped.
    play(clock, vtime, ticks(arrivals[500:700]))
    assert clock.state().song_tick == 300 and not clock.state().playing
    events = play(clock, vtime, [Continue(arrivals[699] + 0.001), *ticks(arrivals[700:])])
    beats = [e for e in events if isinstance(e, Beat)]
    assert beats[0].song_tick == 312


@pytest.mark.parametrize("lost", [1, 2])
def test_ticks_lost_on_the_way_do_not_move_the_downbeats(vtime, lost):
    """A JACK xrun (or a busy interface) can drop clock ticks: the song position must stay on
    the sender's, not fall behind by a tick (19.5 ms at 128 BPM) for good."""
    true, arrivals = stream(128.0, 1920)
    keep = np.ones(len(arrivals), dtype=bool)
    keep[700 : 700 + lost] = False  # ticks 700.. never arrive
    clock = MidiClock(vtime)
    events = play(clock, vtime, [Start(true[0] - 0.01), *ticks(arrivals[keep])])
    beats = [e for e in events if isinstance(e, Beat)]
    delay = sim.JACK.mean_delay
    late = [b for b in beats if b.t > arrivals[720]]  # after the loss was recognised
    assert len(late) > 40
    for beat in late:
        assert abs(beat.t - (true[beat.song_tick] + delay)) < 2e-3, beat
    assert clock.estimator.skipped == lost
    assert clock.state().bar_beat == "20.4"  # the last of the 80 beats sent (1-based display)
    grid = BarGrid(clock.time_of_tick, SR, time_of_sample0=100.0)
    exact_bar22 = (true[0] + 22 * 96 * 60 / (24 * 128.0) + delay - 100.0) * SR
    assert abs(grid.bar_start(22) - exact_bar22) < 0.002 * SR


def test_every_clock_answers_the_same_transport_verbs(vtime):
    """One capability: the internal clock obeys every verb; a MIDI clock refuses play, stop and
    locate (the DAW's) but not a tempo; Link refuses locate, and play/stop without start/stop
    sync. A refused verb called anyway changes nothing."""
    internal = InternalClock("120", vtime, playing=False)
    midi = MidiClock(vtime)
    link = LinkClock(120.0, now=vtime, link=FakeLink(vtime, 120.0))
    synced = LinkClock(120.0, now=vtime, link=FakeLink(vtime, 120.0), start_stop=True)
    for clock in (internal, midi, link, synced):
        assert isinstance(clock, TransportSource)
    refused = {c.name + str(i): [v for v in VERBS if c.refusal(v)]
               for i, c in enumerate((internal, midi, link, synced))}  # fmt: skip
    assert refused == {"internal0": [], "midi1": ["start", "stop", "locate"],
                       "link2": ["start", "stop", "locate"], "link3": ["locate"]}  # fmt: skip
    assert "DAW" in midi.refusal("stop") and "--link-start-stop" in link.refusal("start")
    midi.feed(Start(vtime.t))
    for k in range(48):
        midi.feed(Tick(vtime.t + k * 60 / (120 * 24)))
    vtime.advance(48 * 60 / (120 * 24))
    before = midi.state()
    midi.stop(vtime.t)  # refused: the DAW's transport plays on
    midi.locate(0, vtime.t)
    assert midi.state().playing and midi.state().song_tick == before.song_tick
    link.stop(vtime.t)
    assert link.state().playing
    internal.locate(96)
    internal.start(vtime.t)
    assert internal.state().playing and internal.state().song_tick == 0
