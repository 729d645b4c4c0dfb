#pragma once
// Machinery of the CPU backend of ks_multiply / apply_chain (ks_multiply.hpp):
// the kernels WITHOUT the argument checks, the fused chain and the problem
// description of validated arguments. Not API (issue 18 item 5): callers must
// have passed can_implement / apply_chain's checks first; the library, its
// tests, its benchmarks and the Python bindings use it.
#include <cstddef>
#include <vector>

#include "wellposed/gpu/ks_multiply.hpp"

namespace wellposed::gpu {

/// The CPU kernels, without checks (args already passed can_implement).
/// Every kernel's innermost loop is unit-stride (the batch for batch_last,
/// delta for batch_first and B = 1) and nothing reads y before writing it;
/// the rule that picks one is make_plan in gpu/src/ks_cpu.cpp, the kernels
/// are in gpu/src/ks_cpu_kernels.inc. OpenMP splits independent work items
/// (blocks x vector tiles) in contiguous ranges when the problem has at least
/// 2^16 multiply-adds + moved elements; the result does not depend on the
/// number of threads. An unavailable `isa` falls back to cpu_isa().
template <class T>
void ks_multiply_cpu_unchecked(const KsProblem& p, const T* values, const T* x, T* y);
template <class T>
void ks_multiply_cpu_unchecked(const KsProblem& p, const T* values, const T* x, T* y, CpuIsa isa);

/// The CPU fused chain. `steps` are the factors in the order they are
/// applied (their batch field is ignored), `values` their compact values.
/// fused_chain_tile: the tile (vectors per tile) the fused path would use, or
/// 0 where it does not apply: `unfused`; or `automatic` and it does not pay
/// (fewer than 2 factors, a tile's two buffers over 512 KB at the minimum
/// tile, fewer than 2 tiles, or an intermediate that fits in 2 MB).
/// apply_chain_cpu_fused: Y = steps applied to X, tile by tile (OpenMP over
/// tiles), without checks (apply_chain checks).
template <class T>
std::size_t fused_chain_tile(const std::vector<KsProblem>& steps, std::size_t batch, BatchLayout layout,
                             ChainFusion fusion);
template <class T>
void apply_chain_cpu_fused(const std::vector<KsProblem>& steps, const std::vector<const T*>& values, const T* x, T* y,
                           std::size_t batch, BatchLayout layout, std::size_t tile);

/// The problem description of validated arguments.
KsProblem to_problem(const KsArguments& args);

}  // namespace wellposed::gpu
