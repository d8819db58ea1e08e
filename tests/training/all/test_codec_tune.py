"""Decoder fine-tuning: the loss falls on the bars it sees, it resumes where it stopped, and the
exported graph computes what torch does."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from livegen.runtime.codec import Codec
from livegen.training.all.codec import (
    DecoderTune,
    export_decoder,
    measure,
    torch_round_trip,
)
from livegen.training.all.onnx_weights import decoder_from_package
from livegen.units import SAMPLE_RATE, bar_samples

MODEL = "models/default"


@pytest.fixture(scope="module")
def codec() -> Codec:
    return Codec.load(MODEL, device="cpu", threads=2)


def square_bars(n: int) -> list[np.ndarray]:
    """Bars the synthetic corpus never had: hard-clipped square bass notes with white-noise hats."""
    rng = np.random.default_rng(3)
    out = []
    for i in range(n):
        length = bar_samples(120.0 + 4 * i, SAMPLE_RATE)
        t = np.arange(length) / SAMPLE_RATE
        bar = 0.4 * np.sign(np.sin(2 * np.pi * (55 + 10 * i) * t))
        bar += 0.2 * rng.standard_normal(length) * (np.arange(length) % (length // 8) < 800)
        out.append(bar.astype(np.float32))
    return out


def test_tuning_lowers_the_round_trip_error_and_resumes(codec, tmp_path):
    import torch

    torch.manual_seed(0)
    bars = square_bars(4)
    model, _ = decoder_from_package(MODEL)
    before = measure(torch_round_trip(codec, model.decoder), bars)["mel_distance"]
    tune = DecoderTune(codec, model, bars, tmp_path / "ckpt.pt", lr=3e-4, ckpt_every=30)
    tune.train(60, progress=False)
    after = measure(torch_round_trip(codec, tune.decoder), bars)["mel_distance"]
    assert after < 0.95 * before, (before, after)

    again, _ = decoder_from_package(MODEL)
    resumed = DecoderTune(codec, again, bars, tmp_path / "ckpt.pt", lr=3e-4)
    assert resumed.step == 60 and resumed.losses == tune.losses
    state, want = resumed.decoder.state_dict(), tune.decoder.state_dict()
    assert all(torch.equal(state[k], want[k]) for k in want)

    err = export_decoder(tune.decoder, tmp_path / "decoder.onnx")
    assert err < 1e-4


def test_decoders_are_judged_on_the_same_generated_bars(codec, tmp_path):
    """`generated_ratios` decodes one set of generated latents with both decoders: the shipped
    decoder against itself gives the same ratio to the last digit, a damaged one a larger one."""
    import soundfile as sf
    import torch

    from livegen.corpus.loop import make_loop
    from livegen.eval.musicnn import MusicnnJudge
    from livegen.training.all.codec import generated_ratios

    corpus = tmp_path / "corpus"
    (corpus / "audio").mkdir(parents=True)
    rows = []
    for i in range(12):  # the plan's format: your bars, half held out
        loop = make_loop(99, i)
        sf.write(corpus / f"audio/b{i}.flac", loop.audio, SAMPLE_RATE)
        rows.append({"id": f"b{i}", "path": f"audio/b{i}.flac", "split": ("test", "train")[i % 2],
                     "bpm": loop.meta["bpm"], "n_samples": len(loop.audio), "source_id": f"s{i}",
                     "speed": 1.0, "sample_rate": SAMPLE_RATE})  # fmt: skip
    (corpus / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    judge = MusicnnJudge.load(threads=2)
    model, _ = decoder_from_package(MODEL)
    same = tmp_path / "same.onnx"
    export_decoder(model.decoder, same)
    got = generated_ratios(judge, Path(MODEL), same, corpus, 6, 0, 2, progress=False)
    assert got["tuned"] == pytest.approx(got["shipped"], rel=1e-3) and got["shipped"] > 0
    with torch.no_grad():  # a decoder 30 dB too quiet: the judge hears near-silence
        model.decoder.model[14].conv.conv.weight.mul_(0.03)
    damaged = tmp_path / "damaged.onnx"
    export_decoder(model.decoder, damaged)
    worse = generated_ratios(judge, Path(MODEL), damaged, corpus, 6, 0, 2, progress=False)
    assert worse["shipped"] == pytest.approx(got["shipped"], rel=1e-6)  # the same bars
    assert worse["tuned"] > 1.4 * worse["shipped"], worse  # 1.24 vs 0.70
