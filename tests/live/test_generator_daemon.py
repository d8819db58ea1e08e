"""The daemon with a real (tiny) exported model: `Generator.load` through `GeneratorSource`,
warmed up before the first bar, bars rendered by ONNX Runtime while the audio plays on a JACK
dummy server, and the recording holds them. Needs torch once, to make the tiny package."""

from __future__ import annotations

import argparse
import shutil
import uuid

import numpy as np
import pytest
import soundfile as sf

from livegen.live import serve
from livegen.live.pipeline.source import GeneratorSource
from tests.support.jackd import running_jackd

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="jackd is not installed")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    pytest.importorskip("torch", reason="making the tiny model package needs torch")
    from livegen.training.unet.tiny import tiny_package

    return tiny_package(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def jack_server(monkeypatch):
    name = f"livegen-gen-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("JACK_NO_START_SERVER", "1")
    import sounddevice as sd

    with running_jackd(name):
        try:
            yield name
        finally:
            sd._terminate()  # PortAudio lets go of the server before it goes
    sd._initialize()


def test_the_daemon_plays_bars_of_a_real_exported_model(tiny_model, jack_server, tmp_path):
    import time

    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    take = tmp_path / "take.wav"
    args = parser.parse_args(["--model", str(tiny_model), "--clock", "internal", "--bpm", "150",
                              "--osc-port", "0", "--record", str(take), "--quiet"])  # fmt: skip
    source = GeneratorSource.load(tiny_model, device="cpu", threads=1)
    server = serve.start(args, source=source)
    d = server.daemon
    try:
        time.sleep(4.0)
    finally:
        server.stop()
    history = d.producer.stats.history
    assert d.producer.stats.errors == 0, d.producer.stats.last_error
    assert len(history) >= 2 and all(h.gen_ms > 0 for h in history)
    # 150 BPM is outside the tiny model's 110-140: rendered at 140, fitted to the clock's bar
    assert all(abs(h.plan.length - 76_800) <= 48 for h in history[1:])
    audio, rate = sf.read(take, dtype="float32")
    assert rate == 48_000 and np.abs(audio[history[0].plan.start :]).max() > 0
    print(f"\ntiny model: gen {np.median([h.gen_ms for h in history]):.1f} ms per bar, "
          f"budget {d.scheduler.budget * 1e3:.0f} ms, first bar {d.first_bar_at - server.started:.2f} s")  # fmt: skip
