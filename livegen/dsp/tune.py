"""Key lock: a bass stem's pitch pulled onto the notes of a key. NumPy only.

Why: the stem generator's bass plays about the right notes (mostly the tonic) but not in tune.
Its fundamental wanders a quarter tone either side of the note and lies on the tempered grid no
more often than chance, so a key estimator reads the bar a semitone off in a third of the bars.
A note is a fast, exact line in the codec's latents, which a 2 M-parameter UNet does not draw
exactly. This is the studio's answer to a bass that is nearly right: track the pitch and move
each note onto the nearest note of the scale, keeping its timing and its timbre.

- Tracking: YIN (de Cheveigné & Kawahara 2002) on the loop taken down to 6 kHz, every frame at
  once through FFTs: the first dip of the cumulative mean normalised difference under `DIP`
  (else the deepest), refined by a parabola. A frame may be a note when its dip is under
  `VOICED` (loose: the stem is known to be a bass, and its rough frames still carry the note;
  white noise dips to 0.85-0.9 and is left alone) and it is above -50 dBFS; it is one when its
  pitch lies within `STEADY` of its neighbours' median (noise read as pitch jumps about).
- Notes: that median goes to the cheapest note: distance in semitones plus a cost per pitch
  class (`note_costs`): 0 on the key's scale, infinite off it, and `GRAVITY` less on the tonic,
  so a pitch between the tonic and a scale neighbour leans to the tonic (the generated bass is
  mostly the tonic, a quarter tone either side). With hysteresis, a pitch that wobbles about a
  note is flattened onto it instead of chopped into a trill. No key: every semitone, no gravity
  (in tune with A = 440 Hz).
- Shifting: pitch-synchronous TD-PSOLA. Grains two periods long are cut around the waveform's
  peaks (on a 250 Hz lowpass) and laid down one target period apart, normalised by their
  windows' sum; everything that is not a note passes as it was, and the grains reaching past a
  note's ends fade into it. The bar keeps its length; a note's attack may move by up to one
  period (15 ms at C2; median 4 ms on a test line). The bar is a loop, processed wrapped; a
  held note's retuned phase does not come round to where the bar began, so its first `SEAM`
  samples fade in from the end's continuation.

The settings were chosen on the shipped stem generator's bars of one set of seeds and measured
on others (`eval stems --seed 1000`, README). Cost: about 15 ms per bar on one core of this
2-core machine, in the thread that makes the bar, never in the audio callback.
"""

from __future__ import annotations

import bisect
import functools

import numpy as np

from livegen.dsp.notes import MAJOR_SCALE, MINOR_SCALE, hz_midi

HOP = 256  # 10.7 ms at 24 kHz between pitch frames
TRACK_HZ = 6000  # about the rate pitch is tracked at (the model rate over a whole number)
WINDOW = 2048  # 85 ms: three of the longest periods tracked
FMIN_HZ, FMAX_HZ = 36.0, 420.0  # D1 to G#4: a bass line with its octave jumps
DIP = 0.15  # YIN's absolute threshold
VOICED = 0.8  # a frame may be pitched when its best dip is under this (white noise: 0.85-0.9)
SILENT_RMS = 10 ** (-50 / 20)
SMOOTH_FRAMES = 7  # 75 ms median: a note's body, not its attack
HYSTERESIS = 0.35  # semitones cheaper before the note changes
STEADY = 1.0  # semitones from its neighbours' median within which a frame is part of a note
MAX_SHIFT = 1.5  # semitones: the lock tunes a line, it does not rewrite it
GUIDE_HZ = 250.0  # where the grains' peaks are looked for
SEAM = 256  # samples crossfaded at the loop's seam
GRAVITY = 0.3  # semitones the tonic is preferred by, with a key


def scale_classes(root: int, mode: str) -> tuple[int, ...]:
    """The pitch classes of a key's scale (major, or natural minor: a dorian 6th or phrygian
    2nd goes to its neighbour)."""
    steps = MAJOR_SCALE if mode == "major" else MINOR_SCALE
    return tuple((root + s) % 12 for s in steps)


