#!/usr/bin/env bash
# Quick start, command two: set up, build, and run every test through ctest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/setup.sh"
ctest --test-dir "$build_dir" --output-on-failure -j 2
phase "tests"
