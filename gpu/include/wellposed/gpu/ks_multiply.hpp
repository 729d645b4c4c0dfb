#pragma once
// Y = op(K) X for a Kronecker-sparse factor K of pattern (a, b, c, d) and a
// batch of vectors X, and Y = op(X_1 ... X_N) X for a chain: one API, two
// backends (CPU always; CUDA when compiled in and a GPU is present).
//
// Contract violations and outcomes are kept apart (STYLE item 7):
//  - wrong sizes, overlapping input/output, a zero in a pattern, chain sizes
//    that do not match: std::invalid_argument naming the argument and value
//    (can_implement reports the same as Code::invalid_argument without throwing);
//  - "this backend cannot do it here" (CUDA not compiled in, no GPU, a dtype
//    the backend lacks, a CUDA runtime error): a KsStatus returned, never thrown.
// Values may be anything, NaN and Inf included; they propagate as IEEE says.
//
// Accuracy (standard dot-product bound, Higham Thm 3.5): every output entry is
// a sum of k = in_per_block products (k = c for K, b for K^T) accumulated in
// T (float accumulators for f16/bf16 on the GPU), so
//   |y - y_exact| <= gamma_k sum |K| |x|,  gamma_k = k u / (1 - k u),
// u = unit roundoff of the accumulator; for a chain of N factors the bound
// composes factor by factor (tests/gpu/ks_multiply_test.cpp states it).
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/detail/ks_index.hpp"

namespace wellposed::gpu {

enum class Backend { cpu, cuda };
/// Element type. The CPU backend has f32 and f64; CUDA has all four
/// (f16/bf16 accumulate in f32; only through ks_multiply_device).
enum class DType { f32, f64, f16, bf16 };

std::string to_string(Backend b);
std::string to_string(DType t);
std::string to_string(BatchLayout l);
std::string to_string(Op op);
std::size_t size_of(DType t);

/// Outcome of a request (cutlass::Status / Ceres Summary style).
struct KsStatus {
  enum class Code { ok, invalid_argument, unsupported, not_compiled, no_device, cuda_error };
  Code code = Code::ok;
  std::string message;
  bool ok() const { return code == Code::ok; }
};
std::string to_string(KsStatus::Code c);

/// Everything a kernel needs, pointers included (host pointers for the CPU
/// backend and for the host-side CUDA entry points; device pointers for
/// ks_multiply_device). Sizes are element counts.
struct KsArguments {
  KPattern pattern{};
  Op op = Op::none;
  BatchLayout layout = BatchLayout::batch_last;
  std::size_t batch = 1;
  DType dtype = DType::f64;
  const void* values = nullptr;
  std::size_t values_size = 0;  // must be pattern.nnz()
  const void* x = nullptr;
  std::size_t x_size = 0;  // must be cols(op(K)) * batch
  void* y = nullptr;
  std::size_t y_size = 0;  // must be rows(op(K)) * batch
};

/// Checks before any work (STYLE item 8): pattern entries >= 1, value/x/y
/// sizes, y not overlapping x or the values, non-null pointers when the sizes
/// are non-zero, then whether `backend` can run this dtype here. Never throws.
/// Complete for the CPU backend; for CUDA it cannot foresee an out-of-memory
/// or launch failure, which ks_multiply reports as Code::cuda_error.
KsStatus can_implement(const KsArguments& args, Backend backend);

/// Y = op(K) X on raw storage (K given as pattern + compact values).
/// Throws std::invalid_argument for a contract violation; returns the outcome otherwise.
template <class T>
KsStatus ks_multiply(const KPattern& pattern, std::span<const T> values, std::span<const T> x, std::span<T> y,
                     std::size_t batch, BatchLayout layout, Op op = Op::none, Backend backend = Backend::cpu);
template <class T>
KsStatus ks_multiply(const KsFactor<T>& k, std::span<const T> x, std::span<T> y, std::size_t batch,
                     BatchLayout layout, Op op = Op::none, Backend backend = Backend::cpu);
/// Eigen conveniences: a ColMajor n x B matrix is the batch_first layout, a
/// RowMajor one the batch_last layout. Y is resized to rows(op(K)) x B.
template <class T>
KsStatus ks_multiply(const KsFactor<T>& k, const MatX<T>& x, MatX<T>& y, Op op = Op::none,
                     Backend backend = Backend::cpu);
template <class T>
KsStatus ks_multiply(const KsFactor<T>& k, const RowMatX<T>& x, RowMatX<T>& y, Op op = Op::none,
                     Backend backend = Backend::cpu);

/// How apply_chain runs a chain on the CPU backend.
///  - unfused: one ks_multiply per factor over the whole batch (each
///    intermediate goes through memory once written, once read);
///  - fused: the batch is cut into tiles of vectors and all factors are
///    applied to one tile while it stays in a per-thread cache-sized buffer
///    (only X is read and Y written in memory);
///  - automatic: fused when it pays (fused_chain_tile's rule), else unfused.
/// The CUDA backend ignores it (one launch per factor). Either way every
/// output of every factor is one dot product of length k accumulated in T
/// (the kernel for a tile may differ from the one for the whole batch, so
/// the rounding may differ), and the chain bound of the Accuracy note holds.
enum class ChainFusion { automatic, fused, unfused };

/// Y = X_1 X_2 ... X_N X (op none: X_N applied first) or
/// Y = (X_1 ... X_N)^T X = X_N^T ... X_1^T X (op transpose: X_1^T applied first),
/// ping-ponging between two buffers (or fused per tile, see ChainFusion).
/// Throws std::invalid_argument if the chain is empty or cols(X_l) !=
/// rows(X_{l+1}) (naming l).
template <class T>
KsStatus apply_chain(const std::vector<KsFactor<T>>& chain, std::span<const T> x, std::span<T> y,
                     std::size_t batch, BatchLayout layout, Op op = Op::none, Backend backend = Backend::cpu,
                     ChainFusion fusion = ChainFusion::automatic);
template <class T>
KsStatus apply_chain(const std::vector<KsFactor<T>>& chain, const MatX<T>& x, MatX<T>& y, Op op = Op::none,
                     Backend backend = Backend::cpu, ChainFusion fusion = ChainFusion::automatic);
template <class T>
KsStatus apply_chain(const std::vector<KsFactor<T>>& chain, const RowMatX<T>& x, RowMatX<T>& y,
                     Op op = Op::none, Backend backend = Backend::cpu, ChainFusion fusion = ChainFusion::automatic);

/// Instruction sets of the CPU kernels. The library is compiled without
/// -march; on x86-64 with GCC the kernels are also compiled for AVX2+FMA and
/// AVX-512 (F, DQ, VL, BW) and the widest set the CPU reports is used.
enum class CpuIsa { generic = 0, avx2 = 1, avx512 = 2 };
std::string to_string(CpuIsa isa);
/// True if this build has kernels for `isa` and this CPU can run them.
bool cpu_isa_available(CpuIsa isa);
/// The set ks_multiply uses: the widest available, or the one named by the
/// environment variable WELLPOSED_KS_ISA (generic|avx2|avx512) if available
/// (read once).
CpuIsa cpu_isa();

// The unchecked CPU kernels, the fused chain and to_problem (machinery behind
// ks_multiply / apply_chain): wellposed/gpu/detail/ks_cpu.hpp.

}  // namespace wellposed::gpu
