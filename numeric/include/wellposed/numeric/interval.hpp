#pragma once
// Rigorous rounding-error bookkeeping for the certified enclosures.
//
// Rounding model (stated once, used everywhere in numeric/):
//   IEEE 754 binary64, round to nearest, no -ffast-math. Every +, -, *, /, sqrt
//   and fma returns the exact result times (1 + e), |e| <= u = 2^-53, plus, for
//   a product that underflows, an absolute error below eta = 2^-1074 (sums of
//   doubles are exact in the subnormal range). Overflow is detected (a non-finite
//   value makes every bound +inf, never a wrong finite number).
//   A sum of n products, evaluated in ANY order (OpenMP reductions, Eigen's
//   blocked kernels, with or without fma), satisfies
//       |fl(sum_i x_i y_i) - sum_i x_i y_i| <= gamma_n sum_i |x_i y_i| + n eta,
//   gamma_n = n u / (1 - n u)   (Higham, Accuracy and Stability, Lemma 3.1, eq. 3.5).
//   The scalar arithmetic on the bounds themselves is rounded outward with
//   std::nextafter (one ulp covers the half-ulp error of a correctly rounded op).
//
// Complex scalars (std::complex<double>, stored as two doubles, all arithmetic
// done by real operations, no fast-math, no 3M/Gauss multiplication trick):
//   One complex product has |fl(x y) - x y| <= sqrt(2) gamma_2 |x| |y| (Higham,
//   Lemma 3.5, Sec. 3.6). We use the order-free version, which also covers
//   Eigen's vectorised complex kernels (they accumulate the real products in
//   any order, with or without fma): Re sum_i x_i y_i = sum_i (a_i c_i - b_i d_i)
//   and Im = sum_i (a_i d_i + b_i c_i) are real sums of 2n products, and
//   |a c| + |b d| <= |x| |y|, |a d| + |b c| <= |x| |y| (Cauchy-Schwarz), so
//       |fl(sum_i x_i y_i) - sum_i x_i y_i| <= sqrt(2) (gamma_2n sum_i |x_i y_i| + 2n eta)
//                                            <= gamma_3n sum_i |x_i y_i| + 3n eta
//   (sqrt(2) * 2n <= 3n, and gamma_j <= gamma_k for j <= k). Hence every bound
//   written for an n-term real inner product holds for an n-term complex one
//   with n replaced by inner_terms<S>(n) = 3n. A squared modulus sum
//   sum_i |z_i|^2 is a real sum of 2n squares: square_terms<S>(n) = 2n.
//   Magnitudes entering the bounds are over-estimated by mag_up(z) =
//   |Re z| + |Im z| >= |z| (one rounding; the bounds that sum such terms count
//   at most inner_terms(n) >= n + 3 roundings, which covers it).
#include <cmath>
#include <complex>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace wellposed::numeric {

inline constexpr double unit_roundoff = 0x1p-53;
inline constexpr double underflow_eta = 0x1p-1074;

using Complex = std::complex<double>;
template <class S>
inline constexpr bool is_complex_v = !std::is_same_v<S, double>;

/// Number of real terms whose real-arithmetic bound covers an n-term inner
/// product over S (complex: 3n, see the complex model above).
template <class S>
constexpr std::size_t inner_terms(std::size_t n) { return is_complex_v<S> ? 3 * n : n; }
/// Number of real squares in sum_i |z_i|^2 over n entries of S.
template <class S>
constexpr std::size_t square_terms(std::size_t n) { return is_complex_v<S> ? 2 * n : n; }
/// An upper bound of |z|: exact for doubles, |Re z| + |Im z| for complex.
inline double mag_up(double x) { return std::abs(x); }
inline double mag_up(const Complex& z) { return std::abs(z.real()) + std::abs(z.imag()); }

/// a upward / downward by one ulp (outward rounding of a correctly rounded result).
inline double round_up(double a) { return std::nextafter(a, std::numeric_limits<double>::infinity()); }
inline double round_down(double a) { return std::nextafter(a, -std::numeric_limits<double>::infinity()); }

/// gamma_n = n u / (1 - n u), rounded up; +inf when n u >= 1/2 (no bound claimed).
double gamma(std::size_t n);

/// A closed interval [lo, hi] of reals, lo <= hi. The enclosures the library
/// returns are Intervals: the exact real quantity they name lies inside.
struct Interval {
  double lo = 0.0, hi = 0.0;
  bool contains(double x) const { return lo <= x && x <= hi; }
  double width() const { return hi - lo; }
  double mid() const { return 0.5 * (lo + hi); }
};

/// Outward-rounded arithmetic on intervals of non-negative reals (all the
/// enclosed quantities are norms or squared norms).
Interval operator+(const Interval& x, const Interval& y);
Interval operator*(const Interval& x, const Interval& y);
Interval operator*(double s, const Interval& x);  // s >= 0
Interval sqrt(const Interval& x);                 // of max(lo, 0)
Interval square(const Interval& x);               // x >= 0
Interval hull(const Interval& x, const Interval& y);
/// The intersection; when both enclose the same real it is non-empty.
Interval intersect(const Interval& x, const Interval& y);

/// Enclosure of s = sum_i t_i of n non-negative terms, each an exact product of
/// two doubles (x_i^2, |x_i y_i|) whose computed sum (any order) is `computed`:
/// |computed - s| <= gamma_n s + n eta  =>  s in [(computed - n eta)/(1+gamma_n), (computed + n eta)/(1-gamma_n)].
Interval nonneg_sum_enclosure(double computed, std::size_t n);

/// Accumulates what is needed to enclose ||D||_F for D = B - H K (or
/// B - sum of products), evaluated entrywise as d^ = fl(b - sum_{t<k} h_t k_t):
/// by the inner-product bound with k + 1 terms,
///   |d^ - d| <= gamma_{k+1} w + (k + 1) eta,  w = |b| + sum_t |h_t k_t|.
/// `ss` sums d^2, `ww` sums w^2 (both computed in floating point),
/// `count` the entries, `terms` = k + 1 (the largest used).
/// Complex entries: `count` = square_terms<Complex>(entries) (each |d^|^2 is two
/// real squares), `terms` = inner_terms<Complex>(k + 1), and w is built from
/// mag_up; then the real proof below applies verbatim (complex model above).
struct ResidualAccumulator {
  double ss = 0.0, ww = 0.0;
  std::size_t count = 0, terms = 1;
  void merge(const ResidualAccumulator& o);
  /// Enclosure of ||D||_F (exact D built from the stored doubles b, h, k):
  /// ||D|| in ||d^|| +- (gamma_{terms} ||w|| + sqrt(count) terms eta).
  Interval norm() const;
};

}  // namespace wellposed::numeric
