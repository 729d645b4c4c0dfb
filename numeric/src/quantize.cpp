#include "wellposed/numeric/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "wellposed/numeric/hierarchical.hpp"

namespace wellposed::numeric {

// ---------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------

FloatFormat FloatFormat::fp16() { return {11, -13, 16, "fp16"}; }
FloatFormat FloatFormat::bf16() { return {8, -125, 128, "bf16"}; }
// k 2^{e-t}, k in [2^{t-1}, 2^t - 1]: the smallest normal is 2^{emin-1}, the
// largest (2^t - 1) 2^{emax-t}, the smallest subnormal 2^{emin-t}.
FloatFormat FloatFormat::fp8_e5m2() { return {3, -13, 16, "fp8-e5m2"}; }  // 2^-14, 7 * 2^13 = 57344, 2^-16
FloatFormat FloatFormat::fp8_e4m3() { return {4, -5, 8, "fp8-e4m3"}; }    // 2^-6, 15 * 2^4 = 240, 2^-9
FloatFormat FloatFormat::bits(int t) { return {t, -1021, 1024, "t" + std::to_string(t)}; }

double FloatFormat::max_value() const { return std::ldexp(std::ldexp(1.0, t) - 1.0, emax - t); }
double FloatFormat::min_normal() const { return std::ldexp(1.0, emin - 1); }

void FloatFormat::validate() const {
  std::ostringstream os;
  if (t < 2 || t > 53) os << "FloatFormat: t = " << t << " must lie in [2, 53]";
  else if (emax > 1024) os << "FloatFormat: emax = " << emax << " exceeds binary64's 1024";
  else if (emin - t < -1074) os << "FloatFormat: emin - t = " << emin - t << " is below binary64's -1074";
  else if (emin > emax) os << "FloatFormat: emin = " << emin << " > emax = " << emax;
  else return;
  throw std::invalid_argument(os.str());
}

std::optional<FloatFormat> parse_float_format(const std::string& s) {
  if (s == "fp16" || s == "float16" || s == "half") return FloatFormat::fp16();
  if (s == "bf16" || s == "bfloat16") return FloatFormat::bf16();
  if (s == "fp8-e5m2" || s == "e5m2") return FloatFormat::fp8_e5m2();
  if (s == "fp8-e4m3" || s == "e4m3") return FloatFormat::fp8_e4m3();
  if (s.empty() || s.size() > 2 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  const int t = std::stoi(s);
  if (t < 2 || t > 53) return std::nullopt;
  return FloatFormat::bits(t);
}

double round_to_bits(double v, int t) {
  if (v == 0.0 || !std::isfinite(v)) return v;
  int e = 0;
  const double m = std::frexp(std::abs(v), &e);  // |v| = m 2^e, m in [1/2, 1): |v| in [2^{e-1}, 2^e)
  const double k = std::nearbyint(std::ldexp(m, t));  // exact scaling; ties to even
  return std::copysign(std::ldexp(k, e - t), v);
}

double round_to_format(double v, const FloatFormat& f) {
  if (std::isnan(v)) return v;
  const double mx = f.max_value();
  if (std::isinf(v)) return std::copysign(mx, v);
  if (v == 0.0) return v;
  int e = 0;
  std::frexp(std::abs(v), &e);
  const int ee = std::max(e, f.emin);  // below the normal range the spacing stays 2^{emin - t}
  // |v| 2^{t - ee} is exact (a power-of-2 scaling that stays >= 2^-1074 * 2^{t-ee} >= the
  // input's own ulp, and below 2^t); nearbyint is exact; k 2^{ee - t} is an element of F
  // and a double (validate: emin - t >= -1074, emax <= 1024).
  const double k = std::nearbyint(std::ldexp(std::abs(v), f.t - ee));
  const double r = std::ldexp(k, ee - f.t);
  return std::copysign(std::min(r, mx), v);  // F is finite: the nearest element of a too-large value is max
}

bool representable(double v, const FloatFormat& f) { return std::isfinite(v) && round_to_format(v, f) == v; }

std::optional<QuantizeMethod> parse_quantize_method(const std::string& s) {
  if (s == "rtn") return QuantizeMethod::rtn;
  if (s == "pairwise") return QuantizeMethod::pairwise;
  if (s == "l2r" || s == "left-to-right") return QuantizeMethod::left_to_right;
  if (s == "r2l" || s == "right-to-left") return QuantizeMethod::right_to_left;
  return std::nullopt;
}

std::string to_string(QuantizeMethod m) {
  switch (m) {
    case QuantizeMethod::rtn: return "rtn";
    case QuantizeMethod::pairwise: return "pairwise";
    case QuantizeMethod::left_to_right: return "l2r";
    case QuantizeMethod::right_to_left: return "r2l";
  }
  return "?";
}

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Nearest element of the unbounded F_t (ties to even) for the prescaled values of
// the search (|z| in binary64's normal range, far from overflow): round the 52-bit
// stored significand to t - 1 bits in the integer representation. Adding
// 2^{s-1} - 1 + (bit s) and clearing the low s = 53 - t bits is round-half-even;
// a carry out of the significand increments the exponent, which is exactly the
// rounding up to the next power of 2. Integer-only, so it is immune to FMA
// contraction (unlike Veltkamp's splitting) and vectorizes. Zero stays zero.
struct Rounder {
  int t;
  std::uint64_t half_m1, mask;
  unsigned shift;
  explicit Rounder(int tt)
      : t(tt), half_m1(tt >= 53 ? 0 : (std::uint64_t{1} << (52 - tt)) - 1),
        mask(tt >= 53 ? ~std::uint64_t{0} : ~((std::uint64_t{1} << (53 - tt)) - 1)), shift(tt >= 53 ? 0u : static_cast<unsigned>(53 - tt)) {}
  double operator()(double z) const { return fast(z); }
  double fast(double z) const {
    if (t >= 53) return z;
    return narrow(z);
  }
  // fast() for t < 53 (the optimal searches: t <= max_optimal_bits), branch-free so
  // that the cost loops vectorize.
  double narrow(double z) const {
    std::uint64_t b;
    std::memcpy(&b, &z, sizeof b);
    b += half_m1 + ((b >> shift) & 1u);
    b &= mask;
    double r;
    std::memcpy(&r, &b, sizeof r);
    return r;
  }
};

// Exact comparison of breakpoints lambda = m / s (m in [1, 4), s in [1, 2)):
// m_a / s_a < m_b / s_b  <=>  m_a s_b < m_b s_a, decided exactly from the
// error-free products (p, e) = (fl(a b), fma(a, b, -p)), a b = p + e exactly (no
// underflow: the products lie in [1, 8)). fl is monotone, so p_a < p_b implies
// a_exact < b_exact; when p_a == p_b the errors decide.
struct Cross {
  double p, e;
};
inline Cross cross(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}
inline int compare_breaks(double ma, double sa, double mb, double sb) {
  const Cross l = cross(ma, sb), r = cross(mb, sa);
  if (l.p != r.p) return l.p < r.p ? -1 : 1;
  if (l.e != r.e) return l.e < r.e ? -1 : 1;
  return 0;
}

struct CoreResult {
  std::vector<double> xh, yh;
  double lambda = 1.0, mu = 0.0;
  long double cost = 0.0L;
  std::size_t candidates = 0, evaluated = 0;
};

// Optimal rank-one quantization on the unbounded F_t (Box 9), x the enumerated side.
//
// Optimality argument [Gribonval-Mary-Riccietti 2023], written out:
// (1) For fixed x^ != 0, ||x y^T - x^ y^T||^2 = ||x^||^2 ||y^ - mu y||^2 + ||y||^2 ||x - mu x^||^2
//     with mu = x^T x^ / ||x^||^2 (expand both sides). The first term separates over the
//     entries of y^, so its minimizers are exactly the entrywise nearest roundings
//     y^ = round(mu y), and min over y^ = ||y||^2 ||x - mu x^||^2 + ||x^||^2 g(mu),
//     g(mu) = sum_j dist(mu y_j, F_t)^2.
// (2) Symmetrically, an optimal pair (x*, y*) with y* != 0 has x* = a nearest rounding
//     of lambda* x, lambda* = y^T y* / ||y*||^2 (if x* = 0 or y* = 0 the cost is
//     ||x||^2 ||y||^2, which every candidate below matches or beats: y^ = 0 is allowed).
//     Every nearest rounding of lambda* x gives the same cost with y*, so (x', y*) is
//     optimal for the right-limit x' = lim_{eps->0+} round((lambda* + eps) x) (for each
//     tie this picks the larger-magnitude neighbour, one of the two nearest points).
// (3) lambda* > 0 WLOG (F_t = -F_t: flip both signs) and lambda* in [1, 2) WLOG:
//     F_t = 2 F_t, so round(2^k lambda x) = 2^k round(lambda x) and (2^k x^, 2^-k y^)
//     has the same product.
// (4) On [1, 2), lambda -> round(lambda x) (right limits) is piecewise constant; it
//     changes only at the breakpoints lambda = m / |x_i| with m a midpoint of two
//     consecutive elements of F_t. Hence x' is the value of round(lambda x) on one
//     of the intervals [lambda_k, lambda_{k+1}) between consecutive breakpoints, and
//     the minimum over these <= m 2^{t-1} candidates, each completed by
//     y^ = round(mu y) as in (1), is a global minimum. All candidates are enumerated
//     exactly: breakpoints are ordered by an exact comparison (compare_breaks) and
//     coinciding breakpoints are applied together.
//
// Cost: the breakpoints of entry i are generated in increasing order (2^{t-1} of
// them) and merged with a heap, O(E log m) for E = m 2^{t-1}. Each candidate's
// x-part ||y||^2 ||x - mu x^||^2 is a lower bound of its cost; candidates are
// visited smallest lower bound first, then in order, and g(mu) is summed with early abort once the
// partial cost reaches the best found (candidates with a large x-part never touch y). Worst
// case O(E (m + n)), the survey's O(m n 2^t).
CoreResult rank_one_core(std::span<const double> x_in, std::span<const double> y_in, int t) {
  CoreResult out;
  const std::size_t m = x_in.size(), n = y_in.size();
  out.xh.assign(m, 0.0);
  out.yh.assign(n, 0.0);
  double xmax = 0.0, ymax = 0.0;
  for (double v : x_in) xmax = std::max(xmax, std::abs(v));
  for (double v : y_in) ymax = std::max(ymax, std::abs(v));
  if (xmax == 0.0 || ymax == 0.0) return out;  // x y^T = 0 = 0 0^T: cost 0
  // Power-of-2 prescaling (exact, and harmless by (3)) puts both maxima in [1, 2).
  const int ex = std::ilogb(xmax), ey = std::ilogb(ymax);
  std::vector<double> x(m), y(n);
  // Multiplying by 2^-e is ldexp (same rounding if a result is subnormal); ldexp only
  // where 2^-e itself is not a normal double.
  auto scale_into = [](std::span<const double> in, std::vector<double>& o, int e, bool absval) {
    const bool direct = e > -1000 && e < 1000;
    const double f = direct ? std::ldexp(1.0, -e) : 0.0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const double v = absval ? std::abs(in[i]) : in[i];
      o[i] = direct ? v * f : std::ldexp(v, -e);
    }
  };
  scale_into(x_in, x, ex, true);  // signs of x restored at the end
  scale_into(y_in, y, ey, false);
  long double xx = 0.0L, yy = 0.0L;
  for (double v : x) xx += static_cast<long double>(v) * v;
  for (double v : y) yy += static_cast<long double>(v) * v;

  // Per entry: |x_i| = s_i 2^{p_i}, s_i in [1, 2); current rounded significand r_i
  // (of lambda s_i), its next midpoint mid_i.
  struct Entry {
    double s, r, mid, scale;  // scale = 2^p
    int p;
  };
  std::vector<Entry> ent(m);
  std::vector<std::size_t> nz;
  // Spacing of F_t at r in [1, 8) (r stays below 2 s_i + spacing <= 4 + spacing).
  const double sp1 = std::ldexp(1.0, 1 - t), sp2 = 2 * sp1, sp3 = 4 * sp1;
  auto spacing = [=](double r) { return r < 2.0 ? sp1 : (r < 4.0 ? sp2 : sp3); };
  auto init_entry = [&](std::size_t i) {
    Entry& e = ent[i];
    int ee = 0;
    const double mant = std::frexp(x[i], &ee);
    e.s = 2.0 * mant;
    e.p = ee - 1;
    e.scale = std::ldexp(1.0, e.p);
    // Right limit of round(lambda s) at lambda = 1: nearest with ties up (q + 1/2 is exact for t <= 24).
    const double q = std::ldexp(e.s, t - 1);
    e.r = std::ldexp(std::floor(q + 0.5), 1 - t);
    e.mid = e.r + 0.5 * spacing(e.r);
  };
  for (std::size_t i = 0; i < m; ++i)
    if (x[i] != 0.0) {
      init_entry(i);
      nz.push_back(i);
    }
  const Rounder rt(t);
  auto xhat_of = [](const Entry& e) { return e.r * e.scale; };  // exact: a power-of-2 scaling

  // Pass 1: enumerate the candidates (intervals of lambda) with their x-part.
  struct Cand {
    long double base, s1, s2;
    std::size_t pos;  // breakpoint groups applied
    double lam_lo;
  };
  std::vector<Cand> cands;
  cands.reserve(nz.size() * (std::size_t{1} << (t - 1)) + 1);
  const bool stable = nz.size() <= 32;  // recompute the x-part in O(m) (no cancellation drift)
  long double s1 = 0.0L, s2 = 0.0L;
  for (std::size_t i : nz) {
    const double xh = xhat_of(ent[i]);
    s1 += static_cast<long double>(x[i]) * xh;
    s2 += static_cast<long double>(xh) * xh;
  }
  auto heap_less = [&](std::size_t a, std::size_t b) {  // priority_queue: "a after b"
    return compare_breaks(ent[a].mid, ent[a].s, ent[b].mid, ent[b].s) > 0;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(heap_less)> heap(heap_less);
  auto push_if_open = [&](std::size_t i) {
    if (ent[i].mid < 2.0 * ent[i].s) heap.push(i);  // breakpoint mid / s < 2
  };
  // Stable mode: record snapshots x^ on the non-zeros and the x-parts are computed after
  // the enumeration (finish_stable), with the same operations in the same order; the
  // candidates are then independent, so their long double chains overlap in the CPU.
  std::vector<double> snap;
  if (stable) snap.reserve(cands.capacity() * nz.size());
  auto record = [&](std::size_t pos, double lam_lo) {
    if (stable) {
      for (std::size_t i : nz) snap.push_back(xhat_of(ent[i]));
      cands.push_back({0.0L, 0.0L, 0.0L, pos, lam_lo});
      return;
    }
    const long double base = yy * std::max(0.0L, xx - s1 * s1 / s2);
    cands.push_back({base, s1, s2, pos, lam_lo});
  };
  auto finish_stable = [&] {
    const std::size_t z = nz.size();
    for (std::size_t k = 0; k < cands.size(); ++k) {
      const double* xh = snap.data() + k * z;
      long double a = 0.0L, b = 0.0L;
      for (std::size_t q = 0; q < z; ++q) {
        a += static_cast<long double>(x[nz[q]]) * xh[q];
        b += static_cast<long double>(xh[q]) * xh[q];
      }
      const long double mu = a / b;
      long double r2 = 0.0L;
      for (std::size_t q = 0; q < z; ++q) {
        const long double d = x[nz[q]] - mu * xh[q];
        r2 += d * d;
      }
      cands[k].base = yy * r2;
      cands[k].s1 = a;
      cands[k].s2 = b;
    }
  };
  auto step = [&](std::size_t i) {  // apply breakpoint of entry i
    Entry& e = ent[i];
    const double old = xhat_of(e);
    e.r += spacing(e.r);
    e.mid = e.r + 0.5 * spacing(e.r);
    if (!stable) {
      const double nw = xhat_of(e);
      s1 += static_cast<long double>(x[i]) * (static_cast<long double>(nw) - old);
      s2 += static_cast<long double>(nw) * nw - static_cast<long double>(old) * old;
    }
  };
  for (std::size_t i : nz) push_if_open(i);
  record(0, 1.0);
  std::size_t pos = 0;
  while (!heap.empty()) {
    const std::size_t i0 = heap.top();
    const double mid0 = ent[i0].mid, s0 = ent[i0].s;
    // Apply every breakpoint equal to this one (exact comparison), then record.
    while (!heap.empty() && compare_breaks(ent[heap.top()].mid, ent[heap.top()].s, mid0, s0) == 0) {
      const std::size_t i = heap.top();
      heap.pop();
      step(i);
      push_if_open(i);
    }
    ++pos;
    record(pos, mid0 / s0);
  }
  if (stable) finish_stable();
  out.candidates = cands.size();

  // Pass 2 reads y in decreasing binades (a stable counting sort on the exponent; zeros,
  // which cost 0 for every mu, dropped): the cost is a sum of non-negative terms of size
  // ~ 4^{exponent}, so the partial sums of a losing candidate reach `best` after fewer
  // terms and the early abort comes sooner. The set summed is the same (a permutation
  // of the terms), so the costs agree with any other order up to the rounding of the sum.
  std::vector<double> ys;
  {
    constexpr int kBins = 66;  // y in [-2, 2): exponents 0, -1, ..., -64, and one bin for smaller
    std::size_t cnt[kBins + 1] = {};
    auto bin = [](double v) {
      std::uint64_t b;
      std::memcpy(&b, &v, sizeof b);
      const int e = static_cast<int>((b >> 52) & 0x7ff) - 1023;  // ilogb for normal v; subnormals below -1022
      return static_cast<std::size_t>(std::min(kBins - 1, std::max(0, -e)));
    };
    for (double v : y)
      if (v != 0.0) ++cnt[bin(v) + 1];
    for (int k = 0; k < kBins; ++k) cnt[k + 1] += cnt[k];
    ys.resize(cnt[kBins]);
    for (double v : y)
      if (v != 0.0) ys[cnt[bin(v)]++] = v;
  }
  const std::size_t ny = ys.size();

  // Pass 2: exact-up-to-rounding costs with early abort.
  // The non-stable x-part carries a drift of at most ~E 2^-63 xx yy (long double updates);
  // the lower bounds are lowered by that much before pruning.
  const long double drift = stable ? 0.0L : static_cast<long double>(cands.size() + m) * std::ldexp(1.0L, -58) * xx * yy;
  // The smallest lower bound first (it usually is the optimum, so `best` is tight
  // from the start), then every other candidate whose lower bound is below `best`.
  std::size_t first = 0;
  for (std::size_t k = 1; k < cands.size(); ++k)
    if (cands[k].base < cands[first].base) first = k;
  long double best = std::numeric_limits<long double>::infinity();
  std::size_t best_k = first;
  for (std::size_t kk = 0; kk < cands.size(); ++kk) {
    const std::size_t k = kk == 0 ? first : (kk == first ? 0 : kk);
    const Cand& c = cands[k];
    if (c.base - drift >= best) continue;
    ++out.evaluated;
    const double mu = static_cast<double>(c.s1 / c.s2);
    const long double limit = (best - c.base) / c.s2;
    long double acc = 0.0L;
    bool aborted = false;
    // Blocks of 16 terms summed in double (each block sum has relative error <= 16 u,
    // negligible next to the long double total), abort tested per block (16 rather than
    // 64: half the reads at n = 2^12, the check is cheap next to them).
    // This loop is where left-to-right spends its time: see the cost note in
    // quantize_chain.
    for (std::size_t j0 = 0; j0 < ny; j0 += 16) {
      const std::size_t j1 = std::min(ny, j0 + 16);
      double part = 0.0;
      for (std::size_t j = j0; j < j1; ++j) {
        const double z = mu * ys[j];
        const double d = z - rt.narrow(z);
        part += d * d;
      }
      acc += part;
      if (acc >= limit) {
        aborted = true;
        break;
      }
    }
    if (aborted) continue;
    const long double cost = c.base + c.s2 * acc;
    if (cost < best) {
      best = cost;
      best_k = k;
    }
  }

  // Replay the breakpoints up to the best candidate to rebuild x^.
  const Cand& bc = cands[best_k];
  for (std::size_t i : nz) init_entry(i);
  while (!heap.empty()) heap.pop();
  for (std::size_t i : nz) push_if_open(i);
  for (std::size_t g = 0; g < bc.pos; ++g) {
    const std::size_t i0 = heap.top();
    const double mid0 = ent[i0].mid, s0 = ent[i0].s;
    while (!heap.empty() && compare_breaks(ent[heap.top()].mid, ent[heap.top()].s, mid0, s0) == 0) {
      const std::size_t i = heap.top();
      heap.pop();
      ent[i].r += spacing(ent[i].r);
      ent[i].mid = ent[i].r + 0.5 * spacing(ent[i].r);
      push_if_open(i);
    }
  }
  double lam_hi = 2.0;
  if (!heap.empty()) lam_hi = ent[heap.top()].mid / ent[heap.top()].s;
  out.lambda = 0.5 * (bc.lam_lo + lam_hi);
  long double a = 0.0L, b = 0.0L;
  std::vector<double> xs(m, 0.0);
  for (std::size_t i : nz) {
    xs[i] = xhat_of(ent[i]);
    a += static_cast<long double>(x[i]) * xs[i];
    b += static_cast<long double>(xs[i]) * xs[i];
  }
  const double mu = static_cast<double>(a / b);
  out.mu = mu;
  long double xr = 0.0L, yr = 0.0L;
  for (std::size_t i : nz) {
    const long double d = x[i] - static_cast<long double>(mu) * xs[i];
    xr += d * d;
  }
  const bool direct_y = ey > -1000 && ey < 1000;
  const double fy = direct_y ? std::ldexp(1.0, ey) : 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    const double yh = rt(mu * y[j]);
    const long double d = static_cast<long double>(mu) * y[j] - yh;
    yr += d * d;
    out.yh[j] = direct_y ? yh * fy : std::ldexp(yh, ey);  // = round(mu y_j) by F_t's 2-scale invariance
  }
  for (std::size_t i = 0; i < m; ++i) out.xh[i] = x_in[i] < 0 ? -std::ldexp(xs[i], ex) : std::ldexp(xs[i], ex);
  // Identity (1): cost = ||x^||^2 ||y^ - mu y||^2 + ||y||^2 ||x - mu x^||^2 (scaled by 4^{ex+ey}).
  out.cost = std::ldexp(b * yr + yy * xr, 2 * (ex + ey));
  return out;
}

// Power-of-2 exchange k for a rank-one pair so that both maxima sit in the
// format's range (the product x^ y^T is unchanged).
int balance_shift(const std::vector<double>& xh, const std::vector<double>& yh) {
  double mx = 0.0, my = 0.0;
  for (double v : xh) mx = std::max(mx, std::abs(v));
  for (double v : yh) my = std::max(my, std::abs(v));
  if (mx == 0.0 || my == 0.0) return 0;
  const int d = std::ilogb(my) - std::ilogb(mx);
  return d >= 0 ? d / 2 : -((-d + 1) / 2);
}

struct RankOneOut {
  CoreResult core;
  bool swapped = false;
};

// Enumerate the side with fewer non-zeros (the problem is symmetric under transposition).
RankOneOut rank_one_any(std::span<const double> x, std::span<const double> y, int t) {
  const auto nzc = [](std::span<const double> v) { return std::count_if(v.begin(), v.end(), [](double a) { return a != 0.0; }); };
  RankOneOut r;
  if (nzc(x) <= nzc(y)) {
    r.core = rank_one_core(x, y, t);
  } else {
    r.core = rank_one_core(y, x, t);
    r.swapped = true;
    std::swap(r.core.xh, r.core.yh);
    std::swap(r.core.lambda, r.core.mu);
  }
  return r;
}

void require_optimal_bits(const FloatFormat& f, const std::string& what) {
  if (f.t > max_optimal_bits) {
    std::ostringstream os;
    os << what << ": format " << f.name << " has t = " << f.t << " > " << max_optimal_bits
       << " significand bits; the optimal search enumerates 2^{t-1} candidates per entry (use RTN)";
    throw std::invalid_argument(os.str());
  }
}

void require_finite_values(const std::vector<double>& v, const std::string& what) {
  for (std::size_t k = 0; k < v.size(); ++k)
    if (!std::isfinite(v[k])) {
      std::ostringstream os;
      os << what << ": stored value " << k << " is " << v[k];
      throw std::invalid_argument(os.str());
    }
}

void require_finite_span(std::span<const double> v, const std::string& what) {
  for (std::size_t k = 0; k < v.size(); ++k)
    if (!std::isfinite(v[k])) {
      std::ostringstream os;
      os << what << ": entry " << k << " is " << v[k];
      throw std::invalid_argument(os.str());
    }
}

void validate_factor(const KFactor& f, const std::string& what) {
  f.theta.validate();
  if (f.values.size() != f.theta.nnz()) {
    std::ostringstream os;
    os << what << ": " << f.values.size() << " stored values but pattern " << f.theta.to_string() << " has " << f.theta.nnz();
    throw std::invalid_argument(os.str());
  }
  require_finite_values(f.values, what);
}

// Term k of a Kronecker pair: column k of X (b_X entries), row k of Y (c_Y entries), as offsets.
struct TermIndex {
  std::size_t xbase, xstride, ybase, ystride;
};
inline TermIndex term_index(const KPattern& tx, const KPattern& ty, std::size_t k) {
  const std::size_t ax = k / (tx.c * tx.d), gx = (k / tx.d) % tx.c, dx = k % tx.d;
  const std::size_t ay = k / (ty.b * ty.d), by = (k / ty.d) % ty.b, dy = k % ty.d;
  return {(ax * tx.b * tx.c + gx) * tx.d + dx, tx.c * tx.d, ((ay * ty.b + by) * ty.c) * ty.d + dy, ty.d};
}

// q of a q-chainable pair (Def 6.3.7); a pair that is not chainable has no
// decoupled rank-one terms, so no two-factor quantization applies to it.
std::size_t require_chainable(const KPattern& tx, const KPattern& ty) {
  const auto q = chainable(tx, ty);
  if (!q) {
    std::ostringstream os;
    os << "quantize_two_factors: (" << tx.to_string() << ", " << ty.to_string()
       << ") is not chainable (Def 6.3.7), so the rank-one terms do not decouple";
    throw std::invalid_argument(os.str());
  }
  return *q;
}

// Two-factor quantization of a chainable Kronecker pair in the unbounded F_t
// (R Sec. 4.4.1): one rank-one problem per inner index k. With q = 1 the terms
// have disjoint supports (S_X S_Y = S_{X*Y}, each entry covered once, Prop 6.3.11),
// so the cost is the sum of the rank-one costs and the term-wise optima are a
// global optimum. With q > 1 the q terms of a class share one support block and the
// term-wise solution is only a heuristic.
KTwoFactorQuantization two_factor_kron(const KFactor& X, const KFactor& Y, int t, bool need_x = true, bool need_y = true) {
  const std::size_t q = require_chainable(X.theta, Y.theta);
  KTwoFactorQuantization r;
  r.q = q;
  r.optimal = q == 1;
  if (need_x) r.X = KFactor(X.theta);  // right-to-left drops X^ except at its last step
  if (need_y) r.Y = KFactor(Y.theta);  // left-to-right drops Y^ except at its last step
  const std::size_t K = X.cols();
  r.lambda.assign(K, 0.0);
  r.mu.assign(K, 0.0);
  const KPattern tx = X.theta, ty = Y.theta;
  // Threads only when there is enough work per thread (tiny pairs would spin).
#pragma omp parallel if (K * (tx.b + ty.c) * static_cast<std::size_t>(t) > (std::size_t{1} << 14))
  {
    std::vector<double> xv(tx.b), yv(ty.c);
#pragma omp for schedule(dynamic, 8)
    for (std::size_t k = 0; k < K; ++k) {
      const TermIndex ti = term_index(tx, ty, k);
      for (std::size_t b = 0; b < tx.b; ++b) xv[b] = X.values[ti.xbase + b * ti.xstride];
      for (std::size_t c = 0; c < ty.c; ++c) yv[c] = Y.values[ti.ybase + c * ti.ystride];
      const RankOneOut o = rank_one_any(xv, yv, t);
      if (need_x)
        for (std::size_t b = 0; b < tx.b; ++b) r.X.values[ti.xbase + b * ti.xstride] = o.core.xh[b];
      if (need_y)
        for (std::size_t c = 0; c < ty.c; ++c) r.Y.values[ti.ybase + c * ti.ystride] = o.core.yh[c];
      r.lambda[k] = o.core.lambda;
      r.mu[k] = o.core.mu;
    }
  }
  return r;
}

// ---------------------------------------------------------------------------
// Rows of a suffix product, streamed (left-to-right without materializing)
// ---------------------------------------------------------------------------
//
// Left-to-right step l needs, for every inner index k, row k of Y = W_{l+1} ... W_L
// (R Sec. 4.4.2). Materializing Y costs n^2 / 2 values at the first step of the square
// dyadic chain; the survey's space bound O(2^t + n log n) needs the rows streamed.
//
// What is computed. kfactor_product_into evaluates the product right-nested,
// P_s = F_s P_{s+1} (P_{m-1} = F_{m-1}), each entry of row i of P_s accumulated from
// +0.0 over the columns k of row i of F_s in increasing k, skipping zero F_s entries.
// The stream performs the same floating-point operations on the same operands in the
// same order for every entry, so its rows are bit-identical to the materialized product
// (tested against it: QuantizeChain.StreamedProductsAreBitIdentical...).
//
// Why a tree of group streams is exact-once and O(n log n). Let (theta = F_s's pattern
// (a, b, c, d), theta_C = P_{s+1}'s pattern) be q-chainable, u = c / q = a_C / a,
// v = d / d_C = b_C / q. Writing the column k = alpha c d + gamma d + delta of F_s with
// gamma = gh q + gl, delta = dh d_C + d2 in P_{s+1}'s row coordinates gives
// alpha_C = alpha u + gh, beta_C = gl v + dh, delta_C = d2 (Def 6.3.7's index algebra).
// Hence the rows of P_s in the group (alpha, d2) of P_s (b v rows, beta_P = b1 v + dh)
// depend only on the u groups (alpha u + gh, d2) of P_{s+1}, and these groups feed no
// other group of P_s: the dependencies form disjoint trees, one per group of the top
// product. Inside a tree, the b output rows with a given dh need exactly the q rows
// beta_C = gl v + dh of each child group, and each child row is needed by that one batch.
// With q = 1 (every pair of the square dyadic chain) a child row is used the moment it
// is produced, and the u children, being structurally identical, produce the same
// beta_C sequence in lockstep: every node holds one batch (b rows of its own length).
// At depth j below the top there are prod u nodes whose rows are prod u times shorter,
// so each level holds O(b x top row length) values and the whole tree O(n log n)
// (dyadic: 2 x n / 2^{l+1} values per level, log2 n levels); every entry of every
// P_s is computed once, so the time is that of materializing. With q > 1 the q rows of
// a batch may arrive at different times; the node then buffers its children's rows
// (at most a whole child group; counted in the memory estimate before allocating).
// The mechanics both product streams share (SuffixRowStream: rows of
// F_s ... F_{m-1}; PrefixColStream: columns of F_0 ... F_s): per top group a
// tree of nodes, one per group of each level's product, each a stream of
// that group's lines (rows or columns) refilled one batch at a time from its
// children, pulled in lockstep (the argument above). The orientation -- which
// level feeds which, what a leaf line is, how a batch's lines combine -- is
// Derived's (CRTP): its combine() holds the floating-point arithmetic, so the
// lines stay bit-identical to the materialized product.
template <class Derived>
class ProductLineStream {
 public:
  // Values held by one stream (the memory estimate, before allocating).
  std::size_t working_values() const {
    std::size_t total = 0;
    for (std::size_t s = 0; s < lv_.size(); ++s) {
      const Level& L = lv_[s];
      const std::size_t r = self().depth(s);
      const std::size_t nodes = level_first_[r + 1] - level_first_[r];
      std::size_t per = L.line_length, t = 0;  // a leaf holds one line
      if (!self().is_leaf(s)) {
        if (__builtin_mul_overflow(L.batch_lines, L.line_length, &per)) return SIZE_MAX;
        if (L.q > 1 && (__builtin_mul_overflow(L.children, lv_[self().child_level(s)].group_lines, &t) ||
                        __builtin_mul_overflow(t, lv_[self().child_level(s)].line_length, &t) ||
                        __builtin_add_overflow(per, t, &per)))
          return SIZE_MAX;
      }
      if (__builtin_mul_overflow(nodes, per, &t) || __builtin_add_overflow(total, t, &total)) return SIZE_MAX;
    }
    return total;
  }

