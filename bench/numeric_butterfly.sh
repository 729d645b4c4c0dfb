#!/usr/bin/env bash
# Issue 5 benchmarks: Hadamard 2^9 (9 dyadic factors) and the n x n square
# dyadic time / memory ratios (median of REPS repetitions per split order).
# Usage: bench/numeric_butterfly.sh [build-dir] [n] [reps]
set -euo pipefail
BUILD=${1:-build-num2}
N=${2:-8192}
REPS=${3:-3}
cmake -S "$(dirname "$0")/.." -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWITH_CUDA=OFF -DWELLPOSED_BUILD_BENCH=ON >/dev/null
cmake --build "$BUILD" -j2 --target butterfly_bench
uptime
"$BUILD/bench/butterfly_bench" hadamard
for order in peel3 ltr; do
  OMP_NUM_THREADS=2 "$BUILD/bench/butterfly_bench" large "$N" "$REPS" "$order"
done
# balanced splits need rank-1 SVDs of sqrt(n) x sqrt(n) blocks: measured at n/2 only.
OMP_NUM_THREADS=2 "$BUILD/bench/butterfly_bench" large $((N / 2)) 1 balanced
uptime
