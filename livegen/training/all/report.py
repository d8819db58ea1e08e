"""The eval page of `train all`: your model beside the one it was tuned from, on your held-out bars.

Both models render the same bars: at each held-out bar's tempo, prompted with the audio embedding
of one of your training bars (the performer's "in the style of this loop"), same seeds. Measures:
- FD in musicnn's embedding (a judge neither model trained: `livegen.eval.musicnn`) between each
  model's bars and your held-out bars, over the floor FD(your training bars, your held-out bars),
  in the main axes of your real bars' embeddings (PCA, `PCA_DIMS`): 1.0 means as close as another set of your own bars; the codec round trip of the held-out bars
  themselves on the same scale (shipped decoder, and yours if it was tuned);
- tempo adherence: tracked tempo within ±2 % of the requested one;
- a listening reel (held-out bar, default's bar, yours) and a spectrogram sheet of the same.
A second pair of sets prompts each bar with the audio of the held-out bar itself: how closely each
model follows an audio prompt of a sound of yours it never trained on.
With a few dozen bars the FDs are noisy (a 200-d Gaussian from n bars): compare the two models at
the same n, which is what the page does, rather than reading one figure alone, and read the paired
bootstrap beside it (generated, held-out and training bars resampled together for both models:
the 90 % interval of each ratio and how often yours is the closer one).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from tqdm import tqdm

SAMPLE_RATE = 24_000
PCA_DIMS = 8
BOOTSTRAP = 1000  # paired resamples of the FD ratios


def user_bars(
    corpus: Path, split: str, originals_only: bool
) -> tuple[list[dict], list[np.ndarray]]:
    from livegen.corpus.make import load_audio, read_manifest

    # the user's bars only (not the replayed synthesised loops)
    entries = [e for e in read_manifest(corpus) if e["split"] == split and "source_id" in e]
    if originals_only:  # one tempo per source bar: the one nearest its recording
        best: dict[str, dict] = {}
        for e in entries:
            if abs(e["speed"] - 1) < abs(best.get(e["source_id"], {"speed": 9})["speed"] - 1):
                best[e["source_id"]] = e
        entries = list(best.values())
    return entries, [load_audio(corpus, e) for e in entries]


def eval_plan(corpus: Path, n: int, seed: int) -> dict[str, Any]:
    """What the eval renders: `n` bars at the held-out bars' tempos (in turn), each prompted with
    the audio of one of your training bars (a seeded permutation), beside the real bars."""
    held_e, held = user_bars(corpus, "test", originals_only=False)
    _, train = user_bars(corpus, "train", originals_only=True)
    order = np.random.default_rng(seed).permutation(len(train))
    return {"held_e": held_e, "held": held, "train": train,
            "bpms": [float(held_e[i % len(held_e)]["bpm"]) for i in range(n)],
            "prompts": [train[i] for i in order]}  # fmt: skip


def main_axes(emb_held: np.ndarray, emb_train: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The projection onto the main axes of the real bars' embeddings (`principal`; at most
    `PCA_DIMS`): the space every FD ratio of the page is taken in."""
    k = int(min(PCA_DIMS, len(emb_held) - 1, len(emb_train) - 1))
    mean, axes = principal(np.concatenate([emb_held, emb_train]), k)
    return lambda x: (x - mean) @ axes


def open_model(model: Path, threads: int) -> tuple[Any, Any, int, float]:
    """The package's generator and concept encoder, and its sampler's steps and guidance (the
    daemon's defaults)."""
    from livegen.runtime.concept import load_conditioner
    from livegen.runtime.generator import Generator
    from livegen.runtime.manifest import load_manifest

    gen = Generator.load(model, "cpu", threads)
    cond = load_conditioner("livegen-clap", model_dir=model, threads=threads)
    sampler = load_manifest(model).section("generator")["sampler"]
    return gen, cond, int(sampler["steps"]), float(sampler["guidance"])


