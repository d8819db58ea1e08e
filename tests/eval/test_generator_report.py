"""`livegen eval generator`'s summary when only some studies ran (`--skip`): tables, not JSON."""

from __future__ import annotations

import json

from livegen.eval.generator import _write

TEMPO = {
    "accuracy": {"generated": 0.84375, "generated, BPM off": 0.115, "real held-out": 0.89},
    "bars": 96,
    "bpm_range": [110.0, 140.0],
    "steps": 8,
    "guidance": 3.0,
    "tolerance": 0.02,
}
PROMPTS = {
    "accuracy": {"kick": {"3": 0.8125, "4": 0.75}, "pad": {"3": 0.5, "4": 1.0}},
    "mean": {"3": 0.65625, "4": 0.875},
    "real": {"kick": {"real": 1.0}, "pad": {"real": 0.875}},
    "per_class": 16,
    "steps": 8,
    "bpm": 125.0,
}


def test_tempo_and_prompts_alone_print_their_tables(tmp_path, capsys):
    _write({"model": "m", "tempo": TEMPO, "prompts": PROMPTS}, tmp_path, {"steps", "outside"})
    out = capsys.readouterr().out
    assert "tempo adherence (±2 %, 96 bars at 110-140 BPM, 8 steps, w=3)" in out
    assert "generated                          84.4 %" in out
    assert "kick" in out and "81.2%" in out and "87.5%" in out  # w=3 kick, w=4 mean
    assert "{" not in out  # not a JSON dump
    assert json.loads((tmp_path / "report.json").read_text())["tempo"]["bars"] == 96
    assert not (tmp_path / "generator_eval.png").exists()  # the figure needs the steps study


def test_prompts_alone_print_their_table(tmp_path, capsys):
    _write({"model": "m", "prompts": PROMPTS}, tmp_path, {"steps", "tempo"})
    out = capsys.readouterr().out
    assert "prompt adherence" in out and "tempo adherence" not in out
