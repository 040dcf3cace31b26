#!/usr/bin/env bash
# Issue 16: EDM vs EDM-StP vs EDM-N at CPU scale, same budget. Three runs that differ only in --prior (small EGNN,
# nf 64 x 4, lr 5e-4, EMA 0.999, batch 64, seed 1, 36,000 steps = about 90 idle-CPU minutes each on the 2-core VM
# at 0.14 s per step), one at a time; each resumes where it stopped. Then 1,000 molecules per model (same sizes: the
# three models share p(N) and the seed), full 1000-step ancestral sampling, EDM's metrics with novelty and
# bond-geometry JSDs against the training split, alignment curves for N = 10, 15, 19, 25, and the comparison.
#   bash benchmarks/replication/run.sh [STP binary] [runs folder]
set -euo pipefail
cd "$(dirname "$0")/../.."
STP=${1:-samples/Stp.Cli/bin/Release/net10.0/stp}
RUNS=${2:-runs/replication}
DATA=../shared/data/qm9/qm9.xyz.gz
STEPS=36000
for PRIOR in none stp normalize; do
  OUT=$RUNS/$PRIOR
  RESUME=""; [ -f "$OUT/checkpoint.safetensors" ] && RESUME="--resume"
  "$STP" train --data $DATA --prior $PRIOR --model-size small --lr 5e-4 --ema 0.999 --batch-size 64 --steps $STEPS --seed 1 \
    --eval-every 5000 --eval-samples 200 --checkpoint-every 250 --out "$OUT" $RESUME
done
for PRIOR in none stp normalize; do
  OUT=$RUNS/$PRIOR
  [ -f "$OUT/eval/summary.json" ] && continue
  "$STP" sample --checkpoint "$OUT/checkpoint.safetensors" --n 1000 --seed 123 --out "$OUT/eval"
  "$STP" evaluate "$OUT/eval/samples.xyz" --dataset qm9 --novelty-data $DATA --structure-data $DATA --out "$OUT/eval"
  "$STP" analyze --checkpoint "$OUT/checkpoint.safetensors" --n 200 --sizes 10,15,19,25 --per-size 20 --stride 10 --seed 7 --out "$OUT/analysis"
done
"$STP" compare --run "EDM (none)=$RUNS/none/eval" --run "EDM-StP=$RUNS/stp/eval" --run "EDM-N=$RUNS/normalize/eval" --out docs/replication
