// CPU path of Y = op(K) X: the plan (which kernel, which tiles, how many
// independent work items), the instruction-set dispatch and the OpenMP split.
// The kernels themselves are in ks_cpu_kernels.inc, compiled once per
// instruction set (baseline; AVX2+FMA and AVX-512 on x86-64 GCC through
// `#pragma GCC target`), so the library is built without -march and still
// uses the widest vectors the machine has.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "wellposed/gpu/ks_multiply.hpp"
#include "wellposed/gpu/detail/ks_cpu.hpp"  // unchecked kernels, fused chain, to_problem

#if defined(_OPENMP)
#include <omp.h>
#endif

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WP_KS_MULTIVERSION 1
#else
#define WP_KS_MULTIVERSION 0
#endif
#if defined(__x86_64__) || defined(__SSE2__)
#include <immintrin.h>
#define WP_KS_HAVE_STREAM 1
#else  // no non-temporal stores: plain stores, no fence
#define WP_KS_HAVE_STREAM 0
#endif

namespace wellposed::gpu {
namespace ks_cpu_detail {

enum class CpuKernel {
  batch_last,
  b1_small,
  b1_gemv,
  b1_lane,
  b1_gemv_deltas,
  bf_lane,
  bf_small,
  bf_alpha,
  bf_pack,
  bf_slab
};

/// What one call runs: `items` independent work items (any split of
/// [0, items) over threads gives the same result, bit for bit: every output
/// is computed by exactly one item, in a fixed order), a vector or delta tile,
/// and `scratch` elements of per-thread buffer.
struct CpuPlan {
  CpuKernel kind = CpuKernel::batch_last;
  index_t tile = 1;
  index_t dchunk = 1;
  index_t items = 0;
  index_t scratch = 0;
  /// bf_slab: the regrouped slab length out * d rounded up to the lanes;
  /// batch_last with the X tile copied (scratch > 0): the copy's row stride.
  index_t jpad = 0;
  /// Non-temporal stores of Y: the output is too large to be read back from
  /// cache, so skipping the read-for-ownership saves a third of the traffic.
  bool stream = false;
};

/// Strides of op(K)'s block entries inside K's row-major b x c block.
struct BlockStrides {
  index_t vr, vq;
};
inline BlockStrides block_strides(const KsProblem& p) {
  return p.op == Op::none ? BlockStrides{p.k.c, 1} : BlockStrides{1, p.k.c};
}

using RunF32 = void (*)(const KsProblem&, const CpuPlan&, const float*, const float*, const float*, float*, index_t,
                        index_t, float*);
using RunF64 = void (*)(const KsProblem&, const CpuPlan&, const double*, const double*, const double*, double*,
                        index_t, index_t, double*);

namespace generic {
constexpr int kVB = 16;
#include "ks_cpu_kernels.inc"
}  // namespace generic

#if WP_KS_MULTIVERSION
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
constexpr int kVB = 32;
#include "ks_cpu_kernels.inc"
}  // namespace avx2
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
namespace avx512 {
constexpr int kVB = 64;
#include "ks_cpu_kernels.inc"
}  // namespace avx512
#pragma GCC pop_options
#endif

int vector_bytes(CpuIsa isa) { return isa == CpuIsa::avx512 ? 64 : isa == CpuIsa::avx2 ? 32 : 16; }

bool small_124(index_t v) { return v == 1 || v == 2 || v == 4; }

/// Whether `rows` rows of X, `stride` bytes apart, crowd L1 sets: an L1 of
/// 64 sets of 64-byte lines (32-48 KB, 8-12 ways: Zen, Intel since Skylake)
/// spreads them over 64 / gcd(stride / 64, 64) sets; at 12 or more rows per
/// set they evict each other between the row groups that re-read them.
bool x_rows_alias(index_t rows, index_t stride) {
  if (stride % 64 != 0) return false;  // rows straddle lines: spread over the sets
  const index_t sets = 64 / std::gcd<index_t>(stride / 64, 64);
  return rows >= 12 * sets;
}

/// The plan rule (why each kernel: see ks_cpu_kernels.inc). Cache budgets
/// are per core: ~256 KB for what one item keeps hot (half a Zen/Intel L2).
template <class T>
CpuPlan make_plan(const KsProblem& p, CpuIsa isa) {
  const index_t L = vector_bytes(isa) / index_t(sizeof(T));
  const index_t B = p.batch, a = p.k.a, d = p.k.d, out = p.out_per_block(), in = p.in_per_block();
  const index_t budget = (index_t(256) << 10) / index_t(sizeof(T));  // elements
  const bool small = small_124(p.k.b) && small_124(p.k.c);
  CpuPlan pl;
  const auto b1_small_plan = [&] {
    pl.kind = CpuKernel::b1_small;
    if (d == 1) {
      pl.tile = 2048;
      pl.items = ks_ceil_div(a, pl.tile);
    } else {
      pl.tile = std::min<index_t>(d, 4096);
      pl.items = a * ks_ceil_div(d, pl.tile);
    }
  };
  if (B == 1) {  // the two layouts are the same memory
    if (small) {
      b1_small_plan();
    } else if (d % L == 0 && p.k.c < L) {
      // Block rows (the contiguous dimension, c) shorter than a vector: the
      // per-block GEMV would leave lanes empty; lane = delta fills them
      // (measured: (4,22,5,64) 1.9x faster; with c >= L the GEMV is faster).
      pl.kind = CpuKernel::b1_lane;
      pl.tile = std::clamp<index_t>((index_t(32) << 10) / index_t(sizeof(T)) / (p.k.c * L), 1, p.k.b);
      pl.items = a * (d / L);
      pl.scratch = pl.tile * p.k.c * L;
    } else if (p.op == Op::none && d % L == 0 && d >= 2 * L) {
      // Lanes = L consecutive deltas of one row: one vector store where the
      // GEMV stores L outputs d >= 2L apart, each in its own cache line.
      // Measured on the sweep's B = 1 patterns with d >= 32 (f64, AVX-512;
      // two A/Bs of 4 alternating rounds): median 1.1x, 0.87-1.37x
      // ((1,64,64,64) the one below 0.99); at d = L 0.87-1.11, and with
      // lanes over (row, delta) for d = 2, 4 0.7-0.94: not used there.
      pl.kind = CpuKernel::b1_gemv_deltas;
      pl.items = a * (d / L);
      pl.scratch = L * in;
    } else {
      pl.kind = CpuKernel::b1_gemv;
      pl.items = a * d;
      // d > 1: x of one alpha transposed (in d elements), or of one block
      // where that slab would not fit half the L2.
      pl.scratch = d == 1 ? 0 : in * d <= budget / 2 ? in * d : in;
    }
  } else if (p.layout == BatchLayout::batch_last) {
    pl.kind = CpuKernel::batch_last;
    index_t t = budget / (in + out);
    t = std::clamp<index_t>(t / (2 * L) * (2 * L), 2 * L, 4096);
    pl.tile = B <= t ? B : t;
    pl.items = a * d * ks_ceil_div(B, pl.tile);
    if (out > 4 && x_rows_alias(in, d * B * index_t(sizeof(T)))) {
      // Several row groups re-read the block's in x tile slice of X, whose
      // rows (d B apart) share L1 sets: copied to a contiguous buffer of
      // ~24 KB first (stride padded off a multiple of 4 KB). Measured, same
      // binary, 3 alternating rounds: 1.1-2.4x on the sweep's cases that
      // pass this test, and 0.8-0.9x where it was applied to rows in
      // distinct sets (B = 16, d <= 8).
      index_t t2 = (index_t(24) << 10) / index_t(sizeof(T)) / in;
      t2 = std::max<index_t>(t2 / (4 * L) * (4 * L), 4 * L);
      pl.tile = B <= t2 ? B : t2;
      pl.items = a * d * ks_ceil_div(B, pl.tile);
      pl.jpad = ks_ceil_div(pl.tile, L) * L;
      if ((pl.jpad * index_t(sizeof(T))) % 4096 == 0) pl.jpad += L;
      pl.scratch = in * pl.jpad;
    }
  } else if (small && d == 1 && B >= 32 && a >= L) {
    // bf_alpha: its regrouping pass over the a b c values is paid back from
    // B ~ 32 on (measured: (2048,2,2,1) B = 16 lost 2x to it).
    pl.kind = CpuKernel::bf_alpha;
    pl.tile = 2048;
    pl.items = B * ks_ceil_div(a, pl.tile);
  } else if (small && d < L) {
    b1_small_plan();
    pl.kind = CpuKernel::bf_small;
    pl.items *= B;
  } else if (in * out <= 64 && d >= L) {
    pl.kind = CpuKernel::bf_lane;
    pl.tile = std::min<index_t>(d, 256);  // a pair's in x 256 slice of X stays in L1 across the out rows
    pl.items = ks_ceil_div(B, 2) * a * ks_ceil_div(d, pl.tile);
  } else if (B >= 32 && (d % L == 0 || L % d == 0)) {
    // bf_slab: every lane used (d | L or L | d), G vectors share each value
    // load. Its O(nnz) regrouping of the values is paid back from B ~ 32 on
    // (measured; bf_pack below that: at B = 16, same binary, 4 interleaved
    // rounds, bf_pack was 1.2-1.5x faster on (256,13,21,2), (128,23,10,2),
    // (16,14,45,8) and 0.85x on (32,4,21,4)). Items: (chunk of alphas whose
    // regrouped values fit the cache budget, tile of 64 vectors).
    pl.kind = CpuKernel::bf_slab;
    pl.jpad = ks_ceil_div(out * d, L) * L;
    pl.tile = std::min<index_t>(B, 64);
    pl.dchunk = std::clamp<index_t>(budget / (in * pl.jpad), 1, a);
    pl.items = ks_ceil_div(a, pl.dchunk) * ks_ceil_div(B, pl.tile);
  } else {
    pl.kind = CpuKernel::bf_pack;
    pl.dchunk = std::min<index_t>(d, 64 / index_t(sizeof(T)));  // one cache line of each row
    index_t t = budget / ((in + out) * pl.dchunk);
    t = std::clamp<index_t>(t / (2 * L) * (2 * L), 2 * L, 512);
    pl.tile = B <= t ? B : t;
    pl.items = a * ks_ceil_div(d, pl.dchunk) * ks_ceil_div(B, pl.tile);
    pl.scratch = (in + out) * pl.dchunk * pl.tile;
  }
#if WP_KS_HAVE_STREAM
  constexpr index_t kStreamBytes = index_t(8) << 20;
  pl.stream = (pl.kind == CpuKernel::batch_last || pl.kind == CpuKernel::bf_lane || pl.kind == CpuKernel::bf_alpha) &&
              p.rows() * B * index_t(sizeof(T)) >= kStreamBytes;
#endif
  return pl;
}

/// The values delta-innermost for bf_lane: vt[((alpha out + r) in + q) d + delta]
/// = op(V_{alpha, delta})[r, q]; one pass over the nnz values.
template <class T>
std::vector<T> regroup_values(const KsProblem& p, const T* values) {
  const index_t a = p.k.a, b = p.k.b, c = p.k.c, d = p.k.d, out = p.out_per_block(), in = p.in_per_block();
  std::vector<T> vt(static_cast<std::size_t>(a * b * c * d));
  for (index_t al = 0; al < a; ++al)
    for (index_t de = 0; de < d; ++de) {
      const T* vb = values + (al * d + de) * b * c;
      for (index_t be = 0; be < b; ++be)
        for (index_t ga = 0; ga < c; ++ga) {
          const index_t r = p.op == Op::none ? be : ga, q = p.op == Op::none ? ga : be;
          vt[static_cast<std::size_t>(((al * out + r) * in + q) * d + de)] = vb[be * c + ga];
        }
    }
  return vt;
}

/// The values q-outermost for bf_slab: wt[(alpha in + q) jpad + r d + delta]
/// = op(V_{alpha, delta})[r, q], zero in the padding; one pass over the nnz values.
template <class T>
std::vector<T> regroup_slab(const KsProblem& p, index_t jpad, const T* values) {
  const index_t a = p.k.a, b = p.k.b, c = p.k.c, d = p.k.d, in = p.in_per_block();
  std::vector<T> wt(static_cast<std::size_t>(a * in * jpad), T(0));
  T* w = wt.data();
  for (index_t al = 0; al < a; ++al)  // written in order; the reads jump by b c
    for (index_t q = 0; q < in; ++q, w += jpad)
      for (index_t r = 0; r < p.out_per_block(); ++r)
        for (index_t de = 0; de < d; ++de) {
          const T* vb = values + (al * d + de) * b * c;
          w[r * d + de] = p.op == Op::none ? vb[r * c + q] : vb[q * c + r];
        }
  return wt;
}

/// The values alpha-fastest for bf_alpha (d = 1): wt[(r in + q) a + alpha] =
/// op(V_alpha)[r, q]; one pass over the nnz values.
template <class T>
std::vector<T> regroup_alpha(const KsProblem& p, const T* values) {
  const index_t a = p.k.a, b = p.k.b, c = p.k.c, in = p.in_per_block();
  std::vector<T> wt(static_cast<std::size_t>(a * b * c));
  for (index_t be = 0; be < b; ++be)  // written in order; the reads jump by b c <= 16
    for (index_t ga = 0; ga < c; ++ga) {
      const index_t r = p.op == Op::none ? be : ga, q = p.op == Op::none ? ga : be;
      T* w = wt.data() + (r * in + q) * a;
      const T* v = values + be * c + ga;
      for (index_t al = 0; al < a; ++al) w[al] = v[al * b * c];
    }
  return wt;
}

/// The per-call preprocessed values a plan needs (empty for most kernels).
template <class T>
std::vector<T> prepare_values(const KsProblem& p, const CpuPlan& plan, const T* values) {
  if (plan.kind == CpuKernel::bf_lane) return regroup_values(p, values);
  if (plan.kind == CpuKernel::bf_slab) return regroup_slab(p, plan.jpad, values);
  if (plan.kind == CpuKernel::bf_alpha) return regroup_alpha(p, values);
  return {};
}

template <class T>
auto runner(CpuIsa isa) {
  if constexpr (sizeof(T) == 4) {
#if WP_KS_MULTIVERSION
    if (isa == CpuIsa::avx512) return RunF32(&avx512::run_f32);
    if (isa == CpuIsa::avx2) return RunF32(&avx2::run_f32);
#endif
    (void)isa;
    return RunF32(&generic::run_f32);
  } else {
#if WP_KS_MULTIVERSION
    if (isa == CpuIsa::avx512) return RunF64(&avx512::run_f64);
    if (isa == CpuIsa::avx2) return RunF64(&avx2::run_f64);
#endif
    (void)isa;
    return RunF64(&generic::run_f64);
  }
}

// Below this many multiply-adds + moved elements a parallel region costs
// more than it saves (a fork/join is a few microseconds).
constexpr index_t kParallelWork = index_t(1) << 16;

/// A thread's scratch for `plan`. Not zero-filled: every kernel writes its
/// scratch before it reads it; none where the plan needs none (a malloc on
/// every small call).
template <class T>
std::unique_ptr<T[]> make_scratch(const CpuPlan& plan) {
  return std::unique_ptr<T[]>(plan.scratch > 0 ? new T[static_cast<std::size_t>(plan.scratch)] : nullptr);
}

CpuIsa detect_isa() {
#if WP_KS_MULTIVERSION
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
    return CpuIsa::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuIsa::avx2;
#endif
  return CpuIsa::generic;
}

}  // namespace ks_cpu_detail

