#include <cuda_runtime.h>

namespace wellposed::gpu {
// A missing driver or device is an outcome (0 devices), not an error.
int cuda_device_count_impl() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky error state
    return 0;
  }
  return n;
}
}  // namespace wellposed::gpu
