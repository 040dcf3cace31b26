#!/usr/bin/env bash
# Fault injection (issue 13): a tiny training run killed with kill -9 at random moments and resumed until it reaches
# the same step count must end bit-identical to an uninterrupted run; sampling with one seed must give identical files.
#   bash benchmarks/faults/kill-resume.sh [kills, default 8] [sampling repeats, default 10]
set -uo pipefail
cd "$(dirname "$0")/../.."
KILLS=${1:-8}; REPEATS=${2:-10}
STP=samples/Stp.Cli/bin/Release/net10.0/stp
[ -x "$STP" ] || dotnet build samples/Stp.Cli -c Release -v q >/dev/null
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
DATA=../shared/data/qm9/qm9.xyz.gz
ARGS=(--data $DATA --max-molecules 2000 --model-size tiny --batch-size 32 --steps 1500 --checkpoint-every 20 --eval-every 0 --seed 5 --threads 1)
"$STP" train "${ARGS[@]}" --out "$W/ref" >/dev/null 2>&1 || { echo "reference run failed"; exit 1; }
"$STP" train "${ARGS[@]}" --out "$W/killed" > "$W/log" 2>&1 &
pid=$!; kills=0; corrupt=0
while [ $kills -lt $KILLS ]; do
  sleep "$(python3 -c 'import random; print(round(random.uniform(6, 14), 2))')"
  if kill -0 $pid 2>/dev/null; then kill -9 $pid; wait $pid 2>/dev/null; kills=$((kills + 1)); else break; fi
  # The checkpoint left by a kill must load (a corrupt file would fail the resume below); killed before the first
  # checkpoint, the run starts over (--force replaces its logs).
  if [ -f "$W/killed/checkpoint.safetensors" ]; then MODE=--resume; else MODE=--force; fi
  "$STP" train "${ARGS[@]}" --out "$W/killed" $MODE >> "$W/log" 2>&1 &
  pid=$!
done
wait $pid; rc=$?
if cmp -s "$W/ref/checkpoint.safetensors" "$W/killed/checkpoint.safetensors"; then same=yes; else same=no; fi
echo "kill -9 during training: $kills kills, final rc $rc, checkpoint bit-identical to the uninterrupted run: $same"
[ "$same" = yes ] || tail -5 "$W/log"
ls "$W/killed" | grep -c '\.tmp' | xargs echo "temporary files left:"
for i in $(seq 1 "$REPEATS"); do
  "$STP" sample --checkpoint "$W/ref/checkpoint.safetensors" --n 30 --steps 50 --seed 3 --out "$W/s$i" --threads 1 >/dev/null 2>&1 || echo "sampling run $i failed"
done
distinct=$(sha256sum "$W"/s*/samples.xyz | awk '{print $1}' | sort -u | wc -l)
echo "sampling: $REPEATS runs with one seed, $distinct distinct samples.xyz"
