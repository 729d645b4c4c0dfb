#include "wellposed/numeric/hierarchical.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <tuple>

#ifdef __linux__
#include <sys/mman.h>
#endif
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <stdexcept>
#include <type_traits>

#include <Eigen/QR>

#include "block_kernels.hpp"

namespace wellposed::numeric {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// WELLPOSED_NUMERIC_TRACE=1: per-phase wall times of factorize_hierarchical on
// stderr (profiling aid for the 8192^2 target of issue 5; off by default).
struct PhaseTimer {
  bool on = std::getenv("WELLPOSED_NUMERIC_TRACE") != nullptr;
  std::chrono::steady_clock::time_point t = std::chrono::steady_clock::now();
  void lap(const char* what, std::size_t step) {
    if (!on) return;
    const auto n = std::chrono::steady_clock::now();
    std::fprintf(stderr, "[numeric] step %zu %-12s %8.4f s\n", step, what, std::chrono::duration<double>(n - t).count());
    t = n;
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

ClassList enumerate_classes(const KPattern& L, const KPattern& R, std::size_t q) {
  ClassList cl;
  cl.L = L;
  cl.R = R;
  cl.q = q;
  const std::size_t r = L.a * L.c * L.d;
  std::vector<std::pair<std::size_t, std::size_t>> keyed(r);
  for (std::size_t k = 0; k < r; ++k) {
    const std::size_t a1 = k / (L.c * L.d), d1 = k % L.d, a2 = k / (R.b * R.d), d2 = k % R.d;
    keyed[k] = {((a1 * R.a + a2) * R.d + d2) * L.d + d1, k};  // delta1 innermost: see run_split
  }
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t u = 0; u < r;) {
    std::size_t v = u;
    while (v < r && keyed[v].first == keyed[u].first) ++v;
    if (v - u != q) {
      std::ostringstream os;
      os << "internal error: class of size " << v - u << " != q = " << q << " for the pair " << L.to_string() << ", "
         << R.to_string() << " (Lemma 6.4.1)";
      throw std::logic_error(os.str());
    }
    const std::size_t k = keyed[u].second;
    cl.key.push_back({k / (L.c * L.d), k % L.d, k / (R.b * R.d), k % R.d});
    for (std::size_t w = u; w < v; ++w) cl.inner.push_back(keyed[w].second);
    u = v;
  }
  cl.count = cl.key.size();
  return cl;
}

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
std::size_t row_part(const KPattern& t, std::size_t i) {
  const std::size_t al = i / (t.b * t.d), be = (i / t.d) % t.b, de = i % t.d;
  return (al * t.b + be) * t.c * t.d + de;
}
std::size_t col_part(const KPattern& t, std::size_t j) { return ((j / t.d) % t.c) * t.d; }

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
// Streaming first split of a column-major dense root for the pair
// L = (1, b1, c1, d1), R = (a2, d1, c2, 1) with q = 1 (c1 = a2): the class
// (delta1, alpha2) is the block of rows {beta d1 + delta1 : beta < b1} and the
// c2 contiguous columns alpha2 c2 + [0, c2). One group of c2 columns holds the
// d1 classes of that alpha2 as its row residues mod d1, so the group is read in
// A's own layout (no gathering copy) in two passes:
//  1. the c2 x c2 Gram matrix of every class, the d1 classes as vector lanes;
//  2. per class the top eigenvector v of its Gram matrix gives H = B v (scaled
//     by the balance) and K = v^T (inverse scale), written straight into the
//     node storage, and ||B - H K||_F is accumulated from the stored doubles in
//     the same pass (inner-product bound with 2 terms, as everywhere else).
// The certificate tau_1(B)^2 comes from the Gram matrix
// (detail::certified_tail_from_gram, rigorous for any computed eigenvectors).
// This is the first split of a "peel from the right" order (split_order_peel):
// c2 = d1 = 2^k for the square dyadic chain, O(c2 / 2) flops per entry of A.
bool streamable_root_split(const Source& src, const KPattern& L, const KPattern& R, std::size_t q, const KFactor* outL) {
  return src.dense && outL && q == 1 && L.a == 1 && R.d == 1 && R.c <= 32 && R.b == L.d && L.c == R.a && L.b >= R.c &&
         L.b * L.d == src.m;
}

// The two passes of stream_root_split over one group of c2 columns (col0, leading
// dimension m), the d1 row residues as lanes. Compiled twice (AVX2+FMA and
// baseline, chosen at load time): fma contraction is covered by the rounding
// model of interval.hpp. Lanes of 8 (the peel-3 order) get a fixed-size loop.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define WELLPOSED_CLONES __attribute__((target_clones("avx2,fma", "default")))
#else
#define WELLPOSED_CLONES
#endif

template <std::size_t D>
inline void gram_pass_fixed(const double* col0, std::size_t m, std::size_t b1, std::size_t c2, double* __restrict gram) {
  for (std::size_t be = 0; be < b1; ++be) {
    const std::size_t off = be * D;
    for (std::size_t j = 0; j < c2; ++j) {
      const double* __restrict aj = col0 + j * m + off;
      double* __restrict g = gram + j * (j + 1) / 2 * D;
      for (std::size_t l = 0; l <= j; ++l) {
        const double* __restrict al = col0 + l * m + off;
        for (std::size_t de = 0; de < D; ++de) g[l * D + de] += aj[de] * al[de];
      }
    }
  }
}

WELLPOSED_CLONES void gram_pass(const double* col0, std::size_t m, std::size_t b1, std::size_t d1, std::size_t c2, double* gram) {
  const std::size_t np = c2 * (c2 + 1) / 2;
  std::fill(gram, gram + np * d1, 0.0);
  if (d1 == 8) return gram_pass_fixed<8>(col0, m, b1, c2, gram);
  if (d1 == 16) return gram_pass_fixed<16>(col0, m, b1, c2, gram);
  if (d1 == 4) return gram_pass_fixed<4>(col0, m, b1, c2, gram);
  for (std::size_t be = 0; be < b1; ++be) {
    const std::size_t off = be * d1;
    for (std::size_t j = 0; j < c2; ++j) {
      const double* aj = col0 + j * m + off;
      for (std::size_t l = 0; l <= j; ++l) {
        const double* al = col0 + l * m + off;
        double* g = gram + (j * (j + 1) / 2 + l) * d1;
        for (std::size_t de = 0; de < d1; ++de) g[de] += aj[de] * al[de];
      }
    }
  }
}

// h = (B v) hs per lane into L at ((beta c1 + alpha2) d1 + delta1); the stored
// K is kst (c2 x d1, lane-minor), v = kst hs; residual sums from the stored doubles.
template <std::size_t D>
inline void factor_pass_fixed(const double* col0, std::size_t m, std::size_t b1, std::size_t c2, std::size_t c1, std::size_t a2,
                              const double* __restrict kst, const double* __restrict hsc, double* __restrict outL,
                              double* __restrict ss, double* __restrict ww) {
  double hrow[D], s1[D] = {}, s2[D] = {};
  for (std::size_t be = 0; be < b1; ++be) {
    const std::size_t off = be * D;
    for (std::size_t de = 0; de < D; ++de) hrow[de] = 0.0;
    for (std::size_t j = 0; j < c2; ++j) {
      const double* __restrict aj = col0 + j * m + off;
      const double* __restrict kj = kst + j * D;
      for (std::size_t de = 0; de < D; ++de) hrow[de] += aj[de] * (kj[de] * hsc[de]);
    }
    double* __restrict hd = outL + (be * c1 + a2) * D;
    for (std::size_t de = 0; de < D; ++de) {
      hrow[de] *= hsc[de];
      hd[de] = hrow[de];
    }
    for (std::size_t j = 0; j < c2; ++j) {
      const double* __restrict aj = col0 + j * m + off;
      const double* __restrict kj = kst + j * D;
      for (std::size_t de = 0; de < D; ++de) {
        const double p = hrow[de] * kj[de];
        const double dv = aj[de] - p, wv = std::abs(aj[de]) + std::abs(p);
        s1[de] += dv * dv;
        s2[de] += wv * wv;
      }
    }
  }
  for (std::size_t de = 0; de < D; ++de) {
    ss[de] = s1[de];
    ww[de] = s2[de];
  }
}

WELLPOSED_CLONES void factor_pass(const double* col0, std::size_t m, std::size_t b1, std::size_t d1, std::size_t c2, std::size_t c1,
                                  std::size_t a2, const double* kst, const double* hsc, double* outL, double* ss, double* ww) {
  if (d1 == 8) return factor_pass_fixed<8>(col0, m, b1, c2, c1, a2, kst, hsc, outL, ss, ww);
  if (d1 == 16) return factor_pass_fixed<16>(col0, m, b1, c2, c1, a2, kst, hsc, outL, ss, ww);
  if (d1 == 4) return factor_pass_fixed<4>(col0, m, b1, c2, c1, a2, kst, hsc, outL, ss, ww);
  std::vector<double> hrow(d1);
  std::fill(ss, ss + d1, 0.0);
  std::fill(ww, ww + d1, 0.0);
  for (std::size_t be = 0; be < b1; ++be) {
    const std::size_t off = be * d1;
    std::fill(hrow.begin(), hrow.end(), 0.0);
    for (std::size_t j = 0; j < c2; ++j) {
      const double* aj = col0 + j * m + off;
      const double* kj = kst + j * d1;
      for (std::size_t de = 0; de < d1; ++de) hrow[de] += aj[de] * (kj[de] * hsc[de]);
    }
    double* hd = outL + (be * c1 + a2) * d1;
    for (std::size_t de = 0; de < d1; ++de) {
      hrow[de] *= hsc[de];
      hd[de] = hrow[de];
    }
    for (std::size_t j = 0; j < c2; ++j) {
      const double* aj = col0 + j * m + off;
      const double* kj = kst + j * d1;
      for (std::size_t de = 0; de < d1; ++de) {
        const double p = hrow[de] * kj[de];
        const double dv = aj[de] - p, wv = std::abs(aj[de]) + std::abs(p);
        ss[de] += dv * dv;
        ww[de] += wv * wv;
      }
    }
  }
}

SplitOutput stream_root_split(const Source& src, const KPattern& L, const KPattern& R, detail::Balance balance, bool certify,
                              KFactor& outL, KFactor& outR) {
  const std::size_t b1 = L.b, d1 = L.d, c2 = R.c, groups = R.a, m = src.m;
  const std::size_t c1 = L.c;
  SplitOutput total;
  const auto ng = static_cast<std::ptrdiff_t>(groups);
  const std::size_t npairs = c2 * (c2 + 1) / 2;
#pragma omp parallel if (groups * b1 * d1 * c2 >= (std::size_t{1} << 18))
  {
    SplitOutput local;
    std::vector<double> gram(npairs * d1), vk(c2 * d1), hsc(d1), ss(d1), ww(d1);
    detail::GramWorkspace ws;
    Matrix G(static_cast<Eigen::Index>(c2), static_cast<Eigen::Index>(c2)), Vd;
#pragma omp for schedule(static)
    for (std::ptrdiff_t gi = 0; gi < ng; ++gi) {
      const auto a2 = static_cast<std::size_t>(gi);
      const double* col0 = src.data + a2 * c2 * m;
      // Pass 1: Gram matrices, lower triangle, pair (j, l) with l <= j at j (j + 1) / 2 + l.
      gram_pass(col0, m, b1, d1, c2, gram.data());
      // Eigen-solves: v per class, scale by the balance (tall block: v is the right singular vector).
      for (std::size_t de = 0; de < d1; ++de) {
        for (std::size_t j = 0; j < c2; ++j)
          for (std::size_t l = 0; l <= j; ++l) {
            const double g = gram[(j * (j + 1) / 2 + l) * d1 + de];
            G(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(l)) = g;
            G(static_cast<Eigen::Index>(l), static_cast<Eigen::Index>(j)) = g;
          }
        double tr = 0.0;
        for (std::size_t j = 0; j < c2; ++j) tr += G(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j));
        const Interval bnorm_sq = nonneg_sum_enclosure(tr, b1 * c2);
        double hs = 0.0;
        if (std::isfinite(tr) && tr > 0.0) {
          ws.eig.compute(G, Eigen::ComputeEigenvectors);
          const Matrix& V = ws.eig.eigenvectors();
          const auto top = static_cast<Eigen::Index>(c2) - 1;
          const double sv = std::sqrt(std::max(ws.eig.eigenvalues()(top), 0.0));  // ~ sigma_1 = ||B v||
          switch (balance) {
            case detail::Balance::left_orthonormal: hs = 1.0 / sv; break;
            case detail::Balance::right_orthonormal: hs = 1.0; break;
            case detail::Balance::sqrt_sigma: hs = 1.0 / std::sqrt(sv); break;
          }
          if (!(sv > 0.0) || !std::isfinite(hs)) hs = 0.0;
          for (std::size_t j = 0; j < c2; ++j) vk[j * d1 + de] = V(static_cast<Eigen::Index>(j), top);
          if (certify) {
            Vd = V.rowwise().reverse();
            const Interval t = detail::certified_tail_from_gram(c2, b1, 1, bnorm_sq, G, Vd, ws);
            local.tail = local.tail + t;
          }
        } else {
          if (!std::isfinite(tr)) local.nonfinite = true;
          for (std::size_t j = 0; j < c2; ++j) vk[j * d1 + de] = 0.0;
          if (certify) local.tail = local.tail + Interval{0.0, bnorm_sq.hi};
        }
        hsc[de] = hs;
        // K = v^T / hs, stored in R at ((alpha2 d1 + delta1) c2 + gamma).
        double* kd = outR.values.data() + (a2 * d1 + de) * c2;
        for (std::size_t j = 0; j < c2; ++j) {
          const double v = vk[j * d1 + de];
          kd[j] = hs > 0.0 ? v / hs : 0.0;
        }
      }
      // vk now holds the unscaled v; the stored K (what the residual must use) per lane:
      for (std::size_t j = 0; j < c2; ++j)
        for (std::size_t de = 0; de < d1; ++de) vk[j * d1 + de] = outR.values[(a2 * d1 + de) * c2 + j];
      // Pass 2: H = B v hs into L at ((beta c1 + alpha2) d1 + delta1), residual from the stored doubles.
      factor_pass(col0, m, b1, d1, c2, c1, a2, vk.data(), hsc.data(), outL.values.data(), ss.data(), ww.data());
      for (std::size_t de = 0; de < d1; ++de) {
        local.acc.ss += ss[de];
        local.acc.ww += ww[de];
      }
      local.acc.count += b1 * c2 * d1;
      local.acc.terms = std::max<std::size_t>(local.acc.terms, 2);
    }
#pragma omp critical
    {
      total.acc.merge(local.acc);
      total.tail = total.tail + local.tail;
      total.nonfinite = total.nonfinite || local.nonfinite;
    }
  }
  return total;
}

template <class S>
SplitOutput run_split(const SourceT<S>& src, const KPattern& L, const KPattern& R, std::size_t q, detail::Balance balance,
                      bool certify, BasicKFactor<S>* outL, BasicKFactor<S>* outR) {
  constexpr bool real = std::is_same_v<S, double>;  // complex blocks: Jacobi SVD path only
  const ClassList cl = enumerate_classes(L, R, q);
  if constexpr (real)
    if (streamable_root_split(src, L, R, q, outL)) return stream_root_split(src, L, R, balance, certify, *outL, *outR);
  const std::size_t b1 = L.b, c2 = R.c, blk = b1 * c2;
  const bool fast = real && b1 == 2 && q == 1 && balance != detail::Balance::right_orthonormal;
  // Large tall / wide blocks: Gram matrix of the small side + small eigen-solve
  // (cost b1 c2 min(b1, c2) instead of a Jacobi SVD); small blocks keep the
  // Jacobi SVD (accuracy u kappa instead of u kappa^2 on exact products).
  // Blocks whose small side exceeds 32 always take the Gram path: Eigen's
  // two-sided Jacobi SVD of a k x k block costs many sweeps of O(k^3) (measured
  // about 4 ms per 64 x 64 block against 0.4 ms for Gram + eigen-solve +
  // certificate), which made the first split of the balanced order (64 x 64
  // rank-1 blocks at n = 4096) cost thousands of passes over A (issue 5). The
  // certified quantities (residual from the stored doubles,
  // certified_tail_from_gram) do not depend on which path is taken.
  const std::size_t small = std::min(b1, c2), large = std::max(b1, c2);
  const bool gram = real && !fast && (small > 32 || ((large >= 8 * small && blk >= 256) || cl.count * blk >= (std::size_t{1} << 20)));
  const std::size_t T = std::clamp<std::size_t>((std::size_t{1} << 16) / std::max<std::size_t>(blk, 1), 1, 4);
  std::vector<std::size_t> tile_begin;
  for (std::size_t c = 0; c < cl.count;) {
    tile_begin.push_back(c);
    std::size_t e = c + 1;
    while (e < cl.count && e - c < T && cl.key[e][2] == cl.key[c][2] && cl.key[e][3] == cl.key[c][3]) ++e;
    c = e;
  }
  tile_begin.push_back(cl.count);
  const auto tiles = static_cast<std::ptrdiff_t>(tile_begin.size()) - 1;
  SplitOutput total;
  // A parallel region costs a wake-up of the other thread (milliseconds when
  // the cores are shared): only for splits with real work.
  const bool par = cl.count * blk >= (std::size_t{1} << 18);
#pragma omp parallel if (par)
  {
    SplitOutput local;
    std::vector<S> buf(T * blk);
    std::vector<double> kbuf(c2), scratch(c2);
    std::vector<std::size_t> rp(T * b1), cp(c2), rcol(c2);
    std::size_t have_a2 = std::numeric_limits<std::size_t>::max(), have_d2 = have_a2;
    MatrixT<S> B(static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(c2)), H, K;
    detail::GramWorkspace ws;
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t ti = 0; ti < tiles; ++ti) {
      const std::size_t c0 = tile_begin[static_cast<std::size_t>(ti)], nt = tile_begin[static_cast<std::size_t>(ti) + 1] - c0;
      if (cl.key[c0][2] != have_a2 || cl.key[c0][3] != have_d2) {
        for (std::size_t ga = 0; ga < c2; ++ga) {
          const std::size_t j = cl.col(c0, ga);
          cp[ga] = src.col(j);
          if (outR) rcol[ga] = col_part(R, j);
        }
        have_a2 = cl.key[c0][2];
        have_d2 = cl.key[c0][3];
      }
      for (std::size_t t = 0; t < nt; ++t)
        for (std::size_t be = 0; be < b1; ++be) rp[t * b1 + be] = src.row(cl.row(c0 + t, be));
      const std::size_t nr = nt * b1;
      for (std::size_t ga = 0; ga < c2; ++ga) {
        const S* col = src.data + cp[ga];
        for (std::size_t u = 0; u < nr; ++u) buf[u * c2 + ga] = col[rp[u]];
      }
      for (std::size_t t = 0; t < nt; ++t) {
        const std::size_t c = c0 + t;
        const S* bp = buf.data() + t * blk;
        Interval tail;
        // Writes the class's H (b1 x q) and K (q x c2) into the two factors.
        const auto store = [&](const auto& Hs, const auto& Ks) {
          if (outL)
            for (std::size_t u = 0; u < q; ++u) {
              const std::size_t k = cl.inner[c * q + u];
              const std::size_t lc = col_part(L, k), rb = row_part(R, k);
              for (std::size_t be = 0; be < b1; ++be)
                outL->values[row_part(L, cl.row(c, be)) + lc] = Hs(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u));
              for (std::size_t ga = 0; ga < c2; ++ga)
                outR->values[rb + rcol[ga]] = Ks(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga));
            }
        };
        bool done = false;
        if constexpr (real) {
          if (fast) {
          double h[2];
          detail::two_row_rank_one(bp, bp + c2, c2, balance, h, kbuf.data(), scratch.data(), local.acc,
                                   certify ? &tail : nullptr);
          if (outL) {
            const std::size_t k = cl.inner[c];
            const std::size_t lc = col_part(L, k), rb = row_part(R, k);
            for (std::size_t be = 0; be < 2; ++be) outL->values[row_part(L, cl.row(c, be)) + lc] = h[be];
            double* dst = outR->values.data() + rb;
            for (std::size_t ga = 0; ga < c2; ++ga) dst[rcol[ga]] = kbuf[ga];
          }
          done = true;
          } else if (gram) {
            detail::gram_truncated_block(bp, b1, c2, q, balance, ws, local.acc, certify ? &tail : nullptr);
            store(ws.H, ws.K);
            done = true;
          }
        }
        if (!done) {
          B = Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
              bp, static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(c2));
          detail::truncated_block(B, q, balance, H, K, local.acc, certify ? &tail : nullptr);
          store(H, K);
        }
        if (certify) local.tail = local.tail + tail;
      }
    }
