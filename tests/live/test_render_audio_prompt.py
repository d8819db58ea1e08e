"""`livegen render --audio-prompt`: the daemon's audio-prompt path, offline, on the shipped model."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from livegen.live import render
from livegen.runtime.models import resolve_model

MODEL = resolve_model("default")
LOOPS = {  # two Debian loops far apart: a TB-303 bass line and a 909 drum beat
    "acid": Path("/usr/share/lmms/samples/bassloops/tb303_01.ogg"),
    "drums": Path("/usr/share/lmms/samples/beats/909beat01.ogg"),
}
pytestmark = pytest.mark.skipif(
    not all(p.is_file() for p in LOOPS.values()) or not (MODEL / "manifest.json").is_file(),
    reason="needs lmms-common (scripts/setup.sh) and the shipped model",
)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    render.add_arguments(parser)
    return parser.parse_args([*argv, "--out", "x.wav"])


def test_weights_follow_the_order_given() -> None:
    args = parse("--audio-prompt", "a.wav", "--prompt", "dub", "--weight", "2", "--weight", "0.5")
    assert render.weighted_prompts(args) == ((("dub", 0.5),), ("a.wav", 2.0))
    args = parse("--prompt", "dub", "--audio-prompt", "a.wav")
    assert render.weighted_prompts(args) == ((("dub", 1.0),), ("a.wav", 1.0))
    with pytest.raises(ValueError, match="1 --weight for 1 --prompt and 1 --audio-prompt"):
        render.check_args(parse("--prompt", "dub", "--audio-prompt", "a.wav", "--weight", "1"))
    with pytest.raises(ValueError, match="one --audio-prompt at most"):
        render.check_args(parse("--audio-prompt", "a.wav", "--audio-prompt", "b.wav"))


def test_missing_audio_prompt_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.wav"
    argv = ["--model", str(MODEL), "--audio-prompt", str(tmp_path / "nope.wav"), "--out", str(out)]
    assert render.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--audio-prompt" in err[0] and "no such audio file" in err[0]
    assert not out.exists()


def test_renders_follow_the_style_of_their_audio_prompt(tmp_path: Path) -> None:
    from livegen.runtime.concept import AudioPrompt, load_conditioner

    cond = load_conditioner("livegen-clap", model_dir=MODEL, threads=1)

    def embed(path: Path) -> np.ndarray:
        audio, rate = sf.read(path, dtype="float32")
        return np.asarray(cond.embed_prompts([AudioPrompt(audio, rate, 1.0)]).vector)

    prompts = {name: embed(path) for name, path in LOOPS.items()}
    sim = {}
    for name, path in LOOPS.items():
        out = tmp_path / f"{name}.wav"
        argv = ["--model", str(MODEL), "--audio-prompt", str(path), "--weight", "1", "--bars", "2"]
        argv += ["--seed", "1", "--bpm", "124", "--threads", "1", "--out", str(out)]
        assert render.main(argv) == 0
        got = embed(out)
        sim[name] = {other: float(got @ vec) for other, vec in prompts.items()}
    # each render sits nearer its own prompt than the other one (measured: 0.63 vs 0.40 for the
    # acid line, 0.80 vs 0.28 for the drums; with no prompt at all 0.01 and 0.26)
    assert sim["acid"]["acid"] > sim["acid"]["drums"] + 0.1
    assert sim["drums"]["drums"] > sim["drums"]["acid"] + 0.1
