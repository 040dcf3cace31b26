#!/usr/bin/env bash
# Sharded sampling and evaluation as a Slurm job array: N_SHARDS tasks, each samples and evaluates one shard of the
# same run; a dependent job merges them into the files an unsharded run writes (byte for byte) and the merged metrics.
#   sbatch --array=0-7 samples/jobs/slurm-sample-array.sh            # 8 shards
#   sbatch --dependency=afterok:<array job id> --wrap "stp merge runs/samples/shard-* --out runs/samples/all"
# Every task must use the same --checkpoint, --n, --seed, --sampler/--steps, --plan and --batch-size (stp merge checks).
#SBATCH --job-name=stp-sample
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --output=logs/stp-sample-%A_%a.out
set -euo pipefail
N_SHARDS=${SLURM_ARRAY_TASK_COUNT:?run as an array job}
K=${SLURM_ARRAY_TASK_ID:?run as an array job}
CHECKPOINT=${CHECKPOINT:-runs/qm9-stp/checkpoint.safetensors}
OUT=runs/samples/shard-$K
stp sample --checkpoint "$CHECKPOINT" --n 10000 --seed 1 --shard "$K/$N_SHARDS" --threads "$SLURM_CPUS_PER_TASK" --out "$OUT"
stp evaluate "$OUT/samples.xyz" --dataset qm9 --out "$OUT"
