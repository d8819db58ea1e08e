"""The outside judge's study in `livegen eval generator`: generated bars against held-out loops
in the embedding of a pretrained music model nobody here trained (musicnn, `livegen.eval.musicnn`).

Three sets of n held-out loops' worth of audio, scored by Fréchet distance to set A:
- B, other held-out loops: FD(B, A) is the floor, what two samples of real loops differ by at n;
- generated bars, one per loop of A, with that loop's first caption and BPM (seeded): the ratio
  FD(generated, A) / FD(B, A) is the headline (1 = as close as another real sample);
- the codec round trip of B (unpaired: the fair ceiling, since every generated bar is decoded by
  that codec) and of A itself (paired with A, as the issue first measured it);
- for a stem generator, also B's stems each through the codec and summed, as the daemon makes a
  bar's mix: that design's own ceiling (three decodes' errors add up in the mix).
A = the `split_a` split, B = `split_b` (both held out of training). Reference embeddings are
cached by the files they come from (name, size, mtime) and the judge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from livegen.eval.musicnn import MusicnnJudge, cached_embed, fd_ratio, files_key
from livegen.runtime.generator import Generator


def held_out(corpus: Path, split: str, n: int, lo: float, hi: float) -> list[dict[str, Any]]:
    """The first `n` loops of `split` whose BPM the generator covers; refuses fewer than n."""
    from livegen.corpus.make import read_manifest

    entries = [e for e in read_manifest(corpus) if e["split"] == split]
    entries = [e for e in entries if lo <= float(e["bpm"]) <= hi][:n]
    if len(entries) < n:
        raise ValueError(
            f"{corpus}: {len(entries)} {split} loops at {lo:g}-{hi:g} BPM, the study needs {n} "
            f"(make a larger corpus, e.g. `livegen corpus make --n {20 * n + 400}`)"
        )
    return entries


def round_trip(gen: Generator, codec, audio: list[np.ndarray]) -> list[np.ndarray]:
    """Real loops through the package's codec as the UNet sees them (circular bar latents)."""
    from livegen.training.unet.bars import encode_bar

    return [gen.decode_bar(codec.normalize(encode_bar(codec, a)[None])[0], len(a)) for a in audio]


def stem_round_trip(gen: Generator, codec, corpus: Path, entries: list[dict]) -> list[np.ndarray]:
    """Real loops' stems each through the codec (circular bar latents, stacked as the stem
    generator makes them), decoded as one batch and summed: no key lock, the codec alone."""
    from livegen.corpus.make import load_stems
    from livegen.dsp.resample import fit_bar
    from livegen.training.unet.bars import encode_bar

    out = []
    for e in entries:
        stems = load_stems(corpus, e)
        if stems is None:
            raise ValueError(f"{corpus}: loop {e['id']} has no stems (made with --no-stems?)")
        z = np.concatenate(
            [codec.normalize(encode_bar(codec, stems[s])[None])[0] for s in gen.stems]
        )
        out.append(fit_bar(gen.decode_stems(z).sum(axis=0), len(stems[gen.stems[0]])))
    return out


