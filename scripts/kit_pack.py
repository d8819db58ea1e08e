"""A sample pack with a sound of its own, for judging `livegen train all` on held-out files.

Debian's 40 loops are a grab bag: each held-out file is a sound the pack holds once, so no
fine-tune can carry to it. A real pack from one producer shares a kit and a palette. This script
writes such a pack from a corpus made with `livegen corpus make --kit DIR`: one file per loop,
every other one played twice (packs cut loops to 1 and 2 bars), with no tempo in the name, so
`livegen corpus import` has to find it from the length and the onsets as for an unlabelled pack.

    livegen corpus make --kit /usr/share/hydrogen/data/drumkits/ElectricEmpireKit \\
        --n 320 --seed 777 --format wav --no-stems --out runs/eekit
    python scripts/kit_pack.py runs/eekit runs/eepack --prefix EE
    livegen corpus import runs/eepack --out runs/eedata
    livegen train all --corpus runs/eedata --out eekit --eval-bars 96
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf


def write_pack(corpus: Path, out: Path, prefix: str) -> int:
    """One WAV per loop of `corpus` into `out`, named PREFIX_STYLE_NNN.wav; odd loops twice."""
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(corpus / "manifest.jsonl") as f:
        for line in f:
            rec = json.loads(line)
            audio, sr = sf.read(corpus / rec["path"], dtype="float32")
            index = int(rec["id"].rsplit("_", 1)[1])
            if index % 2:
                audio = np.concatenate([audio, audio])
            style = str(rec.get("style", "loop")).replace(" ", "_")
            sf.write(out / f"{prefix}_{style}_{index:03d}.wav", audio, sr, subtype="PCM_16")
            n += 1
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", type=Path, help="a folder written by `livegen corpus make`")
    parser.add_argument("out", type=Path, help="the pack folder to write")
    parser.add_argument("--prefix", default="PACK", help="file name prefix, as packs brand them")
    args = parser.parse_args()
    if not (args.corpus / "manifest.jsonl").is_file():
        print(f"{args.corpus}: no manifest.jsonl (make one with `livegen corpus make`)")
        return 2
    print(f"wrote {write_pack(args.corpus, args.out, args.prefix)} loops to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
