"""Pitch carriers: the tempered notes' oscillations at the frame rate, read from x and written onto
the output, added to a trained UNet at zero, exported with dynamic batch and length."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from livegen.runtime.manifest import ModelFileError
from livegen.runtime.session import create_session
from livegen.training.unet.carriers import Carriers, carrier_cycles
from livegen.training.unet.model import UNet1d
from livegen.training.unet.tiny import TINY_UNET, synthetic_cache, tiny_trainer
from livegen.training.unet.trainer import read_checkpoint
from tests.training.unet.test_model import inputs, randomised

RATE = 75.0  # the shipped codec's frames per second


def midi_hz(m: int) -> float:
    return 440.0 * 2.0 ** ((m - 69) / 12.0)


def test_the_carriers_are_the_tempered_notes_sampled_at_the_frame_rate():
    car = Carriers((28, 76), RATE, latent_dim=8, width=16)
    cos, sin = car.waves(512, torch.zeros(1))
    n = np.arange(512)
    for k, m in enumerate(range(28, 77)):
        arg = 2 * np.pi * midi_hz(m) * n / RATE
        np.testing.assert_allclose(cos[k].numpy(), np.cos(arg), atol=2e-4, err_msg=f"MIDI {m}")
        np.testing.assert_allclose(sin[k].numpy(), np.sin(arg), atol=2e-4, err_msg=f"MIDI {m}")
    # A1 = 55 Hz is a line at 20 Hz in 75 Hz frames (measured on the shipped codec's latents):
    # 0.733 cycles per frame, which is -0.267
    nu = carrier_cycles(33, 33, RATE)[0]
    assert min(nu, 1 - nu) * RATE == pytest.approx(20.0)


def lock_in(midi: int, phase: float, frames: int = 150) -> np.ndarray:
    """|time mean of the demodulated pair| per carrier, for x = a held note in channel 0."""
    k = 49
    car = Carriers((28, 76), RATE, latent_dim=4, width=2 * k, projections=1)
    with torch.no_grad():
        car.proj.weight.zero_()
        car.proj.weight[0, 0, 0] = 1.0  # the projection reads channel 0
        car.proj.bias.zero_()
        car.demod.weight.copy_(torch.eye(2 * k)[:, :, None])  # the demodulated pairs themselves
        t = np.arange(frames)
        x = torch.zeros(1, 4, frames)
        x[0, 0] = torch.from_numpy(np.cos(2 * np.pi * midi_hz(midi) * t / RATE + phase))
        f = car.read(x)[0][0].numpy()
    return np.hypot(f[:k].mean(axis=1), f[k:].mean(axis=1))


@pytest.mark.parametrize("midi, phase", [(33, 0.0), (40, 1.0), (52, 2.5), (69, -2.0)])
def test_a_held_note_reads_as_a_steady_level_on_its_own_carrier(midi, phase):
    """cos(a + φ)·cos a averages to cos(φ)/2 and cos(a + φ)·sin a to −sin(φ)/2: the note's carrier
    shows 1/2 whatever its phase, the other carriers average out over the bar."""
    level = lock_in(midi, phase)
    assert level.argmax() == midi - 28
    assert level[midi - 28] == pytest.approx(0.5, abs=0.02)
    assert np.sort(level)[-2] < 0.25 * level[midi - 28], np.sort(level)[-3:]


def test_the_write_path_makes_a_note_in_every_channel_from_two_constant_coefficients():
    """x_d = A_d cos(2πνt + φ + θ_d): P = cos φ, Q = sin φ on the note's carrier and remod
    weights A_d·(cos θ_d, −sin θ_d, −sin θ_d, −cos θ_d) reproduce every channel exactly."""
    d, m, phi, frames = 6, 45, 0.7, 140
    car = Carriers((28, 76), RATE, latent_dim=d, width=3)
    k, idx = car.k, m - 28
    rng = np.random.default_rng(0)
    amp, theta = rng.uniform(0.5, 2, d), rng.uniform(-np.pi, np.pi, d)
    with torch.no_grad():
        car.coef.weight.zero_()  # P, Q constant: neither the features nor the pair count
        car.coef.bias[idx], car.coef.bias[k + idx] = math.cos(phi), math.sin(phi)
        w = car.remod.weight[:, :, 0]
        for j, col in enumerate((np.cos(theta), -np.sin(theta), -np.sin(theta), -np.cos(theta))):
            w[:, j * k + idx] = torch.from_numpy(amp * col)
        out = car.write(torch.randn(1, 3, frames), torch.randn(1, 2 * k, frames))[0].numpy()
    t = np.arange(frames)
    want = amp[:, None] * np.cos(2 * np.pi * midi_hz(m) * t / RATE + phi + theta[:, None])
    np.testing.assert_allclose(out, want, atol=1e-4)


def test_carriers_added_to_a_trained_unet_change_nothing_until_trained_and_export(tmp_path):
    from livegen.training.unet.export import export_graph, input_names, parity

    base = randomised()
    model = UNet1d(replace(TINY_UNET, carriers=(28, 76))).eval()
    missing, unexpected = model.load_state_dict(base.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith("carriers.") for k in missing)
    x, a, phase, c = inputs(37)
    with torch.no_grad():
        torch.testing.assert_close(model(x, a, phase, c), base(x, a, phase, c), rtol=0, atol=0)
        for p in model.carriers.parameters():  # trained carriers: they now change the output
            p.normal_(0, 0.1)
        assert (model(x, a, phase, c) - base(x, a, phase, c)).abs().mean() > 1e-2
    path = tmp_path / "unet.onnx"
    export_graph(model, path)
    assert max(parity(model, path, frames=(23, 37, 164)).values()) < 1e-4
    session = create_session(path, "cpu")  # the daemon runs batch 3 (guidance) and 1
    for batch in (1, 3):
        x, a, phase, c = inputs(41, batch=batch)
        feeds = dict(zip(input_names(8, 0), (v.numpy() for v in (x, a, phase, c)), strict=True))
        with torch.no_grad():
            want = model(x, a, phase, c).numpy()
        np.testing.assert_allclose(session.run(None, feeds)[0], want, rtol=1e-4, atol=1e-4)


def test_a_fine_tune_may_add_carriers_to_a_unet_trained_without_them(tmp_path):
    cache = synthetic_cache(np.zeros(8, np.float32), np.ones(8, np.float32))
    tiny_trainer(cache, tmp_path / "base").fit()
    base = read_checkpoint(tmp_path / "base")
    tuned = tiny_trainer(cache, tmp_path / "tuned", unet=replace(TINY_UNET, carriers=(40, 60)))
    tuned.init_from(base, tmp_path / "base")
    for k, v in base["ema"].items():
        torch.testing.assert_close(tuned.model.state_dict()[k], v, rtol=0, atol=0)
    assert tuned.fit()["finished"]
    grown = read_checkpoint(tmp_path / "tuned")
    assert grown["config"]["carriers"] == [40, 60]
    assert grown["ema"]["carriers.remod.weight"].abs().sum() > 0  # they trained
    # carriers are only ever added: another range, or none, is another architecture
    for unet in (replace(TINY_UNET, carriers=(30, 60)), TINY_UNET):
        other = tiny_trainer(cache, tmp_path / "other", unet=unet)
        with pytest.raises(ModelFileError, match="another architecture"):
            other.init_from(grown, tmp_path / "tuned")


def notes_in_noise(batch: int, d: int, frames: int, seed: int):
    """Held notes (random note of 40..64, phase; a fixed pattern over the channels) and x_α =
    (x1 + noise) / 2."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(frames, dtype=torch.float32)
    amp = torch.linspace(0.5, 1.5, d)[:, None]
    theta = torch.linspace(0, 6, d)[:, None]
    hz = torch.tensor([midi_hz(int(m)) for m in torch.randint(40, 65, (batch,), generator=g)])
    phi = torch.rand(batch, 1, 1, generator=g) * 2 * math.pi
    x1 = amp * torch.cos(2 * math.pi * hz[:, None, None] * t / RATE + phi + theta)
    return x1, 0.5 * (x1 + torch.randn(batch, d, frames, generator=g))


