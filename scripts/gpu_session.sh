#!/usr/bin/env bash
# One prepared call on a CUDA machine (the 2026-11-26 night session's): run scripts/gpu_check.sh
# (it unpacks gpu-models/**/*.xz, then builds, tests and times the benchmarks, the tunable sliders
# and MAXIM fp32/fp16), then train two networks side by side on the one GPU for MINUTES each:
#  - inpaint-ffc continued from the shipped weights (issue 5), batch 64, lr 3e-4 (a fresh Adam at
#    1e-3 drops the held-out hole PSNR from 26.83 to 14.4 dB in one step, measured on the CPU);
#  - the tunable denoiser's JPEG axis (issue 7), continued from denoise-tunable-v3 (docs/TRAINING.md).
# Checkpoints and logs are copied to $OUT at the end (the device returns at most 8 files).
# Usage: bash scripts/gpu_session.sh [MINUTES]
set -uo pipefail
minutes=${1:-4}
out=${OUT:-gpu-out}
mkdir -p "$out"
exec > >(tee "$out/session.log") 2>&1
t0=$(date +%s)
bash scripts/gpu_check.sh "$out/check"
echo "measurements done at $(( $(date +%s) - t0 )) s"
S=gpu-models/shards
train=$S/train-0.shard,$S/train-1.shard
work=/tmp/gpu-train
mkdir -p $work/inpaint
cp models/weights/inpaint-ffc-v1.rsw $work/inpaint/checkpoint.rsw
echo 18746 > $work/inpaint/step.txt
limit=$(( minutes * 60 + 120 ))
timeout $limit ./build-gpu/training/restora-train --train $train --eval $S/eval.shard --out $work/inpaint \
  --resume --minutes "$minutes" --batch 64 --lr 3e-4 --eval-every 1000 --device cuda --seed 5 \
  > $work/inpaint.log 2>&1 &
inpaint_pid=$!
timeout $limit ./build-gpu/training/restora-train-tunable --task denoise --jpeg-axis --groups 4 \
  --init models/weights/denoise-tunable-v3.rsw --distill models/weights/baselines/denoise-tunable-v2.rsw \
  --distill-amplitude 1.0 --warmup 300 --train $train --eval $S/eval.shard --out $work/denoise \
  --minutes "$minutes" --batch 32 --lr-rate 1e-5 --seed 44 --device cuda --threads 4 --eval-every 1000 \
  > $work/denoise.log 2>&1 &
denoise_pid=$!
# Not a bare `wait`: bash 5.1+ also waits for the `tee` process substitution above, which only ends
# when this script does (the 2026-11-26 run sat there until its time limit and lost its copies).
wait $inpaint_pid $denoise_pid
echo "== inpaint"; cat $work/inpaint.log
echo "== denoise"; cat $work/denoise.log
cp $work/inpaint/checkpoint.rsw "$out/inpaint-checkpoint.rsw"
cp $work/inpaint/log.csv "$out/inpaint-log.csv"
cp $work/denoise/checkpoint.rsw "$out/denoise-checkpoint.rsw"
cp $work/denoise/log.csv "$out/denoise-log.csv"
echo "session done at $(( $(date +%s) - t0 )) s"
