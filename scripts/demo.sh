#!/usr/bin/env bash
# Quick start, command one: set up, build, and restore the bundled sample photo: in the desktop
# application when there is a display, else with the CLI (RESTORA_CLI_DEMO=1 forces the CLI).
# The CLI demo: upscale x4 with the defaults (Real-ESRGAN x4plus, which also removes the sensor
# noise and JPEG artefacts, so there is no separate denoise step; 75-105 s on 2 CPU cores), and a
# side-by-side before/after image, all in demo-output/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/setup.sh"
cli="$build_dir/app/restora-cli"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${RESTORA_CLI_DEMO:-}" ]; then
    # A display: open the desktop application on the sample, denoising it in split view.
    exec "$build_dir/app/restora" "$root/resources/sample/chelsea-noisy.jpg" --apply denoise --compare split
fi
sample="$root/resources/sample/chelsea-noisy.jpg"
out="$root/demo-output"
mkdir -p "$out"
"$cli" run upscale "$sample" -o "$out/chelsea-restored.jpg" --overwrite
"$cli" compare "$sample" "$out/chelsea-restored.jpg" -o "$out/before-after.jpg" --overwrite
"$cli" info "$out/chelsea-restored.jpg"
echo
echo "Restored photo:     $out/chelsea-restored.jpg"
echo "Before/after image: $out/before-after.jpg"
