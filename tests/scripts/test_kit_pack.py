"""scripts/kit_pack.py: a corpus made with a recorded kit becomes an unlabelled sample pack that
`livegen corpus import` reads back at the corpus's own tempos, bar for bar."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from livegen.corpus.importer import import_loops
from livegen.corpus.make import CorpusConfig, make_corpus

ROOT = Path(__file__).parents[2]
LMMS_DRUMS = Path("/usr/share/lmms/samples/drums")


@pytest.mark.skipif(not LMMS_DRUMS.is_dir(), reason="needs lmms-common (scripts/setup.sh)")
def test_pack_imports_back_at_the_corpus_tempos(tmp_path: Path) -> None:
    cfg = CorpusConfig(n=6, seed=3, audio_format="wav", stems=False, kit=str(LMMS_DRUMS))
    make_corpus(tmp_path / "corpus", cfg, workers=1, progress=False)
    done = subprocess.run(
        [sys.executable, "scripts/kit_pack.py", str(tmp_path / "corpus"), str(tmp_path / "pack"),
         "--prefix", "LM"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    truth = [json.loads(line) for line in open(tmp_path / "corpus" / "manifest.jsonl")]
    files = sorted((tmp_path / "pack").glob("LM_*.wav"))
    assert len(files) == 6 and all("bpm" not in f.name for f in files)
    for rec in truth:  # odd loops are two bars long
        index = int(rec["id"].rsplit("_", 1)[1])
        (path,) = (tmp_path / "pack").glob(f"LM_*_{index:03d}.wav")
        assert sf.info(path).frames == rec["n_samples"] * (2 if index % 2 else 1)
    report = import_loops(tmp_path / "pack", tmp_path / "data", progress=False)
    assert len(report.imported) == 9  # 3 one-bar + 3 two-bar loops
    by_index = {int(r["id"].rsplit("_", 1)[1]): r["bpm"] for r in truth}
    for rec in report.imported:
        index = int(Path(rec["source"]).stem.rsplit("_", 1)[1])
        assert rec["bpm"] == pytest.approx(by_index[index], rel=0.005)
