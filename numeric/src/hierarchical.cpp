#include "wellposed/numeric/hierarchical.hpp"
#include "wellposed/numeric/residual.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <tuple>

#ifdef __linux__
#include <sys/mman.h>
#endif
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <stdexcept>
#include <type_traits>

#include <Eigen/Core>
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

std::optional<StreamLayout> stream_layout(const Source& src, const KPattern& L, const KPattern& R, std::size_t q) {
  if (q != 1 || L.a != 1 || R.c > 32 || L.b < R.c || L.c != R.a || L.d != R.b * R.d) return std::nullopt;
  StreamLayout s;
  s.b1 = L.b;
  s.c2 = R.c;
  s.groups = R.a;
  s.nres = R.b;
  s.D = R.d;
  s.c1 = L.c;
  s.d1 = L.d;
  s.base = src.data;
  if (src.dense) {
    if (R.d != 1 || L.b * L.d != src.m) return std::nullopt;
    // Rows beta nres + rho are contiguous in rho: all d1 lanes in one block.
    s.W = s.d1;
    s.nblk = 1;
    s.GS = s.c2 * src.m;
    s.RS = s.nres;
    s.BS = 0;
    s.CS = src.m;
  } else {
    const KPattern& t = src.t;
    if (t.a != 1 || t.d != R.d || t.b != L.b * R.b || t.c != R.a * R.c) return std::nullopt;
    // Node entry (beta', gamma', delta) at (beta' t.c + gamma') D + delta.
    s.W = s.D;
    s.nblk = s.nres;
    s.GS = s.c2 * s.D;
    s.RS = s.nres * t.c * s.D;
    s.BS = t.c * s.D;
    s.CS = s.D;
  }
  return s;
}

// The streaming kernels are compiled three times (AVX-512, AVX2+FMA, baseline)
// and picked once at run time (the project builds without -march): fma
// contraction is covered by the rounding model of interval.hpp. The bodies are
// always_inline so that each variant is vectorized for its own target.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define WELLPOSED_KERNEL inline __attribute__((always_inline))
#define WELLPOSED_VARIANTS(name, params, args)                                                                    \
  __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma,prefer-vector-width=512"))) void name##_avx512 params { \
    name##_body args;                                                                                              \
  }                                                                                                                \
  __attribute__((target("avx2,fma"))) void name##_avx2 params { name##_body args; }                                \
  void name params {                                                                                               \
    static const int level = simd_level();                                                                         \
    if (level == 2) return name##_avx512 args;                                                                     \
    if (level == 1) return name##_avx2 args;                                                                       \
    name##_body args;                                                                                              \
  }