  const KPattern& pattern() const { return lv_[self().root()].p; }
  std::size_t groups() const { return pattern().a * pattern().d; }

  // Calls visit(k, line) for the lines k of top group g (line = the stored values of
  // line k of the product, in its index order), in the stream's order.
  template <class Visit>
  void stream_group(std::size_t g, Visit&& visit) {
    const KPattern& P = pattern();
    const std::size_t top = self().root();
    reset(top, 0, g / P.d, g % P.d);
    std::size_t index = 0;
    const double* line = nullptr;
    while (pull_node(top, 0, index, line)) visit((g / P.d * lv_[top].group_lines + index) * P.d + g % P.d, line);
  }

 protected:
  struct Level {
    KPattern p, c;  // this level's product, its children's product
    std::size_t q = 1, u = 1, v = 1;
    std::size_t children = 1;     // groups of the child level feeding one group of this level
    std::size_t keys = 1;         // q > 1: how many batches one round of child lines can complete
    std::size_t group_lines = 0;  // lines in one group of p (p.b rows or p.c columns)
    std::size_t line_length = 0;  // stored values of one line (p.c or p.b)
    std::size_t batch_lines = 0;  // lines one batch makes (F_s's b or c)
  };
  struct Node {
    std::size_t alpha = 0, delta = 0;
    std::vector<double> batch;       // batch_lines lines of line_length (leaf: one line)
    std::vector<std::size_t> index;  // local index of each batch line
    std::size_t cursor = 0, count = 0;
    bool done = false;
    // q > 1 only: the children's lines by (child, local index), arrivals per key
    std::vector<double> slots;
    std::vector<std::size_t> arrived;
  };

