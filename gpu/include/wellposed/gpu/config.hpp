#pragma once
// Build configuration and the host/device annotation for tile arithmetic
// (STYLE item 10): index math is written once, compiled for the device by nvcc
// and unit-tested on the CPU everywhere else.
#include "wellposed/gpu/build_config.hpp"

#if defined(__CUDACC__)
#define WELLPOSED_HOST_DEVICE __host__ __device__ inline
#else
#define WELLPOSED_HOST_DEVICE inline
#endif

namespace wellposed::gpu {

/// True when this build contains the CUDA kernels.
constexpr bool cuda_compiled() { return WELLPOSED_HAS_CUDA == 1; }
/// Number of usable CUDA devices at run time (0 without CUDA, without a
/// driver or without a GPU; never throws).
int cuda_device_count();

}  // namespace wellposed::gpu