int simd_level() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) return 2;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
  return 0;
}
#else
#define WELLPOSED_KERNEL inline
#define WELLPOSED_VARIANTS(name, params, args) \
  void name params { name##_body args; }
#endif

// Pass 1 over one group: gram[(blk npairs + j (j + 1) / 2 + l) W + w] for l <= j.
template <std::size_t Wf>
WELLPOSED_KERNEL void gram_pass_fixed(const StreamLayout& s, const double* g0, double* __restrict gram) {
  const std::size_t np = s.c2 * (s.c2 + 1) / 2;
  // Software prefetch 16 rows ahead: the c2 column streams of the root cross a
  // 4 KiB page every 64 rows, where hardware stream prefetchers stop.
  constexpr std::size_t ahead = 16;
  for (std::size_t be = 0; be < s.b1; ++be)
    for (std::size_t bk = 0; bk < s.nblk; ++bk) {
      const double* p = g0 + be * s.RS + bk * s.BS;
      if (be + ahead < s.b1)
        for (std::size_t j = 0; j < s.c2; ++j) __builtin_prefetch(p + ahead * s.RS + j * s.CS);
      double* gb = gram + bk * np * Wf;
      for (std::size_t j = 0; j < s.c2; ++j) {
        const double* __restrict aj = p + j * s.CS;
        double* __restrict g = gb + j * (j + 1) / 2 * Wf;
        for (std::size_t l = 0; l <= j; ++l) {
          const double* __restrict al = p + l * s.CS;
          for (std::size_t w = 0; w < Wf; ++w) g[l * Wf + w] += aj[w] * al[w];
        }
      }
    }
}

WELLPOSED_KERNEL void gram_pass_body(const StreamLayout& s, const double* g0, double* gram) {
  const std::size_t np = s.c2 * (s.c2 + 1) / 2, W = s.W;
  std::fill(gram, gram + np * W * s.nblk, 0.0);
  if (W == 8) return gram_pass_fixed<8>(s, g0, gram);
  if (W == 16) return gram_pass_fixed<16>(s, g0, gram);
  if (W == 4) return gram_pass_fixed<4>(s, g0, gram);
  for (std::size_t be = 0; be < s.b1; ++be)
    for (std::size_t bk = 0; bk < s.nblk; ++bk) {
      const double* p = g0 + be * s.RS + bk * s.BS;
      double* gb = gram + bk * np * W;
      for (std::size_t j = 0; j < s.c2; ++j) {
        const double* aj = p + j * s.CS;
        for (std::size_t l = 0; l <= j; ++l) {
          const double* al = p + l * s.CS;
          double* g = gb + (j * (j + 1) / 2 + l) * W;
          for (std::size_t w = 0; w < W; ++w) g[w] += aj[w] * al[w];
        }
      }
    }
}
WELLPOSED_VARIANTS(gram_pass, (const StreamLayout& s, const double* g0, double* gram), (s, g0, gram))


// Cyclic Jacobi on 8 symmetric k x k matrices at once, lane w of
// A[(i k + j) 8 + w] (full storage, kept symmetric); V[(i k + j) 8 + w]
// receives the eigenvectors (columns), A the rotated matrix (eigenvalues on its
// diagonal). Sweeps until every lane's off-diagonal mass is below 1e-30 of its
// diagonal mass (or 16 sweeps); a rotation whose |a_pq| is below 1e-18
// (|a_pp| + |a_qq|) in every lane is skipped. Only the accuracy of v depends
// on this: every bound downstream holds for any computed V
// (certified_tail_from_gram measures its orthogonality defect; residuals come
// from the stored doubles).
// 8 lanes as one GCC vector (always inlined: no vector passes an ABI boundary).
typedef double V8 __attribute__((vector_size(64)));
// (-Wpsabi: GCC notes the ABI of vector arguments of the baseline variant.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
WELLPOSED_KERNEL V8 ld8(const double* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
WELLPOSED_KERNEL void st8(double* p, V8 v) { std::memcpy(p, &v, sizeof v); }

template <std::size_t K>
WELLPOSED_KERNEL void jacobi_fixed(std::size_t kr, double* A, double* V) {
  constexpr std::size_t W = 8;
  const std::size_t k = K > 0 ? K : kr;
  using Lane = Eigen::Array<double, W, 1>;
  std::fill(V, V + k * k * W, 0.0);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t w = 0; w < W; ++w) V[(i * k + i) * W + w] = 1.0;
  for (int sweep = 0; sweep < 16; ++sweep) {
    double off[W] = {}, dia[W] = {};
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t w = 0; w < W; ++w) dia[w] += A[(i * k + i) * W + w] * A[(i * k + i) * W + w];
      for (std::size_t j = i + 1; j < k; ++j)
        for (std::size_t w = 0; w < W; ++w) off[w] += 2.0 * A[(i * k + j) * W + w] * A[(i * k + j) * W + w];
    }
    bool done = true;
    for (std::size_t w = 0; w < W; ++w) done = done && !(off[w] > 1e-30 * dia[w]);
    if (done) break;
    for (std::size_t p = 0; p + 1 < k; ++p)
      for (std::size_t q = p + 1; q < k; ++q) {
        double c[W], sn[W], tv[W];
        bool any = false;
        {
          // Branch-free over the lanes (Eigen packets: sqrt without errno). With
          // d = a_qq - a_pp, e = 2 a_pq: t = tan(phi) = sgn(d) e / (|d| + sqrt(d^2 + e^2)).
          const Eigen::Map<const Lane> app(A + (p * k + p) * W), aqq(A + (q * k + q) * W), apq(A + (p * k + q) * W);
          const Lane d = aqq - app, e = 2.0 * apq;
          const Lane sg = (d >= 0.0).select(Lane::Constant(1.0), Lane::Constant(-1.0));
          const Lane tt = sg * e / (d.abs() + (d * d + e * e).sqrt());
          const Lane t = (apq.abs() > 1e-18 * (app.abs() + aqq.abs()) && tt == tt).select(tt, Lane::Zero());
          const Lane cc = 1.0 / (t * t + 1.0).sqrt();
          Eigen::Map<Lane> cm(c), sm(sn), tm(tv);
          cm = cc;
          sm = t * cc;
          tm = t;
          any = (t != 0.0).any();
        }
        if (!any) continue;
        // The updates on whole lane vectors (GCC vector extension: one zmm, two
        // ymm or four xmm registers depending on the variant).
        const V8 cv = ld8(c), sv = ld8(sn), tl = ld8(tv);
        {
          const V8 x = ld8(A + (p * k + q) * W);
          st8(A + (p * k + p) * W, ld8(A + (p * k + p) * W) - tl * x);
          st8(A + (q * k + q) * W, ld8(A + (q * k + q) * W) + tl * x);
          st8(A + (p * k + q) * W, V8{});
          st8(A + (q * k + p) * W, V8{});
        }
        for (std::size_t r = 0; r < k; ++r) {
          if (r != p && r != q) {
            const V8 x = ld8(A + (r * k + p) * W), y = ld8(A + (r * k + q) * W);
            const V8 nx = cv * x - sv * y, ny = sv * x + cv * y;
            st8(A + (r * k + p) * W, nx);
            st8(A + (p * k + r) * W, nx);
            st8(A + (r * k + q) * W, ny);
            st8(A + (q * k + r) * W, ny);
          }
          const V8 u = ld8(V + (r * k + p) * W), v = ld8(V + (r * k + q) * W);
          st8(V + (r * k + p) * W, cv * u - sv * v);
          st8(V + (r * k + q) * W, sv * u + cv * v);
        }
      }
  }
}

