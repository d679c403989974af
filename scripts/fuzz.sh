#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang only) and runs each for SECONDS (default 20) from the
# committed seed corpus (docs/RELIABILITY.md, "Fuzzing"). Exits 1 when a target finds a crash, a
# leak, an escaped exception or a timeout; the input that did it is kept under WORK/artifacts/.
# Without clang++ (and its libFuzzer runtime, Debian's libclang-rt-14-dev) it says so and exits 0.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      targets: image_loader metadata history
# Environment: RESTORA_FUZZ_BUILD_DIR (default build-fuzz), RESTORA_FUZZ_WORK (default a temp dir).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-20}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(image_loader metadata history)
if ! command -v clang++ >/dev/null; then
    echo "[restora fuzz] clang++ is not installed (apt-get install clang libclang-rt-14-dev); skipped"
    exit 0
fi
build=${RESTORA_FUZZ_BUILD_DIR:-$root/build-fuzz}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
start=$(date +%s)
cmake -S "$root/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ "${launcher[@]}" >/dev/null
cmake --build "$build" -j 2 --target "${targets[@]/#/fuzz_}"
echo "[restora fuzz] build: $(( $(date +%s) - start )) s"

work=${RESTORA_FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/restora-fuzz-XXXXXX")}
mkdir -p "$work/artifacts"
status=0
for t in "${targets[@]}"; do
    case $t in image_loader) seeds=image ;; *) seeds=$t ;; esac
    corpus=$work/corpus-$t
    mkdir -p "$corpus"
    cp -n "$root/fuzz/corpus/$seeds"/* "$corpus/" 2>/dev/null || true
    dict=()
    [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
    # One process, a 10 s limit per input, 2 GiB of memory; ASan's leak check on.
    if ! TMPDIR=$work "$build/fuzz_$t" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" \
        >"$work/$t.log" 2>&1; then
        status=1
        echo "[restora fuzz] $t FOUND a problem: $work/$t.log, input under $work/artifacts/"
        grep -E "ERROR|==[0-9]+==|terminate|what\(\)|SUMMARY" "$work/$t.log" | head -20 || true
    fi
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$t.log" | grep -Eo '[0-9]+$' || echo "?")
    cov=$(grep -Eo 'cov: [0-9]+' "$work/$t.log" | tail -1 || true)
    echo "[restora fuzz] $t: $runs inputs in ${seconds} s, $cov, corpus $(ls "$corpus" | wc -l) files"
done
echo "[restora fuzz] total: $(( $(date +%s) - start )) s (work folder $work)"
exit $status
