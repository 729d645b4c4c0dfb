// The streamed split of peel orders (see the comment on StreamLayout in
// hierarchical_internal.hpp): Gram pass, lane-parallel Jacobi, factor pass.
#include "hierarchical_internal.hpp"

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


namespace wellposed::numeric::hier {

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


}  // namespace wellposed::numeric::hier
