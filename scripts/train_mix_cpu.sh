#!/usr/bin/env bash
# The CPU stages of the shipped mix generator (models/default/generator_unet.onnx), one command,
# resumable (run it again after any stop: the corpus is kept once finished, each stage resumes
# from its run folder, a finished stage is passed over). The generator was trained in four stages:
#   1. on one GPU, `bash scripts/train_gpu.sh` (2,592 steps of 256 bars, 300 s on an H200; the
#      package as of BASE_REV below holds its weights, and `livegen train unet --preset gpu
#      --device cpu --steps 2592` reproduces it on the CPU in 9-17 h, README "The generator"),
#   2. here: 6,000 steps of 32 bars on the 16,000 loops of the stem corpus (seed 0, minor and major
#      keys: its held-out loops are the evals'), lr 3e-4 with a 300-step warm-up and cosine decay,
#      logit-normal α, EMA 0.999, from stage 1's weights (read back from the package's graph).
#      (The shipped run's schedule was set to 8,000 steps up to step 332 and to 7,000 up to step
#      2,919, then cut to 6,000 to fit its sitting: before step 2,919 its lr was up to 15 % above
#      this recipe's.)
#   3. here again: 13,000 more steps of the same (a new warm-up and cosine decay) from stage 2's
#      averaged weights, in a run folder of its own,
#   4. and once more: 12,000 steps of the same from stage 3's averaged weights.
# Stage 1's weights come from git: BASE_REV's models/default is unpacked into OUT/base, so the
# recipe does not depend on what models/default holds now. INIT=PATH starts from another package
# or checkpoint instead (e.g. runs/gpu/unet/unet_slim.pt from train_gpu.sh).
# Wall time on 2 cores (~0.43 s/step alone): stage 2 ~43 min (the shipped run took 52.8 min,
# part of it beside other jobs), stage 3 ~95 min (the shipped run 106 min, the first minutes
# beside tests), stage 4 ~85 min, after ~8 min to synthesise and ~8 min to encode the corpus; ~3 GB.
# Usage: bash scripts/train_mix_cpu.sh [OUT]   env: WORKERS (2), MODEL (models/default: its
#   codec and concept encoder), BASE_REV (6f54cae), INIT, EXPORT (models/default; "" to skip),
#   PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/mix_cpu}
W=${WORKERS:-2}
MODEL=${MODEL:-models/default}
BASE_REV=${BASE_REV:-6f54cae}
EXPORT=${EXPORT-models/default}
PY=${PYTHON:-python3}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
L=("$PY" -m livegen)
CORPUS=$OUT/corpus_both
mkdir -p "$OUT"
if [ -z "${INIT:-}" ]; then
    if [ ! -f "$OUT/base/models/default/manifest.json" ]; then
        mkdir -p "$OUT/base"
        git archive "$BASE_REV" models/default | tar -x -C "$OUT/base"
    fi
    INIT=$OUT/base/models/default
fi
[ -f "$CORPUS/manifest.jsonl" ] || "${L[@]}" corpus make --out "$CORPUS" --n 16000 --seed 0 \
    --modes both --workers "$W" --no-progress
stage() {  # RUN_DIR INIT STEPS
    "${L[@]}" train unet --preset cpu --corpus "$CORPUS" --model "$MODEL" \
        --bars "$CORPUS.mix_bars.npz" --run-dir "$1" --workers "$W" --no-progress --init "$2" \
        --steps "$3" --batch-size 32 --lr 3e-4 --alpha-dist logit-normal:0,1 --ema 0.999 \
        --ckpt-every 250 --valid-every 1000
}
stage "$OUT/run" "$INIT" 6000
stage "$OUT/run3" "$OUT/run" 13000
stage "$OUT/run4" "$OUT/run3" 12000
if [ -n "$EXPORT" ]; then
    "${L[@]}" export unet --checkpoint "$OUT/run4" --out "$EXPORT"
fi
