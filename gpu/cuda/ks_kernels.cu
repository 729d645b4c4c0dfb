// The single-kernel Kronecker-sparse multiply: one launch per factor, X read
// and Y written at their stride-d rows, no permutation pass. All index and
// tile arithmetic is in wellposed/gpu/detail/ks_index.hpp (host-device, unit-tested
// on the CPU, including a serial emulation of this kernel).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <climits>

#include "cuda_bridge.hpp"
#include "wellposed/gpu/detail/ks_index.hpp"

namespace wellposed::gpu::bridge {
namespace {

template <class T, class Acc>
__global__ void __launch_bounds__(ks_max_threads)
    ks_kernel(KsProblem p, KsTile t, KsGrid g, const T* __restrict__ values, const T* __restrict__ x, T* __restrict__ y) {
  extern __shared__ unsigned char smem_raw[];
  Acc* xs = reinterpret_cast<Acc*>(smem_raw);
  Acc* vs = xs + t.xs_elems();
  const int tid = static_cast<int>(threadIdx.x);
  const KsThreadCoord c = ks_thread_coord(p.layout, t, tid);
  const index_t in = p.in_per_block();
  // Grid-stride over thread blocks so any problem fits the grid limit.
  for (index_t block = blockIdx.x; block < g.blocks(); block += gridDim.x) {
    const KsBlockOrigin o = ks_block_origin(t, g, block);
    Acc acc[ks_max_reg_rows];
    for (int r = 0; r < ks_max_reg_rows; ++r) acc[r] = Acc(0);
    for (index_t k0 = 0; k0 < in; k0 += t.tk) {
      ks_load_chunk<T, Acc>(p, t, o, k0, tid, values, x, xs, vs);
      __syncthreads();
      ks_accumulate_chunk<Acc>(t, c, xs, vs, acc);
      __syncthreads();
    }
    ks_store<T, Acc>(p, t, o, c, acc, y);
  }
}

template <class T, class Acc>
int launch(const KsProblem& p, const void* values, const void* x, void* y, void* stream) {
  const KsTile t = ks_choose_tile(p);
  const KsGrid g = ks_grid(p, t);
  const index_t blocks = g.blocks() < index_t(INT_MAX) ? g.blocks() : index_t(INT_MAX);
  const std::size_t smem = static_cast<std::size_t>(t.xs_elems() + t.vs_elems()) * sizeof(Acc);
  ks_kernel<T, Acc><<<static_cast<unsigned>(blocks), t.threads(), smem, static_cast<cudaStream_t>(stream)>>>(
      p, t, g, static_cast<const T*>(values), static_cast<const T*>(x), static_cast<T*>(y));
  return static_cast<int>(cudaGetLastError());
}

}  // namespace

int launch_ks(int dtype, const KsProblem& p, const void* values, const void* x, void* y, void* stream) {
  switch (dtype) {
    case 0: return launch<float, float>(p, values, x, y, stream);
    case 1: return launch<double, double>(p, values, x, y, stream);
    case 2: return launch<__half, float>(p, values, x, y, stream);
    case 3: return launch<__nv_bfloat16, float>(p, values, x, y, stream);
    default: return static_cast<int>(cudaErrorInvalidValue);
  }
}

}  // namespace wellposed::gpu::bridge
