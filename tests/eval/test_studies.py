"""Tests for livegen.eval.studies with a stand-in generator whose answers are known: the tempo
study must tell a generator that follows the BPM from one that does not, and the steps study
must report the ODE error its sampler makes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from livegen.eval.studies import HeldOut, steps_study, tempo_study
from livegen.units import SAMPLE_RATE, bar_samples
from tests.support.loopfiles import clicks

HOP = 320


class FakeGenerator:
    """A bar of clicks at the requested tempo when `bpm_on`, else always at 100 BPM (a generator
    that ignores the BPM); its latents are the noise scaled by 1 + 1/steps, so a sampler's error
    against the many-step solution is known in closed form."""

    sample_rate = SAMPLE_RATE
    concept_dim = 0

    def __init__(self) -> None:
        self.spec = SimpleNamespace(bpm_min=100.0, bpm_max=150.0, latent_dim=4)
        self.codec = SimpleNamespace(hop=HOP)
        self.asked: list[tuple[int, bool]] = []

    def latents(self, x0, n, concept, steps, guidance, bpm_on, method=None, kind=None):
        self.asked.append((n, bool(bpm_on)))  # render decodes right after: see decode_bar
        return np.asarray(x0) * (1.0 + 1.0 / steps)

    def decode_bar(self, z, n):
        bpm = 4 * 60.0 * self.sample_rate / n if self.asked[-1][1] else 100.0
        return np.resize(clicks(bpm, self.sample_rate), n)


def held_out(bpms: list[float]) -> HeldOut:
    audio = [clicks(b, SAMPLE_RATE) for b in bpms]
    vec = np.stack([[len(a) / SAMPLE_RATE, np.sqrt(len(a) / SAMPLE_RATE)] for a in audio])
    entries = [{"id": str(i)} for i in range(len(bpms))]
    return HeldOut(entries, audio, np.array(bpms), vec, vec.copy())


def test_the_tempo_study_separates_following_the_bpm_from_ignoring_it() -> None:
    gen = FakeGenerator()
    r = tempo_study(gen, held_out([112.0, 126.0, 138.0]), 6, 8, 2.0, 0, progress=False)
    assert r["bpm_range"] == [110.0, 140.0]  # the study's range inside the model's
    assert r["accuracy"]["generated"] == 1.0
    assert r["accuracy"]["generated, BPM off"] == 0.0
    assert r["accuracy"]["real held-out"] == 1.0
    # six bars spread over 110-140 BPM, each with the BPM on and off
    lengths = sorted({n for n, _ in gen.asked})
    assert len(gen.asked) == 12 and len(lengths) == 6
    assert lengths[0] == bar_samples(137.5) and lengths[-1] == bar_samples(112.5)


def test_the_steps_study_reports_the_ode_error_and_the_frechet_distance() -> None:
    gen = FakeGenerator()
    held = held_out([118.0, 124.0, 131.0])

    def embed_audio(audio, sr):  # the same map the held-out vectors were made with
        s = len(audio) / sr
        return SimpleNamespace(vector=np.array([s, np.sqrt(s)]))

    cond = SimpleNamespace(embed_audio=embed_audio)
    r = steps_study(gen, cond, held, [("euler", "uniform")], [2, 8], 2.0, 0, progress=False)
    table = r["table"]["euler:uniform"]
    # |1/s - 1/8| / (1 + 1/8) against the 8-step reference
    assert table["2"]["ode_error"] == pytest.approx((0.5 - 0.125) / 1.125, rel=1e-6)
    assert table["8"]["ode_error"] == pytest.approx(0.0, abs=1e-12)
    # the bars have the held-out loops' lengths, so their embeddings are the same set
    assert table["2"]["fd"] == pytest.approx(0.0, abs=1e-6)
    assert r["bars"] == 3
