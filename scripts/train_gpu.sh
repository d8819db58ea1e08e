#!/usr/bin/env bash
# The GPU recipe of the shipped generator, from a bare CUDA machine (torch 2.11, onnxruntime, numpy,
# scipy, soundfile, tqdm, matplotlib, tokenizers; no internet) to a checkpoint, ~9 min on one H200
# (~4 min of corpus and caches on 16 cores, then BUDGET s of training):
#   1. synthesise the corpus on every core (LOOPS loops, seed 0; kept if already there),
#   2. encode it as circular bar latents with the package's codec and embed its audio and captions
#      with the package's concept encoder (every core; OUT/bars.npz, OUT/concepts.npz),
#   3. train the wide UNet (`--preset gpu`) for BUDGET seconds on the GPU: the step count is fitted
#      from the speed of steps 20-120 and saved, so `--steps N` reproduces the run anywhere,
#   4. write OUT/RUN/unet_slim.pt (EMA weights in float16, configs; ~16 MB) to carry home.
# Then, on any machine: livegen export unet --checkpoint OUT/RUN/unet_slim.pt --out models/default
# Usage: bash scripts/train_gpu.sh [OUT] [extra `livegen train unet` options]
#   env: LOOPS (16000), BUDGET (300 s of training), RUN (unet), DEVICE (cuda), MODEL
#   (models/default), PYTHON (python3), PREPARE_ONLY=1 (stop after step 2),
#   STEMS=1: the stem generator instead (corpus with stems, in minor and major keys;
#   OUT/stem_bars.npz, `--preset stems-gpu`, RUN stems; export it the same way: it lands beside
#   the mix generator. Its wide UNet is 15 MB in float16: inside models/' 60 MB only in place of
#   the shipped stems-cpu one).
# A second run with the same OUT and RUN resumes the training where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/gpu}
shift || true
LOOPS=${LOOPS:-16000}
BUDGET=${BUDGET:-300}
STEMS=${STEMS:-}
RUN=${RUN:-$([ -n "$STEMS" ] && echo stems || echo unet)}
DEVICE=${DEVICE:-cuda}
MODEL=${MODEL:-models/default}
PY=${PYTHON:-python3}
W=$(nproc)
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
CORPUS=$OUT/corpus BARS=$OUT/bars.npz CONCEPTS=$OUT/concepts.npz PRESET=gpu STEM_FLAG=--no-stems
if [ -n "$STEMS" ]; then
    CORPUS=$OUT/corpus_stems BARS=$OUT/stem_bars.npz CONCEPTS=$OUT/concepts_stems.npz
    PRESET=stems-gpu STEM_FLAG="--modes both"  # major keys too: the stem model plays 24 keys
fi
if [ ! -f "$CORPUS/manifest.jsonl" ]; then
    $PY -m livegen corpus make --out "$CORPUS" --n "$LOOPS" --seed 0 --workers "$W" --no-progress $STEM_FLAG
fi
train=(-m livegen train unet --corpus "$CORPUS" --model "$MODEL" --bars "$BARS"
    --concepts "$CONCEPTS" --run-dir "$OUT/$RUN" --preset "$PRESET" --device "$DEVICE"
    --workers "$W" --no-progress)
if [ -n "${PREPARE_ONLY:-}" ]; then
    $PY "${train[@]}" --prepare-only
    exit 0
fi
$PY "${train[@]}" --time-budget "$BUDGET" "$@"
$PY -c "from livegen.training.unet.trainer import write_slim as w; w('$OUT/$RUN', '$OUT/$RUN/unet_slim.pt')"
echo "$OUT/$RUN/unet_slim.pt"