#pragma omp critical
    {
      total.acc.merge(local.acc);
      total.tail = total.tail + local.tail;
    }
  }
  return total;
}

// ||A o (1 - S_theta)||_F^2 for the dense root.
template <class S>
Interval uncovered_sq(const MatrixT<S>& A, const KPattern& t) {
  if (t.a == 1 && t.d == 1) return {0.0, 0.0};
  const KFactor probe(KPattern{t.a, t.b, t.c, t.d});
  double s = 0.0;
  std::size_t n = 0;
  for (Eigen::Index j = 0; j < A.cols(); ++j)
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      if (!probe.in_support(static_cast<std::size_t>(i), static_cast<std::size_t>(j))) {
        s += Eigen::numext::abs2(A(i, j));
        ++n;
      }
  return nonneg_sum_enclosure(s, square_terms<S>(std::max<std::size_t>(n, 1)));
}

KPattern interval_pattern(const KChain& chain, std::size_t l, std::size_t r) {
  return chain_product(KChain(chain.begin() + static_cast<std::ptrdiff_t>(l), chain.begin() + static_cast<std::ptrdiff_t>(r) + 1));
}

// max_P ||node[R_P, P]||_2 (node on the left of the pair) or max_P ||node[P, C_P]||_2
// (node on the right): by disjointness of the class blocks (Lemma 6.4.1),
// ||node * Y||_F <= mu ||Y||_F for every Y supported on S_other, and likewise
// ||Y * node||_F <= mu ||Y||_F (the isometry argument of Lemma 6.5.3, with
// the orthonormality defect of the computed factors made explicit).
template <class S>
double class_spectral_bound(const BasicKFactor<S>& node, const KPattern& other, bool node_is_left) {
  const KPattern L = node_is_left ? node.theta : other, R = node_is_left ? other : node.theta;
  const auto q = chainable(L, R);
  if (!q) throw std::logic_error("internal error: neighbour pair not chainable (Lemma 6.4.2)");
  const ClassList cl = enumerate_classes(L, R, *q);
  double mu = 0.0;
  const auto count = static_cast<std::ptrdiff_t>(cl.count);
#pragma omp parallel reduction(max : mu) if (cl.count * cl.q * (node_is_left ? L.b : R.c) >= (std::size_t{1} << 18))
  {
  MatrixT<S> M;
#pragma omp for schedule(static)
  for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
    const auto c = static_cast<std::size_t>(ci);
    if (node_is_left) {
      M.resize(static_cast<Eigen::Index>(L.b), static_cast<Eigen::Index>(cl.q));
      for (std::size_t u = 0; u < cl.q; ++u)
        for (std::size_t be = 0; be < L.b; ++be)
          M(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u)) = node.values[node.offset(cl.row(c, be), cl.inner[c * cl.q + u])];
    } else {
      M.resize(static_cast<Eigen::Index>(cl.q), static_cast<Eigen::Index>(R.c));
      for (std::size_t ga = 0; ga < R.c; ++ga)
        for (std::size_t u = 0; u < cl.q; ++u)
          M(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga)) = node.values[node.offset(cl.inner[c * cl.q + u], cl.col(c, ga))];
    }
    mu = std::max(mu, detail::spectral_norm_upper(M));
  }
  }
  return mu;
}

