// Runtime plumbing of the bridge: device count, memory, copies, timing.
#include <cuda_runtime.h>

#include <algorithm>
#include <vector>

#include "cuda_bridge.hpp"

namespace wellposed::gpu::bridge {

// A missing driver or device is an outcome (0 devices), not an error.
int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky error state
    return 0;
  }
  return n;
}

const char* error_string(int code) {
  if (code == -1) return "the timed launch failed";
  if (code >= kCublasBase) return "cuBLAS error";
  return cudaGetErrorString(static_cast<cudaError_t>(code));
}

int dev_malloc(void** ptr, std::size_t bytes) { return static_cast<int>(cudaMalloc(ptr, bytes)); }
int dev_free(void* ptr) { return static_cast<int>(cudaFree(ptr)); }
int copy_to_device(void* dst, const void* src, std::size_t bytes) {
  return static_cast<int>(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}
int copy_to_host(void* dst, const void* src, std::size_t bytes) {
  return static_cast<int>(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}
int synchronize() { return static_cast<int>(cudaDeviceSynchronize()); }

int time_ms(int (*launch)(void*), void* ctx, int reps, double* median_ms) {
  *median_ms = 0;
  if (int e = launch(ctx)) return e;  // warm-up
  if (int e = static_cast<int>(cudaDeviceSynchronize())) return e;
  cudaEvent_t start, stop;
  if (int e = static_cast<int>(cudaEventCreate(&start))) return e;
  if (int e = static_cast<int>(cudaEventCreate(&stop))) {
    cudaEventDestroy(start);
    return e;
  }
  std::vector<double> ms;
  int err = 0;
  for (int r = 0; r < std::max(reps, 1) && err == 0; ++r) {
    cudaEventRecord(start);
    err = launch(ctx);
    cudaEventRecord(stop);
    if (err == 0) err = static_cast<int>(cudaEventSynchronize(stop));
    float t = 0;
    if (err == 0) err = static_cast<int>(cudaEventElapsedTime(&t, start, stop));
    ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  if (err) return err;
  std::sort(ms.begin(), ms.end());
  *median_ms = ms[ms.size() / 2];
  return 0;
}

}  // namespace wellposed::gpu::bridge
