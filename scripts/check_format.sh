#!/usr/bin/env bash
# Fails when a tracked C++ file differs from .clang-format (Debian's clang-format 14).
# Fix with: git ls-files '*.cpp' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v clang-format >/dev/null || { echo "clang-format is missing (apt-get install clang-format)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if grep -ln 'clang-format off\|DisableFormat' "${files[@]}" .clang-format; then
    echo "format check: formatting must not be switched off" >&2
    exit 1
fi
clang-format --dry-run --Werror "${files[@]}"
echo "format check: ${#files[@]} files follow .clang-format"
