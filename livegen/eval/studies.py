"""The three generator studies behind `livegen eval generator`: tempo, prompts, steps.

All run the shipped runtime (`livegen.runtime.generator.Generator`: onnxruntime, no torch) and
score audio with the package's concept encoder and `livegen.dsp.tempo`. Seeds are paired across
the arms of a study (BPM on/off, each guidance, each step count), so differences are the
conditions', not the noise's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from livegen.dsp.tempo import loop_tempo, within
from livegen.eval.measures import attribute_tasks, classify, frechet, prototypes, relative_rmse
from livegen.runtime.generator import Generator
from livegen.runtime.sampler import grid_steps, noise
from livegen.units import bar_frames, bar_samples


@dataclass
class HeldOut:
    """Held-out loops: audio, BPM, concept vectors of their audio and of their first caption."""

    entries: list[dict[str, Any]]
    audio: list[np.ndarray]
    bpm: np.ndarray
    audio_vec: np.ndarray  # [N, C]
    caption_vec: np.ndarray  # [N, C]

    @classmethod
    def load(cls, corpus: Path, split: str, n: int, cond, lo: float, hi: float) -> HeldOut:
        from livegen.corpus.make import load_audio, read_manifest

        entries = [e for e in read_manifest(corpus) if e["split"] == split]
        entries = [e for e in entries if lo <= float(e["bpm"]) <= hi][:n]
        if len(entries) < 2:
            raise ValueError(f"{corpus}: fewer than 2 {split} loops at {lo:g}-{hi:g} BPM")
        audio = [load_audio(corpus, e) for e in entries]
        vec = np.stack(
            [
                cond.embed_audio(a, 24_000, key=e["path"]).vector
                for a, e in zip(audio, entries, strict=True)
            ]
        )
        caps = cond.embed_texts([e["captions"][0] if e.get("captions") else "" for e in entries])
        bpm = np.array([float(e["bpm"]) for e in entries])
        return cls(entries, audio, bpm, vec, caps)


def render(
    gen: Generator,
    bpm: float,
    concept,
    seed: int,
    steps: int,
    guidance: float,
    bpm_on: bool = True,
    method: str | None = None,
    kind: str | None = None,
):
    """(audio [n], normalised latents [D, T]) of one bar, through the runtime's own parts."""
    n = bar_samples(bpm, gen.sample_rate)
    x0 = noise(seed, gen.spec.latent_dim, bar_frames(n, gen.codec.hop))
    z = gen.latents(x0, n, concept, steps, guidance, bpm_on, method, kind)
    return gen.decode_bar(z, n), z


def tempo_study(
    gen: Generator,
    held: HeldOut,
    bars: int,
    steps: int,
    guidance: float,
    seed: int,
    codec=None,
    progress: bool = True,
) -> dict[str, Any]:
    """Fraction of loops whose tracked tempo is within ±2 % of the requested BPM; the former free
    grid's figures beside them (", free grid"), so earlier tables compare."""
    lo, hi = max(gen.spec.bpm_min, 110.0), min(gen.spec.bpm_max, 140.0)
    bpms = lo + (hi - lo) * (np.arange(bars) + 0.5) / bars
    rows: dict[str, list[bool]] = {}

    def score(key: str, audio: np.ndarray, bpm: float) -> None:
        for name, whole in ((key, True), (f"{key}, free grid", False)):
            hit = within(loop_tempo(audio, gen.sample_rate, whole_beats=whole), bpm)
            rows.setdefault(name, []).append(hit)

    for i, bpm in enumerate(tqdm(bpms, desc="tempo", disable=not progress)):
        c = held.caption_vec[i % len(held.caption_vec)] if gen.concept_dim else None
        for key, on in (("generated", True), ("generated, BPM off", False)):
            audio, _ = render(gen, float(bpm), c, seed + i, steps, guidance, on)
            score(key, audio, float(bpm))
    for a, b in zip(held.audio, held.bpm, strict=True):
        score("real held-out", a, float(b))
    if codec is not None:  # the ceiling the codec leaves: real loops through encode + decode
        from livegen.training.unet.bars import encode_bar

        for a, b in zip(held.audio[:bars], held.bpm[:bars], strict=True):
            y = gen.decode_bar(codec.normalize(encode_bar(codec, a)[None])[0], len(a))
            score("real through codec", y, float(b))
    out = {k: float(np.mean(v)) for k, v in rows.items()}
    return {
        "accuracy": out,
        "bars": bars,
        "bpm_range": [lo, hi],
        "steps": steps,
        "guidance": guidance,
        "tolerance": 0.02,
    }