// Algorithm 9 with the certified size of the change ||X Y - X~ Y~||_F
// (complex: Q^H in place of Q^T, the unitary version of Lemmas 6.5.1 / 6.5.4).
template <class S>
std::pair<BasicKFactor<S>, BasicKFactor<S>> orthonormalize_impl(const BasicKFactor<S>& X, const BasicKFactor<S>& Y, bool column,
                                                                ResidualAccumulator* acc) {
  using Matrix = MatrixT<S>;
  const auto q = chainable(X.theta, Y.theta);
  if (!q) throw std::invalid_argument("orthonormalize_pair: " + X.theta.to_string() + ", " + Y.theta.to_string() + " is not chainable");
  if (redundant(X.theta, Y.theta))
    throw std::invalid_argument("orthonormalize_pair: the pair " + X.theta.to_string() + ", " + Y.theta.to_string() +
                                " is redundant (q > min(b1, c2)); Algorithm 9 needs a thin QR (Def 6.3.20)");
  const ClassList cl = enumerate_classes(X.theta, Y.theta, *q);
  BasicKFactor<S> Xt = X, Yt = Y;
  const std::size_t b1 = X.theta.b, c2 = Y.theta.c, qq = *q;
  ResidualAccumulator total;
  const auto count = static_cast<std::ptrdiff_t>(cl.count);
#pragma omp parallel if (cl.count * qq * (b1 + c2) >= (std::size_t{1} << 17))
  {
    ResidualAccumulator local;
    Matrix XP(static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(qq)), YP(static_cast<Eigen::Index>(qq), static_cast<Eigen::Index>(c2));
#pragma omp for schedule(dynamic, 4)
    for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      for (std::size_t u = 0; u < qq; ++u) {
        const std::size_t k = cl.inner[c * qq + u];
        for (std::size_t be = 0; be < b1; ++be) XP(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u)) = X.values[X.offset(cl.row(c, be), k)];
        for (std::size_t ga = 0; ga < c2; ++ga) YP(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga)) = Y.values[Y.offset(k, cl.col(c, ga))];
      }
      Matrix Xn, Yn;
      if (column) {
        Eigen::HouseholderQR<Matrix> qr(XP);
        Xn = qr.householderQ() * Matrix::Identity(static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(qq));
        const Matrix Rm = qr.matrixQR().topRows(static_cast<Eigen::Index>(qq)).template triangularView<Eigen::Upper>();
        Yn = Rm * YP;
      } else {
        // Y_P^H = Q R  =>  Y_P = R^H Q^H: Y~ = Q^H, X~ = X_P R^H.
        Eigen::HouseholderQR<Matrix> qr(YP.adjoint());
        const Matrix Qm = qr.householderQ() * Matrix::Identity(static_cast<Eigen::Index>(c2), static_cast<Eigen::Index>(qq));
        const Matrix Rm = qr.matrixQR().topRows(static_cast<Eigen::Index>(qq)).template triangularView<Eigen::Upper>();
        Yn = Qm.adjoint();
        Xn = XP * Rm.adjoint();
      }
      if (acc) {
        const auto mag = [](const S& z) { return mag_up(z); };
        local.ss += (XP * YP - Xn * Yn).squaredNorm();
        local.ww += (XP.unaryExpr(mag) * YP.unaryExpr(mag) + Xn.unaryExpr(mag) * Yn.unaryExpr(mag)).squaredNorm();
        local.count += square_terms<S>(b1 * c2);
        local.terms = std::max(local.terms, inner_terms<S>(2 * qq));
      }
      for (std::size_t u = 0; u < qq; ++u) {
        const std::size_t k = cl.inner[c * qq + u];
        for (std::size_t be = 0; be < b1; ++be) Xt.values[X.offset(cl.row(c, be), k)] = Xn(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u));
        for (std::size_t ga = 0; ga < c2; ++ga) Yt.values[Y.offset(k, cl.col(c, ga))] = Yn(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga));
      }
    }
