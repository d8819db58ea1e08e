"""Issue #17 item 2: every `livegen serve` option takes its OSC twin's range (one table: the OSC
address space), and the output is clipped at full scale whatever the gain or the bars say (before:
`--gain 100` was accepted and the recording peaked at 61.7)."""

from __future__ import annotations

import argparse
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from livegen.control.osc import ADDRESSES
from livegen.live import serve
from livegen.live.audio.output import OutputEngine
from livegen.live.audio.player import BarPlayer


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize(
    "argv",
    [
        ("--gain", "100"), ("--gain", "-1"), ("--gain", "nan"), ("--bpm", "350"),
        ("--bpm", "19"), ("--steps", "65"), ("--steps", "8.5"), ("--guidance", "21"),
        ("--variation", "1.5"), ("--seed", "-1"), ("--osc-port", "70000"),
        ("--blocksize", "-1"), ("--sample-rate", "0"), ("--oscquery-port", "-5"),
        ("--threads", "0"), ("--latency", "-1"),
    ],
)  # fmt: skip
def test_out_of_range_options_are_one_line_errors(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        parse(*argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert argv[0] in err and "Traceback" not in err


def test_the_command_line_ranges_are_the_osc_ranges():
    for option, address in (("--gain", "/livegen/gain"), ("--steps", "/livegen/steps"),
                            ("--guidance", "/livegen/guidance"), ("--bpm", "/livegen/bpm"),
                            ("--variation", "/livegen/variation")):  # fmt: skip
        arg = ADDRESSES[address].args[0]
        for value in (arg.lo, arg.hi):
            text = f"{value:g}"
            assert float(getattr(parse(option, text), option[2:])) == pytest.approx(value)


def test_the_output_never_passes_full_scale():
    player = BarPlayer(2, fade=192, max_block=4096)
    loud = np.full((48_000, 2), 0.9, np.float32)
    loud[1000:1100] = 50.0  # a bar gone wrong
    player.queue(0, loud)
    engine = OutputEngine(player, 48_000, gain=4.0, now=lambda: 0.0)
    peak = 0.0
    for i in range(40):
        block = np.zeros((256, 2), np.float32)
        t = i * 256 / 48_000
        info = SimpleNamespace(currentTime=t, outputBufferDacTime=t + 0.01)
        engine.callback(block, 256, info, SimpleNamespace(output_underflow=False))
        peak = max(peak, float(np.abs(block).max()))
    assert peak == 1.0


def test_an_unwritable_recording_is_one_line(tmp_path):
    from livegen.live.audio.recorder import Recorder

    with pytest.raises(ValueError, match="cannot write there"):  # before: a traceback
        Recorder(Path("/proc/set.wav"), 48_000)