def render_bars(gen: Any, cond: Any, steps: int, guidance: float, bpms: list[float],
                prompts: list[np.ndarray], seed: int, desc: str,
                progress: bool) -> list[tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """(audio, latents) of bar i at `bpms[i]` (clamped into the model's range), prompted with the
    audio of `prompts[i % len]`, seed + i."""
    from livegen.eval.studies import render

    lo, hi = gen.spec.bpm_min, gen.spec.bpm_max
    out = []
    for i, bpm in enumerate(tqdm(bpms, desc=desc, disable=not progress)):
        c = cond.embed_audio(prompts[i % len(prompts)], SAMPLE_RATE).vector
        out.append(render(gen, float(np.clip(bpm, lo, hi)), c, seed + i, steps, guidance))
    return out


def render_set(model: Path, bpms: list[float], prompt_sets: list[list[np.ndarray]], seed: int,
               threads: int, progress: bool) -> tuple[list[list[np.ndarray]], Any]:  # fmt: skip
    """For each list of prompts, bars of `model` at `bpms` (`render_bars`); the model is loaded
    once for all the lists."""
    gen, cond, steps, guidance = open_model(model, threads)
    desc = f"render {Path(model).name}"
    sets = []
    for prompts in prompt_sets:
        bars = render_bars(gen, cond, steps, guidance, bpms, prompts, seed, desc, progress)
        sets.append([audio for audio, _ in bars])
    return sets, gen


def principal(real: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, top-`k` principal axes [D, k]) of real embeddings [N, D]: Fréchet distances of a few
    dozen bars in musicnn's 200 dimensions are rank-deficient, in the real bars' main axes not."""
    mean = real.mean(0)
    _, _, vt = np.linalg.svd(real - mean, full_matrices=False)
    return mean, vt[:k].T


def paired_bootstrap(
    default: np.ndarray, yours: np.ndarray, ref: np.ndarray, other: np.ndarray, seed: int
) -> dict[str, Any]:
    """FD ratios (to `ref`, over FD(other, ref)) of both models' embeddings on the same
    resamples: bar i of both sets shares tempo, prompt and seed, so they are drawn together."""
    from livegen.eval.musicnn import fd_ratio

    rng = np.random.default_rng(seed)
    d, y = np.empty(BOOTSTRAP), np.empty(BOOTSTRAP)
    for b in range(BOOTSTRAP):
        g = rng.integers(0, len(default), len(default))
        r, o = rng.integers(0, len(ref), len(ref)), rng.integers(0, len(other), len(other))
        d[b] = fd_ratio(default[g], ref[r], other[o]).ratio
        y[b] = fd_ratio(yours[g], ref[r], other[o]).ratio
    return {
        "default_90": np.percentile(d, [5, 95]).round(3).tolist(),
        "yours_90": np.percentile(y, [5, 95]).round(3).tolist(),
        "yours_closer": float(np.mean(y < d)),
    }


def tempo_hits(bars: list[np.ndarray], bpms: list[float]) -> float:
    from livegen.dsp.tempo import loop_tempo, within

    return float(
        np.mean([within(loop_tempo(b, SAMPLE_RATE), t) for b, t in zip(bars, bpms, strict=True)])
    )


def stage_eval(args: argparse.Namespace, run: Any) -> dict[str, Any]:
    from livegen.eval.musicnn import MusicnnJudge, fd_ratio
    from livegen.eval.outside import round_trip
    from livegen.runtime.codec import Codec
    from livegen.runtime.manifest import load_manifest, update_manifest

    corpus, out = run.dir / "corpus", Path(args.out)
    page = out / "eval"
    page.mkdir(parents=True, exist_ok=True)
    n = args.eval_bars
    plan = eval_plan(corpus, n, args.seed)
    held_e, held, train, bpms, prompts = (
        plan[k] for k in ("held_e", "held", "train", "bpms", "prompts")
    )
    progress = not args.no_progress
    sets, own = {}, {}
    for name, model in (("default", args.model), ("yours", out)):
        # the second list: bar i at held-out bar i's tempo (bpms above) with that bar's own audio
        (bars, bars_own), gen = render_set(model, bpms, [prompts, held], args.seed, args.threads,
                                           progress)  # fmt: skip
        sets[name], own[name] = (bars, gen), bars_own
    judge = MusicnnJudge.load(threads=args.threads)
    emb_held, _ = judge.embed(held, SAMPLE_RATE)
    emb_train, _ = judge.embed(train, SAMPLE_RATE)
    project = main_axes(emb_held, emb_train)
    k = project(emb_held).shape[1]

    def learnt(emb: np.ndarray) -> float:  # FD to your training bars over FD(held-out, training)
        return fd_ratio(project(emb), project(emb_train), project(emb_held)).ratio

    def ratio(emb: np.ndarray) -> float:  # FD to the held-out bars over the floor, in k dims
        return fd_ratio(project(emb), project(emb_held), project(emb_train)).ratio

    result: dict[str, Any] = {"n_generated": n, "n_held_out": len(held), "n_train": len(train),
                              "pca_dims": k}  # fmt: skip
    embs: dict[str, dict[str, np.ndarray]] = {}
    for name, (bars, gen) in sets.items():
        emb, tags = judge.embed(bars, SAMPLE_RATE)
        emb_own, _ = judge.embed(own[name], SAMPLE_RATE)
        embs[name] = {"train": project(emb), "own": project(emb_own)}
        codec = Codec.load(Path(args.model if name == "default" else out), "cpu", args.threads,
                           with_encoder=True, warm=False)  # fmt: skip
        rt, _ = judge.embed(round_trip(gen, codec, held), SAMPLE_RATE)
        result[name] = {
            "fd_ratio": ratio(emb),
            "fd_ratio_vs_training_bars": learnt(emb),
            "fd_ratio_own_prompt": ratio(emb_own),
            "codec_round_trip_fd_ratio": ratio(rt),
            "tempo_within_2pct": tempo_hits(bars, [float(np.clip(b, gen.spec.bpm_min, gen.spec.bpm_max)) for b in bpms]),
            "tags": judge.tag_profile(tags, 5),
        }  # fmt: skip
    held_p, train_p = project(emb_held), project(emb_train)
    result["bootstrap"] = {
        kind: paired_bootstrap(
            embs["default"][kind], embs["yours"][kind], held_p, train_p, args.seed
        )
        for kind in ("train", "own")
    }  # to the held-out bars; to the training bars (the floor: held-out vs training) too:
    result["bootstrap"]["vs_training"] = paired_bootstrap(
        embs["default"]["train"], embs["yours"]["train"], train_p, held_p, args.seed
    )
    result["real_held_out_tempo_within_2pct"] = tempo_hits(held, [float(e["bpm"]) for e in held_e])
    write_page(page, result, held_e, held, sets)
    section = dict(load_manifest(out).section("generator"))
    section["figures"] = {"fd_ratio_vs_your_held_out": round(result["yours"]["fd_ratio"], 2),
                          "fd_ratio_vs_your_training_bars": round(result["yours"]["fd_ratio_vs_training_bars"], 2),
                          "default_fd_ratio": round(result["default"]["fd_ratio"], 2),
                          "tempo_within_2pct": round(result["yours"]["tempo_within_2pct"], 3)}  # fmt: skip
    update_manifest(out, "generator", section, [section["unet"]])
    return result


def verdict(result: dict[str, Any]) -> str:
    """What the page says, in a sentence or two: which model is closer to the held-out bars (by
    the paired bootstrap: 90 % of resamples or more is a verdict, less is no clear difference)
    and whether yours lost the tempo lock."""
    closer = result["bootstrap"]["train"]["yours_closer"]
    if closer >= 0.9:
        out = f"Yours is closer to your held-out bars (in {closer:.0%} of resamples): play it."
    elif closer <= 0.1:
        out = (f"The default is closer to your held-out bars (yours in only {closer:.0%} of "
               "resamples): keep the default, or give train all more of your bars.")  # fmt: skip
    else:
        out = f"No clear difference on your held-out bars (yours closer in {closer:.0%} of resamples)."
    d, y = result["default"]["tempo_within_2pct"], result["yours"]["tempo_within_2pct"]
    if y < d - 0.1:
        out += f" Yours keeps the tempo in {y:.0%} of bars, the default in {d:.0%}."
    return out


def write_page(page: Path, result: dict[str, Any], held_e: list[dict], held: list[np.ndarray],
               sets: dict[str, tuple[list[np.ndarray], Any]]) -> None:  # fmt: skip
    from livegen.corpus.preview import contact_sheet

    k = min(6, len(held), *(len(bars) for bars, _ in sets.values()))
    gap = np.zeros(SAMPLE_RATE // 3, np.float32)
    parts, sheet_e, sheet_a = [], [], []
    for i in range(k):
        row = [("held-out", held[i])] + [(name, bars[i]) for name, (bars, _) in sets.items()]
        for label, audio in row:
            parts += [np.clip(audio, -1, 1), gap]
            sheet_e.append({"id": f"{label} {i}", "bpm": held_e[i]["bpm"], "captions": [label]})
            sheet_a.append(audio)
        parts.append(gap)
    sf.write(page / "reel.wav", np.concatenate(parts), SAMPLE_RATE)
    contact_sheet(sheet_e, sheet_a, page / "sheet.png")
    (page / "eval.json").write_text(json.dumps(result, indent=1) + "\n")
    d, y = result["default"], result["yours"]
    bt, bo, bv = (result["bootstrap"][k] for k in ("train", "own", "vs_training"))
    lines = [
        "# Your model against the default, on your held-out bars",
        "",
        f"{result['n_generated']} generated bars per model; {result['n_held_out']} held-out bars; "
        f"floor = FD(your {result['n_train']} training bars, your held-out bars) in musicnn's "
        f"embedding, along the {result['pca_dims']} main axes of your real bars (a few dozen bars "
        "cannot fill 200 dimensions). Lower is closer to your sound; 1.0 = as close as your own "
        "other bars are.",
        "",
        "| measure | default | yours |",
        "|---|---|---|",
        f"| FD ratio, generated vs held-out | {d['fd_ratio']:.2f} | {y['fd_ratio']:.2f} |",
        f"| 90 % interval (paired bootstrap; yours closer in {bt['yours_closer']:.0%}) | "
        f"{bt['default_90'][0]:.2f}-{bt['default_90'][1]:.2f} | "
        f"{bt['yours_90'][0]:.2f}-{bt['yours_90'][1]:.2f} |",
        f"| FD ratio, each bar prompted with the held-out bar's own audio | "
        f"{d['fd_ratio_own_prompt']:.2f} | {y['fd_ratio_own_prompt']:.2f} |",
        f"| 90 % interval (paired bootstrap; yours closer in {bo['yours_closer']:.0%}) | "
        f"{bo['default_90'][0]:.2f}-{bo['default_90'][1]:.2f} | "
        f"{bo['yours_90'][0]:.2f}-{bo['yours_90'][1]:.2f} |",
        f"| FD ratio, generated vs your training bars (floor: held-out vs training) | "
        f"{d['fd_ratio_vs_training_bars']:.2f} | {y['fd_ratio_vs_training_bars']:.2f} |",
        f"| 90 % interval (paired bootstrap; yours closer in {bv['yours_closer']:.0%}) | "
        f"{bv['default_90'][0]:.2f}-{bv['default_90'][1]:.2f} | "
        f"{bv['yours_90'][0]:.2f}-{bv['yours_90'][1]:.2f} |",
        f"| FD ratio, codec round trip of the held-out bars | {d['codec_round_trip_fd_ratio']:.2f} "
        f"| {y['codec_round_trip_fd_ratio']:.2f} |",
        f"| tempo within ±2 % | {d['tempo_within_2pct']:.0%} | {y['tempo_within_2pct']:.0%} |",
        f"| top tags | {', '.join(t for t, _ in d['tags'])} | {', '.join(t for t, _ in y['tags'])} |",
        "",
        f"Real held-out bars tracked within ±2 %: {result['real_held_out_tempo_within_2pct']:.0%}.",
        "",
        f"**Verdict.** {verdict(result)}",
        "",
        "Listen: `reel.wav` (each held-out bar, then the default's bar, then yours); look: "
        "`sheet.png` (the same, as spectrograms, beat lines in white).",
    ]  # fmt: skip
    (page / "index.md").write_text("\n".join(lines) + "\n")