#pragma omp critical
    total.merge(local);
  }
  if (acc) *acc = total;
  return {std::move(Xt), std::move(Yt)};
}

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

void validate_chain(const KChain& chain) {
  if (chain.empty()) throw std::invalid_argument("factorize_hierarchical: empty chain");
  for (const auto& t : chain) t.validate();
  for (std::size_t l = 0; l + 1 < chain.size(); ++l) {
    if (chain[l].cols() != chain[l + 1].rows()) {
      std::ostringstream os;
      os << "factorize_hierarchical: theta_" << l + 1 << " = " << chain[l].to_string() << " has " << chain[l].cols()
         << " columns but theta_" << l + 2 << " = " << chain[l + 1].to_string() << " has " << chain[l + 1].rows() << " rows (6.9)";
      throw std::invalid_argument(os.str());
    }
    if (!chainable(chain[l], chain[l + 1])) {
      std::ostringstream os;
      os << "factorize_hierarchical: (theta_" << l + 1 << ", theta_" << l + 2 << ") = (" << chain[l].to_string() << ", "
         << chain[l + 1].to_string() << ") is not chainable (Def 6.3.7 needs a1 c1 / a2 = b2 d2 / d1 = q integer, a1 | a2, d2 | d1)";
      throw std::invalid_argument(os.str());
    }
  }
}