std::string to_string(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::generic: return "generic";
    case CpuIsa::avx2: return "avx2";
    case CpuIsa::avx512: return "avx512";
  }
  return "?";
}

bool cpu_isa_available(CpuIsa isa) {
  static const CpuIsa best = ks_cpu_detail::detect_isa();
  return static_cast<int>(isa) <= static_cast<int>(best);
}

CpuIsa cpu_isa() {
  static const CpuIsa chosen = [] {
    CpuIsa isa = ks_cpu_detail::detect_isa();
    if (const char* env = std::getenv("WELLPOSED_KS_ISA")) {  // lower it (benchmarks, tests); never raise it
      for (CpuIsa c : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512})
        if (to_string(c) == env && cpu_isa_available(c)) isa = c;
    }
    return isa;
  }();
  return chosen;
}

template <class T>
void ks_multiply_cpu_unchecked(const KsProblem& p, const T* values, const T* x, T* y, CpuIsa isa) {
  using namespace ks_cpu_detail;
  if (p.batch == 0) return;
  if (!cpu_isa_available(isa)) isa = cpu_isa();
  KsProblem q = p;
  if (q.batch == 1) q.layout = BatchLayout::batch_last;  // identical memory
  const CpuPlan plan = make_plan<T>(q, isa);
  const auto run = runner<T>(isa);
  const std::vector<T> pre = prepare_values(q, plan, values);
  const index_t work = q.k.a * q.k.b * q.k.c * q.k.d * q.batch + (q.rows() + q.cols()) * q.batch;
  int threads = 1;
#if defined(_OPENMP)
  if (work >= kParallelWork && plan.items >= 2) threads = int(std::min<index_t>(omp_get_max_threads(), plan.items));
#endif
  if (threads <= 1) {
    const std::unique_ptr<T[]> scratch = make_scratch<T>(plan);
    run(q, plan, values, pre.data(), x, y, 0, plan.items, scratch.get());
    return;
  }
#if defined(_OPENMP)
  // Contiguous ranges of items: each thread streams its own part of X and Y.
#pragma omp parallel num_threads(threads)
  {
    const index_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    const index_t i0 = plan.items * t / nt, i1 = plan.items * (t + 1) / nt;
    const std::unique_ptr<T[]> scratch = make_scratch<T>(plan);
    if (i0 < i1) run(q, plan, values, pre.data(), x, y, i0, i1, scratch.get());
  }
#endif
  (void)work;
}

