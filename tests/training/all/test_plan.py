"""`train all`'s plan: held out by source file, varispeed into the model's tempo range."""

from __future__ import annotations

import json

import numpy as np
import soundfile as sf

from livegen.training.all.plan import MAX_SPEED, holdout, tempos, write_corpus
from livegen.units import SAMPLE_RATE, bar_samples


def entries(counts: dict[str, int]) -> list[dict]:
    out = []
    for source, n in counts.items():
        out += [
            {"id": f"{source}_{i}", "source": f"/x/{source}.wav", "bpm": 120.0} for i in range(n)
        ]
    return out


def test_holdout_keeps_sources_whole_and_takes_a_fifth():
    es = entries({f"loop{i}": 1 + i % 4 for i in range(30)})  # 73 bars from 30 files
    train, held = holdout(es)
    sources = lambda xs: {e["source"] for e in xs}  # noqa: E731
    assert not sources(train) & sources(held)
    assert len(train) + len(held) == len(es)
    assert 15 <= len(held) <= 15 + 3  # ≥ 20 % of 73, overshooting by at most one file
    assert holdout(es) == (train, held)  # deterministic


def test_holdout_never_takes_more_than_half():
    train, held = holdout(entries({"a": 6, "b": 6, "c": 1}))
    assert len(held) <= 6 and len(train) >= 7


def test_tempos_stay_in_range_and_in_reach():
    for bpm in (97.0, 121.5, 160.0):
        ts = tempos(bpm, 110.0, 140.0, 5)
        assert len(ts) == 5
        assert all(110.0 <= t <= 140.0 for t in ts)
        assert all(1 / MAX_SPEED - 1e-9 <= t / bpm <= MAX_SPEED + 1e-9 for t in ts)
    assert 121.5 in tempos(121.5, 110.0, 140.0, 5)  # the recording itself, unchanged
    assert tempos(60.0, 110.0, 140.0, 5) == []  # 75 BPM at most: out of reach
    assert tempos(97.0, 110.0, 140.0, 1) == [110.0]  # held out: the nearest tempo in range


def test_write_corpus_resamples_each_bar_to_its_new_length(tmp_path):
    src = tmp_path / "src"
    (src / "audio").mkdir(parents=True)
    es = []
    for i, bpm in enumerate((100.0, 125.0, 60.0)):
        n = bar_samples(bpm, SAMPLE_RATE)
        t = np.arange(n) / SAMPLE_RATE
        sf.write(src / f"audio/{i}.flac", 0.5 * np.sin(2 * np.pi * 220 * t), SAMPLE_RATE)
        es.append({"id": f"b{i}", "path": f"audio/{i}.flac", "bpm": bpm, "source": f"s{i}.wav"})
    summary = write_corpus(src, es[:1] + es[2:], es[1:2], tmp_path / "out", (110.0, 140.0), 3)
    rows = [json.loads(x) for x in (tmp_path / "out/manifest.jsonl").read_text().splitlines()]
    assert summary["written"] == {"train": 3, "test": 1}
    assert [d["id"] for d in summary["dropped"]] == ["b2"]  # 60 BPM cannot reach 110
    for r in rows:
        audio, sr = sf.read(tmp_path / "out" / r["path"])
        assert len(audio) == bar_samples(r["bpm"], SAMPLE_RATE) == r["n_samples"]
        # Varispeed moves the pitch with the tempo: 220 Hz at 100 BPM -> 220 * speed.
        if r["source_id"] == "b0":
            peak = np.argmax(np.abs(np.fft.rfft(audio))) * sr / len(audio)
            assert abs(peak - 220 * r["speed"]) < 2.0
    assert {r["split"] for r in rows if r["source_id"] == "b1"} == {"test"}