def outside_study(
    gen: Generator,
    cond,
    judge: MusicnnJudge,
    corpus: Path,
    n: int,
    steps: int,
    guidance: float,
    seed: int,
    codec,
    model_dir: Path,
    cache_dir: Path,
    split_a: str = "test",
    split_b: str = "valid",
    progress: bool = True,
) -> dict[str, Any]:
    """FD ratios (generated, codec round trips) over the floor, and the judge's tag profiles."""
    from livegen.corpus.make import load_audio
    from livegen.eval.studies import render
    from livegen.training.unet.bars import codec_fingerprint

    corpus = Path(corpus)
    lo, hi = gen.spec.bpm_min, gen.spec.bpm_max
    sets = {s: held_out(corpus, s, n, lo, hi) for s in (split_a, split_b)}
    paths = {s: [corpus / e["path"] for e in es] for s, es in sets.items()}
    audio: dict[str, list[np.ndarray]] = {}

    def loops(split: str) -> list[np.ndarray]:
        if split not in audio:
            audio[split] = [load_audio(corpus, e) for e in sets[split]]
        return audio[split]

    def real(split: str):
        return cached_embed(
            judge, files_key(paths[split]), lambda: (loops(split), 24_000), cache_dir
        )

    def through_codec(split: str):
        key = f"{files_key(paths[split])}|codec={codec_fingerprint(model_dir)}"
        return cached_embed(
            judge, key, lambda: (round_trip(gen, codec, loops(split)), gen.sample_rate), cache_dir
        )

    emb_a, tags_a = real(split_a)
    emb_b, tags_b = real(split_b)
    rt_a, _ = through_codec(split_a)
    rt_b, _ = through_codec(split_b)
    stems_b = None
    if gen.stems:
        key = f"{files_key(paths[split_b])}|codec={codec_fingerprint(model_dir)}|stems"
        stems_b, _ = cached_embed(
            judge,
            key,
            lambda: (stem_round_trip(gen, codec, corpus, sets[split_b]), gen.sample_rate),
            cache_dir,
        )
    entries = sets[split_a]
    concepts = (
        cond.embed_texts([e["captions"][0] if e.get("captions") else "" for e in entries])
        if gen.concept_dim
        else [None] * len(entries)
    )
    bars = []
    for i, (e, c) in enumerate(tqdm(list(zip(entries, concepts, strict=True)), desc="outside", disable=not progress)):  # fmt: skip
        bars.append(render(gen, float(e["bpm"]), c, seed + i, steps, guidance)[0])
    emb_g, tags_g = judge.embed(bars, gen.sample_rate)
    ratio = fd_ratio(emb_g, emb_a, emb_b)
    # pitch: the loops with chords or a pad, real beside generated (`eval.key.in_tune`)
    tonal = [i for i, e in enumerate(entries) if {"stabs", "pad"} & set(e.get("instruments", {}))]
    real_a = loops(split_a)
    in_tune = {
        "n": len(tonal),
        "real": _median_in_tune([real_a[i] for i in tonal]),
        "generated": _median_in_tune([bars[i] for i in tonal]),
    }
    return {
        "judge": "MSD_musicnn penultimate (200-d), one embedding per bar",
        "n": n,
        "sets": {"A": split_a, "B": split_b},
        "steps": steps,
        "guidance": guidance,
        "fd_floor": ratio.fd_floor,
        "generated": {"fd": ratio.fd_gen, "ratio": ratio.ratio},
        "codec_round_trip_unpaired": _ratio(fd_ratio(rt_b, emb_a, emb_b)),
        "codec_round_trip_paired": _ratio(fd_ratio(rt_a, emb_a, emb_b)),
        **(
            {"codec_round_trip_stems_unpaired": _ratio(fd_ratio(stems_b, emb_a, emb_b))}
            if stems_b is not None
            else {}
        ),
        "in_tune": in_tune,
        "tags": {
            "A": judge.tag_profile(tags_a),
            "B": judge.tag_profile(tags_b),
            "generated": judge.tag_profile(tags_g),
        },
    }


def _median_in_tune(bars: list[np.ndarray]) -> float:
    from livegen.eval.key import in_tune

    values = [in_tune(b, 24_000) for b in bars]
    return float(np.nanmedian(values)) if values and not np.all(np.isnan(values)) else float("nan")


def _ratio(r) -> dict[str, float]:
    return {"fd": r.fd_gen, "ratio": r.ratio}


def report(r: dict[str, Any]) -> str:
    """The study as a few lines of text."""
    tags = lambda key: ", ".join(f"{t} {p:.2f}" for t, p in r["tags"][key][:5])  # noqa: E731
    return "\n".join(
        [
            f"outside judge ({r['judge']}; n = {r['n']} per set, {r['steps']} steps, "
            f"w={r['guidance']:g}): FD / FD(B, A) where FD(B, A) = {r['fd_floor']:.2f}",
            f"  generated vs A              {r['generated']['ratio']:6.2f}   (FD {r['generated']['fd']:.2f})",
            f"  codec round trip of B vs A  {r['codec_round_trip_unpaired']['ratio']:6.2f}   (the codec's ceiling)",
            f"  codec round trip of A vs A  {r['codec_round_trip_paired']['ratio']:6.2f}   (paired)",
            *(
                [f"  B's stems through the codec {st['ratio']:6.2f}   (summed: the stems' ceiling)"]
                if (st := r.get("codec_round_trip_stems_unpaired"))
                else []
            ),
            *(
                [
                    f"  in tune (±15 cents; {t['n']} loops with chords or a pad; 0.30 = no pitch): "
                    f"generated {t['generated']:.2f}, real {t['real']:.2f}"
                ]
                if (t := r.get("in_tune")) and t["n"]
                else []
            ),
            f"  tags A:         {tags('A')}",
            f"  tags generated: {tags('generated')}",
        ]
    )
