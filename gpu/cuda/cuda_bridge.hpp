#pragma once
// Private C++17 interface between the CUDA object library (gpu/cuda/*.cu,
// compiled by nvcc) and the C++20 sources of wellposed_gpu (gpu/src/*.cpp).
// Every function returns 0 on success or a non-zero code whose text is
// error_string(code): CUDA runtime codes as they are, cuBLAS codes + 10000.
// Only compiled and called when WELLPOSED_HAS_CUDA.
#include <cstddef>

#include "wellposed/gpu/detail/ks_index.hpp"

namespace wellposed::gpu::bridge {

constexpr int kCublasBase = 10000;

int device_count();
const char* error_string(int code);
/// dtype: 0 f32, 1 f64, 2 f16, 3 bf16 (the order of DType).
int launch_ks(int dtype, const KsProblem& p, const void* values, const void* x, void* y, void* stream);
int dev_malloc(void** ptr, std::size_t bytes);
int dev_free(void* ptr);
int copy_to_device(void* dst, const void* src, std::size_t bytes);
int copy_to_host(void* dst, const void* src, std::size_t bytes);
int synchronize();
/// Median of `reps` event-timed calls of launch(ctx) after one warm-up.
int time_ms(int (*launch)(void*), void* ctx, int reps, double* median_ms);
int dense_gemm(int dtype, std::size_t m, std::size_t n, std::size_t batch, const void* a_rowmajor, const void* x,
               void* y);
int bmm(int dtype, const KsProblem& p, const void* values, const void* x, void* y, void* workspace);

}  // namespace wellposed::gpu::bridge