def prompt_study(
    gen: Generator,
    cond,
    per_class: int,
    guidances: list[float],
    steps: int,
    seed: int,
    held: HeldOut | None = None,
    codec=None,
    bpm: float = 125.0,
    progress: bool = True,
) -> dict[str, Any]:
    """Zero-shot attribute accuracy of loops prompted with each class, per guidance scale.

    With `held`, the same classifier also scores real held-out loops (their true attributes) and,
    with `codec`, those loops through the codec: the ceiling the generated loops can reach.
    """
    if not gen.concept_dim:
        return {}
    tasks = attribute_tasks()
    acc: dict[str, dict[str, float]] = {}
    real = _real_attribute_accuracy(gen, cond, tasks, held, codec) if held is not None else {}
    total = len(tasks) * len(guidances)
    bar = tqdm(total=total, desc="prompts", disable=not progress)
    for name, classes in tasks.items():
        values, protos = prototypes(cond.embed_texts, classes)
        acc[name] = {}
        for w in guidances:
            hits = []
            for ci, v in enumerate(values):
                phrases = classes[v]
                vecs = cond.embed_texts(phrases)
                for k in range(per_class):
                    audio, _ = render(gen, bpm, vecs[k % len(vecs)], seed + k, steps, w)
                    emb = cond.embed_audio(audio, gen.sample_rate).vector
                    hits.append(int(classify(emb[None], protos)[0]) == ci)
            acc[name][f"{w:g}"] = float(np.mean(hits))
            bar.update(1)
    bar.close()
    mean = {f"{w:g}": float(np.mean([acc[n][f"{w:g}"] for n in acc])) for w in guidances}
    return {
        "accuracy": acc,
        "mean": mean,
        "real": real,
        "per_class": per_class,
        "steps": steps,
        "bpm": bpm,
    }


def _real_attribute_accuracy(gen, cond, tasks, held: HeldOut, codec) -> dict[str, dict[str, float]]:
    """{attribute: {"real": acc, "real through codec": acc}} with the study's classifier."""
    from livegen.training.concept.prompts import ZERO_SHOT, attribute_value

    vecs = {"real": held.audio_vec}
    if codec is not None:
        from livegen.training.unet.bars import encode_bar

        vecs["real through codec"] = np.stack(
            [
                cond.embed_audio(
                    gen.decode_bar(codec.normalize(encode_bar(codec, a)[None])[0], len(a)),
                    gen.sample_rate,
                ).vector
                for a in held.audio
            ]
        )
    out: dict[str, dict[str, float]] = {}
    for name, classes in tasks.items():
        values, protos = prototypes(cond.embed_texts, classes)
        attr = ZERO_SHOT[name][0]
        truth = np.array(
            [
                values.index(v) if (v := attribute_value(e, attr)) in values else -1
                for e in held.entries
            ]
        )
        keep = truth >= 0
        out[name] = {
            k: float(np.mean(classify(v[keep], protos) == truth[keep]))
            if keep.any()
            else float("nan")
            for k, v in vecs.items()
        }
    return out


def steps_study(
    gen: Generator,
    cond,
    held: HeldOut,
    samplers: list[tuple[str, str]],
    steps_list: list[int],
    guidance: float,
    seed: int,
    codec=None,
    progress: bool = True,
) -> dict[str, Any]:
    """Fréchet distance to held-out loops (concept space) and ODE error, per sampler and steps.

    `steps` counts UNet evaluations (heun gets (steps + 1) // 2 grid steps). Bars are conditioned
    like the held-out loops (their audio's concept vector and BPM), with paired seeds; the ODE
    error is measured against the same noise's heun/uniform solution with 2·max(steps) − 1
    evaluations, a near-exact reference.
    """
    ref_steps = max(steps_list)
    ref = [
        render(
            gen,
            float(b),
            held.audio_vec[i] if gen.concept_dim else None,
            seed + i,
            ref_steps,
            guidance,
            method="heun",
            kind="uniform",
        )
        for i, b in enumerate(tqdm(held.bpm, desc="reference", disable=not progress))
    ]
    real = held.audio_vec
    table: dict[str, dict[str, dict[str, float]]] = {}
    for method, kind in samplers:
        name = f"{method}:{kind}"
        table[name] = {}
        for steps in steps_list:
            embs, errs = [], []
            for i, b in enumerate(tqdm(held.bpm, desc=f"{name} {steps}", disable=not progress)):
                c = held.audio_vec[i] if gen.concept_dim else None
                grid = grid_steps(steps, method)
                audio, z = render(gen, float(b), c, seed + i, grid, guidance, True, method, kind)
                embs.append(cond.embed_audio(audio, gen.sample_rate).vector)
                errs.append(relative_rmse(z, ref[i][1]))
            table[name][str(steps)] = {
                "fd": frechet(np.stack(embs), real),
                "ode_error": float(np.mean(errs)),
            }
    out: dict[str, Any] = {
        "table": table,
        "bars": len(held.bpm),
        "guidance": guidance,
        "reference": f"heun:uniform, {2 * ref_steps - 1} evaluations",
    }
    if codec is not None:
        from livegen.training.unet.bars import encode_bar

        embs = [
            cond.embed_audio(
                gen.decode_bar(codec.normalize(encode_bar(codec, a)[None])[0], len(a)),
                gen.sample_rate,
            ).vector
            for a in held.audio
        ]
        out["codec_round_trip_fd"] = frechet(np.stack(embs), real)
    return out
