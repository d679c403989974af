#!/usr/bin/env bash
# Regenerates chelsea-noisy.jpg, the bundled demo photo, from python3-skimage's chelsea.png
# (CC0, photographer Stefan van der Walt): adds camera-like noise (Gaussian, sigma 14 of 255,
# seed 2024), saves a JPEG at quality 92, and writes demo EXIF/IPTC/XMP with the exiv2 tool so
# that the demo shows metadata surviving an edit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=/usr/lib/python3/dist-packages/skimage/data/chelsea.png
/usr/bin/python3 - "$src" "$here/chelsea-noisy.jpg" <<'PY'
import sys
import numpy as np
from PIL import Image
img = np.asarray(Image.open(sys.argv[1]).convert("RGB")).astype(np.float32)
rng = np.random.default_rng(2024)
noisy = np.clip(img + rng.normal(0.0, 14.0, img.shape), 0, 255).round().astype(np.uint8)
Image.fromarray(noisy).save(sys.argv[2], quality=92)
PY
exiv2 -M'set Exif.Image.Artist Stefan van der Walt' \
      -M'set Exif.Image.Copyright CC0 1.0 (public domain dedication)' \
      -M'set Exif.Image.ImageDescription Chelsea the cat, with added noise (Restora demo)' \
      -M'set Exif.Photo.DateTimeOriginal 2009:02:09 11:11:30' \
      -M'set Iptc.Application2.Caption Chelsea the cat' \
      -M'set Iptc.Application2.Keywords cat' \
      -M'set Xmp.dc.title lang=x-default Chelsea' \
      "$here/chelsea-noisy.jpg"