double mul_up(double a, double b) { return round_up(a * b); }

// The zero factor on S_t. Its storage is reserved before it is touched so that,
// on Linux, the kernel can back it with transparent huge pages (a 8192 x 8192
// butterfly allocates about |A| of fresh node storage; with 4 KiB pages the
// first-touch page faults cost several passes over A).
template <class S>
BasicKFactor<S> zero_factor(const KPattern& t) {
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

}  // namespace

std::vector<std::size_t> split_order_left_to_right(std::size_t num_factors) {
  std::vector<std::size_t> o(num_factors > 0 ? num_factors - 1 : 0);
  std::iota(o.begin(), o.end(), std::size_t{1});
  return o;
}

std::vector<std::size_t> split_order_balanced(std::size_t num_factors) {
  std::vector<std::size_t> o;
  // Preorder over intervals [l, r] of factor indices (1-based).
  std::vector<std::pair<std::size_t, std::size_t>> stack;
  if (num_factors >= 2) stack.push_back({1, num_factors});
  while (!stack.empty()) {
    auto [l, r] = stack.back();
    stack.pop_back();
    if (l >= r) continue;
    const std::size_t s = (l + r - 1) / 2;  // split between s and s + 1
    o.push_back(s);
    stack.push_back({s + 1, r});
    stack.push_back({l, s});
  }
  return o;
}