  explicit ProductLineStream(std::vector<const KFactor*> f) : f_(std::move(f)), lv_(f_.size()) {}

  // q of the product left * right, with kfactor_product's refusal when not chainable.
  static std::size_t product_q(const KPattern& left, const KPattern& right) {
    const auto q = chainable(left, right);
    if (!q) {
      std::ostringstream os;
      os << "kfactor_product: (" << left.to_string() << ", " << right.to_string() << ") is not chainable (Def 6.3.7)";
      throw std::invalid_argument(os.str());
    }
    return *q;
  }

  // After Derived filled lv_ (p, c, q, u, v, children, keys, batch_lines): the lines
  // (rows or columns) of every level's groups, then the node tree of one top group,
  // level by depth below the top.
  void build_tree(const char* what, bool rows) {
    for (Level& L : lv_) {
      L.group_lines = rows ? L.p.b : L.p.c;
      L.line_length = rows ? L.p.c : L.p.b;
    }
    const std::size_t m = lv_.size();
    std::size_t count = 1;
    level_first_.assign(m + 1, 0);
    for (std::size_t r = 0; r < m; ++r) {
      level_first_[r + 1] = level_first_[r] + count;
      const std::size_t s = self().level_at_depth(r);
      if (!self().is_leaf(s) && __builtin_mul_overflow(count, lv_[s].children, &count))
        throw std::length_error(std::string(what) + ": too many nodes");
    }
    nodes_.resize(level_first_[m]);
  }

