#pragma once
// Internal pieces of the hierarchical factorization (hierarchical.hpp),
// shared by its four translation units:
//   hierarchical.cpp              driver: Algorithms 7 / 8, split orders
//   hierarchical_split.cpp        classes of a pair (Lemma 6.4.1) and the gathered split (Algorithm 5)
//   hierarchical_stream.cpp       the streamed split of peel orders (no gathering copies)
//   hierarchical_orthonormalize.cpp  Algorithm 9 and the class spectral bounds (Lemmas 6.5.1-6.5.4)
//   hierarchical_enclosure.cpp    split errors E_s (6.54), uncovered mass, the final enclosure
#ifdef __linux__
#include <sys/mman.h>
#endif
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "block_kernels.hpp"
#include "wellposed/numeric/hierarchical.hpp"

namespace wellposed::numeric::hier {

constexpr double inf = std::numeric_limits<double>::infinity();

// WELLPOSED_NUMERIC_TRACE=1: per-phase wall times of factorize_hierarchical on
// stderr (profiling aid for the 8192^2 target of issue 5; off by default).
struct PhaseTimer {
  bool on = std::getenv("WELLPOSED_NUMERIC_TRACE") != nullptr;
  std::chrono::steady_clock::time_point t = std::chrono::steady_clock::now();
  std::clock_t c = std::clock();  // process CPU time (all threads): the machine is shared
  void lap(const char* what, std::size_t step) {
    if (!on) return;
    const auto n = std::chrono::steady_clock::now();
    const std::clock_t cn = std::clock();
    std::fprintf(stderr, "[numeric] step %zu %-12s %8.4f s wall %8.4f s cpu\n", step, what, std::chrono::duration<double>(n - t).count(),
                 static_cast<double>(cn - c) / CLOCKS_PER_SEC);
    t = n;
    c = cn;
  }
};

// --- classes of a q-chainable pair (Lemma 6.4.1) ----------------------------
// Inner index k (a column of S_L, a row of S_R) has rank-one support
// R_k x C_k with R_k = {alpha1 b1 d1 + beta d1 + delta1 : beta < b1} and
// C_k = {alpha2 c2 d2 + gamma d2 + delta2 : gamma < c2}, where (alpha1, delta1)
// come from k as a column of S_L and (alpha2, delta2) from k as a row of S_R.
// k ~ l iff the four numbers agree; Lemma 6.4.1: every class has q members.
struct ClassList {
  KPattern L, R;
  std::size_t q = 0, count = 0;
  std::vector<std::size_t> inner;                  // count * q, class c at [c q, c q + q)
  std::vector<std::array<std::size_t, 4>> key;     // alpha1, delta1, alpha2, delta2
  std::size_t row(std::size_t c, std::size_t beta) const {
    return key[c][0] * L.b * L.d + beta * L.d + key[c][1];
  }
  std::size_t col(std::size_t c, std::size_t gam) const {
    return key[c][2] * R.c * R.d + gam * R.d + key[c][3];
  }
};

ClassList enumerate_classes(const KPattern& L, const KPattern& R, std::size_t q);

// Read access to a node: the dense root A (column-major) or a KFactor. S =
// double or Complex: the general (gathered) path below is one implementation
// for both; the streamed and closed-form fast paths are double-only.
template <class S>
struct SourceT {
  const S* data = nullptr;
  bool dense = false;
  std::size_t m = 0;
  KPattern t;
  std::size_t row(std::size_t i) const {
    if (dense) return i;
    const std::size_t al = i / (t.b * t.d), be = (i / t.d) % t.b, de = i % t.d;
    return (al * t.b + be) * t.c * t.d + de;
  }
  std::size_t col(std::size_t j) const { return dense ? j * m : ((j / t.d) % t.c) * t.d; }
};
using Source = SourceT<double>;

struct SplitOutput {
  ResidualAccumulator acc;
  Interval tail{0.0, 0.0};
  bool nonfinite = false;  ///< some class had a non-finite Gram trace (stream_root_split)
};

// KFactor storage offset split as offset(i, j) = row_part(i) + col_part(j)
// for (i, j) in S_t (the layout of kronecker_factor.hpp).
inline std::size_t row_part(const KPattern& t, std::size_t i) {
  const std::size_t al = i / (t.b * t.d), be = (i / t.d) % t.b, de = i % t.d;
  return (al * t.b + be) * t.c * t.d + de;
}
inline std::size_t col_part(const KPattern& t, std::size_t j) { return ((j / t.d) % t.c) * t.d; }

// Streaming split (no gathering copies) for the pairs of a "peel from the
// right" order (split_order_peel) with q = 1: L = (1, b1, c1, d1),
// R = (a2, nres, c2, D), c1 = a2, d1 = nres D, the node being
//  - the column-major dense root (D = 1): the class (alpha2, residue rho) is the
//    block of rows {beta nres + rho : beta < b1} and the c2 contiguous columns
//    alpha2 c2 + [0, c2);
//  - a KFactor node t = (1, b1 nres, a2 c2, D) (the left node of the previous
//    peel split): the class (alpha2, rho, delta) is the block of rows
//    {(beta nres + rho) D + delta} and columns {(alpha2 c2 + j) D + delta} of
//    the node, i.e. lane delta of the node rows beta nres + rho.
// Either way a group alpha2 holds d1 = nres D classes whose entries (beta, j)
// sit at base + alpha2 GS + beta RS + blk BS + j CS + w for the lane
// l = blk W + w (W contiguous lanes per block), so the group is read in the
// node's own layout in two passes:
//  1. the c2 x c2 Gram matrix of every class, the classes as vector lanes;
//  2. per class the top eigenvector v of its Gram matrix (Jacobi on all lanes
//     at once, jacobi_lanes8) gives H = B v (scaled by the balance) and K = v^T
//     (inverse scale), written straight into the node storage: H at
//     (beta c1 + alpha2) d1 + l of L, K at ((alpha2 nres + rho) c2 + j) D + delta
//     of R (the KFactor layout); ||B - H K||_F is accumulated from the stored
//     doubles in the same pass (inner-product bound with 2 terms, as everywhere).
// The certificate tau_1(B)^2 comes from the Gram matrix
// (detail::certified_tail_from_gram, rigorous for any computed eigenvectors).
// The result does not depend on which path (this one or run_split's gathered
// per-class path) is taken, up to rounding and the sign of v
// (HierarchicalOptions::stream_splits, tested against each other).
struct StreamLayout {
  const double* base = nullptr;
  std::size_t b1 = 0, c2 = 0, groups = 0, nres = 0, D = 0, W = 0, nblk = 0;
  std::size_t GS = 0, RS = 0, BS = 0, CS = 0;
  std::size_t c1 = 0, d1 = 0;
};

std::optional<StreamLayout> stream_layout(const Source& src, const KPattern& L, const KPattern& R, std::size_t q);
SplitOutput stream_split(const StreamLayout& s, detail::Balance balance, bool certify, KFactor& outL, KFactor& outR);

// Algorithm 5 on one node with the pair (L, R): one truncated SVD per class.
// Memory layout: classes are enumerated with delta1 innermost, so consecutive
// classes with the same (alpha2, delta2) share their columns C_P and have
// adjacent rows R_P; a tile of up to 4 of them is gathered column by column
// (contiguous reads in both the column-major root and a KFactor node) into
// contiguous row-major blocks. Index arithmetic (divisions) is done once per
// row / column of a tile, never per entry. 2 x c blocks with q = 1 (every
// split of a square dyadic chain in left-to-right order) use the closed-form
// kernel two_row_rank_one; large blocks gram_truncated_block (see run_split),
// other shapes the Jacobi SVD of truncated_block.
template <class S>
SplitOutput run_split(const SourceT<S>& src, const KPattern& L, const KPattern& R, std::size_t q, detail::Balance balance,
                      bool certify, BasicKFactor<S>* outL, BasicKFactor<S>* outR, bool stream = true,
                      bool partial = true);

/// ||A o (1 - S_theta)||_F^2 for the dense root.
template <class S>
Interval uncovered_sq(const MatrixT<S>& A, const KPattern& t);

inline KPattern interval_pattern(const KChain& chain, std::size_t l, std::size_t r) {
  return chain_product(KChain(chain.begin() + static_cast<std::ptrdiff_t>(l), chain.begin() + static_cast<std::ptrdiff_t>(r) + 1));
}

// max_P ||node[R_P, P]||_2 (node on the left of the pair) or max_P ||node[P, C_P]||_2
// (node on the right): by disjointness of the class blocks (Lemma 6.4.1),
// ||node * Y||_F <= mu ||Y||_F for every Y supported on S_other, and likewise
// ||Y * node||_F <= mu ||Y||_F (the isometry argument of Lemma 6.5.3, with
// the orthonormality defect of the computed factors made explicit).
template <class S>
double class_spectral_bound(const BasicKFactor<S>& node, const KPattern& other, bool node_is_left);

// Algorithm 9 with the certified size of the change ||X Y - X~ Y~||_F
// (complex: Q^H in place of Q^T, the unitary version of Lemmas 6.5.1 / 6.5.4).
template <class S>
std::pair<BasicKFactor<S>, BasicKFactor<S>> orthonormalize_impl(const BasicKFactor<S>& X, const BasicKFactor<S>& Y, bool column,
                                                                ResidualAccumulator* acc);

template <class S>
struct Node {
  std::size_t l = 0, r = 0;  // 0-based, inclusive
  KPattern theta;
  BasicKFactor<S> f;
  bool is_root = false;
  bool col_orth = false, row_orth = false;
  /// class_spectral_bound(f, other, left) already computed for this f (cleared when f changes).
  std::vector<std::tuple<KPattern, bool, double>> mu_cache;
};

template <class S>
double cached_spectral_bound(Node<S>& nd, const KPattern& other, bool node_is_left) {
  for (const auto& [o, left, mu] : nd.mu_cache)
    if (left == node_is_left && o == other) return mu;
  const double mu = class_spectral_bound(nd.f, other, node_is_left);
  nd.mu_cache.emplace_back(other, node_is_left, mu);
  return mu;
}

void validate_chain(const KChain& chain);

inline double mul_up(double a, double b) { return round_up(a * b); }

// The zero factor on S_t. Its storage is reserved before it is touched so that,
// on Linux, the kernel can back it with transparent huge pages (a 8192 x 8192
// butterfly allocates about |A| of fresh node storage; with 4 KiB pages the
// first-touch page faults cost several passes over A).
template <class S>
inline BasicKFactor<S> zero_factor(const KPattern& t) {
  BasicKFactor<S> f;
  f.theta = t;
  const std::size_t n = t.nnz();
  f.values.reserve(n);
#ifdef __linux__
  const std::size_t bytes = n * sizeof(S);
  if (bytes >= (std::size_t{4} << 20)) {
    const auto p = reinterpret_cast<std::uintptr_t>(f.values.data());
    const std::uintptr_t page = 4096, lo = (p + page - 1) / page * page, hi = (p + bytes) / page * page;
    if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // advisory: failure is harmless
  }
#endif
  f.values.resize(n);
  return f;
}

/// E_s(A) by (6.54), see split_error in hierarchical.hpp.
template <class Sc>
Interval split_error_impl(const MatrixT<Sc>& A, const KChain& chain, std::size_t s);

}  // namespace wellposed::numeric::hier