std::vector<std::size_t> split_order_peel(std::size_t num_factors, std::size_t k) {
  if (k == 0) throw std::invalid_argument("split_order_peel: k must be at least 1");
  std::vector<std::size_t> o;
  std::vector<bool> used(num_factors + 1, false);
  for (std::size_t s = num_factors; s > k;) {
    s -= k;
    o.push_back(s);
    used[s] = true;
  }
  for (std::size_t s = 1; s < num_factors; ++s)
    if (!used[s]) o.push_back(s);
  return o;
}

std::pair<KFactor, KFactor> orthonormalize_pair(const KFactor& X, const KFactor& Y, bool column) {
  return orthonormalize_impl(X, Y, column, nullptr);
}
std::pair<ComplexKFactor, ComplexKFactor> orthonormalize_pair(const ComplexKFactor& X, const ComplexKFactor& Y, bool column) {
  return orthonormalize_impl(X, Y, column, nullptr);
}

namespace {

template <class Sc>
Interval split_error_impl(const MatrixT<Sc>& A, const KChain& chain, std::size_t s) {
  validate_chain(chain);
  if (s < 1 || s >= chain.size())
    throw std::invalid_argument("split_error: s = " + std::to_string(s) + " must lie in [1, " + std::to_string(chain.size() - 1) + "]");
  const KPattern whole = chain_product(chain);
  if (static_cast<std::size_t>(A.rows()) != whole.rows() || static_cast<std::size_t>(A.cols()) != whole.cols())
    throw std::invalid_argument("split_error: A is " + std::to_string(A.rows()) + " x " + std::to_string(A.cols()) +
                                ", the chain needs " + std::to_string(whole.rows()) + " x " + std::to_string(whole.cols()));
  require_finite(A, "split_error: A");
  const KPattern L = interval_pattern(chain, 0, s - 1), R = interval_pattern(chain, s, chain.size() - 1);
  const std::size_t q = *chainable(L, R);
  SourceT<Sc> src{A.data(), true, static_cast<std::size_t>(A.rows()), whole};
  const SplitOutput out = run_split<Sc>(src, L, R, q, detail::Balance::left_orthonormal, true, nullptr, nullptr);
  const Interval off = uncovered_sq(A, whole);
  Interval e = sqrt(off + out.tail);
  // The split's rank-q factors are feasible: E_s(A) <= their achieved error, which
  // keeps the upper end first-order tight where the tail came from a Gram matrix.
  e.hi = std::max(e.lo, std::min(e.hi, sqrt(square(out.acc.norm()) + off).hi));
  return e;
}

template <class Sc>
Interval direct_residual_impl(const MatrixT<Sc>& A, const std::vector<BasicKFactor<Sc>>& factors) {
  // Complex: inner products of k terms bounded with inner_terms<Sc>(k) real
  // terms and |X_l| over-estimated by mag_up (apply_abs), interval.hpp.
  const MatrixT<Sc> P = chain_product(factors);
  if (P.rows() != A.rows() || P.cols() != A.cols()) throw std::invalid_argument("direct_residual: shape mismatch");
  Matrix W = factors.back().to_dense().unaryExpr([](const Sc& z) { return mag_up(z); });
  std::size_t k = factors.back().theta.c;
  for (std::size_t l = factors.size() - 1; l-- > 0;) {
    W = factors[l].apply_abs(W);
    k = std::max(k, factors[l].theta.c);
  }
  const auto steps = static_cast<double>(factors.size() - 1);
  const double g = gamma(inner_terms<Sc>(k) + 1);
  const double kg = round_up(steps * g);
  if (!(kg < 0.01)) return {0.0, inf};
  // ((1+g)^s - 1) / (1-g)^s <= s g (1 + 5 s g) for s g < 0.01.
  const double factor = round_up(round_up(kg * round_up(1.0 + round_up(5.0 * kg))) * (1.0 + 1e-12));
  const MatrixT<Sc> D = A - P;
  const Interval dn = sqrt(detail::squared_norm_enclosure(D));
  const double wn = round_up(sqrt(detail::squared_norm_enclosure(W)).hi / round_down(1.0 - kg));
  const double err = round_up(round_up(round_up(2.0 * unit_roundoff) * dn.hi) + round_up(factor * wn) +
                              std::sqrt(static_cast<double>(A.size())) * static_cast<double>(factors.size() * (inner_terms<Sc>(k) + 2)) * underflow_eta * 4.0);
  return {std::max(0.0, round_down(dn.lo - err)), round_up(dn.hi + err)};
}

template <class Sc>
BasicHierarchicalResult<Sc> factorize_hierarchical_impl(const MatrixT<Sc>& A, const KChain& chain_in, const HierarchicalOptions& opt) {
  constexpr bool real = std::is_same_v<Sc, double>;
  using Factor = BasicKFactor<Sc>;
  validate_chain(chain_in);
  KChain chain = chain_in;
  for (std::size_t l = 0; l + 1 < chain.size(); ++l)
    if (redundant(chain[l], chain[l + 1]) && opt.redundancy == RedundancyPolicy::refuse) {
      std::ostringstream os;
      os << "factorize_hierarchical: (theta_" << l + 1 << ", theta_" << l + 2 << ") = (" << chain[l].to_string() << ", "
         << chain[l + 1].to_string() << ") is redundant: q = " << *chainable(chain[l], chain[l + 1]) << " > min(b1, c2) = "
         << std::min(chain[l].b, chain[l + 1].c) << " (Def 6.3.20); use RedundancyPolicy::reduce (Lemma 6.3.22)";
      throw std::invalid_argument(os.str());
    }
  if (is_redundant(chain)) chain = reduce_redundant(chain);
  const std::size_t N = chain.size();
  const KPattern whole = chain_product(chain);
  if (static_cast<std::size_t>(A.rows()) != whole.rows() || static_cast<std::size_t>(A.cols()) != whole.cols()) {
    std::ostringstream os;
    os << "factorize_hierarchical: A is " << A.rows() << " x " << A.cols() << " but the chain's product "
       << whole.to_string() << " is " << whole.rows() << " x " << whole.cols();
    throw std::invalid_argument(os.str());
  }
  PhaseTimer timer;

  BasicHierarchicalResult<Sc> res;
  res.chain = chain;
  res.order = opt.order.empty() ? split_order_left_to_right(N) : opt.order;
  {
    std::vector<std::size_t> sorted = res.order;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != split_order_left_to_right(N)) {
      std::ostringstream os;
      os << "factorize_hierarchical: the split order must be a permutation of 1.." << N - 1 << " (chain of " << N
         << " factors" << (N != chain_in.size() ? ", after the redundancy reduction of Lemma 6.3.22" : "") << ")";
      throw std::invalid_argument(os.str());
    }
  }
  if (N >= 2) res.qs = *chain_qs(chain);
  // Every entry of A is read by the Gram pass of a streamed first split, which
  // flags a non-finite class; the entry is then located by require_finite
  // below (after the split). Otherwise check A first (one pass).
  bool streamed_first = false;
  if constexpr (real)
    if (N >= 2) {
      const std::size_t s0 = res.order[0] - 1;
      const KFactor probe;
      streamed_first = streamable_root_split(Source{A.data(), true, static_cast<std::size_t>(A.rows()), whole},
                                             interval_pattern(chain, 0, s0), interval_pattern(chain, s0 + 1, N - 1), res.qs[s0], &probe);
    }
  if (!streamed_first) require_finite(A, "factorize_hierarchical: A");
  auto& enc = res.enclosure;
  enc.split_errors.assign(N >= 1 ? N - 1 : 0, std::nullopt);
  const Interval off_sq = uncovered_sq(A, whole);
  timer.lap("checks", 0);

