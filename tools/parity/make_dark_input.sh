#!/bin/sh
# The dark input of the enhance-lowlight parity test (tests/data/maxim/dark_64x64.png): the bundled
# sample, smoothed (a sky-like gradient, where low-light JPEGs show their 8x8 blocks), darkened to
# a fifth, stored as a quality-90 JPEG, then a 64x64 crop. Needs ImageMagick (`convert`).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
convert "$root/resources/sample/chelsea-noisy.jpg" -blur 0x6 -evaluate multiply 0.2 -quality 90 "$tmp/dark.jpg"
convert "$tmp/dark.jpg" -crop 64x64+360+120 +repage -strip "$root/tests/data/maxim/dark_64x64.png"