def test_the_output_weights_get_a_gradient_that_points_somewhere_from_the_start():
    """At the start P, Q are the demodulated pair, so the output weights' gradient says where a
    note is: four independent batches agree on its direction. With coefficients from the top
    features alone (untrained, so blind to the note's phase) it is noise that averages out, and a
    fine-tune's losses matched the plain run's to 4 decimals over 2,000 steps."""

    def remod_gradients(with_pair: bool) -> list[torch.Tensor]:
        out = []
        for seed in (1, 2, 3, 4):
            torch.manual_seed(5)  # the same module each time; only the batch changes
            car = Carriers((40, 64), RATE, latent_dim=8, width=4)
            if not with_pair:
                with torch.no_grad():
                    car.coef.weight.normal_(0, 0.3)
                    car.coef.weight[:, 4:] = 0
            x1, xa = notes_in_noise(16, 8, 120, seed=seed)
            _, pair = car.read(xa)
            top = torch.randn(16, 4, 120, generator=torch.Generator().manual_seed(seed + 100))
            ((car.write(top, pair) - x1) ** 2).mean().backward()
            out.append(car.remod.weight.grad.flatten())
        return out

    def agreement(gs: list[torch.Tensor]) -> list[float]:
        cos = torch.nn.functional.cosine_similarity
        return [float(cos(a, b, dim=0)) for i, a in enumerate(gs) for b in gs[i + 1 :]]

    assert min(agreement(remod_gradients(True))) > 0.5
    assert max(abs(c) for c in agreement(remod_gradients(False))) < 0.3


