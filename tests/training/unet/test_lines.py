"""The note line as a condition: rows phase-locked to the synth's line, carried by the bar bank
beside the tempo's, dropped on their own, and added to a trained UNet at zero."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from livegen.runtime.lines import GLIDE_S, LINE_CHANNELS, line_notes, line_rows
from livegen.runtime.sampler import PHASE_CHANNELS
from livegen.training.unet.data import BarBank, Dropout
from livegen.training.unet.tiny import TINY_UNET, synthetic_cache, tiny_trainer
from livegen.training.unet.trainer import read_checkpoint
from livegen.units import SAMPLE_RATE as SR

LINE_UNET = replace(TINY_UNET, line=True, phase_channels=PHASE_CHANNELS + LINE_CHANNELS)


def test_a_held_note_turns_by_its_frequency_per_frame_of_the_resampled_bar():
    """The bar's n samples become T frames (frame j is sample j·n/T), so a 55 Hz note advances
    55·n/(T·SR) cycles per frame, exactly, and the pitch row reads (33 − 48) / 24."""
    n, t = 45_000, 141  # 128 BPM: 140.6 frames of 320 samples, resampled to 141
    rows = line_rows([[0, 33, False, False]], n, t)
    turn = np.angle((rows[0, 1:] + 1j * rows[1, 1:]) / (rows[0, :-1] + 1j * rows[1, :-1]))
    want = 2 * np.pi * (55.0 * n / (t * SR))
    np.testing.assert_allclose(turn, np.angle(np.exp(1j * want)), atol=1e-6)
    np.testing.assert_allclose(rows[2], (33 - 48) / 24)
    np.testing.assert_allclose(np.hypot(rows[0], rows[1]), 1.0, atol=1e-6)


def test_the_phase_runs_on_across_notes_and_a_slide_glides():
    n, t = 48_000, 150
    notes = [[0, 36, False, True], [24_000, 43, True, False]]
    rows = line_rows(notes, n, t)
    at = (np.arange(t) * n / t).astype(int)
    before, after = at < 24_000, at >= 24_000 + GLIDE_S * SR
    np.testing.assert_allclose(rows[2, before], (36 - 48) / 24)
    np.testing.assert_allclose(rows[2, after], (43 - 48) / 24)
    gliding = (at >= 24_000) & ~after
    glide = rows[2, gliding]
    assert (
        len(glide) > 2
        and np.all(np.diff(glide) > 0)
        and -0.5 <= glide.min() < glide.max() < -5 / 24
    )
    # one running phase: its turn per frame follows the pitch, with no jump at the note
    turn = np.mod(
        np.angle(np.exp(1j * np.diff(np.unwrap(np.arctan2(rows[1], rows[0]))))), 2 * np.pi
    )
    f_before = 440 * 2 ** ((36 - 69) / 12) * n / (t * SR)
    assert np.allclose(turn[before[1:] & before[:-1]], 2 * np.pi * (f_before % 1), atol=1e-6)


def test_the_line_comes_from_the_bass_or_the_acid_part_and_none_is_zeros():
    bass = {"instruments": {"bass": {"notes": [[0, 40, False, False]]}, "acid": {}}}
    acid = {"instruments": {"kick": {}, "acid": {"notes": [[10, 50, True, False]]}}}
    assert line_notes(bass) == [[0, 40, False, False]] and line_notes(acid)[0][1] == 50
    assert line_notes({"instruments": {"pad": {}}}) is None
    assert not line_rows(None, 40_000, 125).any()


@pytest.fixture(scope="module")
def cache():
    return synthetic_cache(np.zeros(8, np.float32), np.ones(8, np.float32))


def test_the_bank_carries_the_rows_after_the_tempo_and_drops_them_on_their_own(cache):
    t_max = int(cache.lengths.max())
    lines = np.ones((len(cache), LINE_CHANNELS, t_max), np.float32)
    plain = BarBank(cache, cache.select("train"))
    lined = BarBank(cache, cache.select("train"), lines=lines)
    assert lined.phase.shape[1] == PHASE_CHANNELS + LINE_CHANNELS
    drop = Dropout(p_line=0.5, p_bpm=0.2)
    a = plain.draw(np.random.default_rng(3), 64, drop)
    b = lined.draw(np.random.default_rng(3), 64, drop)
    # the same batch as a bank without lines draws (the line's dropout is drawn last)
    for k in ("x1", "x0", "alpha", "concept", "key"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    np.testing.assert_array_equal(a.phase, b.phase[:, :PHASE_CHANNELS])
    tempo_on = b.phase[:, :PHASE_CHANNELS].any(axis=(1, 2))
    line_on = b.phase[:, PHASE_CHANNELS:].any(axis=(1, 2))
    assert not (line_on & ~tempo_on).any()  # no tempo, no line
    assert 0.25 < (tempo_on & ~line_on).sum() / tempo_on.sum() < 0.75  # its own dropout
    from livegen.training.unet.trainer import DeviceBank  # the trainer's (GPU) path: the same

    dev = DeviceBank(lined, torch.device("cpu")).draw(np.random.default_rng(3), 64, drop)
    np.testing.assert_array_equal(dev["phase"].numpy(), b.phase)


def test_a_fine_tune_may_add_a_note_line_to_a_unet_trained_without_one(tmp_path, cache):
    tiny_trainer(cache, tmp_path / "base").fit()
    base = read_checkpoint(tmp_path / "base")
    tuned = tiny_trainer(cache, tmp_path / "tuned", unet=LINE_UNET)
    tuned.init_from(base, tmp_path / "base")
    state = tuned.model.state_dict()
    for k, v in base["ema"].items():
        if k.startswith("phase_in.") and k.endswith(".weight"):  # new rows start at zero
            torch.testing.assert_close(state[k][:, :PHASE_CHANNELS], v, rtol=0, atol=0)
            assert not state[k][:, PHASE_CHANNELS:].any()
        else:
            torch.testing.assert_close(state[k], v, rtol=0, atol=0)
    x = torch.randn(2, 8, 37)
    phase = torch.randn(2, PHASE_CHANNELS + LINE_CHANNELS, 37)
    a, c = torch.rand(2), torch.nn.functional.normalize(torch.randn(2, 8), dim=1)
    with torch.no_grad():  # at the start the line changes nothing
        from livegen.training.unet.model import UNet1d

        old = UNet1d(TINY_UNET).eval()
        old.load_state_dict(base["ema"])
        torch.testing.assert_close(
            tuned.model.eval()(x, a, phase, c), old(x, a, phase[:, :PHASE_CHANNELS], c)
        )
    assert tuned.fit()["finished"]
    grown = read_checkpoint(tmp_path / "tuned")
    assert grown["config"]["line"] and grown["config"]["phase_channels"] == 9
    assert grown["ema"]["line.remod.weight"].abs().sum() > 0  # it trained


def test_the_training_reads_each_bars_line_from_the_corpus_manifest(tmp_path, cache):
    """The latent cache keeps captions, not instruments: the lines come from the manifest, by
    loop id, and a corpus without any line is refused rather than trained on zeros."""
    import json

    from livegen.training.unet.train import note_lines

    def write(entries):
        (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))

    lined = {"instruments": {"acid": {"notes": [[0, 45, False, False]]}}}
    write([{"id": str(i), **(lined if k % 2 else {})} for k, i in enumerate(cache.ids)])
    rows = note_lines(cache, tmp_path)
    t = int(cache.lengths[1])
    np.testing.assert_array_equal(
        rows[1, :, :t], line_rows([[0, 45, False, False]], int(cache.n_samples[1]), t)
    )
    assert not rows[0::2].any() and rows[1::2].any()
    write([{"id": str(i)} for i in cache.ids])
    with pytest.raises(ValueError, match=r"no loop .* has a bass line"):
        note_lines(cache, tmp_path)


def test_a_package_with_a_line_plays_with_or_without_one_and_others_refuse_it(tmp_path):
    from livegen.runtime.generator import Generator
    from livegen.runtime.sampler import noise
    from livegen.training.unet.tiny import tiny_package
    from livegen.units import bar_frames

    gen = Generator.load(tiny_package(tmp_path, LINE_UNET, steps=8), "cpu", 1)
    assert gen.spec.line
    n = 45_000
    t = bar_frames(n, 320)
    x0 = noise(3, 8, t)
    rows = line_rows([[0, 33, False, False], [n // 2, 40, False, False]], n, t)
    with_line = gen.latents(x0, n, None, 4, 1.0, line=rows)
    without = gen.latents(x0, n, None, 4, 1.0)
    assert np.abs(with_line - without).mean() > 1e-4  # the rows reach the trained line paths
    np.testing.assert_array_equal(without, gen.latents(x0, n, None, 4, 1.0, line=0 * rows))
    with pytest.raises(ValueError, match="line rows"):
        gen.latents(x0, n, None, 4, 1.0, line=rows[:, :-1])
    plain = Generator.load("models/default", "cpu", 1)
    with pytest.raises(ValueError, match="takes no note line"):
        plain.latents(noise(3, 64, t), n, None, 4, 1.0, line=rows)
