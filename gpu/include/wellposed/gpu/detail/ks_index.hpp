#pragma once
// Index and tile arithmetic of the Kronecker-sparse multiply Y = op(K) X,
// written once as host-device functions (STYLE item 10): nvcc compiles them
// into the CUDA kernel (gpu/cuda/ks_kernels.cu), and the CPU unit tests run
// the very same functions, including a serial emulation of the whole kernel
// (tests/gpu/ks_index_test.cpp). This header is C++17 so that nvcc can take it.
//
// Notation (thesis Def 6.3.1; survey Def 1): K has pattern (a, b, c, d),
// support I_a (x) 1_{b x c} (x) I_d, m = abd rows, n = acd columns. Row
// i = (alpha b + beta) d + delta, column j = (alpha c + gamma) d + delta. The
// a d blocks (alpha, delta) are b x c dense matrices V_{alpha,delta} and
//   Y[(alpha b + beta) d + delta, s] = sum_gamma V_{alpha,delta}[beta, gamma] X[(alpha c + gamma) d + delta, s].
// op(K) = K^T has pattern (a, c, b, d) and blocks V^T, so every routine works
// on "out" rows per block (b, or c for K^T) and "in" columns per block.
#include <cstdint>

#include "wellposed/gpu/config.hpp"

namespace wellposed::gpu {

using index_t = std::int64_t;

/// How a batch of vectors is laid out in memory (both row-major over (row, s)):
///  - batch_first: element (j, s) at s * rows + j — every vector contiguous
///    (PyTorch's (B, n) tensor; an Eigen ColMajor n x B matrix);
///  - batch_last:  element (j, s) at j * batch + s — the batch index contiguous
///    (an Eigen RowMajor n x B matrix; the layout the ksmm paper finds fastest).
/// For batch == 1 the two layouts coincide.
enum class BatchLayout : int { batch_first = 0, batch_last = 1 };
/// Which operator is applied: K or K^T.
enum class Op : int { none = 0, transpose = 1 };

/// The pattern (a, b, c, d) of K itself (not of op(K)), as plain integers so
/// that the header needs no C++20.
struct KsShape {
  index_t a = 1, b = 1, c = 1, d = 1;
};

/// One problem Y = op(K) X on `batch` vectors.
struct KsProblem {
  KsShape k;
  Op op = Op::none;
  BatchLayout layout = BatchLayout::batch_last;
  index_t batch = 1;

