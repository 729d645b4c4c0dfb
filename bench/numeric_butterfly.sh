#!/usr/bin/env bash
# Issue 5 benchmarks: Hadamard 2^9 (9 dyadic factors) and the 8192 x 8192 square
# dyadic time / memory ratios. Usage: bench/numeric_butterfly.sh [build-dir] [n]
set -euo pipefail
BUILD=${1:-build-num2}
N=${2:-8192}
cmake -S "$(dirname "$0")/.." -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWITH_CUDA=OFF -DWELLPOSED_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD" -j2 --target butterfly_bench
"$BUILD/bench/butterfly_bench" hadamard
OMP_NUM_THREADS=2 "$BUILD/bench/butterfly_bench" large "$N" 1