  Node& node(std::size_t s, std::size_t id) { return nodes_[level_first_[self().depth(s)] + id]; }

  void reset(std::size_t s, std::size_t id, std::size_t alpha, std::size_t delta) {
    Node& nd = node(s, id);
    nd.alpha = alpha;
    nd.delta = delta;
    nd.cursor = nd.count = 0;
    nd.done = false;
    if (self().is_leaf(s)) return;
    const Level& L = lv_[s];
    const Level& C = lv_[self().child_level(s)];
    if (L.q > 1) {
      nd.arrived.assign(L.keys, 0);
      nd.slots.resize(L.children * C.group_lines * C.line_length);
    }
    for (std::size_t k = 0; k < L.children; ++k) {
      const auto [ca, cd] = self().child_group(s, alpha, delta, k);
      reset(self().child_level(s), id * L.children + k, ca, cd);
    }
  }

  bool pull_node(std::size_t s, std::size_t id, std::size_t& index, const double*& line) {
    Node& nd = node(s, id);
    if (self().is_leaf(s)) return self().pull_leaf(nd, index, line);
    if (nd.cursor == nd.count) {
      if (nd.done || !produce(s, id)) {
        nd.done = true;
        return false;
      }
    }
    index = nd.index[nd.cursor];
    line = nd.batch.data() + nd.cursor * lv_[s].line_length;
    ++nd.cursor;
    return true;
  }

  // Next batch of node (s, id): false when its children are exhausted. The
  // children's lines of one batch, lines[k q + j] (child k, j < q), all share
  // one key (Derived::key_of); with q = 1 each child gives one, in lockstep.
  bool produce(std::size_t s, std::size_t id) {
    const Level& L = lv_[s];
    const std::size_t n = L.children, q = L.q, cs = self().child_level(s);
    const Level& C = lv_[cs];
    if (child_lines_.size() < lv_.size()) child_lines_.resize(lv_.size());
    auto& lines = child_lines_[s];
    lines.assign(n * q, nullptr);
    std::size_t key = 0;
    for (;;) {
      std::size_t i0 = 0;
      for (std::size_t k = 0; k < n; ++k) {
        std::size_t ic = 0;
        const double* l = nullptr;
        if (!pull_node(cs, id * n + k, ic, l)) return false;
        if (k == 0) i0 = ic;
        else if (ic != i0) throw std::logic_error(std::string(Derived::kWhat) + ": children out of lockstep");
        if (q == 1) lines[k] = l;
        else std::copy(l, l + C.line_length, node(s, id).slots.begin() + static_cast<std::ptrdiff_t>((k * C.group_lines + ic) * C.line_length));
      }
      if (q == 1) {
        key = i0;
        break;
      }
      key = self().key_of(L, i0);
      if (++node(s, id).arrived[key] == q) break;
    }
    Node& nd = node(s, id);
    if (q > 1)
      for (std::size_t k = 0; k < n; ++k)
        for (std::size_t j = 0; j < q; ++j)
          lines[k * q + j] = nd.slots.data() + (k * C.group_lines + self().line_of_key(L, key, j)) * C.line_length;
    nd.batch.assign(L.batch_lines * L.line_length, 0.0);
    nd.index.resize(L.batch_lines);
    self().combine(s, nd, lines, key);
    nd.count = L.batch_lines;
    nd.cursor = 0;
    return true;
  }

