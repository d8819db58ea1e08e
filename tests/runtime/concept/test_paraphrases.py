"""Paraphrase test on the shipped concept encoder (skipped until one is exported).

Each of the >= 30 pairs in `prompts.PARAPHRASES` says the same thing in different words; each
prompt must be closer to its paraphrase than to every prompt of the other pairs.
"""

import json
import os
from pathlib import Path

import pytest

from livegen.eval.concept_metrics import paraphrases
from livegen.training.concept.prompts import PARAPHRASES

ROOT = Path(__file__).resolve().parents[3]
MODEL = Path(os.environ.get("LIVEGEN_CONCEPT_MODEL", ROOT / "models" / "default"))


def _has_concept(model: Path) -> bool:
    try:
        return "concept" in json.loads((model / "manifest.json").read_text())
    except (OSError, ValueError):
        return False


@pytest.mark.skipif(
    not _has_concept(MODEL),
    reason=f"no trained concept encoder in {MODEL} (run `livegen train concept` and "
    "`livegen export concept --out models/default`, or set LIVEGEN_CONCEPT_MODEL)",
)
def test_paraphrase_pairs_are_nearest_neighbours():
    from livegen.runtime.concept import load_conditioner

    assert len(PARAPHRASES) >= 30
    cond = load_conditioner("livegen-clap", model_dir=MODEL)
    result = paraphrases(cond.embed_texts)
    detail = "\n".join(f"'{a}' ~ '{b}' but nearer '{c}'" for a, b, c in result.failures)
    assert result.passed >= 0.9 * result.total, detail
    assert result.margin > 0
