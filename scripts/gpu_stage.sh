#!/usr/bin/env bash
# The device machine receives the working tree plus the `carry` paths, 64 MiB in all. The tracked
# files are about 47 MB and gpu-models/ (the fp16 MAXIM copy, the 1024x1024 photo, an SR model)
# about 29 MB, so before a device call the files that scripts/gpu_check.sh does not read move
# aside, and come back right after it.
#   bash scripts/gpu_stage.sh aside   # then: run(command="bash scripts/gpu_check.sh $OUT/check",
#                                     #           carry=["gpu-models"]) after unpacking gpu-models/*.xz
#   bash scripts/gpu_stage.sh back    # always, even when the call failed
# `aside` refuses to run twice; `back` refuses to overwrite a file that came back another way.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
store=${RESTORA_GPU_ASIDE:-/tmp/restora-gpu-aside}
# Not read on the device: documents, the SR/OCR parity data (test_models uses neither), and the
# weights other than the two tunable networks the benchmark times.
paths=(docs tests/data/sr tests/data/ocr models/weights/inpaint-ffc-v1.rsw models/weights/erase-text-v3.rsw
       models/weights/shadow-fusion-v1.rsw models/weights/baselines)
cd "$root"
case "${1:-}" in
aside)
    if [ -e "$store" ]; then echo "gpu_stage: $store exists; run 'back' first" >&2; exit 1; fi
    for p in "${paths[@]}"; do
        [ -e "$p" ] || continue
        mkdir -p "$store/$(dirname "$p")"
        mv "$p" "$store/$p"
    done
    # What travels: tracked and untracked files that are not ignored, plus gpu-models/.
    size=$(git ls-files -co --exclude-standard -z | xargs -0 -r du -cb 2>/dev/null |
           awk '$2 == "total" { t += $1 } END { print t + 0 }' || true)
    carry=$(du -sb gpu-models 2>/dev/null | awk '{ print $1 + 0 }' || true)
    echo "gpu_stage: set aside in $store; working tree $((size / 1048576)) MiB + gpu-models $((carry / 1048576)) MiB (limit 64)"
    ;;
back)
    if [ ! -d "$store" ]; then echo "gpu_stage: nothing set aside" >&2; exit 0; fi
    for p in "${paths[@]}"; do
        [ -e "$store/$p" ] || continue
        if [ -e "$p" ]; then echo "gpu_stage: $p exists again; left in $store/$p" >&2; continue; fi
        mkdir -p "$(dirname "$p")"
        mv "$store/$p" "$p"
    done
    find "$store" -depth -type d -empty -delete
    if [ -e "$store" ]; then echo "gpu_stage: some files are still in $store" >&2; exit 1; fi
    git status --short | head
    echo "gpu_stage: everything is back"
    ;;
*)
    echo "usage: bash scripts/gpu_stage.sh aside|back" >&2
    exit 2
    ;;
esac