  std::vector<const KFactor*> f_;
  std::vector<Level> lv_;

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  Derived& self() { return static_cast<Derived&>(*this); }

  std::vector<std::size_t> level_first_;  // nodes at depth r: [level_first_[r], level_first_[r + 1])
  std::vector<Node> nodes_;
  std::vector<std::vector<const double*>> child_lines_;
};

class SuffixRowStream : public ProductLineStream<SuffixRowStream> {
 public:
  static constexpr const char* kWhat = "product row stream";

  // f = F_0 ... F_{m-1}, m >= 2, every consecutive (F_s, F_{s+1} ... F_{m-1}) chainable.
  explicit SuffixRowStream(std::vector<const KFactor*> f) : ProductLineStream(std::move(f)) {
    const std::size_t m = f_.size();
    lv_[m - 1].p = f_[m - 1]->theta;
    for (std::size_t s = m - 1; s-- > 0;) {
      Level& L = lv_[s];
      L.c = lv_[s + 1].p;
      const KPattern& w = f_[s]->theta;
      L.q = product_q(w, L.c);
      L.u = w.c / L.q;
      L.v = w.d / L.c.d;
      L.p = w * L.c;
      L.children = L.u;  // the groups (alpha u + gh, d2) of P_{s+1}
      L.keys = L.v;      // a batch: the rows beta_C = gl v + dh of one dh
      L.batch_lines = w.b;
    }
    build_tree(kWhat, /*rows=*/true);
  }

 private:
  friend class ProductLineStream<SuffixRowStream>;
  // The top is P_0; a node of P_s is fed by P_{s+1}; the leaves are F_{m-1}'s groups.
  std::size_t root() const { return 0; }
  std::size_t depth(std::size_t s) const { return s; }
  std::size_t level_at_depth(std::size_t r) const { return r; }
  std::size_t child_level(std::size_t s) const { return s + 1; }
  bool is_leaf(std::size_t s) const { return s + 1 == lv_.size(); }
  std::pair<std::size_t, std::size_t> child_group(std::size_t s, std::size_t alpha, std::size_t delta,
                                                  std::size_t gh) const {
    return {alpha * lv_[s].u + gh, delta};
  }
  std::size_t key_of(const Level& L, std::size_t beta_c) const { return beta_c % L.v; }
  std::size_t line_of_key(const Level& L, std::size_t dh, std::size_t gl) const { return gl * L.v + dh; }

  // Leaf: the rows of F_{m-1}'s group (alpha, delta).
  bool pull_leaf(Node& nd, std::size_t& beta, const double*& row) {
    const KFactor& F = *f_.back();
    const KPattern& w = F.theta;
    if (nd.cursor == w.b) return false;
    nd.batch.resize(w.c);
    const double* src = F.values.data() + ((nd.alpha * w.b + nd.cursor) * w.c) * w.d + nd.delta;
    for (std::size_t ga = 0; ga < w.c; ++ga) nd.batch[ga] = src[ga * w.d];
    beta = nd.cursor++;
    row = nd.batch.data();
    return true;
  }

  // The b rows beta_P = b1 v + dh of node's group of P_s from rows[gh q + gl] = row
  // beta_C = gl v + dh of child group gh.
  void combine(std::size_t s, Node& nd, const std::vector<const double*>& rows, std::size_t dh) const {
    const Level& L = lv_[s];
    const KPattern& w = f_[s]->theta;
    const std::size_t u = L.u, q = L.q, v = L.v, cc = L.c.c, len = L.line_length;  // len = u cc
    const std::size_t d1 = dh * L.c.d + nd.delta;
    for (std::size_t b1 = 0; b1 < w.b; ++b1) {
      double* out = nd.batch.data() + b1 * len;
      const double* wr = f_[s]->values.data() + ((nd.alpha * w.b + b1) * w.c) * w.d + d1;
      // Increasing gamma = gh q + gl: kfactor_product_into's order for every entry.
      for (std::size_t gh = 0; gh < u; ++gh)
        for (std::size_t gl = 0; gl < q; ++gl) {
          const double xv = wr[(gh * q + gl) * w.d];
          if (xv == 0.0) continue;
          const double* y = rows[gh * q + gl];
          double* o = out + gh * cc;
          for (std::size_t g = 0; g < cc; ++g) o[g] += xv * y[g];
        }
      nd.index[b1] = b1 * v + dh;
    }
  }
};

// Columns of a prefix product, streamed (right-to-left without materializing): the
// mirror of SuffixRowStream. Right-to-left forms P_s = P_{s-1} F_s left-nested
// (kfactor_product_into(P_{s-1}, F_s)), entry (i, j) accumulated over k ascending. Column
// j of P_s is sum_k F_s[k, j] P_{s-1}[:, k] over the same k in the same order (products
// commute exactly; a zero product is skipped on either side, which never changes a sum
// that starts at +0.0: such a sum is never -0.0, so adding +-0 leaves it unchanged),
// hence bit-identical columns. Index algebra for (theta_C = P_{s-1}, theta = F_s)
// q-chainable, u = a / a_C, v = d_C / d = b / q: the column (alpha_C, gl, g, delta) of P_s's
// group (alpha_C, delta) (gamma_P = gl c + g) needs the columns gamma_C = gl q + bh of the v
// groups (alpha_C, bl d + delta) of P_{s-1}, row beta_C of group bl landing at
// beta_P = beta_C v + bl; disjoint trees and lockstep children as for the rows.
class PrefixColStream : public ProductLineStream<PrefixColStream> {
 public:
  static constexpr const char* kWhat = "product column stream";

  explicit PrefixColStream(std::vector<const KFactor*> f) : ProductLineStream(std::move(f)) {
    const std::size_t m = f_.size();
    lv_[0].p = f_[0]->theta;
    for (std::size_t s = 1; s < m; ++s) {
      Level& L = lv_[s];
      L.c = lv_[s - 1].p;
      const KPattern& w = f_[s]->theta;
      L.q = product_q(L.c, w);
      L.u = w.a / L.c.a;
      L.v = L.c.d / w.d;
      L.p = L.c * w;
      L.children = L.v;  // the groups (alpha_C, bl d + delta) of P_{s-1}
      L.keys = L.u;      // a batch: the columns gamma_C = gl q + bh of one gl
      L.batch_lines = w.c;
    }
    build_tree(kWhat, /*rows=*/false);
  }

 private:
  friend class ProductLineStream<PrefixColStream>;
  // The top is P_{m-1}; a node of P_s is fed by P_{s-1}; the leaves are F_0's groups.
  std::size_t root() const { return lv_.size() - 1; }
  std::size_t depth(std::size_t s) const { return lv_.size() - 1 - s; }
  std::size_t level_at_depth(std::size_t r) const { return lv_.size() - 1 - r; }
  std::size_t child_level(std::size_t s) const { return s - 1; }
  bool is_leaf(std::size_t s) const { return s == 0; }
  std::pair<std::size_t, std::size_t> child_group(std::size_t s, std::size_t alpha, std::size_t delta,
                                                  std::size_t bl) const {
    return {alpha, bl * f_[s]->theta.d + delta};
  }
  std::size_t key_of(const Level& L, std::size_t gamma_c) const { return gamma_c / L.q; }
  std::size_t line_of_key(const Level& L, std::size_t gl, std::size_t bh) const { return gl * L.q + bh; }

  // Leaf: the columns of F_0's group (alpha, delta).
  bool pull_leaf(Node& nd, std::size_t& gamma, const double*& col) {
    const KFactor& F = *f_.front();
    const KPattern& w = F.theta;
    if (nd.cursor == w.c) return false;
    nd.batch.resize(w.b);
    for (std::size_t be = 0; be < w.b; ++be) nd.batch[be] = F.values[((nd.alpha * w.b + be) * w.c + nd.cursor) * w.d + nd.delta];
    gamma = nd.cursor++;
    col = nd.batch.data();
    return true;
  }

