#!/usr/bin/env bash
# The whole GPU sweep of issue 6 in one command, on a machine with an NVIDIA
# GPU (H100/H200 class) and the CUDA toolkit:
#   configure with CUDA forced on, build, run the gpu tests (the CUDA instances
#   must run, not skip), then the GPU benchmark: the single-kernel
#   ks_multiply against cuBLAS dense GEMM and against permute +
#   cublasSgemmStridedBatched ("bmm"), f32, batch_last, batch sizes
#   1, 16, 256, 4096 and 25,088, over the dyadic / Monarch / 20 seeded patterns.
# Output: build-gpu-sweep/gpu_sweep.txt (console + Markdown summary) and
# build-gpu-sweep/gpu_sweep.json (Google Benchmark JSON).
# Usage: bench/run_gpu_sweep.sh [build-dir]   (env CUDA_ARCH, default 90)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build-gpu-sweep}"
JOBS="${JOBS:-$(nproc)}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWITH_CUDA=ON \
      -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCH:-90}" -DWELLPOSED_BUILD_BENCH=ON
cmake --build "$BUILD" -j "$JOBS" --target wellposed_gpu_tests ks_multiply_bench
# A GPU run must not skip the CUDA instances.
"$BUILD"/tests/wellposed_gpu_tests | tee "$BUILD"/gpu_tests.txt
if grep -q 'SKIPPED.*/cuda$' "$BUILD"/gpu_tests.txt; then
  echo "CUDA test instances were skipped: is the GPU visible?" >&2
  exit 1
fi
"$BUILD"/bench/ks_multiply_bench --sweep=gpu \
  --benchmark_out="$BUILD"/gpu_sweep.json --benchmark_out_format=json | tee "$BUILD"/gpu_sweep.txt
echo "Summary: the '## Summary (GPU' table at the end of $BUILD/gpu_sweep.txt; paste it into bench/RESULTS.md."
