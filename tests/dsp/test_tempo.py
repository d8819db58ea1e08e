"""The one onset envelope and tempo tracker (`livegen.dsp`): known answers on synthetic signals
and on corpus loops, and what it must not find."""

from __future__ import annotations

import numpy as np

from livegen.corpus.loop import make_loop
from livegen.dsp.onset import onset_envelope
from livegen.dsp.resample import fit_bar
from livegen.dsp.tempo import loop_tempo, salience, within
from tests.support.loopfiles import clicks

SR = 24_000


def test_onsets_sit_on_the_beats_and_the_downbeat_of_a_loop_counts():
    x = clicks(120.0, SR)  # 0.5 s beats: onsets at frames 0, 100, 200, 300 (5 ms frames)
    env, frame_rate = onset_envelope(x, SR)
    assert frame_rate == 200.0 and len(env) == 401  # frame 400 is the loop's start again
    peaks = np.argsort(env)[-4:]
    # within a frame or two of each beat, counted around the loop: the downbeat at sample 0 is
    # found though nothing precedes it in the file (the window sees a hit ~5 ms early)
    for beat in (0, 100, 200, 300):
        assert min(min(abs(p - beat), 400 - abs(p - beat)) for p in peaks) <= 2, (beat, peaks)
    assert env[0] < 0.01 * env.max()  # the downbeat's rise shows at frame 399-400, not twice


def test_a_click_loop_reads_its_tempo_within_half_a_percent():
    for bpm in (96.0, 110.0, 124.0, 128.0, 139.5, 172.0):
        got = loop_tempo(clicks(bpm, SR), SR)
        assert abs(got - bpm) <= 0.005 * bpm, (bpm, got)


def test_corpus_loops_read_their_tempo_and_stretched_ones_do_not():
    loops = [make_loop(5, i) for i in range(60)]
    hits = [within(loop_tempo(lp.audio, SR), lp.meta["bpm"]) for lp in loops]
    assert np.mean(hits) >= 0.97  # 100 % on 200 loops; the free grid read 91.5 %
    stretched = [
        within(loop_tempo(fit_bar(lp.audio, round(len(lp.audio) * 1.05)), SR), lp.meta["bpm"])
        for lp in loops[:20]
    ]
    assert np.mean(stretched) <= 0.1  # 5 % slower is 5 % slower: the tracker is no rubber stamp


def test_silence_and_noise():
    assert np.isnan(loop_tempo(np.zeros(48_000, np.float32), SR))
    rng = np.random.default_rng(1)
    hits = [within(loop_tempo(rng.standard_normal(46_080).astype(np.float32), SR), 125.0)
            for _ in range(20)]  # fmt: skip
    assert np.mean(hits) <= 0.05  # no beat, no tempo: 0 of 100 (the free grid took 4 %)


def test_salience_prefers_the_beat_over_a_syncopated_part():
    env, frame_rate = onset_envelope(clicks(120.0, SR), SR)
    s = salience(env, frame_rate, np.array([120.0, 160.0, 90.0]))  # the beat, 4/3 and 3/4 of it
    assert s[0] > 0.7 and s[0] > s[1] + 0.3 and s[0] > s[2] + 0.3


def test_a_loop_holds_whole_beats_so_a_dotted_part_is_not_the_beat():
    lp = make_loop(5, 10)  # 138.67 BPM, one bar: dotted parts make a 1.5-beat lag strong
    bpm = lp.meta["bpm"]
    env, frame_rate = onset_envelope(lp.audio, SR)
    grid = np.arange(90.0, 180.0, 0.01)
    free = grid[np.argmax(salience(env, frame_rate, grid, second=1.0))]
    assert within(free, 2 / 3 * bpm)  # 2/3 of the tempo wins on a free grid (92 BPM) ...
    assert within(loop_tempo(lp.audio, SR), bpm)  # ... but 2.67 beats do not fill the bar


def test_three_beats_in_a_bar_read_as_three_beats():
    waltz = clicks(96.0, SR, beats=3)  # one 4/4 bar at 128 BPM long, three beats in it
    assert abs(loop_tempo(waltz, SR) - 96.0) <= 0.005 * 96.0
    assert not within(loop_tempo(waltz, SR), 128.0)  # the length alone does not pass a loop