  // The c columns gamma_P = gl c + g of node's group of P_s from cols[bl q + bh] =
  // column gamma_C = gl q + bh of child group bl.
  void combine(std::size_t s, Node& nd, const std::vector<const double*>& cols, std::size_t gl) const {
    const Level& L = lv_[s];
    const KPattern& w = f_[s]->theta;
    const std::size_t u = L.u, q = L.q, v = L.v, bC = L.c.b, len = L.line_length;  // len = bC v
    const std::size_t al = nd.alpha * u + gl;  // F_s's alpha
    for (std::size_t g = 0; g < w.c; ++g) {
      double* out = nd.batch.data() + g * len;
      for (std::size_t bl = 0; bl < v; ++bl)
        for (std::size_t bh = 0; bh < q; ++bh) {  // increasing k for every entry
          const double fv = f_[s]->values[((al * w.b + bh * v + bl) * w.c + g) * w.d + nd.delta];
          if (fv == 0.0) continue;
          const double* y = cols[bl * q + bh];
          for (std::size_t bc = 0; bc < bC; ++bc) out[bc * v + bl] += fv * y[bc];
        }
      nd.index[g] = gl * w.c + g;
    }
  }
};

// One two-factor step with one side streamed: the rows of Y = F_0 ... F_{m-1}
// (SuffixRowStream, left-to-right) or the columns of X = F_0 ... F_{m-1}
// (PrefixColStream, right-to-left). The same rank-one problems, on bit-identical
// inputs, as two_factor_kron on the materialized product (left-to-right keeps X^,
// right-to-left keeps Y^). Memory: one stream per thread, checked against
// max_values before allocating.
template <class Stream, bool kStreamY>
KTwoFactorQuantization two_factor_streamed_side(const KFactor& fixed, const std::vector<const KFactor*>& streamed,
                                                int t, std::size_t max_values) {
  Stream probe(streamed);
  const KPattern tx = kStreamY ? fixed.theta : probe.pattern(), ty = kStreamY ? probe.pattern() : fixed.theta;
  const std::size_t q = require_chainable(tx, ty);
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  const std::size_t per = probe.working_values();
  std::size_t need = 0;
  if (per == SIZE_MAX || __builtin_mul_overflow(per, static_cast<std::size_t>(threads), &need) || need > max_values) {
    std::ostringstream os;
    os << "quantize_chain: streaming the " << (kStreamY ? "rows" : "columns") << " of the product on "
       << (kStreamY ? ty : tx).to_string() << " needs more than " << max_values << " working values";
    throw std::length_error(os.str());
  }
  KTwoFactorQuantization r;
  r.q = q;
  r.optimal = q == 1;
  KFactor& out = kStreamY ? r.X : r.Y;
  out = KFactor(fixed.theta);
  const std::size_t K = kStreamY ? fixed.cols() : fixed.rows();
  r.lambda.assign(K, 0.0);
  r.mu.assign(K, 0.0);
  const std::size_t G = probe.groups();
  const std::size_t fixed_len = kStreamY ? tx.b : ty.c, streamed_len = kStreamY ? ty.c : tx.b;
#pragma omp parallel if (G > 1 && K * (tx.b + ty.c) * static_cast<std::size_t>(t) > (std::size_t{1} << 14))
  {
    Stream stream(streamed);
    std::vector<double> fv(fixed_len);
#pragma omp for schedule(dynamic, 1)
    for (std::size_t g = 0; g < G; ++g)
      stream.stream_group(g, [&](std::size_t k, const double* line) {
        const TermIndex ti = term_index(tx, ty, k);
        const std::size_t base = kStreamY ? ti.xbase : ti.ybase, stride = kStreamY ? ti.xstride : ti.ystride;
        for (std::size_t e = 0; e < fixed_len; ++e) fv[e] = fixed.values[base + e * stride];
        const std::span<const double> sv(line, streamed_len);
        const RankOneOut o = kStreamY ? rank_one_any(fv, sv, t) : rank_one_any(sv, fv, t);
        const std::vector<double>& hat = kStreamY ? o.core.xh : o.core.yh;
        for (std::size_t e = 0; e < fixed_len; ++e) out.values[base + e * stride] = hat[e];
        r.lambda[k] = o.core.lambda;
        r.mu[k] = o.core.mu;
      });
  }
  return r;
}

// Left-to-right step with Y = F_0 ... F_{m-1} streamed by rows.
KTwoFactorQuantization two_factor_streamed(const KFactor& X, const std::vector<const KFactor*>& suffix, int t,
                                           std::size_t max_values) {
  return two_factor_streamed_side<SuffixRowStream, true>(X, suffix, t, max_values);
}

// Right-to-left step with X = F_0 ... F_{m-1} streamed by columns.
KTwoFactorQuantization two_factor_streamed_cols(const std::vector<const KFactor*>& prefix, const KFactor& Y, int t,
                                                std::size_t max_values) {
  return two_factor_streamed_side<PrefixColStream, false>(Y, prefix, t, max_values);
}

// W with entry (alpha, beta, gamma, delta) multiplied by s[index(alpha, beta, gamma, delta)]:
// a diagonal scaling of W's rows (index = its row) or columns (its column).
template <class Index>
KFactor scaled(const KFactor& W, const std::vector<double>& s, Index index) {
  KFactor o = W;
  const auto& t = W.theta;
  for (std::size_t al = 0; al < t.a; ++al)
    for (std::size_t be = 0; be < t.b; ++be)
      for (std::size_t ga = 0; ga < t.c; ++ga)
        for (std::size_t de = 0; de < t.d; ++de) o.values[((al * t.b + be) * t.c + ga) * t.d + de] *= s[index(al, be, ga, de)];
  return o;
}

KFactor scale_rows(const KFactor& W, const std::vector<double>& s) {
  const auto& t = W.theta;
  return scaled(W, s, [&](std::size_t al, std::size_t be, std::size_t, std::size_t de) { return (al * t.b + be) * t.d + de; });
}

KFactor scale_cols(const KFactor& W, const std::vector<double>& s) {
  const auto& t = W.theta;
  return scaled(W, s, [&](std::size_t al, std::size_t, std::size_t ga, std::size_t de) { return (al * t.c + ga) * t.d + de; });
}

KFactor rtn_bits(const KFactor& W, int t) {
  KFactor o = W;
  for (double& v : o.values) v = round_to_bits(v, t);
  return o;
}

// Fit F_t values into a bounded format: per-factor power-of-2 shifts k_l with
// sum k_l = 0 (product unchanged) centring each factor's exponent range, then
// round_to_format (a no-op on values already in F). Shifts stay 0 when every value
// is already in F.
void fit_into_format(std::vector<KFactor>& fs, const FloatFormat& f, ChainQuantization& out) {
  const std::size_t L = fs.size();
  out.range_shift.assign(L, 0);
  bool all_in = true;
  for (const auto& w : fs)
    for (double v : w.values)
      if (!representable(v, f)) all_in = false;
  if (!all_in) {
    long long total = 0;
    std::vector<long long> k(L, 0);
    const double centre = 0.5 * ((f.emax - 1) + (f.emin - 1));
    for (std::size_t l = 0; l < L; ++l) {
      int hi = std::numeric_limits<int>::min(), lo = std::numeric_limits<int>::max();
      for (double v : fs[l].values)
        if (v != 0.0) {
          hi = std::max(hi, std::ilogb(v));
          lo = std::min(lo, std::ilogb(v));
        }
      if (hi == std::numeric_limits<int>::min()) continue;
      k[l] = std::llround(centre - 0.5 * (hi + lo));
      total += k[l];
    }
    // Remove the net shift, spread over the factors (sum k_l = 0).
    const auto Ls = static_cast<long long>(L);
    for (std::size_t l = 0; l < L; ++l) {
      const long long share = total / Ls + (static_cast<long long>(l) < total % Ls ? 1 : 0);
      k[l] -= share;
    }
    for (std::size_t l = 0; l < L; ++l) {
      const long long kk = std::clamp(k[l], -2000LL, 2000LL);
      out.range_shift[l] = static_cast<int>(kk);
      for (double& v : fs[l].values) v = std::ldexp(v, static_cast<int>(kk));
    }
  }
  for (auto& w : fs)
    for (double& v : w.values) {
      const double r = round_to_format(v, f);
      if (r != v) ++out.rounded_into_range;
      v = r;
    }
}

}  // namespace

// ---------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------

RankOneQuantization quantize_rank_one(std::span<const double> x, std::span<const double> y, const FloatFormat& f) {
  f.validate();
  require_optimal_bits(f, "quantize_rank_one");
  require_finite_span(x, "quantize_rank_one: x");
  require_finite_span(y, "quantize_rank_one: y");
  RankOneOut o = rank_one_any(x, y, f.t);
  RankOneQuantization r;
  r.candidates = o.core.candidates;
  r.evaluated = o.core.evaluated;
  r.cost = static_cast<double>(o.core.cost);
  const int k = balance_shift(o.core.xh, o.core.yh);
  r.shift = k;
  r.lambda = std::ldexp(o.core.lambda, k);
  r.mu = std::ldexp(o.core.mu, -k);
  r.x.resize(x.size());
  r.y.resize(y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double v = std::ldexp(o.core.xh[i], k);
    r.x[i] = round_to_format(v, f);
    if (r.x[i] != v) r.in_format = false;
  }
  for (std::size_t j = 0; j < y.size(); ++j) {
    const double v = std::ldexp(o.core.yh[j], -k);
    r.y[j] = round_to_format(v, f);
    if (r.y[j] != v) r.in_format = false;
  }
  return r;
}

TwoFactorQuantization quantize_two_factors(const Matrix& X, const Matrix& Y, const FloatFormat& f) {
  f.validate();
  require_optimal_bits(f, "quantize_two_factors");
  require_finite(X, "quantize_two_factors: X");
  require_finite(Y, "quantize_two_factors: Y");
  if (X.cols() != Y.rows()) {
    std::ostringstream os;
    os << "quantize_two_factors: X is " << X.rows() << " x " << X.cols() << " but Y is " << Y.rows() << " x " << Y.cols();
    throw std::invalid_argument(os.str());
  }
  // Thm 5.2.3's disjointness: the supports R_k x C_k of the terms X[:,k] Y[k,:]
  // must be pairwise disjoint for the problem to decouple.
  const Eigen::Index m = X.rows(), n = Y.cols(), r = X.cols();
  std::vector<Eigen::Index> owner(static_cast<std::size_t>(m * n), -1);
  for (Eigen::Index k = 0; k < r; ++k)
    for (Eigen::Index i = 0; i < m; ++i) {
      if (X(i, k) == 0.0) continue;
      for (Eigen::Index j = 0; j < n; ++j) {
        if (Y(k, j) == 0.0) continue;
        auto& o = owner[static_cast<std::size_t>(i + j * m)];
        if (o >= 0) {
          std::ostringstream os;
          os << "quantize_two_factors: the rank-one terms " << o << " and " << k << " both cover entry (" << i << ", " << j
             << "); the optimal decoupling needs pairwise disjoint supports (Thm 5.2.3)";
          throw std::invalid_argument(os.str());
        }
        o = k;
      }
    }
  TwoFactorQuantization out;
  out.X = Matrix::Zero(m, r);
  out.Y = Matrix::Zero(r, n);
  out.lambda.assign(static_cast<std::size_t>(r), 0.0);
  out.mu.assign(static_cast<std::size_t>(r), 0.0);
  for (Eigen::Index k = 0; k < r; ++k) {
    std::vector<double> xv(static_cast<std::size_t>(m)), yv(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < m; ++i) xv[static_cast<std::size_t>(i)] = X(i, k);
    for (Eigen::Index j = 0; j < n; ++j) yv[static_cast<std::size_t>(j)] = Y(k, j);
    const RankOneQuantization q = quantize_rank_one(xv, yv, f);
    for (Eigen::Index i = 0; i < m; ++i) out.X(i, k) = q.x[static_cast<std::size_t>(i)];
    for (Eigen::Index j = 0; j < n; ++j) out.Y(k, j) = q.y[static_cast<std::size_t>(j)];
    out.lambda[static_cast<std::size_t>(k)] = q.lambda;
    out.mu[static_cast<std::size_t>(k)] = q.mu;
    out.optimal = out.optimal && q.in_format;
  }
  return out;
}

