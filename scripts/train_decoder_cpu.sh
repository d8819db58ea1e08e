#!/usr/bin/env bash
# The shipped codec decoder (models/default/codec_decoder.onnx), one command, resumable (run it
# again after any stop: the corpus is kept once finished, the run resumes from its folder, a
# finished run is passed over). The decoder of the codec `livegen train codec` made (10 x L1 +
# multi-scale mel, no critic: the package as of BASE_REV below holds it) fine-tuned on the
# 16,000 loops of the stem corpus (seed 0, its held-out loops are the evals'), its encoder frozen:
# 6,000 steps of 8 crops of 0.64 s from 4,000 train loops, 15 x mel + 10 x L1 + EnCodec's MS-STFT
# critic (16 filters) after a 300-step warm-up in which the critic learns alone, Adam 2e-4
# (β 0.5, 0.9) with cosine decay (`livegen.training.codec.decoder`).
# The base package is unpacked from git, so the recipe does not depend on what models/default
# holds now; the export replaces only the decoder (the encoder, the latent statistics and the
# generators trained on them stay).
# Wall time on 2 cores: ~8 min to synthesise the corpus, ~3 min to encode 4,000 loops, then
# ~0.85 s/step (~0.6 s in the critic's warm-up): ~85 min.
# Usage: bash scripts/train_decoder_cpu.sh [OUT]   env: WORKERS (2), BASE_REV (78a987c),
#   EXPORT (models/default; "" to skip), PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/decoder_cpu}
W=${WORKERS:-2}
BASE_REV=${BASE_REV:-78a987c}
EXPORT=${EXPORT-models/default}
PY=${PYTHON:-python3}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
L=("$PY" -m livegen)
CORPUS=$OUT/corpus_both
BASE=$OUT/base/models/default
mkdir -p "$OUT"
if [ ! -f "$BASE/manifest.json" ]; then
    mkdir -p "$OUT/base"
    git archive "$BASE_REV" models/default | tar -x -C "$OUT/base"
fi
[ -f "$CORPUS/manifest.jsonl" ] || "${L[@]}" corpus make --out "$CORPUS" --n 16000 --seed 0 \
    --modes both --workers "$W" --no-progress
"${L[@]}" train decoder --model "$BASE" --corpus "$CORPUS" --run-dir "$OUT/run" --steps 6000 \
    --loops 4000 --no-progress
if [ -n "$EXPORT" ]; then
    # the base's files with the new decoder; --force: EXPORT is replaced as a whole
    "${L[@]}" export decoder --run-dir "$OUT/run" --model "$BASE" --out "$EXPORT" --force
fi