  if (N == 1) {
    res.factors.push_back(Factor(whole));
    auto& f = res.factors.back();
    for (Eigen::Index j = 0; j < A.cols(); ++j)
      for (Eigen::Index i = 0; i < A.rows(); ++i)
        if (f.in_support(static_cast<std::size_t>(i), static_cast<std::size_t>(j)))
          f.values[f.offset(static_cast<std::size_t>(i), static_cast<std::size_t>(j))] = A(i, j);
    enc.residual = sqrt(off_sq);  // the projection is exact: residual = uncovered mass
    enc.lower_bound = enc.residual;
    enc.residual_method = "projection";
    enc.ratio_upper = 1.0;
    return res;
  }

  std::vector<Node<Sc>> nodes(1);
  nodes[0].l = 0;
  nodes[0].r = N - 1;
  nodes[0].theta = whole;
  nodes[0].is_root = true;

  std::vector<double> terms;  // upper bounds of the telescoping terms
  // Bound on ||Left * D * Right||_F for D supported on theta_[l, r], with the
  // nodes [0, left_end) on the left and [right_begin, end) on the right.
  auto neighbour_factor = [&](std::size_t left_end, std::size_t right_begin, std::size_t l, std::size_t r) {
    double f = 1.0;
    std::size_t cur_r = r;
    for (std::size_t k = right_begin; k < nodes.size(); ++k) {
      f = mul_up(f, cached_spectral_bound(nodes[k], interval_pattern(chain, l, cur_r), false));
      cur_r = nodes[k].r;
    }
    std::size_t cur_l = l;
    for (std::size_t k = left_end; k-- > 0;) {
      f = mul_up(f, cached_spectral_bound(nodes[k], interval_pattern(chain, cur_l, cur_r), true));
      cur_l = nodes[k].l;
    }
    return f;
  };
  auto orth_step = [&](std::size_t k, bool column) {  // Algorithm 9 on (nodes[k], nodes[k+1])
    ResidualAccumulator acc;
    auto [Xt, Yt] = orthonormalize_impl(nodes[k].f, nodes[k + 1].f, column, &acc);
    nodes[k].f = std::move(Xt);
    nodes[k + 1].f = std::move(Yt);
    nodes[k].mu_cache.clear();
    nodes[k + 1].mu_cache.clear();
    nodes[k].col_orth = column;
    nodes[k].row_orth = false;
    nodes[k + 1].row_orth = !column;
    nodes[k + 1].col_orth = false;
    ++res.orthonormalizations;
    terms.push_back(mul_up(neighbour_factor(k, k + 2, nodes[k].l, nodes[k + 1].r), acc.norm().hi));
  };

  // Storage of split nodes is reused for later nodes (first-touch page faults
  // of fresh memory cost more than the split itself on a VM): a spare vector is
  // taken when its capacity is at most 4x the need, so for sigma = id the
  // nodes ping-pong between two buffers and no returned factor keeps much slack.
  std::vector<std::vector<Sc>> spare;
  auto recycled_factor = [&](const KPattern& t) {
    const std::size_t n = t.nnz();
    std::size_t best = spare.size();
    for (std::size_t k = 0; k < spare.size(); ++k)
      if (spare[k].capacity() >= n && spare[k].capacity() <= 4 * n &&
          (best == spare.size() || spare[k].capacity() < spare[best].capacity()))
        best = k;
    if (best == spare.size()) return zero_factor<Sc>(t);
    Factor f;
    f.theta = t;
    f.values = std::move(spare[best]);
    spare.erase(spare.begin() + static_cast<std::ptrdiff_t>(best));
    f.values.assign(n, Sc(0));
    return f;
  };