KTwoFactorQuantization quantize_two_factors(const KFactor& X, const KFactor& Y, const FloatFormat& f) {
  f.validate();
  require_optimal_bits(f, "quantize_two_factors");
  validate_factor(X, "quantize_two_factors: X");
  validate_factor(Y, "quantize_two_factors: Y");
  KTwoFactorQuantization r = two_factor_kron(X, Y, f.t);
  // Per-term power-of-2 exchange into range (product of each term unchanged).
  const KPattern tx = X.theta, ty = Y.theta;
  for (std::size_t k = 0; k < X.cols(); ++k) {
    const TermIndex ti = term_index(tx, ty, k);
    std::vector<double> xv(tx.b), yv(ty.c);
    for (std::size_t b = 0; b < tx.b; ++b) xv[b] = r.X.values[ti.xbase + b * ti.xstride];
    for (std::size_t c = 0; c < ty.c; ++c) yv[c] = r.Y.values[ti.ybase + c * ti.ystride];
    const int s = balance_shift(xv, yv);
    r.lambda[k] = std::ldexp(r.lambda[k], s);
    r.mu[k] = std::ldexp(r.mu[k], -s);
    for (std::size_t b = 0; b < tx.b; ++b) {
      double& v = r.X.values[ti.xbase + b * ti.xstride];
      const double w = std::ldexp(v, s);
      v = round_to_format(w, f);
      if (v != w) r.optimal = false;
    }
    for (std::size_t c = 0; c < ty.c; ++c) {
      double& v = r.Y.values[ti.ybase + c * ti.ystride];
      const double w = std::ldexp(v, -s);
      v = round_to_format(w, f);
      if (v != w) r.optimal = false;
    }
  }
  return r;
}

double stream_suffix_rows(const std::vector<KFactor>& factors, std::size_t* entries) {
  for (std::size_t l = 0; l < factors.size(); ++l) validate_factor(factors[l], "stream_suffix_rows: factor " + std::to_string(l + 1));
  const std::size_t L = factors.size();
  double s = 0.0;
  std::size_t count = 0;
  for (std::size_t l = 0; l + 2 < L; ++l) {
    std::vector<const KFactor*> suffix;
    for (std::size_t j = l + 1; j < L; ++j) suffix.push_back(&factors[j]);
    SuffixRowStream stream(suffix);
    const std::size_t c = stream.pattern().c;
    for (std::size_t g = 0; g < stream.groups(); ++g)
      stream.stream_group(g, [&](std::size_t, const double* row) {
        double lane[4] = {0, 0, 0, 0};  // independent lanes: reading, not a serial add chain
        std::size_t k = 0;
        for (; k + 4 <= c; k += 4)
          for (std::size_t w = 0; w < 4; ++w) lane[w] += row[k + w] * row[k + w];
        for (; k < c; ++k) lane[0] += row[k] * row[k];
        s += (lane[0] + lane[1]) + (lane[2] + lane[3]);
        count += c;
      });
  }
  if (entries) *entries = count;
  return s;
}

KFactor kfactor_product(const KFactor& X, const KFactor& Y, std::size_t max_values) {
  KFactor P;
  kfactor_product_into(X, Y, P, max_values);
  return P;
}

void kfactor_product_into(const KFactor& X, const KFactor& Y, KFactor& P, std::size_t max_values) {
  const KPattern tx = X.theta, ty = Y.theta;
  if (!chainable(tx, ty)) {
    std::ostringstream os;
    os << "kfactor_product: (" << tx.to_string() << ", " << ty.to_string() << ") is not chainable (Def 6.3.7)";
    throw std::invalid_argument(os.str());
  }
  const KPattern tp = tx * ty;
  // Checked size before allocating: rows * cols of the product bounds its nnz.
  std::size_t nnz = 0;
  if (__builtin_mul_overflow(tp.a * tp.b * tp.d, tp.c, &nnz) || nnz > max_values) {
    std::ostringstream os;
    os << "kfactor_product: the product on " << tp.to_string() << " has more than " << max_values << " stored values";
    throw std::length_error(os.str());
  }
  P.theta = tp;
  P.values.assign(nnz, 0.0);  // keeps the capacity
  // Entry (i, k) of X times row k of Y lands in row i of P at columns
  // ay cy dy + g dy + dy_, g < cy; with d_P = d_Y the product's gamma index is
  // (ay cy + g) mod c_P, contiguous in g because c_Y divides c_P = (a_Y / a_X) c_Y.
  const std::size_t bp = tp.b, cp = tp.c, dp = tp.d;
#pragma omp parallel for schedule(static) if (X.values.size() * ty.c > (1u << 16))
  for (std::size_t ai = 0; ai < tx.a * tx.b * tx.d; ++ai) {
    // one row i of X per iteration: rows of P are disjoint across iterations
    const std::size_t i = ai;
    const std::size_t al = i / (tx.b * tx.d), be = (i / tx.d) % tx.b, de = i % tx.d;
    const std::size_t pal = i / (bp * dp), pbe = (i / dp) % bp, pde = i % dp;
    const std::size_t rowbase = ((pal * bp + pbe) * cp) * dp + pde;
    for (std::size_t ga = 0; ga < tx.c; ++ga) {
      const double xv = X.values[((al * tx.b + be) * tx.c + ga) * tx.d + de];
      if (xv == 0.0) continue;
      const std::size_t k = al * tx.c * tx.d + ga * tx.d + de;
      const std::size_t ay = k / (ty.b * ty.d), by = (k / ty.d) % ty.b, dy = k % ty.d;
      const std::size_t ybase = ((ay * ty.b + by) * ty.c) * ty.d + dy;
      const std::size_t g0 = (ay * ty.c) % cp;
      for (std::size_t g = 0; g < ty.c; ++g) P.values[rowbase + (g0 + g) * dp] += xv * Y.values[ybase + g * ty.d];
    }
  }
}