WELLPOSED_KERNEL void jacobi_lanes8_body(std::size_t k, double* A, double* V) {
  if (k == 8) return jacobi_fixed<8>(k, A, V);
  if (k == 4) return jacobi_fixed<4>(k, A, V);
  jacobi_fixed<0>(k, A, V);
}
WELLPOSED_VARIANTS(jacobi_lanes8, (std::size_t k, double* A, double* V), (k, A, V))
#pragma GCC diagnostic pop


// Pass 2 over one group: h = (B v) hs per lane into L, the stored K is kst
// (c2 x W per block, lane-minor), v = kst hs. Per lane: ss = sum of
// fl(b - h k)^2 over the class (the residual from the stored doubles) and
// hh = sum of h^2 (for the bound on ||w||_F, see stream_split).
template <std::size_t Wf>
WELLPOSED_KERNEL void factor_pass_fixed(const StreamLayout& s, const double* g0, std::size_t a2, const double* __restrict kst,
                                        const double* __restrict hsc, double* __restrict outL, double* __restrict ss,
                                        double* __restrict hh) {
  double s1[Wf], s2[Wf], hrow[Wf];
  for (std::size_t bk = 0; bk < s.nblk; ++bk) {
    for (std::size_t w = 0; w < Wf; ++w) s1[w] = s2[w] = 0.0;
    const double* __restrict kb = kst + bk * s.c2 * Wf;
    const double* __restrict hb = hsc + bk * Wf;
    for (std::size_t be = 0; be < s.b1; ++be) {
      const double* p = g0 + be * s.RS + bk * s.BS;
      for (std::size_t w = 0; w < Wf; ++w) hrow[w] = 0.0;
      for (std::size_t j = 0; j < s.c2; ++j) {
        const double* __restrict aj = p + j * s.CS;
        const double* __restrict kj = kb + j * Wf;
        for (std::size_t w = 0; w < Wf; ++w) hrow[w] += aj[w] * (kj[w] * hb[w]);
      }
      double* __restrict hd = outL + (be * s.c1 + a2) * s.d1 + bk * Wf;
      if (be + 16 < s.b1) __builtin_prefetch(hd + 16 * s.c1 * s.d1, 1);  // the H rows are 64 KiB apart at the root
      for (std::size_t w = 0; w < Wf; ++w) {
        hrow[w] *= hb[w];
        hd[w] = hrow[w];
        s2[w] += hrow[w] * hrow[w];
      }
      for (std::size_t j = 0; j < s.c2; ++j) {
        const double* __restrict aj = p + j * s.CS;
        const double* __restrict kj = kb + j * Wf;
        for (std::size_t w = 0; w < Wf; ++w) {
          const double dv = aj[w] - hrow[w] * kj[w];
          s1[w] += dv * dv;
        }
      }
    }
    for (std::size_t w = 0; w < Wf; ++w) {
      ss[bk * Wf + w] = s1[w];
      hh[bk * Wf + w] = s2[w];
    }
  }
}

