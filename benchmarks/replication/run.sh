#!/usr/bin/env bash
# Issue 16: EDM vs EDM-StP vs EDM-N at CPU scale, same budget (docs/replication.md). Three runs that differ only in
# --prior (small EGNN, nf 64 x 4, lr 5e-4, EMA 0.999, batch 64, seed 1, 36,000 steps = about 90 idle-CPU minutes each
# on the 2-core VM), each resuming where it stopped. Then 1,000 molecules per model (same sizes: the three models share
# p(N) and the seed), full 1000-step ancestral sampling, EDM's metrics with novelty and bond-geometry JSDs against the
# training split, alignment curves for N = 10, 15, 19, 25 (20 trajectories each), and the comparison.
#   bash benchmarks/replication/run.sh [STP binary] [runs folder] [threads per process]
# On 2 cores, two single-threaded processes side by side (--threads 1: one training while another model is evaluated)
# do about 1.5x the work of one two-threaded process (two trainings side by side: 5.3 + 4.4 steps/s, one alone
# with 2 threads: 6.6); never run a two-threaded process beside another one (libtorch's thread
# barriers then stall: a two-threaded training fell from 6.6 to about 0.2 steps/s beside a one-threaded sampler).
set -euo pipefail
cd "$(dirname "$0")/../.."
STP=${1:-samples/Stp.Cli/bin/Release/net10.0/stp}
RUNS=${2:-runs/replication}
THREADS=${3:-2}
DATA=../shared/data/qm9/qm9.xyz.gz
STEPS=36000
for PRIOR in none stp normalize; do
  OUT=$RUNS/$PRIOR
  RESUME=""; [ -f "$OUT/checkpoint.safetensors" ] && RESUME="--resume"
  "$STP" train --data $DATA --prior $PRIOR --model-size small --lr 5e-4 --ema 0.999 --batch-size 64 --steps $STEPS --seed 1 \
    --eval-every 5000 --eval-samples 200 --checkpoint-every 250 --out "$OUT" --threads "$THREADS" $RESUME
done
for PRIOR in none stp normalize; do
  OUT=$RUNS/$PRIOR
  [ -f "$OUT/eval/samples.xyz" ] || "$STP" sample --checkpoint "$OUT/checkpoint.safetensors" --n 1000 --seed 123 --out "$OUT/eval" --threads "$THREADS"
  [ -f "$OUT/eval/summary.json" ] || "$STP" evaluate "$OUT/eval/samples.xyz" --dataset qm9 --novelty-data $DATA --structure-data $DATA --out "$OUT/eval"
  [ -f "$OUT/analysis/alignment.csv" ] || "$STP" analyze --checkpoint "$OUT/checkpoint.safetensors" --n 20 --sizes 10,15,19,25 --per-size 20 --stride 10 \
    --seed 7 --out "$OUT/analysis" --threads "$THREADS"
done
"$STP" compare --run "EDM=$RUNS/none/eval" --run "EDM-StP=$RUNS/stp/eval" --run "EDM-N=$RUNS/normalize/eval" \
  --alignment "EDM=$RUNS/none/analysis" --alignment "EDM-StP=$RUNS/stp/analysis" --alignment "EDM-N=$RUNS/normalize/analysis" --out docs/replication
