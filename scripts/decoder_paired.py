"""Two decoders on the same generated latents, judged from outside with a paired bootstrap.

`livegen eval generator`'s outside study for two packages that share their UNet and encoder
(e.g. the base and a `livegen export decoder` package): the same n bars (the captions, BPMs and
seeds of the held-out set A, 8 steps, w = 3) are generated once and decoded by both decoders, and
the codec round trips of A and B go through both codecs. FD ratios to A over FD(B, A) (musicnn),
with 1,000 paired resamples (bar i of both arms drawn together, A and B resampled too): how often
the second decoder is the closer one.

    python scripts/decoder_paired.py --corpus data/corpus --cache-dir runs/judge_cache \
        models/default runs/decoder/package --out docs/results/decoder_finetune_paired.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from livegen.corpus.make import load_audio
from livegen.eval.musicnn import MusicnnJudge, cached_embed, fd_ratio, files_key
from livegen.eval.outside import held_out, round_trip
from livegen.eval.studies import render
from livegen.runtime.codec import Codec
from livegen.runtime.concept import load_conditioner
from livegen.runtime.generator import Generator
from livegen.runtime.session import create_session
from livegen.training.unet.bars import codec_fingerprint

RESAMPLES = 1000


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("base", type=Path, help="package whose UNet makes the latents")
    p.add_argument("tuned", type=Path, help="package with the other decoder (same encoder)")
    p.add_argument("--corpus", type=Path, required=True)
    p.add_argument("--cache-dir", type=Path, default=Path("runs/judge_cache"))
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()

    judge = MusicnnJudge.load(threads=args.threads)
    base = Generator.load(args.base, "cpu", args.threads)
    spec = base.codec.spec
    tuned_codec = Codec(spec, create_session(_decoder(args.tuned), "cpu", args.threads), None)
    tuned = Generator(base.spec, base.unet, tuned_codec)
    codecs = {k: Codec.load(m, "cpu", args.threads, with_encoder=True, warm=False)
              for k, m in (("base", args.base), ("tuned", args.tuned))}  # fmt: skip
    cond = load_conditioner("livegen-clap", model_dir=args.base, threads=args.threads)
    lo, hi = base.spec.bpm_min, base.spec.bpm_max
    sets = {s: held_out(args.corpus, s, args.n, lo, hi) for s in ("test", "valid")}
    audio = {s: [load_audio(args.corpus, e) for e in es] for s, es in sets.items()}
    keys = {s: files_key([args.corpus / e["path"] for e in es]) for s, es in sets.items()}
    emb = {s: cached_embed(judge, keys[s], lambda s=s: (audio[s], 24_000), args.cache_dir)[0]
           for s in sets}  # fmt: skip
    entries = sets["test"]
    concepts = cond.embed_texts([e["captions"][0] if e.get("captions") else "" for e in entries])
    bars: dict[str, list[np.ndarray]] = {"base": [], "tuned": []}
    for i, (e, c) in enumerate(tqdm(list(zip(entries, concepts, strict=True)), desc="bars")):
        a, z = render(base, float(e["bpm"]), c, i, 8, 3.0)
        bars["base"].append(a)
        bars["tuned"].append(tuned.decode_bar(z, len(a)))
    gen = {k: judge.embed(v, 24_000)[0] for k, v in bars.items()}
    trips = {}
    for name, model in (("base", args.base), ("tuned", args.tuned)):
        gen_rt = base if name == "base" else tuned
        for s in sets:
            key = f"{keys[s]}|codec={codec_fingerprint(model)}"
            trips[name, s] = cached_embed(
                judge, key, lambda s=s, g=gen_rt, n=name: (round_trip(g, codecs[n], audio[s]), 24_000),
                args.cache_dir,
            )[0]  # fmt: skip
    a, b = emb["test"], emb["valid"]
    rng = np.random.default_rng(0)
    boot = {k: np.empty(RESAMPLES) for k in ("base", "tuned", "rt_base", "rt_tuned")}
    for r in range(RESAMPLES):
        g, ia, ib = (rng.integers(0, len(x), len(x)) for x in (gen["base"], a, b))
        for k in ("base", "tuned"):
            boot[k][r] = fd_ratio(gen[k][g], a[ia], b[ib]).ratio
            boot[f"rt_{k}"][r] = fd_ratio(trips[k, "valid"][ib], a[ia], b[ib]).ratio
    result = {
        "n": args.n, "base": str(args.base), "tuned": str(args.tuned),
        "floor_fd": fd_ratio(b, a, b).fd_floor,
        "generated": {k: fd_ratio(v, a, b).ratio for k, v in gen.items()},
        "codec_round_trip_unpaired": {k: fd_ratio(trips[k, "valid"], a, b).ratio for k in bars},
        "codec_round_trip_paired": {k: fd_ratio(trips[k, "test"], a, b).ratio for k in bars},
        "bootstrap_90": {k: np.percentile(v, [5, 95]).round(3).tolist() for k, v in boot.items()},
        "tuned_closer_generated": float(np.mean(boot["tuned"] < boot["base"])),
        "tuned_closer_round_trip": float(np.mean(boot["rt_tuned"] < boot["rt_base"])),
        "resamples": RESAMPLES,
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def _decoder(model: Path) -> Path:
    from livegen.runtime.manifest import load_manifest

    m = load_manifest(model)
    return m.root / m.section("codec")["decoder"]


if __name__ == "__main__":
    main()