// ---- fused chain ------------------------------------------------------------
namespace ks_cpu_detail {

/// Both ping-pong buffers of one tile of the fused chain fit this (per
/// thread: half of a 1 MB L2, the other half for the factors' values).
constexpr index_t kFusedBudgetBytes = index_t(512) << 10;
/// apply_chain fuses automatically when an unfused intermediate would not
/// stay in the L2 (then every factor costs a memory round trip of it).
constexpr index_t kFusedAutoBytes = index_t(2) << 20;

/// One factor of the chain prepared for one tile batch: plan + regrouped values.
template <class T>
struct FusedStep {
  KsProblem p;
  CpuPlan plan;
  std::vector<T> pre;
  const T* values = nullptr;
};

template <class T>
std::vector<FusedStep<T>> prepare_steps(const std::vector<KsProblem>& steps, const std::vector<const T*>& values,
                                        index_t tb, CpuIsa isa) {
  std::vector<FusedStep<T>> out;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    FusedStep<T> f;
    f.p = steps[i];
    f.p.batch = tb;
    if (tb == 1) f.p.layout = BatchLayout::batch_last;
    f.plan = make_plan<T>(f.p, isa);
    f.plan.stream = false;  // the tile is read back from cache by the next factor
    f.values = values[i];
    f.pre = prepare_values(f.p, f.plan, values[i]);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ks_cpu_detail

template <class T>
std::size_t fused_chain_tile(const std::vector<KsProblem>& steps, std::size_t batch, BatchLayout layout,
                             ChainFusion fusion) {
  using namespace ks_cpu_detail;
  if (fusion == ChainFusion::unfused || steps.empty() || batch == 0) return 0;
  index_t width = steps.front().cols();
  for (const KsProblem& s : steps) width = std::max(width, s.rows());
  const index_t lanes = vector_bytes(cpu_isa()) / index_t(sizeof(T));
  // batch_last tiles are whole register tiles (2 vectors of lanes) of the
  // bl kernels; batch_first tiles are sub-batches of any size >= 4.
  const index_t quantum = layout == BatchLayout::batch_last ? 2 * lanes : 4;
  index_t tile = kFusedBudgetBytes / (2 * width * index_t(sizeof(T)));
  tile = tile / quantum * quantum;
  const bool fits = tile >= quantum;
  tile = std::clamp<index_t>(tile, quantum, std::max<index_t>(index_t(batch), quantum));
  if (fusion == ChainFusion::fused) return std::size_t(std::min<index_t>(tile, index_t(batch)));
  // automatic: a chain of >= 2 factors whose tile fits the budget, several
  // tiles, and an intermediate too large for the L2.
  const bool pays = steps.size() >= 2 && fits && index_t(batch) >= 2 * tile &&
                    width * index_t(batch) * index_t(sizeof(T)) > kFusedAutoBytes;
  return pays ? std::size_t(tile) : 0;
}

template <class T>
void apply_chain_cpu_fused(const std::vector<KsProblem>& steps, const std::vector<const T*>& values, const T* x, T* y,
                           std::size_t batch_, BatchLayout layout, std::size_t tile_) {
  using namespace ks_cpu_detail;
  const index_t B = index_t(batch_), TS = std::min<index_t>(index_t(tile_), B);
  if (B == 0 || steps.empty()) return;
  const CpuIsa isa = cpu_isa();
  const auto run = runner<T>(isa);
  const index_t ntiles = ks_ceil_div(B, TS), rem = B - (ntiles - 1) * TS;
  // Plans for the full tile and (if different) the last one, shared by all threads.
  const auto full = prepare_steps<T>(steps, values, TS, isa);
  const auto last = rem == TS ? std::vector<FusedStep<T>>() : prepare_steps<T>(steps, values, rem, isa);
  index_t width = steps.front().cols(), scratch = 0, work = 0;
  for (const auto& f : full) {
    width = std::max(width, f.p.rows());
    scratch = std::max(scratch, f.plan.scratch);
    work += f.p.k.a * f.p.k.b * f.p.k.c * f.p.k.d * B + (f.p.rows() + f.p.cols()) * B;
  }
  for (const auto& f : last) scratch = std::max(scratch, f.plan.scratch);
  const index_t n0 = steps.front().cols(), mN = steps.back().rows();
  const bool bl = layout == BatchLayout::batch_last;
  // One tile: all factors applied while the tile stays in this thread's
  // buffers. batch_first: the tile of X is already a contiguous batch_first
  // array of ts vectors and the last factor writes Y's tile in place.
  // batch_last: the tile's rows (ts contiguous elements at stride B) are
  // copied in and out (cache-resident copies; X read once, Y written once).
  const auto do_tile = [&](index_t t, T* buf0, T* buf1, T* scr) {
    const index_t s0 = t * TS, ts = t + 1 == ntiles ? rem : TS;
    const auto& fs = ts == TS ? full : last;
    T* bufs[2] = {buf0, buf1};
    const T* cur = nullptr;
    if (bl) {
      for (index_t j = 0; j < n0; ++j) std::memcpy(buf0 + j * ts, x + j * B + s0, std::size_t(ts) * sizeof(T));
      cur = buf0;
    } else {
      cur = x + s0 * n0;
    }
    int nb = bl ? 1 : 0;  // next buffer to write
    for (std::size_t i = 0; i < fs.size(); ++i) {
      const bool final_direct = !bl && i + 1 == fs.size();
      T* out = final_direct ? y + s0 * mN : bufs[nb];
      run(fs[i].p, fs[i].plan, fs[i].values, fs[i].pre.data(), cur, out, 0, fs[i].plan.items, scr);
      cur = out;
      nb = 1 - nb;
    }
    if (bl)
      for (index_t j = 0; j < mN; ++j) std::memcpy(y + j * B + s0, cur + j * ts, std::size_t(ts) * sizeof(T));
  };
  int threads = 1;
#if defined(_OPENMP)
  if (work >= kParallelWork && ntiles >= 2) threads = int(std::min<index_t>(omp_get_max_threads(), ntiles));
#endif
  if (threads <= 1) {
    std::vector<T> buf(static_cast<std::size_t>(2 * width * TS + scratch));
    for (index_t t = 0; t < ntiles; ++t) do_tile(t, buf.data(), buf.data() + width * TS, buf.data() + 2 * width * TS);
    return;
  }
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
  {
    const index_t nt = omp_get_num_threads(), th = omp_get_thread_num();
    std::vector<T> buf(static_cast<std::size_t>(2 * width * TS + scratch));
    for (index_t t = ntiles * th / nt; t < ntiles * (th + 1) / nt; ++t)
      do_tile(t, buf.data(), buf.data() + width * TS, buf.data() + 2 * width * TS);
  }
#endif
}

template std::size_t fused_chain_tile<float>(const std::vector<KsProblem>&, std::size_t, BatchLayout, ChainFusion);
template std::size_t fused_chain_tile<double>(const std::vector<KsProblem>&, std::size_t, BatchLayout, ChainFusion);
template void apply_chain_cpu_fused<float>(const std::vector<KsProblem>&, const std::vector<const float*>&,
                                           const float*, float*, std::size_t, BatchLayout, std::size_t);
template void apply_chain_cpu_fused<double>(const std::vector<KsProblem>&, const std::vector<const double*>&,
                                            const double*, double*, std::size_t, BatchLayout, std::size_t);

template <class T>
void ks_multiply_cpu_unchecked(const KsProblem& p, const T* values, const T* x, T* y) {
  ks_multiply_cpu_unchecked<T>(p, values, x, y, cpu_isa());
}

template void ks_multiply_cpu_unchecked<float>(const KsProblem&, const float*, const float*, float*);
template void ks_multiply_cpu_unchecked<double>(const KsProblem&, const double*, const double*, double*);
template void ks_multiply_cpu_unchecked<float>(const KsProblem&, const float*, const float*, float*, CpuIsa);
template void ks_multiply_cpu_unchecked<double>(const KsProblem&, const double*, const double*, double*, CpuIsa);

}  // namespace wellposed::gpu
