#!/usr/bin/env bash
# One prepared run on a CUDA machine: build restora-train against its CUDA libtorch
# (-DRESTORA_MODELS_ONLY=ON) and train the inpainting network for MINUTES on the shards in
# training-data/shards (carried along; made by scripts/training_photos.sh + restora-prep).
# Usage: bash scripts/gpu_train_inpaint.sh MINUTES [OUTDIR]
set -uo pipefail
minutes=${1:-5}
out=${2:-${OUT:-train-gpu}}
mkdir -p "$out"
exec > >(tee "$out/gpu_train.log") 2>&1
prefix=$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
t0=$(date +%s)
cmake -S . -B build-gpu "${gen[@]}" -DRESTORA_MODELS_ONLY=ON -DRESTORA_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null || exit 1
cmake --build build-gpu --target restora-train -j "$(nproc)" >/dev/null || exit 1
echo "build: $(( $(date +%s) - t0 )) s"
./build-gpu/training/restora-train --train training-data/shards/train-0.shard,training-data/shards/train-1.shard \
  --eval training-data/shards/eval.shard --out "$out" --minutes "$minutes" --batch 32 --lr 2e-3 \
  --eval-every 400 --device cuda --seed 1
ls -la "$out"
