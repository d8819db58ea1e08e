#!/usr/bin/env bash
# The CPU recipe of the shipped stem generator (models/default/generator_stems.onnx), one command,
# resumable: run it again after any stop and every stage continues where it stopped (a corpus is
# kept once finished; each training resumes from its run folder). Seven stages, as it was trained:
#   1. 4,000 loops in minor keys (seed 0): `--preset stems-cpu` on a 16,000-step schedule,
#      stopped at step 4,272 (where the first sitting ended; --stop-at keeps that schedule),
#   2. 4,000 loops, half of them in major keys (`--modes both`, seed 0): 12,000 steps from stage
#      1's averaged weights; stages 1-2 in the codec's latent space (`--stem-norm off`),
#   3. the same loops, 8,000 steps at lr 5e-4 from stage 2's weights, each channel of the stack
#      standardised (`--stem-norm on`, README "The stem generator"),
#   4. 8,000 more at lr 3e-4 from stage 3's,
#   5. 16,000 loops (seed 0, both modes: its first 4,000 are stage 2's, so the held-out loops
#      stay held out), 10,000 steps at lr 3e-4 from stage 4's, with the noise level drawn where
#      a note is chosen (`--alpha-dist logit-normal:-0.8,1`) and the bass's loss weighted twice
#      (`--stem-weights 1,2,1`) (README "The stem generator"),
#   6. the same loops, 6,000 steps at lr 3e-4 from stage 5's, the music's loss weighted twice too
#      (`--stem-weights 1,2,2`),
#   7. 8,000 steps at lr 2e-4 from stage 6's, the drums' loss weighted 1.5 (`1.5,2,2`),
# then exports stage 7 beside the mix generator with its default key guidance (KEY_GUIDANCE, on
# the steps with alpha in KEY_INTERVAL).
# (The shipped stages 3 and 5 started from the package's float16 copy of the stage before's
# averaged weights; here they start from the float32 ones, a 9e-4 relative difference. The
# shipped stage 5 was stopped and resumed twice.)
# Wall time on 2 cores: about 5.5 h (stage 2 54 min at ~0.27 s/step, stages 3-4 ~35 min each,
# stage 5 ~50 min, stage 6 26 min, stage 7 ~35 min on an idle machine; the small corpora ~5 min
# to synthesise and ~3-10 min to encode, the 16,000 loops ~8 and ~15 min; a busy machine is 2-3x
# slower); ~6 GB under OUT.
# To continue from the shipped weights instead: `livegen train unet --preset stems-cpu --init
# models/default ...` (the package's UNet is read back from its graph).
# Usage: bash scripts/train_stems_cpu.sh [OUT]   env: WORKERS (2), MODEL (models/default),
#   KEY_GUIDANCE (12) and KEY_INTERVAL (0,0.12) (README "The stem generator"), EXPORT
#   (models/default; "" to skip), PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/stems_cpu}
W=${WORKERS:-2}
MODEL=${MODEL:-models/default}
KEY_GUIDANCE=${KEY_GUIDANCE:-12}
KEY_INTERVAL=${KEY_INTERVAL:-0,0.12}
EXPORT=${EXPORT-models/default}
PY=${PYTHON:-python3}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
L=("$PY" -m livegen)
corpus() {  # OUT_DIR N SEED [--modes both]
    [ -f "$1/manifest.jsonl" ] || "${L[@]}" corpus make --out "$1" --n "$2" --seed "$3" \
        --workers "$W" --no-progress "${@:4}"
}
train() {  # CORPUS RUN [options]
    "${L[@]}" train unet --preset stems-cpu --corpus "$1" --model "$MODEL" \
        --bars "$1.stem_bars.npz" --run-dir "$2" --workers "$W" --no-progress "${@:3}"
}
corpus "$OUT/corpus_minor" 4000 0
train "$OUT/corpus_minor" "$OUT/run_minor" --steps 16000 --stop-at 4272 --stem-norm off
corpus "$OUT/corpus_both" 4000 0 --modes both
train "$OUT/corpus_both" "$OUT/run_both" --init "$OUT/run_minor/checkpoint.pt" --steps 12000 \
    --stem-norm off
train "$OUT/corpus_both" "$OUT/run_norm" --init "$OUT/run_both/checkpoint.pt" --steps 8000 \
    --lr 5e-4 --stem-norm on
train "$OUT/corpus_both" "$OUT/run_norm2" --init "$OUT/run_norm/checkpoint.pt" --steps 8000 \
    --lr 3e-4 --stem-norm on
corpus "$OUT/corpus_16k" 16000 0 --modes both
train "$OUT/corpus_16k" "$OUT/run_16k" --init "$OUT/run_norm2/checkpoint.pt" --steps 10000 \
    --lr 3e-4 --stem-norm on --alpha-dist logit-normal:-0.8,1 --stem-weights 1,2,1
train "$OUT/corpus_16k" "$OUT/run_16k_music" --init "$OUT/run_16k/checkpoint.pt" --steps 6000 \
    --lr 3e-4 --stem-norm on --alpha-dist logit-normal:-0.8,1 --stem-weights 1,2,2
train "$OUT/corpus_16k" "$OUT/run_16k_drums" --init "$OUT/run_16k_music/checkpoint.pt" \
    --steps 8000 --lr 2e-4 --stem-norm on --alpha-dist logit-normal:-0.8,1 --stem-weights 1.5,2,2
if [ -n "$EXPORT" ]; then
    "${L[@]}" export unet --checkpoint "$OUT/run_16k_drums" --out "$EXPORT" \
        --key-guidance "$KEY_GUIDANCE" --key-guidance-interval "$KEY_INTERVAL"
fi
