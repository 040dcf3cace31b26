#!/usr/bin/env bash
# The conditional-generation comparison of the paper's table 2 at CPU scale: EDM vs EDM-StP conditioned on alpha with the
# same budget, evaluated by EDM's property predictor. Not run by CI (hours on CPU). The budget is a number of steps, not a
# time, so that the two runs get the same training whatever else the machine does; every stage resumes. Usage:
#   bash benchmarks/conditional/alpha-edm-vs-stp.sh [steps per generator, default 30000] [predictor time budget, default 2h]
# Data: the 13,083 QM9 molecules with properties in ../shared/data (seeded predictor / generator halves, seed 42);
# the MAEs are therefore not comparable to table 2's absolute values (EDM: 50k + 50k molecules), the protocol is.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-30000}
PRED_BUDGET=${2:-2h}
DATA=../shared/data/qm9/qm9_edm_test.xyz.gz
OUT=runs/conditional-alpha
dotnet build samples/Stp.Cli -c Release
STP=samples/Stp.Cli/bin/Release/net10.0/stp
# 1. EDM's property predictor (nf 128, 7 layers) on the predictor half, with the numnodes / naive baselines.
[ -f $OUT/predictor/alpha.safetensors ] || $STP train-predictor --property alpha --data $DATA --epochs 1000 --time-budget "$PRED_BUDGET" --out $OUT/predictor
# 2. The two generators on the generator half, same architecture, steps, seed and learning rate.
for PRIOR in none stp; do
  RESUME=""; [ -f $OUT/$PRIOR/checkpoint.safetensors ] && RESUME="--resume"
  $STP train --data $DATA --condition alpha --prior $PRIOR --model-size small --lr 5e-4 --ema 0.999 --steps "$STEPS" --seed 1 --eval-every 0 --out $OUT/$PRIOR $RESUME
  # 3. 1,000 molecules each, sizes from p(N) and alpha from p(alpha | N), then the MAE table.
  $STP sample --checkpoint $OUT/$PRIOR/checkpoint.safetensors --n 1000 --out $OUT/$PRIOR/samples --seed 1 --force
  $STP evaluate $OUT/$PRIOR/samples/samples.xyz --conditional --property-model $OUT/predictor/alpha.safetensors --out $OUT/$PRIOR/report
done
# 4. The qualitative sweep of EDM: 100 frames of 19 atoms with fixed noise, alpha from the size-19 min to max.
$STP sample --checkpoint $OUT/stp/checkpoint.safetensors --sweep alpha --size 19 --frames 100 --out $OUT/stp/sweep --force
cat $OUT/none/report/conditional_mae.md $OUT/stp/report/conditional_mae.md
