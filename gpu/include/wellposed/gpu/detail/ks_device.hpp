#pragma once
// Device-side entry points of the Kronecker-sparse multiply and the two
// cuBLAS baselines the GPU benchmark compares against. Every function returns
// a KsStatus: without CUDA compiled in they return Code::not_compiled, without
// a GPU Code::no_device; they never throw for those outcomes.
#include <cstddef>
#include <functional>

#include "wellposed/gpu/ks_multiply.hpp"

namespace wellposed::gpu {

/// Y = op(K) X with args.values/x/y device pointers, one kernel launch on
/// `stream` (a cudaStream_t; nullptr = default stream), asynchronous.
/// All four dtypes; f16/bf16 accumulate in f32.
KsStatus ks_multiply_device(const KsArguments& args, void* stream = nullptr);

/// The tile and grid the kernel uses for `p` (the rule in ks_index.hpp) — for
/// reports; pure host arithmetic, available without CUDA.
KsTile ks_device_tile(const KsProblem& p);

/// Owning device allocation (cudaMalloc/cudaFree).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr, o.bytes_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;

  KsStatus allocate(std::size_t bytes);
  KsStatus upload(const void* host, std::size_t bytes);
  KsStatus download(void* host, std::size_t bytes) const;
  void* data() const { return ptr_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

KsStatus device_synchronize();

/// Median over `reps` runs of `launch` in milliseconds, timed with CUDA events
/// after one warm-up; a failing launch stops and its status is returned.
KsStatus time_device_ms(const std::function<KsStatus()>& launch, int reps, double& median_ms);

/// Baseline 1 (dense): Y = A X with A a dense m x n row-major device matrix
/// and X, Y in batch_last layout, by cublasSgemm/cublasDgemm (f32, f64).
KsStatus dense_gemm_device(DType dtype, std::size_t m, std::size_t n, std::size_t batch, const void* a_rowmajor,
                           const void* x, void* y);

/// Baseline 2 (bmm, the method of earlier butterfly codes): permute X from
/// (a, c, d, B) to (a, d, c, B), one cublas{S,D}gemmStridedBatched over the a d
/// blocks, permute (a, d, b, B) back to (a, b, d, B). batch_last, op none,
/// f32/f64. `workspace` must hold (cols + rows) * batch elements.
KsStatus bmm_device(const KsArguments& args, void* workspace);

}  // namespace wellposed::gpu