def test_the_carriers_learn_to_pull_a_note_out_of_noise():
    torch.manual_seed(0)
    car = Carriers((40, 64), RATE, latent_dim=8, width=4)
    opt = torch.optim.Adam(car.parameters(), lr=1e-2)
    losses = []
    for step in range(150):
        x1, xa = notes_in_noise(16, 8, 120, seed=10 + step)
        _, pair = car.read(xa)
        loss = ((car.write(torch.zeros(16, 4, 120), pair) - x1) ** 2).mean() / x1.var()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[0] == pytest.approx(1.0, abs=0.1)  # the write path starts at zero
    assert np.mean(losses[-10:]) < 0.6, losses[::15]


def test_the_carriers_option_reads_a_midi_range_or_off():
    from livegen.training.unet.train import _carriers

    assert _carriers("28,76") == (28, 76) and _carriers("off") == () and _carriers(None) is None
    for bad in ("76,28", "28", "a,b", "0,128"):
        with pytest.raises(ValueError, match="--carriers"):
            _carriers(bad)


@pytest.mark.parametrize("hz", [41.2, 55.0, 61.7, 98.0, 130.8, 220.0])
def test_the_shipped_codec_writes_a_held_note_as_a_line_at_its_folded_frequency(hz):
    """What the carriers rest on: a held saw's latents (the shipped codec, 75 frames/s) oscillate
    along time at the note's frequency folded to the frame rate (55 Hz: 20 Hz), and that line is
    the strongest in their spectrum, with a fifth or more of their variance around it."""
    from pathlib import Path

    from livegen.runtime.codec import Codec

    codec = Codec.load(Path("models/default"), "cpu", 1, with_encoder=True, warm=False)
    sr, n = 24000, 320 * 300
    t = np.arange(n) / sr
    saw = (0.3 * (2 * ((hz * t) % 1.0) - 1)).astype(np.float32)
    z = np.asarray(codec.encode(saw[None])[0])[:, 20:-20]  # away from the edges
    z = z - z.mean(axis=1, keepdims=True)
    power = (np.abs(np.fft.rfft(z * np.hanning(z.shape[1]), axis=1)) ** 2).sum(axis=0)
    freqs = np.fft.rfftfreq(z.shape[1], 1 / 75.0)
    folded = abs((hz + 37.5) % 75.0 - 37.5)
    assert abs(freqs[1:][power[1:].argmax()] - folded) < 0.5, (freqs[power.argmax()], folded)
    near = np.abs(freqs - folded) < 1.0
    assert power[near].sum() / power[1:].sum() > 0.2
