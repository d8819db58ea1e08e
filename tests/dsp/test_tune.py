"""Key lock: pitch tracked to a few cents, notes moved onto the key, everything else left alone.

Real audio where it matters: Sonic Pi's recorded bass one-shots (C2, Debian `sonic-pi-samples`).
"""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livegen.dsp.notes import hz_midi as midi
from livegen.dsp.resample import fit_bar
from livegen.dsp.tune import key_lock, note_costs, scale_classes, target_notes, track
from livegen.eval.key import chroma
from livegen.eval.pitch import bass_pitch

SR = 24_000
BAR = 46_080  # one bar at 125 BPM
SAMPLES = Path("/usr/share/sonic-pi/samples")


def saw_line(notes, seed=0, decay=0.12, detune_sd=0.0, vibrato=0.0):
    """A bass line over one bar: equal notes, each a band-limited saw from a random phase with a
    plucked envelope; pitch `notes` (MIDI), detuned by N(0, detune_sd) semitones per note and a
    5 Hz vibrato of `vibrato` semitones."""
    rng = np.random.default_rng(seed)
    out = np.zeros(BAR)
    step = BAR // len(notes)
    t = np.arange(step) / SR
    for k, m in enumerate(notes):
        pitch = m + rng.normal(0, detune_sd) + vibrato * np.sin(2 * np.pi * 5 * t)
        phase = rng.uniform() + np.cumsum(440 * 2 ** ((pitch - 69) / 12) / SR)
        wave = sum(np.sin(2 * np.pi * h * phase) / h for h in range(1, 9))
        out[k * step : (k + 1) * step] = 0.4 * wave * np.exp(-t / decay) * np.minimum(1, t * 200)
    return out


def test_track_reads_a_held_saw_to_a_few_cents():
    for note in (33.0, 36.3, 40.7, 47.0, 55.5):
        f0, _ = track(saw_line([note] * 4, decay=10.0), SR)
        assert (f0 > 0).mean() > 0.95
        assert abs(np.median(midi(f0[f0 > 0])) - note) < 0.05, note


def test_notes_go_to_the_cheapest_note_of_the_key():
    c_minor = note_costs(0, "minor")
    assert scale_classes(0, "minor") == (0, 2, 3, 5, 7, 8, 10)
    assert scale_classes(9, "major") == (9, 11, 1, 2, 4, 6, 8)
    # C# (off C minor) goes to the tonic; the same pitch with no key stays C#
    assert target_notes(np.array([37.1]), c_minor)[0] == 36
    assert target_notes(np.array([37.1]), note_costs(None))[0] == 37
    # nearer B than C (C major, B on the scale), but within the tonic's gravity
    assert target_notes(np.array([35.45]), note_costs(0, "major"))[0] == 36
    assert target_notes(np.array([35.45]), note_costs(0, "major", gravity=0.0))[0] == 35
    # well inside another scale note, gravity does not reach
    assert target_notes(np.array([43.1, 39.2]), c_minor).tolist() == [43, 39]
    assert np.isinf(c_minor).sum() == 5 and c_minor[0] < 0


