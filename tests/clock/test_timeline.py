"""Exact bar positions: integer samples with no drift, over an hour and across tempo changes."""

from fractions import Fraction

import pytest

from livegen.clock.sources import InternalClock
from livegen.clock.timeline import BarGrid, TempoMap, exact_bpm, round_half_up, seconds_per_tick

SR = 48_000


def test_exact_bpm_keeps_the_decimal():
    assert exact_bpm("123.45") == Fraction(2469, 20)
    assert exact_bpm(123.45) == Fraction(2469, 20)
    assert exact_bpm(124) == 124
    assert seconds_per_tick(125) == Fraction(1, 50)
    with pytest.raises(ValueError):
        exact_bpm(0)


def test_round_half_up_is_exact():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(-5, 2)) == -2
    assert round_half_up(Fraction(7, 3)) == 2


def test_one_hour_at_123_45_bpm_has_zero_drift(vtime):
    vtime.t = 1234.567  # not a binary-exact number: the anchor must still cancel exactly
    clock = InternalClock("123.45", vtime)
    grid = BarGrid(clock.time_of_tick, SR, time_of_sample0=vtime.t)
    exact_bar = Fraction(4 * 60 * SR) / Fraction(2469, 20)  # 93317.13… samples
    bars = int(3600 / (4 * 60 / 123.45)) + 1  # 1852 bars: a little over an hour
    starts = [grid.bar_start(n) for n in range(bars + 1)]
    lengths = [grid.bar_length(n) for n in range(bars)]
    for n, start in enumerate(starts):
        assert start == round_half_up(n * exact_bar)
        assert abs(start - n * exact_bar) <= Fraction(1, 2)
    assert set(lengths) == {93317, 93318}
    assert sum(lengths) == starts[-1]  # lengths telescope: the audio never leaves the clock
    # What rounding each bar on its own would have done instead: half an hour of drift.
    naive = sum(round(float(exact_bar)) for _ in range(bars))
    assert abs(naive - float(bars * exact_bar)) > 200


def test_tempo_changes_reanchor_without_drift():
    tempo = TempoMap("123.45", time=Fraction(10))
    exact = Fraction(10)  # independent bookkeeping of bar 0..N start times
    bpms = ["123.45", "130", "97.3", "140.01", "123.45"]
    times = []
    for n in range(500):
        if n % 100 == 0:
            tempo.set_tempo(bpms[n // 100], at_tick=n * 96)
        times.append(exact)
        exact += 96 * seconds_per_tick(bpms[n // 100])
    grid = BarGrid(tempo.time_of_tick, SR, time_of_sample0=Fraction(10))
    for n in range(500):
        assert tempo.time_of_tick(n * 96) == times[n]
        assert grid.bar_start(n) == round_half_up((times[n] - 10) * SR)
    assert sum(grid.bar_length(n) for n in range(499)) == grid.bar_start(499)


def test_tempo_map_round_trip_and_order():
    tempo = TempoMap(120, time=5)
    tempo.set_tempo(150, at_tick=96)
    assert tempo.time_of_tick(96) == 5 + Fraction(96, 48)
    assert tempo.tick_at(tempo.time_of_tick(Fraction(1234, 7))) == Fraction(1234, 7)
    assert tempo.current.bpm == 150
    with pytest.raises(ValueError):
        tempo.set_tempo(130, at_tick=50)


def test_plan_absorbs_a_moving_prediction_in_one_bar():
    # A following clock whose prediction of later ticks moves by 0.3 ms between two plans.
    shift = [Fraction(0)]

    def time_of_tick(tick):
        return Fraction(tick, 50) + (shift[0] if tick > 96 else 0)

    grid = BarGrid(time_of_tick, SR)
    first = grid.plan(1)
    assert first.start == 96 * SR // 50 and first.length == 96 * SR // 50
    shift[0] = Fraction(3, 10_000)
    second = grid.plan(2, committed_start=first.end)
    assert second.start == first.end
    assert second.end == grid.bar_start(3)  # the next downbeat lands where the clock says
    assert second.length == 96 * SR // 50 + round(0.0003 * SR)


def test_grid_says_none_when_the_clock_cannot_tell():
    grid = BarGrid(lambda tick: None, SR)
    assert grid.bar_start(3) is None and grid.bar_length(3) is None and grid.plan(3) is None
    with pytest.raises(ValueError):
        BarGrid(lambda tick: None, 0)
