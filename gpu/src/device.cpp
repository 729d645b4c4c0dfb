#include "wellposed/gpu/config.hpp"

namespace wellposed::gpu {
#if WELLPOSED_HAS_CUDA
int cuda_device_count_impl();  // gpu/cuda/device.cu
int cuda_device_count() { return cuda_device_count_impl(); }
#else
int cuda_device_count() { return 0; }
#endif
}  // namespace wellposed::gpu
