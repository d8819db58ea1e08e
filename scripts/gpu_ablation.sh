#!/usr/bin/env bash
# The ablation behind the shipped generator (docs/results/generator_ablation.md), on one GPU:
# the corpus and caches of scripts/train_gpu.sh once, then four runs side by side for the same
# BUDGET seconds, each differing from the next in one lever:
#   base-uniform  today's 3.4 M UNet, α ~ U(0, 1) (the paper)    -> what GPU compute alone buys
#   base-lognorm  the same with logit-normal α                    -> the α distribution
#   wide          the wide 7.3 M UNet, logit-normal (--preset gpu: the shipped recipe) -> capacity
#   wide-attn     the same with self-attention at the bottom (8.2 M)  -> attention
# Usage: bash scripts/gpu_ablation.sh [OUT]   (env as scripts/train_gpu.sh; THREADS per run: 3)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/ablation}
THREADS=${THREADS:-3}
PREPARE_ONLY=1 bash scripts/train_gpu.sh "$OUT"
base=(--channels 64,96,128,192,256 --blocks 1 --emb-dim 128 --attn-heads 0)
declare -A VARIANTS=(
    [base-uniform]="${base[*]} --alpha-dist uniform"
    [base-lognorm]="${base[*]}"
    [wide]=""
    [wide-attn]="--attn-heads 8"
)
pids=()
for name in "${!VARIANTS[@]}"; do
    # shellcheck disable=SC2086  # the variant's options are words
    RUN=$name bash scripts/train_gpu.sh "$OUT" --threads "$THREADS" --time-limit "$((${BUDGET:-420} + 30))" \
        ${VARIANTS[$name]} \
        >"$OUT/$name.log" 2>&1 &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
tail -n 3 "$OUT"/*.log
exit $status