def note_costs(root: int | None, mode: str = "minor", gravity: float = GRAVITY) -> np.ndarray:
    """Per pitch class [12]: what landing there costs on top of the distance in semitones (see
    the module docstring). `root` None: every semitone at no cost."""
    if root is None:
        return np.zeros(12)
    out = np.full(12, np.inf)
    out[list(scale_classes(root, mode))] = 0.0
    out[root % 12] = -gravity
    return out


def track(x: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Per frame (`HOP` apart, centred, the loop wrapped): the fundamental in Hz (0 where not
    pitched) and the YIN dip (0 = periodic, 1 = noise). The loop, wrapped at both ends, is first
    taken down to about `TRACK_HZ` (band-limited): a bass's pitch needs no more, and YIN's FFTs
    cost a sixteenth."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    frames = max(1, -(-n // HOP))
    q = max(1, sample_rate // TRACK_HZ)
    rate = sample_rate / q
    win = WINDOW // q
    tmin, tmax = int(rate / FMAX_HZ), int(np.ceil(rate / FMIN_HZ))
    span = win + tmax + 1
    margin = span * q  # the loop wrapped this far on each side: no frame reads past it
    size = q * _fast_len(-(-(n + 2 * margin) // q))
    ext = x[np.arange(-margin, size - margin) % n]
    spec = np.fft.rfft(ext)[: size // (2 * q) + 1]  # band-limited to the new Nyquist
    y = np.fft.irfft(spec, size // q) / q
    starts = (np.arange(frames) * HOP + margin) // q - win // 2
    seg = y[starts[:, None] + np.arange(span)]
    size = 1 << int(np.ceil(np.log2(span)))  # lags up to tmax never wrap
    spec = np.fft.rfft(seg, size)
    head = np.fft.rfft(seg[:, :win], size)
    cross = np.fft.irfft(np.conj(head) * spec, size)[:, : tmax + 1]  # Σ_j y_j y_{j+τ}
    energy = np.concatenate([np.zeros((frames, 1)), np.cumsum(seg**2, axis=1)], axis=1)
    e0 = energy[:, win] - energy[:, 0]
    et = energy[:, win : win + tmax + 1] - energy[:, : tmax + 1]
    diff = np.maximum(e0[:, None] + et - 2.0 * cross, 0.0)
    cmnd = np.ones_like(diff)
    running = np.cumsum(diff[:, 1:], axis=1) / np.arange(1, tmax + 1)
    cmnd[:, 1:] = diff[:, 1:] / np.maximum(running, 1e-12)
    c = cmnd[:, tmin:tmax]
    idx = np.arange(c.shape[1])
    under = c < DIP
    first = np.where(under.any(axis=1), under.argmax(axis=1), -1)
    # from the first dip under the threshold down to its floor; else the deepest lag
    rising = np.concatenate([c[:, 1:] >= c[:, :-1], np.ones((frames, 1), bool)], axis=1)
    floor = (rising & (idx >= first[:, None])).argmax(axis=1)
    lag = np.where(first >= 0, floor, c.argmin(axis=1))
    rows = np.arange(frames)
    t = tmin + lag
    a, b, d = cmnd[rows, t - 1], cmnd[rows, t], cmnd[rows, np.minimum(t + 1, tmax)]
    curve = a - 2 * b + d
    safe = np.where(curve > 0, curve, 1.0)
    shift = np.where(curve > 0, np.clip(0.5 * (a - d) / safe, -0.5, 0.5), 0.0)
    pitched = (b < VOICED) & (np.sqrt(e0 / win) > SILENT_RMS)
    return np.where(pitched, rate / (t + shift), 0.0), b


def target_notes(midi: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """Each (fractional) MIDI note's cheapest note: distance plus `costs` of its pitch class."""
    midi = np.asarray(midi, dtype=np.float64)
    cands = np.round(midi)[..., None] + np.arange(-7, 8)  # every pitch class within reach
    cost = np.abs(cands - midi[..., None]) + costs[cands.astype(np.int64) % 12]
    return np.take_along_axis(cands, cost.argmin(-1)[..., None], -1)[..., 0]


def ratios(f0: np.ndarray, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the pitch ratio that puts it on its note, and whether it is a note at all.

    A note's frame lies within `STEADY` semitones of its neighbours' median (noise read as
    pitch jumps about and is left alone, ratio 1). The note is decided on that median and
    changes only when another note is cheaper by `HYSTERESIS`; each frame's own pitch then goes
    to it, which straightens a wobble too."""
    out = np.ones_like(f0)
    midi = np.full_like(f0, np.nan)
    found = f0 > 0
    midi[found] = hz_midi(f0[found])
    half = SMOOTH_FRAMES // 2
    padded = np.concatenate([midi[len(midi) - half :], midi, midi[:half]])  # the loop wraps
    windows = np.lib.stride_tricks.sliding_window_view(padded, SMOOTH_FRAMES)
    smooth = np.full_like(midi, np.nan)
    if found.any():
        smooth[found] = np.nanmedian(windows[found], axis=1)
    pitched = found & (np.abs(midi - smooth) <= STEADY)
    best = np.full_like(midi, np.nan)
    best[pitched] = target_notes(smooth[pitched], costs)
    goal = np.full_like(midi, np.nan)
    note = np.nan
    for i in np.nonzero(pitched)[0]:
        if i == 0 or not pitched[i - 1] or (
            abs(smooth[i] - note) + costs[int(note) % 12]
            - abs(smooth[i] - best[i]) - costs[int(best[i]) % 12] > HYSTERESIS
        ):  # fmt: skip
            note = best[i]
        goal[i] = note
    out[pitched] = 2.0 ** (np.clip(goal[pitched] - midi[pitched], -MAX_SHIFT, MAX_SHIFT) / 12.0)
    return out, pitched


def _fast_len(n: int) -> int:
    """The smallest length >= n with no prime factor above 5: an FFT of a bar's own length (a
    large prime factor, often) costs 30 times as much."""
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _lowpass(x: np.ndarray, sample_rate: int, hz: float) -> np.ndarray:
    """Zero-phase brick-wall lowpass, zero-padded to a fast length (the caller's wrap margins
    keep its edges away from the loop)."""
    size = _fast_len(len(x))
    spec = np.fft.rfft(x, size)
    spec[np.fft.rfftfreq(size, 1.0 / sample_rate) > hz] = 0.0
    return np.fft.irfft(spec, size)[: len(x)]


def _analysis_marks(guide: np.ndarray, period: np.ndarray, pitched: np.ndarray) -> np.ndarray:
    """Grain centres: where pitched, on the guide's peak in each period (so every grain holds
    the waveform at the same phase); elsewhere one period apart."""
    n = len(guide)
    marks: list[int] = []
    t = 0
    while t < n:
        p = max(int(period[t] + 0.5), 2)
        if pitched[t]:
            if marks and pitched[marks[-1]] and marks[-1] + p > t:  # the next cycle's peak
                lo, hi = marks[-1] + (3 * p) // 4, marks[-1] + (5 * p) // 4
            else:  # a pitched stretch starts: its first peak
                lo, hi = t, t + p
            lo, hi = min(lo, n - 1), min(max(hi, lo + 1), n)
            t = lo + int(np.argmax(guide[lo:hi]))
            marks.append(t)
            t += (3 * p) // 4
        else:
            marks.append(t)
            t += p
    return np.array(marks, dtype=np.int64)


@functools.lru_cache(maxsize=512)
def _window(p: int) -> np.ndarray:
    """A grain's Hann window over 2p + 1 samples, zero only outside them."""
    return np.hanning(2 * p + 3)[1:-1]


def psola(
    x: np.ndarray, sample_rate: int, period: np.ndarray, goal: np.ndarray, pitched: np.ndarray
) -> np.ndarray:
    """Pitch-synchronous TD-PSOLA of one loop. Per sample: the local `period` and the `goal`
    period (samples), and whether it is `pitched`. Same length out as in."""
    n = len(x)
    pad = int(period.max()) * 3 + 2
    wrap = np.arange(-pad, n + pad) % n
    xw, pw, gw, vw = x[wrap], period[wrap], goal[wrap], pitched[wrap]
    total = len(xw)
    analysis = _analysis_marks(_lowpass(xw, sample_rate, GUIDE_HZ), pw, vw)
    acc = np.zeros(total)
    wsum = np.zeros(total)
    marks = analysis.tolist()
    periods = np.maximum(np.rint(pw), 1).astype(np.int64).tolist()
    steps = np.maximum(gw, 1.0).tolist()
    pitched_at = vw.tolist()
    last = len(marks) - 1
    notes = [m for m in marks if pitched_at[m]]
    s = float(marks[0])
    while s < total - 1:
        at = int(s + 0.5)
        if not pitched_at[at]:  # no grains here: on to the next note's first peak
            j = bisect.bisect_right(notes, s)
            s = float(notes[j]) if j < len(notes) else float(total)
            continue
        i = min(max(bisect.bisect_left(marks, s), 1), last)
        a = marks[i] if marks[i] - s < s - marks[i - 1] else marks[i - 1]
        p = periods[a]
        w = _window(p)
        lo, hi = max(a - p, 0, a - at), min(a + p + 1, total, total - at + a)
        if hi > lo:  # the grain [a-p, a+p] lands on [at-p, at+p], clipped to the buffer
            acc[lo - a + at : hi - a + at] += xw[lo:hi] * w[lo - a + p : hi - a + p]
            wsum[lo - a + at : hi - a + at] += w[lo - a + p : hi - a + p]
        s += steps[at]
    # Notes: the grains, normalised by their windows. Elsewhere the sound as it was, into which
    # the grains reaching past a note's ends fade.
    covered = vw & (wsum > 0.1)
    out = np.where(covered, acc / np.maximum(wsum, 0.1), acc + np.clip(1.0 - wsum, 0.0, 1.0) * xw)
    # A held note's retuned phase does not come round to where the bar began, so the bar's
    # start fades in from the end's own continuation: the loop stays seamless.
    fade = min(SEAM, n, pad)
    ramp = (np.arange(fade) + 0.5) / fade
    loop = out[pad : pad + n].copy()
    loop[:fade] = ramp * loop[:fade] + (1.0 - ramp) * out[pad + n : pad + n + fade]
    return loop


def key_lock(
    x: np.ndarray, sample_rate: int, costs: np.ndarray
) -> tuple[np.ndarray, dict[str, float]]:
    """One loop (mono) with its notes moved onto their cheapest notes (`costs`, see
    `note_costs`), float32; and what was done: the pitched share of frames and the mean
    |shift| over them in cents."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2 * HOP:  # no note fits
        return x.astype(np.float32), {"pitched": 0.0, "shift_cents": 0.0}
    f0, _ = track(x, sample_rate)
    r, pitched = ratios(f0, costs)
    info = {
        "pitched": float(pitched.mean()),
        "shift_cents": float(np.mean(np.abs(1200 * np.log2(r[pitched])))) if pitched.any() else 0.0,
    }
    if not pitched.any():
        return x.astype(np.float32), info
    at = np.arange(len(f0)) * HOP
    per = np.where(pitched, sample_rate / np.where(pitched, f0, 1.0), sample_rate / 100.0)
    idx = np.arange(len(x))
    period = np.interp(idx, at, per, period=len(x))
    goal = np.interp(idx, at, per / r, period=len(x))
    mask = pitched[np.minimum((idx + HOP // 2) // HOP, len(f0) - 1)]
    return psola(x, sample_rate, period, goal, mask).astype(np.float32), info
