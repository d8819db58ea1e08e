"""The circular UNet: shapes at any length, circularity, condition dropout inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from livegen.runtime.sampler import phase_signal
from livegen.training.common import count_params
from livegen.training.unet.config import UNetConfig
from livegen.training.unet.model import TorchDenoiser, UNet1d, time_embedding
from livegen.training.unet.tiny import TINY_UNET


def randomised(cfg: UNetConfig = TINY_UNET) -> UNet1d:
    """A UNet with every weight random (the zero-initialised output convs would hide bugs)."""
    torch.manual_seed(0)
    model = UNet1d(cfg).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.1)
    return model


def inputs(t: int, batch: int = 2, concept_dim: int = 8):
    torch.manual_seed(t)
    phase = torch.from_numpy(phase_signal(t))[None].repeat(batch, 1, 1)
    concept = torch.nn.functional.normalize(torch.randn(batch, concept_dim), dim=1)
    return torch.randn(batch, 8, t), torch.rand(batch), phase, concept


@pytest.mark.parametrize("t", [16, 23, 37, 129])
def test_any_bar_length_gives_the_same_length(t):
    out = randomised()(*inputs(t))
    assert out.shape == (2, 8, t) and torch.isfinite(out).all()


def test_the_network_is_circular():
    """Rolling a bar (and its phase) by a multiple of the coarsest stride rolls the output."""
    model = randomised()
    x, a, phase, c = inputs(32)
    with torch.no_grad():
        out = model(x, a, phase, c)
        rolled = model(x.roll(-4, -1), a, phase.roll(-4, -1), c)
    torch.testing.assert_close(rolled, out.roll(-4, -1), rtol=1e-4, atol=1e-5)


def test_zero_concept_selects_the_learned_null_embedding():
    model = randomised()
    a = torch.rand(3)
    with torch.no_grad():
        got = model.embed(a, torch.zeros(3, 8))
        time = model.time_mlp(time_embedding(a, TINY_UNET.time_freqs))
        want = torch.nn.functional.silu(time + model.null_concept)
    torch.testing.assert_close(got, want)


def test_a_fresh_model_predicts_zero_and_bpm_only_models_take_no_concept():
    cfg = UNetConfig(
        latent_dim=8,
        channels=(16, 24),
        mid_blocks=1,
        groups=4,
        emb_dim=16,
        time_freqs=4,
        phase_emb=4,
        concept_dim=0,
    )
    model = UNet1d(cfg)
    x, a, phase, _ = inputs(20)
    assert torch.count_nonzero(model(x, a, phase)) == 0  # zero-initialised output conv
    assert not hasattr(model, "concept_mlp") and count_params(model) > 0


def test_torch_denoiser_speaks_numpy():
    den = TorchDenoiser(randomised())
    x, a, phase, c = (v.numpy() for v in inputs(24))
    out = den(x, a, {"phase": phase, "concept": c})
    assert isinstance(out, np.ndarray) and out.shape == x.shape and den.calls == 1


def test_attention_mixes_the_whole_bar_and_commutes_with_any_roll():
    from livegen.training.unet.model import Attention

    torch.manual_seed(0)
    attn = Attention(16, 4, groups=4).eval()
    with torch.no_grad():
        for p in attn.parameters():
            p.normal_(0, 0.3)
        x = torch.randn(2, 16, 40)
        out = attn(x)
        far = x.clone()
        far[..., 20] += 1.0  # one frame, half a bar away
        delta = (attn(far) - out)[..., 0].abs().max().item()
        rolled = attn(x.roll(7, -1))  # not a multiple of any stride: no positions inside
    assert delta > 1e-3
    torch.testing.assert_close(rolled, out.roll(7, -1), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="heads"):
        Attention(18, 4, groups=2)


def test_a_unet_with_bottom_attention_is_circular_and_exports(tmp_path):
    from dataclasses import replace

    from livegen.training.unet.export import export_graph, parity

    model = randomised(replace(TINY_UNET, attn_heads=2))
    x, a, phase, c = inputs(32)
    with torch.no_grad():
        out = model(x, a, phase, c)
        rolled = model(x.roll(-4, -1), a, phase.roll(-4, -1), c)
    torch.testing.assert_close(rolled, out.roll(-4, -1), rtol=1e-4, atol=1e-5)
    export_graph(model, tmp_path / "unet.onnx")
    assert max(parity(model, tmp_path / "unet.onnx", frames=(23, 37)).values()) < 1e-4
