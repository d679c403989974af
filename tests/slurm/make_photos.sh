#!/usr/bin/env bash
# make_photos.sh DIR COUNT [WIDTH HEIGHT]: writes COUNT small photo-like 24-bit BMPs (gradients,
# a bright block that moves from photo to photo, and noise) with nothing but awk, so that the
# batch tests need no image tool. Files: DIR/photo-NN.bmp, every third one in DIR/sub/.
set -euo pipefail
dir=$1 count=$2 w=${3:-96} h=${4:-64}
mkdir -p "$dir/sub"
for ((i = 0; i < count; i++)); do
    name=$(printf 'photo-%02d.bmp' "$i")
    ((i % 3 == 2)) && name="sub/$name"
    LC_ALL=C awk -v w="$w" -v h="$h" -v seed="$i" '
    function le32(v) { printf "%c%c%c%c", v % 256, int(v / 256) % 256, int(v / 65536) % 256, int(v / 16777216) % 256 }
    function le16(v) { printf "%c%c", v % 256, int(v / 256) % 256 }
    function byte(v) { v = int(v); if (v < 1) v = 1; if (v > 255) v = 255; printf "%c", v }
    BEGIN {
        srand(seed + 1)
        pad = (4 - (w * 3) % 4) % 4
        size = 54 + (w * 3 + pad) * h
        printf "BM"; le32(size); le32(0); le32(54)
        le32(40); le32(w); le32(h); le16(1); le16(24); le32(0); le32(size - 54); le32(2835); le32(2835); le32(0); le32(0)
        bx = (seed * 13) % (w - 20); by = (seed * 7) % (h - 16)
        for (y = 0; y < h; y++) {
            for (x = 0; x < w; x++) {
                inside = x >= bx && x < bx + 20 && y >= by && y < by + 16
                b = inside ? 40 : 60 + 120 * x / w
                g = inside ? 200 : 50 + 150 * y / h
                r = inside ? 230 : 120 + 60 * sin((x + y + seed) / 9)
                byte(b + 40 * (rand() - 0.5)); byte(g + 40 * (rand() - 0.5)); byte(r + 40 * (rand() - 0.5))
            }
            for (p = 0; p < pad; p++) printf "%c", 1
        }
    }' > "$dir/$name"
done