def test_a_detuned_wobbling_line_comes_back_onto_the_grid():
    notes = [36, 36, 43, 36, 39, 36, 41, 36] * 2
    x = saw_line(notes, seed=3, detune_sd=0.3, vibrato=0.25)
    y, info = key_lock(x, SR, note_costs(0, "minor"))
    before, after = bass_pitch(x, SR), bass_pitch(y, SR)
    assert y.shape == x.shape and y.dtype == np.float32
    assert before["on_grid"] < 0.5 and after["on_grid"] > 0.85, (before, after)
    assert after["steadiness"] > 0.8 > 0.3 > before["steadiness"]
    assert info["pitched"] > 0.8 and 10 < info["shift_cents"] < 60
    # the notes played are kept: per note, the tracked pitch lands on the note asked for (within
    # a quarter tone: the 85 ms tracking frame leaves some of a short note's vibrato)
    f0, _ = track(y, SR)
    step = len(f0) / len(notes)
    for k, note in enumerate(notes):
        frames = f0[int(k * step) + 2 : int((k + 1) * step) - 2]
        assert abs(np.median(midi(frames[frames > 0])) - note) < 0.25, k
    # timing and level kept: each note's attack within one period of C2 (15 ms) of where it
    # was (a grain lands a period at most from its source), mostly much nearer; loudness 1 dB
    ex, ey = (np.sqrt(np.convolve(z**2, np.ones(240) / 240, "same")) for z in (x, y))
    moved = []
    for k in range(1, len(notes)):
        at = k * (BAR // len(notes))
        rise = [np.argmax(e[at - 240 : at + 480] > 0.5 * e[at : at + 960].max()) for e in (ex, ey)]
        moved.append(abs(int(rise[1]) - int(rise[0])) * 1000 / SR)
    assert max(moved) < 15.3 and np.median(moved) < 5, moved
    assert abs(20 * np.log10(np.std(y) / np.std(x))) < 1.0


def test_the_key_moves_a_pitch_halfway_between_semitones_onto_its_scale():
    x = saw_line([37.5] * 8, seed=1, decay=0.3)  # a quarter tone over C#: C# or D?
    c_sharp = chroma(key_lock(x, SR, note_costs(None))[0], SR)
    in_c_minor = chroma(key_lock(x, SR, note_costs(0, "minor"))[0], SR)
    assert np.argmax(c_sharp) in (1, 2) and np.argmax(in_c_minor) == 2  # D: in C minor


def test_a_recorded_bass_one_shot_detuned_by_a_third_of_a_semitone_comes_back():
    audio, rate = sf.read(SAMPLES / "bass_thick_c.flac", always_2d=True)
    mono = fit_bar(audio.mean(axis=1), round(len(audio) * SR / rate)).astype(np.float64)
    hit = mono[: BAR // 4]
    hit = hit * np.minimum(1.0, np.linspace(40, 0, len(hit)))  # fade out within the beat
    bar = np.tile(hit, 4)
    sharp = fit_bar(bar, round(len(bar) / 2 ** (0.35 / 12)))  # 35 cents up, a little shorter
    sharp = np.resize(sharp, len(bar))  # the bar's length again (the tail wraps)
    f_orig, _ = track(bar, SR)
    f_sharp, _ = track(sharp, SR)
    orig = np.median(midi(f_orig[f_orig > 0]))
    assert abs(orig - 36) < 0.1  # the sample is a C2
    assert abs(np.median(midi(f_sharp[f_sharp > 0])) - 36.35) < 0.1
    fixed, _ = key_lock(sharp, SR, note_costs(0, "minor"))
    f_fixed, _ = track(fixed, SR)
    assert abs(np.median(midi(f_fixed[f_fixed > 0])) - 36) < 0.06


def test_noise_and_silence_pass_unchanged():
    rng = np.random.default_rng(0)
    noise = 0.1 * rng.standard_normal(BAR)
    y, info = key_lock(noise, SR, note_costs(0, "minor"))
    assert info["pitched"] < 0.05
    assert np.sqrt(np.mean((y - noise) ** 2)) < 0.01 * 0.1
    quiet, info = key_lock(np.zeros(BAR), SR, note_costs(None))
    assert info["pitched"] == 0 and not np.any(quiet)


def test_the_loop_stays_seamless():
    phase = 128 * np.arange(BAR) / BAR  # 128 whole cycles: a seamless held C2, 33 cents sharp
    x = 0.4 * sum(np.sin(2 * np.pi * h * phase) / h for h in range(1, 9))
    y, info = key_lock(x, SR, note_costs(None))
    assert 28 < info["shift_cents"] < 38
    steps = np.abs(np.diff(y))
    assert abs(float(y[0] - y[-1])) <= np.percentile(steps, 99.9) + 1e-6


@pytest.mark.parametrize("n", [0, 300, 1000, 4_321, 99_991])
def test_any_length_works(n):
    x = np.resize(saw_line([40] * 4, decay=5.0), n)
    y, _ = key_lock(x, SR, note_costs(4, "major"))
    assert y.shape == (n,) and np.all(np.isfinite(y))