WELLPOSED_KERNEL void factor_pass_body(const StreamLayout& s, const double* g0, std::size_t a2, const double* kst, const double* hsc,
                                       double* outL, double* ss, double* hh) {
  const std::size_t W = s.W;
  if (W == 8) return factor_pass_fixed<8>(s, g0, a2, kst, hsc, outL, ss, hh);
  if (W == 16) return factor_pass_fixed<16>(s, g0, a2, kst, hsc, outL, ss, hh);
  if (W == 4) return factor_pass_fixed<4>(s, g0, a2, kst, hsc, outL, ss, hh);
  std::vector<double> hrow(W);
  std::fill(ss, ss + W * s.nblk, 0.0);
  std::fill(hh, hh + W * s.nblk, 0.0);
  for (std::size_t bk = 0; bk < s.nblk; ++bk) {
    const double* kb = kst + bk * s.c2 * W;
    const double* hb = hsc + bk * W;
    for (std::size_t be = 0; be < s.b1; ++be) {
      const double* p = g0 + be * s.RS + bk * s.BS;
      std::fill(hrow.begin(), hrow.end(), 0.0);
      for (std::size_t j = 0; j < s.c2; ++j)
        for (std::size_t w = 0; w < W; ++w) hrow[w] += p[j * s.CS + w] * (kb[j * W + w] * hb[w]);
      double* hd = outL + (be * s.c1 + a2) * s.d1 + bk * W;
      for (std::size_t w = 0; w < W; ++w) {
        hrow[w] *= hb[w];
        hd[w] = hrow[w];
        hh[bk * W + w] += hrow[w] * hrow[w];
      }
      for (std::size_t j = 0; j < s.c2; ++j)
        for (std::size_t w = 0; w < W; ++w) {
          const double dv = p[j * s.CS + w] - hrow[w] * kb[j * W + w];
          ss[bk * W + w] += dv * dv;
        }
    }
  }
}
WELLPOSED_VARIANTS(factor_pass,
                  (const StreamLayout& s, const double* g0, std::size_t a2, const double* kst, const double* hsc, double* outL,
                   double* ss, double* hh),
                  (s, g0, a2, kst, hsc, outL, ss, hh))