ChainQuantization quantize_chain(const std::vector<KFactor>& factors, const QuantizeOptions& opt) {
  const FloatFormat& f = opt.format;
  f.validate();
  if (opt.method != QuantizeMethod::rtn && factors.size() > 1) require_optimal_bits(f, "quantize_chain");
  if (factors.empty()) throw std::invalid_argument("quantize_chain: the chain has no factors");
  KChain chain;
  for (std::size_t l = 0; l < factors.size(); ++l) {
    validate_factor(factors[l], "quantize_chain: factor " + std::to_string(l + 1));
    chain.push_back(factors[l].theta);
  }
  if (!sizes_compatible(chain)) {
    for (std::size_t l = 0; l + 1 < chain.size(); ++l)
      if (chain[l].cols() != chain[l + 1].rows()) {
        std::ostringstream os;
        os << "quantize_chain: factor " << l + 1 << " " << chain[l].to_string() << " has " << chain[l].cols()
           << " columns but factor " << l + 2 << " " << chain[l + 1].to_string() << " has " << chain[l + 1].rows() << " rows";
        throw std::invalid_argument(os.str());
      }
  }
  const std::size_t L = factors.size();
  const int t = f.t;
  ChainQuantization out;
  out.factors.resize(L);
  const auto step_of = [](std::size_t left, const KTwoFactorQuantization& r) {
    return QuantizeStep{left, r.q, r.optimal, r.lambda, r.mu};
  };
  QuantizeMethod method = opt.method;
  if (L == 1) method = QuantizeMethod::rtn;  // one factor: entrywise rounding is optimal
  switch (method) {
    case QuantizeMethod::rtn:
      for (std::size_t l = 0; l < L; ++l) out.factors[l] = rtn_bits(factors[l], t);
      break;
    case QuantizeMethod::pairwise:
      // (W1 W2)(W3 W4)...: each pair optimally (R Sec. 4.4.2); an odd last factor by RTN.
      for (std::size_t l = 0; l < L; l += 2) {
        if (l + 1 == L) {
          out.factors[l] = rtn_bits(factors[l], t);
          break;
        }
        KTwoFactorQuantization r = two_factor_kron(factors[l], factors[l + 1], t);
        out.factors[l] = std::move(r.X);
        out.factors[l + 1] = std::move(r.Y);
        out.steps.push_back(step_of(l, r));
      }
      break;
    case QuantizeMethod::left_to_right: {
      // Step l: X = M W_l, Y = W_{l+1} ... W_L (one chainable factor), two-factor optimum;
      // keep W^_l = round(X Lambda), carry M = diag(mu) into the next step (R Sec. 4.4.2).
      //
      // Cost note (why "within 20x one pass over the stored values" is out of reach for
      // left-to-right as R Sec. 4.4.2 defines it). Step l solves one rank-one problem
      // per inner index k, x = column k of M W_l, y = row k of Y, and its criterion
      // ||x^||^2 sum_j dist(mu y_j, F_t)^2 + ||y||^2 ||x - mu x^||^2 (Box 9, identity (1)
      // in rank_one_core) contains every y_j: replacing one y_j by a value V much larger
      // than the others makes dist(mu V, F_t) dominate and moves the optimal mu, so an
      // algorithm that never forms y_j cannot be exact for both values. Every entry of
      // every row of every Y must therefore be formed and read at least once (the entries
      // are distinct path products, one multiplication each): sum_l K_l c(Y_l) values,
      // n^2 - 4n for the square dyadic chain (rows of n / 2^{l+1} entries, l = 1 .. L-2)
      // against its 2 n log2 n stored values, a factor (n - 4) / (2 log2 n) = 585 at
      // n = 2^14 before any search (R itself states O(2^t n^2) time). The argument bounds
      // algorithms that evaluate Box 9's criterion from the entries of Y; it is not a
      // lower bound over all conceivable algorithms on the stored values. Above that
      // bound, the search evaluates the cost of up to 2^t candidate scalings per row with
      // early abort (rank_one_core, pass 2; it reads y in decreasing binades so that
      // losing candidates abort early, abort tested every 16 terms): measured 11.3 reads
      // per entry of Y at n = 2^12, t = 8 (92.9 before both). Figures: bench/RESULTS.md,
      // issue 25.
      // The suffix products ping-pong between two buffers that keep their capacity
      // across steps: one allocation each for the whole run (fresh pages are costly).
      std::vector<double> M(factors[0].rows(), 1.0);
      KFactor bufA, bufB;
      for (std::size_t l = 0; l + 1 < L; ++l) {
        if (l + 2 < L && !opt.materialize_products) {
          // Rows of W_{l+1} ... W_L streamed, bit-identical to the materialized product.
          std::vector<const KFactor*> suffix;
          for (std::size_t s = l + 1; s < L; ++s) suffix.push_back(&factors[s]);
          KTwoFactorQuantization r = two_factor_streamed(scale_rows(factors[l], M), suffix, t, opt.max_product_values);
          out.factors[l] = std::move(r.X);
          M = r.mu;
          out.steps.push_back(step_of(l, r));
          continue;
        }
        const KFactor* P = &factors[L - 1];
        if (l + 2 < L) {
          kfactor_product_into(factors[L - 2], factors[L - 1], bufA, opt.max_product_values);
          for (std::size_t s = L - 2; s-- > l + 1;) {
            kfactor_product_into(factors[s], bufA, bufB, opt.max_product_values);
            std::swap(bufA, bufB);
          }
          P = &bufA;
        }
        KTwoFactorQuantization r = two_factor_kron(scale_rows(factors[l], M), *P, t, true, l + 2 == L);
        out.factors[l] = std::move(r.X);
        if (l + 2 == L) out.factors[L - 1] = std::move(r.Y);  // Y = W_L here: its quantization is W^_L
        M = r.mu;
        out.steps.push_back(step_of(l, r));
      }
      break;
    }
    case QuantizeMethod::right_to_left: {
      // Mirror: step l: X = W_1 ... W_{l-1}, Y = W_l M; keep W^_l = round(M' Y), carry Lambda.
      std::vector<double> M(factors[L - 1].cols(), 1.0);
      KFactor bufA, bufB;
      for (std::size_t l = L - 1; l >= 1; --l) {
        if (l >= 2 && !opt.materialize_products) {
          // Columns of W_1 ... W_{l-1} streamed, bit-identical to the materialized product.
          std::vector<const KFactor*> prefix;
          for (std::size_t s = 0; s < l; ++s) prefix.push_back(&factors[s]);
          KTwoFactorQuantization r = two_factor_streamed_cols(prefix, scale_cols(factors[l], M), t, opt.max_product_values);
          out.factors[l] = std::move(r.Y);
          M = r.lambda;
          out.steps.push_back(step_of(l - 1, r));
          continue;
        }
        const KFactor* P = &factors[0];
        if (l >= 2) {
          kfactor_product_into(factors[0], factors[1], bufA, opt.max_product_values);
          for (std::size_t s = 2; s < l; ++s) {
            kfactor_product_into(bufA, factors[s], bufB, opt.max_product_values);
            std::swap(bufA, bufB);
          }
          P = &bufA;
        }
        KTwoFactorQuantization r = two_factor_kron(*P, scale_cols(factors[l], M), t, l == 1, true);
        out.factors[l] = std::move(r.Y);
        if (l == 1) out.factors[0] = std::move(r.X);
        M = r.lambda;
        out.steps.push_back(step_of(l - 1, r));
      }
      break;
    }
  }
  fit_into_format(out.factors, f, out);
  return out;
}

// ---------------------------------------------------------------------------
// Certified error
// ---------------------------------------------------------------------------

namespace {

// The selector E_[j0, j0 + B) as a factor on (1, n, B, 1): column g is e_{j0 + g}.
KFactor column_selector(std::size_t n, std::size_t j0, std::size_t B) {
  KFactor S(KPattern{1, n, B, 1});
  for (std::size_t g = 0; g < B; ++g) S.values[(j0 + g) * B + g] = 1.0;
  return S;
}

Interval norm_enclosure(const Matrix& P) {
  double s = 0.0;
  for (Eigen::Index j = 0; j < P.cols(); ++j)
    for (Eigen::Index i = 0; i < P.rows(); ++i) s += P(i, j) * P(i, j);
  return sqrt(nonneg_sum_enclosure(s, static_cast<std::size_t>(P.size())));
}

Interval ratio(const Interval& a, const Interval& b) {
  if (!(b.lo > 0.0)) return {0.0, inf};
  return {std::max(0.0, round_down(a.lo / b.hi)), round_up(a.hi / b.lo)};
}

void check_chain_for_error(const std::vector<KFactor>& fs, const std::string& what) {
  if (fs.empty()) throw std::invalid_argument(what + ": empty chain");
  for (std::size_t l = 0; l < fs.size(); ++l) validate_factor(fs[l], what + ": factor " + std::to_string(l + 1));
  for (std::size_t l = 0; l + 1 < fs.size(); ++l)
    if (fs[l].cols() != fs[l + 1].rows()) throw std::invalid_argument(what + ": factor sizes do not chain at " + std::to_string(l + 1));
}

}  // namespace

// Proof. Per column block b (selector S_b, exact 0/1), let Pb = fl(W_1...W_L S_b) as
// computed. direct_residual(Pb, W^ S_b) encloses d_b = ||Pb - W^_1...W^_L S_b||_F
// and direct_residual(Pb, W S_b) encloses e_b = ||Pb - W_1...W_L S_b||_F (both exact
// reals of the stored doubles, hierarchical.hpp). By the triangle inequality the block
// of the exact error ||W S_b - W^ S_b|| lies in [d_b - e_b, d_b + e_b], and ||W S_b|| in
// [||Pb|| - e_b, ||Pb|| + e_b]; squares of blocks add up to the squared norms.
QuantizationError quantization_error(const std::vector<KFactor>& ref, const std::vector<KFactor>& q, std::size_t block) {
  check_chain_for_error(ref, "quantization_error: reference");
  check_chain_for_error(q, "quantization_error: quantized");
  if (ref.size() != q.size()) throw std::invalid_argument("quantization_error: the chains have different lengths");
  for (std::size_t l = 0; l < ref.size(); ++l)
    if (!(ref[l].theta == q[l].theta)) throw std::invalid_argument("quantization_error: factor " + std::to_string(l + 1) + " patterns differ");
  const std::size_t n = ref.back().cols();
  block = std::max<std::size_t>(1, block);
  Interval num2{0.0, 0.0}, den2{0.0, 0.0};
  for (std::size_t j0 = 0; j0 < n; j0 += block) {
    const std::size_t B = std::min(block, n - j0);
    std::vector<KFactor> w = ref, wq = q;
    w.push_back(column_selector(n, j0, B));
    wq.push_back(w.back());
    const Matrix Pb = chain_product(w);
    const Interval d = direct_residual(Pb, wq);
    const Interval e = direct_residual(Pb, w);
    const Interval pn = norm_enclosure(Pb);
    num2 = num2 + square(Interval{std::max(0.0, round_down(d.lo - e.hi)), round_up(d.hi + e.hi)});
    den2 = den2 + square(Interval{std::max(0.0, round_down(pn.lo - e.hi)), round_up(pn.hi + e.hi)});
  }
  QuantizationError r;
  r.absolute = sqrt(num2);
  r.reference = sqrt(den2);
  r.relative = ratio(r.absolute, r.reference);
  return r;
}

QuantizationError quantization_error(const Matrix& A, const std::vector<KFactor>& q, std::size_t block) {
  check_chain_for_error(q, "quantization_error: quantized");
  require_finite(A, "quantization_error: A");
  const std::size_t n = q.back().cols();
  if (static_cast<std::size_t>(A.rows()) != q.front().rows() || static_cast<std::size_t>(A.cols()) != n) {
    std::ostringstream os;
    os << "quantization_error: A is " << A.rows() << " x " << A.cols() << " but the chain is " << q.front().rows() << " x " << n;
    throw std::invalid_argument(os.str());
  }
  block = std::max<std::size_t>(1, block);
  Interval num2{0.0, 0.0};
  for (std::size_t j0 = 0; j0 < n; j0 += block) {
    const std::size_t B = std::min(block, n - j0);
    std::vector<KFactor> wq = q;
    wq.push_back(column_selector(n, j0, B));
    const Matrix Ab = A.middleCols(static_cast<Eigen::Index>(j0), static_cast<Eigen::Index>(B));
    num2 = num2 + square(direct_residual(Ab, wq));
  }
  QuantizationError r;
  r.absolute = sqrt(num2);
  r.reference = norm_enclosure(A);
  r.relative = ratio(r.absolute, r.reference);
  return r;
}

}  // namespace wellposed::numeric
