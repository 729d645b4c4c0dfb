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
# balanced: the first split has 64 x 128 rank-1 blocks at 8192 (Gram path since
# issue 5's fix; it took a Jacobi SVD per block before and was run at n/2 only).
for order in peel3 ltr balanced; do
  OMP_NUM_THREADS=2 "$BUILD/bench/butterfly_bench" large "$N" "$REPS" "$order"
done
uptime