SplitOutput stream_split(const StreamLayout& s, detail::Balance balance, bool certify, KFactor& outL, KFactor& outR) {
  const std::size_t b1 = s.b1, c2 = s.c2, W = s.W, nb = s.nblk, lanes = W * nb;
  const std::size_t npairs = c2 * (c2 + 1) / 2;
  SplitOutput total;
  const auto ng = static_cast<std::ptrdiff_t>(s.groups);
#pragma omp parallel if (s.groups * b1 * lanes * c2 >= (std::size_t{1} << 18))
  {
    SplitOutput local;
    std::vector<double> gram(npairs * lanes), kst(c2 * lanes), hsc(lanes), ss(lanes), hh(lanes), bsq(lanes);
    std::vector<double> ja(c2 * c2 * 8), jv(c2 * c2 * 8);
    std::vector<std::size_t> ord(c2);
    detail::GramWorkspace ws;
    Matrix G(static_cast<Eigen::Index>(c2), static_cast<Eigen::Index>(c2)), U(static_cast<Eigen::Index>(c2), static_cast<Eigen::Index>(c2));
#pragma omp for schedule(static)
    for (std::ptrdiff_t gi = 0; gi < ng; ++gi) {
      const auto a2 = static_cast<std::size_t>(gi);
      const double* g0 = s.base + a2 * s.GS;
      gram_pass(s, g0, gram.data());
      for (std::size_t l0 = 0; l0 < lanes; l0 += 8) {
        const std::size_t nl = std::min<std::size_t>(8, lanes - l0);
        // Unpack the Gram matrices of lanes l0 .. l0 + nl (zero matrices pad the rest).
        double tr[8] = {};
        for (std::size_t u = 0; u < 8; ++u) {
          const std::size_t l = l0 + u, bk = l / W, w = l % W;
          for (std::size_t j = 0; j < c2; ++j)
            for (std::size_t i = 0; i <= j; ++i) {
              const double g = u < nl ? gram[(bk * npairs + j * (j + 1) / 2 + i) * W + w] : 0.0;
              ja[(j * c2 + i) * 8 + u] = g;
              ja[(i * c2 + j) * 8 + u] = g;
            }
          for (std::size_t j = 0; j < c2; ++j) tr[u] += ja[(j * c2 + j) * 8 + u];
        }
        bool finite = true;
        for (std::size_t u = 0; u < nl; ++u) finite = finite && std::isfinite(tr[u]);
        if (finite) jacobi_lanes8(c2, ja.data(), jv.data());
        for (std::size_t u = 0; u < nl; ++u) {
          const std::size_t l = l0 + u, bk = l / W, w = l % W;
          const Interval bnorm_sq = nonneg_sum_enclosure(tr[u], b1 * c2);
          bsq[l] = bnorm_sq.hi;
          double hs = 0.0;
          std::size_t top = 0;
          if (finite && tr[u] > 0.0) {
            for (std::size_t j = 1; j < c2; ++j)
              if (ja[(j * c2 + j) * 8 + u] > ja[(top * c2 + top) * 8 + u]) top = j;
            const double sv = std::sqrt(std::max(ja[(top * c2 + top) * 8 + u], 0.0));  // ~ sigma_1 = ||B v||
            switch (balance) {
              case detail::Balance::left_orthonormal: hs = 1.0 / sv; break;
              case detail::Balance::right_orthonormal: hs = 1.0; break;
              case detail::Balance::sqrt_sigma: hs = 1.0 / std::sqrt(sv); break;
            }
            if (!(sv > 0.0) || !std::isfinite(hs)) hs = 0.0;
            if (certify) {
              // U: the eigenvectors by decreasing Jacobi eigenvalue; G^: the Gram matrix (lower triangle read).
              for (std::size_t j = 0; j < c2; ++j) ord[j] = j;
              std::sort(ord.begin(), ord.end(), [&](std::size_t x, std::size_t y) {
                return ja[(x * c2 + x) * 8 + u] > ja[(y * c2 + y) * 8 + u];
              });
              for (std::size_t j = 0; j < c2; ++j)
                for (std::size_t i = 0; i < c2; ++i) {
                  U(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = jv[(i * c2 + ord[j]) * 8 + u];
                  G(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
                      gram[(bk * npairs + std::max(i, j) * (std::max(i, j) + 1) / 2 + std::min(i, j)) * W + w];
                }
              local.tail = local.tail + detail::certified_tail_from_gram(c2, b1, 1, bnorm_sq, G, U, ws);
            }
          } else {
            if (!std::isfinite(tr[u])) local.nonfinite = true;
            if (certify) local.tail = local.tail + Interval{0.0, bnorm_sq.hi};
          }
          hsc[l] = hs;
          // K = v^T / hs into R at ((alpha2 nres + rho) c2 + j) D + delta, and into kst.
          const std::size_t rho = l / s.D, de = l % s.D;
          double* kd = outR.values.data() + (a2 * s.nres + rho) * c2 * s.D + de;
          for (std::size_t j = 0; j < c2; ++j) {
            const double v = hs > 0.0 ? jv[(j * c2 + top) * 8 + u] / hs : 0.0;
            kd[j * s.D] = v;
            kst[(bk * c2 + j) * W + w] = v;
          }
        }
      }
      factor_pass(s, g0, a2, kst.data(), hsc.data(), outL.values.data(), ss.data(), hh.data());
      // ResidualAccumulator::ww only has to bound ||w||_F^2 from above, w = |B| + |h k|
      // entrywise (exact): ||w||_F <= ||B||_F + ||h|| ||k|| per class, with ||B||_F^2
      // <= bsq (the Gram trace's enclosure) and ||h||^2, ||k||^2 enclosed from their
      // computed sums of squares (b1 and c2 terms). Saves the per-entry |b| + |h k|.
      for (std::size_t l = 0; l < lanes; ++l) {
        const std::size_t bk = l / W, w = l % W;
        double kk = 0.0;
        for (std::size_t j = 0; j < c2; ++j) kk += kst[(bk * c2 + j) * W + w] * kst[(bk * c2 + j) * W + w];
        const double hk = round_up(sqrt(nonneg_sum_enclosure(hh[l], b1)).hi * sqrt(nonneg_sum_enclosure(kk, c2)).hi);
        const double wn = round_up(sqrt(Interval{0.0, bsq[l]}).hi + hk);
        local.acc.ss += ss[l];
        local.acc.ww += round_up(wn * wn);
      }
      local.acc.count += b1 * c2 * lanes;
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
                      bool certify, BasicKFactor<S>* outL, BasicKFactor<S>* outR, bool stream = true,
                      bool partial = true) {
  constexpr bool real = std::is_same_v<S, double>;  // complex blocks: Jacobi SVD path only
  if constexpr (real)
    if (stream && outL)
      if (const auto sl = stream_layout(src, L, R, q)) return stream_split(*sl, balance, certify, *outL, *outR);
  const ClassList cl = enumerate_classes(L, R, q);
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
            detail::gram_truncated_block(bp, b1, c2, q, balance, ws, local.acc, certify ? &tail : nullptr, partial);
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
  if (cl.q == 1) {
    // q = 1: every class block is a vector, ||.||_2 = ||.||_F. The bound of
    // spectral_norm_upper for a vector, sqrt(nonneg_sum_enclosure(s, n).hi), is
    // monotone in the computed sum s, so the maximum is taken over the computed
    // sums and rounded outward once (no per-class Matrix or outward rounding).
    const std::size_t len = node_is_left ? L.b : R.c;
    double smax = 0.0;
#pragma omp parallel for schedule(static) reduction(max : smax) if (cl.count * len >= (std::size_t{1} << 18))
    for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      const std::size_t k = cl.inner[c];
      double sum = 0.0;
      if (node_is_left) {
        const std::size_t kc = col_part(node.theta, k);
        for (std::size_t be = 0; be < len; ++be) {
          sum += Eigen::numext::abs2(node.values[row_part(node.theta, cl.row(c, be)) + kc]);
        }
      } else {
        const std::size_t kr = row_part(node.theta, k);
        for (std::size_t ga = 0; ga < len; ++ga) {
          sum += Eigen::numext::abs2(node.values[kr + col_part(node.theta, cl.col(c, ga))]);
        }
      }
      if (!(sum <= smax)) smax = std::isnan(sum) ? std::numeric_limits<double>::infinity() : sum;
    }
    return sqrt(nonneg_sum_enclosure(smax, square_terms<S>(std::max<std::size_t>(len, 1)))).hi;
  }
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
  if (qq == 1) {
    // q = 1 (every pair of a square dyadic chain): the thin QR of the b1 x 1
    // column x is x = (x / ||x||) ||x|| (of the 1 x c2 row y likewise), so no
    // Householder objects and no heap allocation per class. The sign of the
    // unit vector is immaterial (Algorithm 9 only needs X~ Y~ = X Y with the
    // orthonormal side); a zero vector is replaced by e_1 with a zero partner.
    // The change ||X Y - X~ Y~||_F is accumulated entrywise exactly as below
    // (each entry fl(fl(x y) - fl(x~ y~)), 2 terms).
#pragma omp parallel if (cl.count * (b1 + c2) >= (std::size_t{1} << 17))
    {
      ResidualAccumulator local;
      std::vector<std::size_t> xo(b1), yo(c2);
      std::vector<S> xv(b1), yv(c2), xn(b1), yn(c2);
#pragma omp for schedule(static)
      for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
        const auto c = static_cast<std::size_t>(ci);
        const std::size_t k = cl.inner[c];
        const std::size_t xc = col_part(X.theta, k), yr = row_part(Y.theta, k);
        for (std::size_t be = 0; be < b1; ++be) {
          xo[be] = row_part(X.theta, cl.row(c, be)) + xc;
          xv[be] = X.values[xo[be]];
        }
        for (std::size_t ga = 0; ga < c2; ++ga) {
          yo[ga] = yr + col_part(Y.theta, cl.col(c, ga));
          yv[ga] = Y.values[yo[ga]];
        }
        const std::vector<S>& u = column ? xv : yv;  // the side made orthonormal
        double nrm = 0.0;
        for (const S& v : u) nrm += Eigen::numext::abs2(v);
        nrm = std::sqrt(nrm);
        if (nrm > 0.0) {
          for (std::size_t be = 0; be < b1; ++be) xn[be] = column ? xv[be] / nrm : xv[be] * nrm;
          for (std::size_t ga = 0; ga < c2; ++ga) yn[ga] = column ? yv[ga] * nrm : yv[ga] / nrm;
        } else {
          std::fill(xn.begin(), xn.end(), S(0));
          std::fill(yn.begin(), yn.end(), S(0));
          (column ? xn[0] : yn[0]) = S(1);
        }
        if (acc) {
          for (std::size_t be = 0; be < b1; ++be)
            for (std::size_t ga = 0; ga < c2; ++ga) {
              // Complex: mag_up, square_terms / inner_terms (interval.hpp).
              const S p0 = xv[be] * yv[ga], p1 = xn[be] * yn[ga];
              const S d = p0 - p1;
              const double w = mag_up(p0) + mag_up(p1);
              local.ss += Eigen::numext::abs2(d);
              local.ww += w * w;
            }
          local.count += square_terms<S>(b1 * c2);
          local.terms = std::max<std::size_t>(local.terms, inner_terms<S>(2));
        }
        for (std::size_t be = 0; be < b1; ++be) Xt.values[xo[be]] = xn[be];
        for (std::size_t ga = 0; ga < c2; ++ga) Yt.values[yo[ga]] = yn[ga];
      }
#pragma omp critical
      total.merge(local);
    }
    if (acc) *acc = total;
    return {std::move(Xt), std::move(Yt)};
  }
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

// The dense-product enclosure is now the column-blocked chain multiply of
// residual.cpp (same bound, derived there; memory O(rows x block)).
template <class Sc>
Interval direct_residual_impl(const MatrixT<Sc>& A, const std::vector<BasicKFactor<Sc>>& factors,
                              ResidualCost* cost = nullptr) {
  return chain_residual(A, factors, cost);
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
    if (N >= 2 && opt.stream_splits) {
      const std::size_t s0 = res.order[0] - 1;
      streamed_first = stream_layout(Source{A.data(), true, static_cast<std::size_t>(A.rows()), whole}, interval_pattern(chain, 0, s0),
                                     interval_pattern(chain, s0 + 1, N - 1), res.qs[s0])
                           .has_value();
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
    const SplitOutput out = run_split(src, left.theta, right.theta, res.qs[s0], balance, certify, &left.f, &right.f, opt.stream_splits,
                                       opt.partial_eigensolves);
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
  if (opt.tight_residual ||
      (opt.direct_residual_max_work > 0 && chain_residual_work(chain) <= opt.direct_residual_max_work)) {
    ResidualCost cost;
    const Interval d = direct_residual_impl(A, res.factors, &cost);
    enc.residual = intersect(enc.residual, d);
    enc.residual_method = "telescoping+direct";
    enc.residual_work = cost.multiply_adds;
    enc.residual_seconds = cost.seconds;
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
