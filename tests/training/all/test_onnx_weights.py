"""The shipped models' torch weights read back from their ONNX graphs compute what the graphs do."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from livegen.runtime.manifest import load_manifest
from livegen.training.all.onnx_weights import (
    ONNX_PARITY_TOLERANCE,
    _unpolyphase,
    decoder_from_package,
    parity,
    unet_from_package,
)

MODEL = "models/default"


def test_unet_from_its_graph_matches_the_graph():
    model, section = unet_from_package(MODEL)
    rng = np.random.default_rng(0)
    t = 147
    feeds = {
        "x": rng.standard_normal((2, 64, t)).astype(np.float32),
        "alpha": np.array([0.2, 0.7], np.float32),
        "phase": rng.standard_normal((2, 6, t)).astype(np.float32),
        "concept": rng.standard_normal((2, section["config"]["concept_dim"])).astype(np.float32),
    }
    err = parity(model, load_manifest(MODEL).root / section["unet"], feeds)
    assert err < 1e-5  # same float32 arithmetic on the same (fp16-stored) weights
    assert err < ONNX_PARITY_TOLERANCE


def test_decoder_from_its_graph_matches_the_graph():
    codec, section = decoder_from_package(MODEL)
    z = np.random.default_rng(1).standard_normal((1, 64, 75)).astype(np.float32)
    err = parity(
        codec.decoder.eval(), load_manifest(MODEL).root / section["decoder"], {"latents": z}
    )
    assert err < 1e-5


def test_unpolyphase_inverts_the_exports_polyphase_weights():
    import torch

    from livegen.training.codec.export import _make_polyphase

    conv = torch.nn.ConvTranspose1d(6, 4, kernel_size=10, stride=4)
    module = type("M", (), {})()
    module.convtr = type("C", (), {"convtr": conv})()
    _make_polyphase(module)
    w = _unpolyphase(module.poly_weight.numpy(), 6, 4, 10, 4)
    assert np.array_equal(w, conv.weight.detach().numpy())


def test_stem_unet_from_its_graph_matches_the_graph_and_inits_a_run():
    """The stem generator reads back too (key input included), and `train unet --init PACKAGE`
    takes it as a checkpoint: the weights it starts from are the graph's."""
    import torch

    from livegen.training.unet.train import read_init

    model, section = unet_from_package(MODEL, "stem_generator")
    rng = np.random.default_rng(2)
    t = 131
    feeds = {
        "x": rng.standard_normal((2, section["config"]["latent_dim"], t)).astype(np.float32),
        "alpha": np.array([0.1, 0.9], np.float32),
        "phase": rng.standard_normal((2, 6, t)).astype(np.float32),
        "concept": rng.standard_normal((2, section["config"]["concept_dim"])).astype(np.float32),
        "key": np.eye(14, dtype=np.float32)[[3, 12]],
    }
    assert parity(model, load_manifest(MODEL).root / section["unet"], feeds) < 1e-5
    ckpt = read_init(load_manifest(MODEL).root, stems=True)
    assert ckpt["step"] == section["training"]["step"]
    assert ckpt["config"]["stems"] == section["config"]["stems"]
    state = model.state_dict()
    assert set(ckpt["ema"]) == set(state)
    assert all(torch.equal(ckpt["ema"][k], state[k]) for k in state)
    mix = read_init(load_manifest(MODEL).root, stems=False)  # a mix preset gets the mix UNet
    assert "stems" not in mix["config"] or not mix["config"]["stems"]
