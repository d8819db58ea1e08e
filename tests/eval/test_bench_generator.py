"""`livegen bench generator` on the tiny stem model: a keyed stem bar with its own key guidance
is timed as the daemon runs it (three branches per step), beside a baseline package."""

from __future__ import annotations

from dataclasses import replace

import pytest

from livegen.control.keys import Key
from livegen.eval.bench_generator import bench, report
from livegen.runtime.generator import Generator
from tests.support.models import tiny_package_one_thread

pytest.importorskip("torch", reason="building the tiny package needs torch")


def test_a_keyed_stem_bar_is_timed_with_its_key_guidance(tmp_path):
    pkg = tiny_package_one_thread(tmp_path / "pkg", stems=True)
    stems = Generator.load(pkg, "cpu", 1, stems=True)
    mix = Generator.load(pkg, "cpu", 1)
    batches: list[int] = []
    denoiser = stems.denoiser

    def counting(x, a, cond):
        batches.append(len(x))
        return denoiser(x, a, cond)

    stems.denoiser = counting
    key = Key(9, "minor")
    r = bench(stems, 124.0, [2], 3.0, 2, baseline=mix, key=key)
    assert set(batches) == {2}  # the model's default: the key on w's scale, two branches
    stems.spec = replace(stems.spec, key_guidance=8.0)
    batches.clear()
    r = bench(stems, 124.0, [2], 3.0, 2, baseline=mix, key=key)
    # 2 steps for each of 3 warm-up + 2 timed bars, with the key lock and without
    assert batches.count(3) == 2 * 2 * (2 + 3)
    r.update(key=str(key), key_guidance=8.0)
    text = report(r)
    assert "stems in A minor, key guidance 8.0" in text
    assert "p99 against the baseline" in text
    assert r["steps"]["2"]["baseline"]["p99_ms"] > 0
    assert r["steps"]["2"]["no key lock"]["p99_ms"] > 0 and r["key_lock"]["median_ms"] > 0
    assert "key lock" in text and "no key lock" in text


def test_baseline_is_found_by_name_like_the_model():
    """`--baseline default` (the README's command) is the shipped package, not ./default."""
    import argparse

    import pytest

    from livegen.eval.bench_generator import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    got = parser.parse_args(["--baseline", "default"]).baseline
    assert (got / "manifest.json").is_file() and got.resolve().name == "default"
    with pytest.raises(SystemExit):
        parser.parse_args(["--baseline", "no-such-model-anywhere"])


def test_the_command_times_an_interval_beside_the_same_stems_guided_throughout(tmp_path):
    """`--guidance-interval` applies to --model only; `--baseline-stems` times the baseline's
    stem generator (not its mix generator), so the two differ by the interval alone."""
    import argparse
    import json

    from livegen.eval import bench_generator

    pkg = tiny_package_one_thread(tmp_path / "pkg", stems=True)
    parser = argparse.ArgumentParser()
    bench_generator.add_arguments(parser)
    out = tmp_path / "bench.json"
    args = parser.parse_args(
        ["--model", str(pkg), "--stems", "--baseline", str(pkg), "--baseline-stems",
         "--guidance-interval", "0,0.5", "--steps-list", "4", "--runs", "2", "--threads", "1",
         "--json", str(out)]
    )  # fmt: skip
    assert bench_generator.run(args) == 0
    r = json.loads(out.read_text())
    assert r["guidance_interval"] == [0.0, 0.5] and r["baseline_guidance_interval"] is None
    assert r["stems"] == r["baseline_stems"] == ["drums", "bass", "music"]
    assert "alpha in [0, 0.5)" in bench_generator.report(r)


def test_each_engine_leads_a_bar_in_turn(tmp_path):
    """In a fixed order the engine timed first after another's bar read 1.06-1.09x for two
    packages of one graph; so the lead rotates, and each engine leads as many bars."""
    pkg = tiny_package_one_thread(tmp_path / "pkg", stems=True)
    stems = Generator.load(pkg, "cpu", 1, stems=True)
    mix = Generator.load(pkg, "cpu", 1)
    calls: list[str] = []

    def recording(gen, name):
        bar = gen.bar

        def wrapped(req):
            calls.append(name if name == "baseline" else f"{name}, lock {req.key_lock}")
            return bar(req)

        return wrapped

    stems.bar = recording(stems, "stems")
    mix.bar = recording(mix, "baseline")
    bench(stems, 124.0, [2], 3.0, 3, baseline=mix, key=Key(9, "minor"))
    bars = [calls[i : i + 3] for i in range(0, len(calls), 3)]
    assert len(bars) == 3 + 3 and all(len(set(b)) == 3 for b in bars)
    leads = [b[0] for b in bars]
    assert leads[:3] == ["stems, lock True", "baseline", "stems, lock False"]
    assert leads[3:] == leads[:3]