  /// Rows of one block of op(K): b for K, c for K^T.
  WELLPOSED_HOST_DEVICE index_t out_per_block() const { return op == Op::none ? k.b : k.c; }
  /// Columns of one block of op(K): c for K, b for K^T.
  WELLPOSED_HOST_DEVICE index_t in_per_block() const { return op == Op::none ? k.c : k.b; }
  WELLPOSED_HOST_DEVICE index_t rows() const { return k.a * out_per_block() * k.d; }
  WELLPOSED_HOST_DEVICE index_t cols() const { return k.a * in_per_block() * k.d; }
};

/// Row (or column) of op(K) for block (alpha, delta) and in-block index r:
/// (alpha * per_block + r) * d + delta.
WELLPOSED_HOST_DEVICE index_t ks_line(index_t alpha, index_t r, index_t delta, index_t per_block,
                                      index_t d) {
  return (alpha * per_block + r) * d + delta;
}

/// Offset in the compact storage of entry (r, q) of block (alpha, delta) of
/// op(K). Storage is K's: block (alpha, delta) at (alpha d + delta) b c,
/// row-major b x c inside; for K^T entry (r, q) is K's (q, r).
WELLPOSED_HOST_DEVICE index_t ks_value_offset(const KsShape& k, Op op, index_t alpha, index_t delta,
                                              index_t r, index_t q) {
  const index_t base = (alpha * k.d + delta) * k.b * k.c;
  return op == Op::none ? base + r * k.c + q : base + q * k.c + r;
}

/// Offset of element (row j, vector s) of an nrows x batch operand.
WELLPOSED_HOST_DEVICE index_t ks_elem_offset(BatchLayout layout, index_t j, index_t s, index_t nrows,
                                             index_t batch) {
  return layout == BatchLayout::batch_last ? j * batch + s : s * nrows + j;
}

WELLPOSED_HOST_DEVICE index_t ks_ceil_div(index_t x, index_t y) { return (x + y - 1) / y; }
WELLPOSED_HOST_DEVICE index_t ks_pow2_ceil(index_t x) {
  index_t p = 1;
  while (p < x) p *= 2;
  return p;
}
WELLPOSED_HOST_DEVICE index_t ks_min(index_t x, index_t y) { return x < y ? x : y; }
WELLPOSED_HOST_DEVICE index_t ks_max(index_t x, index_t y) { return x < y ? y : x; }

// ---------------------------------------------------------------------------
// The single-kernel tiling (after Gonon et al. 2024, arXiv:2405.15013). A
// thread block owns one alpha, a range of td deltas, tb output rows per block
// and ts vectors; it walks the in-block index gamma in chunks of tk, staging
// X[(alpha c + gamma) d + delta, s] and the matching values in shared memory.
// Reads and writes go straight to the stride-d rows of X and Y: there is no
// permutation pass. Threads are (sl, dl, bt): vector, delta and row-group;
// each holds tbr accumulators for rows bt, bt + tbt, ..., so tb = tbt * tbr.
// ---------------------------------------------------------------------------
constexpr int ks_max_threads = 256;
constexpr int ks_max_reg_rows = 4;
constexpr int ks_max_tk = 8;

struct KsTile {
  int ts = 1, td = 1, tbt = 1, tbr = 1, tk = 1;
  WELLPOSED_HOST_DEVICE int threads() const { return ts * td * tbt; }
  WELLPOSED_HOST_DEVICE int tb() const { return tbt * tbr; }
  /// Shared-memory elements (of the accumulator type) for the X and value tiles.
  WELLPOSED_HOST_DEVICE index_t xs_elems() const { return index_t(tk) * td * ts; }
  WELLPOSED_HOST_DEVICE index_t vs_elems() const { return index_t(td) * tb() * tk; }
};

/// The tile rule, for any batch size (no table tuned to one batch):
///  - the unit-stride direction of the layout gets up to 32 threads so that a
///    warp reads 32 consecutive elements: vectors s for batch_last, deltas for
///    batch_first;
///  - the other of (delta, s) takes what is left of 256 threads;
///  - leftover threads (small d and small batch, e.g. a dense GEMV) go to
///    output rows, tbt groups of tbr <= 4 register rows with td * tbt <= 64,
///    which bounds shared memory by (8*256 + 64*4*8) elements (32 KB in f64);
///  - tk = min(8, pow2 >= in_per_block).
/// Every entry is a power of two or clipped to the problem, so tails are
/// handled by predicates, never by a second kernel.
WELLPOSED_HOST_DEVICE KsTile ks_choose_tile(const KsProblem& p) {
  KsTile t;
  const index_t pb = ks_pow2_ceil(p.batch < 1 ? 1 : p.batch);
  const index_t pd = ks_pow2_ceil(p.k.d);
  if (p.layout == BatchLayout::batch_last) {
    t.ts = int(ks_min(pb, 32));
    t.td = int(ks_min(pd, ks_max_threads / t.ts));
    t.ts = int(ks_min(pb, ks_max_threads / t.td));
  } else {
    t.td = int(ks_min(pd, 32));
    t.ts = int(ks_min(pb, ks_max_threads / t.td));
  }
  const index_t out = p.out_per_block();
  t.tbr = int(ks_min(out, ks_max_reg_rows));
  const index_t groups = ks_pow2_ceil(ks_ceil_div(out, t.tbr));
  const index_t room = ks_max_threads / (index_t(t.ts) * t.td);
  t.tbt = int(ks_max(1, ks_min(ks_min(room, 64 / t.td), groups)));
  t.tk = int(ks_min(ks_pow2_ceil(p.in_per_block()), ks_max_tk));
  return t;
}

/// Number of thread blocks along each tile direction.
struct KsGrid {
  index_t s_tiles = 1, d_tiles = 1, b_tiles = 1, a = 1;
  WELLPOSED_HOST_DEVICE index_t blocks() const { return s_tiles * d_tiles * b_tiles * a; }
};

WELLPOSED_HOST_DEVICE KsGrid ks_grid(const KsProblem& p, const KsTile& t) {
  KsGrid g;
  g.s_tiles = ks_ceil_div(p.batch, t.ts);
  g.d_tiles = ks_ceil_div(p.k.d, t.td);
  g.b_tiles = ks_ceil_div(p.out_per_block(), t.tb());
  g.a = p.k.a;
  return g;
}

/// Where thread block `block` starts: vector tiles vary fastest, then delta,
/// then output rows, then alpha.
struct KsBlockOrigin {
  index_t alpha = 0, delta0 = 0, beta0 = 0, s0 = 0;
};

WELLPOSED_HOST_DEVICE KsBlockOrigin ks_block_origin(const KsTile& t, const KsGrid& g, index_t block) {
  KsBlockOrigin o;
  o.s0 = (block % g.s_tiles) * t.ts;
  block /= g.s_tiles;
  o.delta0 = (block % g.d_tiles) * t.td;
  block /= g.d_tiles;
  o.beta0 = (block % g.b_tiles) * t.tb();
  o.alpha = block / g.b_tiles;
  return o;
}

/// A thread's (vector, delta, row-group) inside the tile; consecutive threads
/// move along the layout's unit-stride direction (coalesced stores).
struct KsThreadCoord {
  int sl = 0, dl = 0, bt = 0;
};

WELLPOSED_HOST_DEVICE KsThreadCoord ks_thread_coord(BatchLayout layout, const KsTile& t, int tid) {
  KsThreadCoord c;
  if (layout == BatchLayout::batch_last) {
    c.sl = tid % t.ts;
    c.dl = (tid / t.ts) % t.td;
  } else {
    c.dl = tid % t.td;
    c.sl = (tid / t.td) % t.ts;
  }
  c.bt = tid / (t.ts * t.td);
  return c;
}

/// Phase 1 of a gamma chunk [k0, k0 + tk): every thread copies its share of
/// the X tile xs[(kl td + dl) ts + sl] and of the value tile
/// vs[(dl tb + bl) tk + kl] into shared memory; out-of-range entries are 0 so
/// the accumulate phase needs no predicates. Load order follows unit stride:
/// (s, delta, gamma) for batch_last, (delta, gamma, s) for batch_first.
template <class T, class Acc>
WELLPOSED_HOST_DEVICE void ks_load_chunk(const KsProblem& p, const KsTile& t, const KsBlockOrigin& o,
                                         index_t k0, int tid, const T* values, const T* x, Acc* xs,
                                         Acc* vs) {
  const index_t in = p.in_per_block(), out = p.out_per_block(), n = p.cols();
  const index_t nt = t.threads();
  for (index_t e = tid; e < t.xs_elems(); e += nt) {
    index_t sl, dl, kl;
    if (p.layout == BatchLayout::batch_last) {
      sl = e % t.ts;
      dl = (e / t.ts) % t.td;
      kl = e / (index_t(t.ts) * t.td);
    } else {
      dl = e % t.td;
      kl = (e / t.td) % t.tk;
      sl = e / (index_t(t.td) * t.tk);
    }
    const index_t gamma = k0 + kl, delta = o.delta0 + dl, s = o.s0 + sl;
    Acc v = Acc(0);
    if (gamma < in && delta < p.k.d && s < p.batch)
      v = static_cast<Acc>(x[ks_elem_offset(p.layout, ks_line(o.alpha, gamma, delta, in, p.k.d), s, n, p.batch)]);
    xs[(kl * t.td + dl) * t.ts + sl] = v;
  }
  for (index_t e = tid; e < t.vs_elems(); e += nt) {
    const index_t kl = e % t.tk, bl = (e / t.tk) % t.tb(), dl = e / (index_t(t.tk) * t.tb());
    const index_t gamma = k0 + kl, delta = o.delta0 + dl, beta = o.beta0 + bl;
    Acc v = Acc(0);
    if (gamma < in && delta < p.k.d && beta < out)
      v = static_cast<Acc>(values[ks_value_offset(p.k, p.op, o.alpha, delta, beta, gamma)]);
    vs[e] = v;
  }
}

/// Phase 2: acc[r] += sum_kl vs[dl, bt + r tbt, kl] * xs[kl, dl, sl].
template <class Acc>
WELLPOSED_HOST_DEVICE void ks_accumulate_chunk(const KsTile& t, const KsThreadCoord& c, const Acc* xs,
                                               const Acc* vs, Acc* acc) {
  for (int kl = 0; kl < t.tk; ++kl) {
    const Acc xv = xs[(kl * t.td + c.dl) * t.ts + c.sl];
    // Fixed trip count + guard: nvcc unrolls it and keeps acc in registers.
    for (int r = 0; r < ks_max_reg_rows; ++r) {
      if (r < t.tbr) acc[r] += vs[(c.dl * t.tb() + c.bt + r * t.tbt) * t.tk + kl] * xv;
    }
  }
}

/// Phase 3: write the thread's accumulators to Y (predicated on the tails).
template <class T, class Acc>
WELLPOSED_HOST_DEVICE void ks_store(const KsProblem& p, const KsTile& t, const KsBlockOrigin& o,
                                    const KsThreadCoord& c, const Acc* acc, T* y) {
  const index_t delta = o.delta0 + c.dl, s = o.s0 + c.sl;
  if (delta >= p.k.d || s >= p.batch) return;
  const index_t out = p.out_per_block(), m = p.rows();
  for (int r = 0; r < t.tbr; ++r) {
    const index_t beta = o.beta0 + c.bt + index_t(r) * t.tbt;
    if (beta < out) y[ks_elem_offset(p.layout, ks_line(o.alpha, beta, delta, out, p.k.d), s, m, p.batch)] = static_cast<T>(acc[r]);
  }
}

}  // namespace wellposed::gpu