  for (std::size_t step = 0; step + 1 < N; ++step) {
    const std::size_t s0 = res.order[step] - 1;  // split between theta_{s0} and theta_{s0+1} (0-based)
    std::size_t j = 0;
    while (!(nodes[j].l <= s0 && s0 < nodes[j].r)) ++j;
    detail::Balance balance = detail::Balance::sqrt_sigma;
    if (opt.algorithm == HierarchicalAlgorithm::alg8) {
      // Algorithm 8: orthonormalize towards the node to split. A step whose
      // left (column pass) or right (row pass) member is already orthonormal
      // is the identity in exact arithmetic and is skipped.
      for (std::size_t k = 0; k < j; ++k)
        if (!nodes[k].col_orth) orth_step(k, true);
      for (std::size_t k = nodes.size() - 1; k > j; --k)
        if (!nodes[k].row_orth) orth_step(k - 1, false);
      const bool next_right = step + 2 < N ? res.order[step + 1] - 1 > s0 : true;
      balance = next_right ? detail::Balance::left_orthonormal : detail::Balance::right_orthonormal;
    }
    timer.lap("orthonorm.", step);
    Node<Sc>& nd = nodes[j];
    Node<Sc> left, right;
    left.l = nd.l;
    left.r = s0;
    right.l = s0 + 1;
    right.r = nd.r;
    left.theta = interval_pattern(chain, left.l, left.r);
    right.theta = interval_pattern(chain, right.l, right.r);
    left.f = recycled_factor(left.theta);
    right.f = recycled_factor(right.theta);
    SourceT<Sc> src;
    if (nd.is_root)
      src = SourceT<Sc>{A.data(), true, static_cast<std::size_t>(A.rows()), whole};
    else
      src = SourceT<Sc>{nd.f.values.data(), false, nd.f.rows(), nd.theta};
    const bool certify = step == 0;
    timer.lap("alloc", step);
    const SplitOutput out = run_split(src, left.theta, right.theta, res.qs[s0], balance, certify, &left.f, &right.f);
    if (out.nonfinite) require_finite(A, "factorize_hierarchical: A");  // throws naming the entry when A has one
    timer.lap("split", step);
    left.col_orth = balance == detail::Balance::left_orthonormal;
    right.row_orth = balance == detail::Balance::right_orthonormal;
    Interval dnorm = out.acc.norm();
    if (nd.is_root) {
      dnorm = sqrt(square(dnorm) + off_sq);
      enc.split_errors[s0] = sqrt(off_sq + out.tail);
      // The split's own factors are feasible for Def 6.5.6, so E_{s}(A) <= their
      // achieved error: a first-order-tight upper end even where the tail
      // enclosure came from a Gram matrix (half the digits, see block_kernels.hpp).
      enc.split_errors[s0]->hi = std::max(enc.split_errors[s0]->lo, std::min(enc.split_errors[s0]->hi, dnorm.hi));
    }
    if (!nd.is_root) spare.push_back(std::move(nd.f.values));
    nodes[j] = std::move(left);
    nodes.insert(nodes.begin() + static_cast<std::ptrdiff_t>(j) + 1, std::move(right));
    terms.push_back(mul_up(neighbour_factor(j, j + 2, nodes[j].l, nodes[j + 1].r), dnorm.hi));
    timer.lap("bound", step);
  }
  spare.clear();
  for (auto& nd : nodes) {
    nd.f.values.shrink_to_fit();
    res.factors.push_back(std::move(nd.f));
  }

  timer.lap("move out", N);
  // --- enclosure -------------------------------------------------------------
  if (opt.all_split_errors)
    for (std::size_t s = 1; s < N; ++s)
      if (!enc.split_errors[s - 1]) enc.split_errors[s - 1] = split_error_impl(A, chain, s);
  enc.lower_bound = {0.0, 0.0};
  for (const auto& e : enc.split_errors)
    if (e) enc.lower_bound = {std::max(enc.lower_bound.lo, e->lo), std::max(enc.lower_bound.hi, e->hi)};
  double tele = 0.0;
  for (double t : terms) tele = round_up(tele + t);
  enc.residual = {enc.lower_bound.lo, std::max(tele, enc.lower_bound.lo)};
  enc.residual_method = "telescoping";
  if (opt.direct_residual_max_work > 0 && whole.rows() * whole.cols() * N <= opt.direct_residual_max_work) {
    const Interval d = direct_residual_impl(A, res.factors);
    enc.residual = intersect(enc.residual, d);
    enc.residual_method = "telescoping+direct";
  }
  // The returned factors are feasible, so the residual is at least E^Theta(A) >= lower_bound.
  enc.residual.lo = std::max(enc.residual.lo, enc.lower_bound.lo);
  const bool all = std::all_of(enc.split_errors.begin(), enc.split_errors.end(), [](const auto& e) { return e.has_value(); });
  if (all) {
    Interval sum{0.0, 0.0};
    for (std::size_t k = 1; k < N; ++k) sum = sum + std::ldexp(1.0, static_cast<int>(N - 1 - k)) * *enc.split_errors[res.order[k - 1] - 1];
    enc.apriori_6_5_9 = sum;
    if (res.order == split_order_left_to_right(N)) {
      Interval s2 = std::pow(3.0, static_cast<double>(N) - 2.0) * square(*enc.split_errors[0]);
      for (std::size_t k = 2; k < N; ++k) s2 = s2 + (2.0 * std::pow(3.0, static_cast<double>(N - 1 - k))) * square(*enc.split_errors[k - 1]);
      enc.apriori_6_5_14 = sqrt(s2);
    }
  }
  enc.ratio_upper = enc.lower_bound.lo > 0.0 ? round_up(enc.residual.hi / enc.lower_bound.lo) : inf;
  return res;
}

}  // namespace

Interval split_error(const Matrix& A, const KChain& chain, std::size_t s) { return split_error_impl(A, chain, s); }
Interval split_error(const ComplexMatrix& A, const KChain& chain, std::size_t s) { return split_error_impl(A, chain, s); }

Interval direct_residual(const Matrix& A, const std::vector<KFactor>& factors) { return direct_residual_impl(A, factors); }
Interval direct_residual(const ComplexMatrix& A, const std::vector<ComplexKFactor>& factors) {
  return direct_residual_impl(A, factors);
}

HierarchicalResult factorize_hierarchical(const Matrix& A, const KChain& chain, const HierarchicalOptions& options) {
  return factorize_hierarchical_impl(A, chain, options);
}
ComplexHierarchicalResult factorize_hierarchical(const ComplexMatrix& A, const KChain& chain, const HierarchicalOptions& options) {
  return factorize_hierarchical_impl(A, chain, options);
}

}  // namespace wellposed::numeric
