// Quantization of Kronecker-sparse chains (survey R Sec. 4.4, Box 9; issue 25).
// Optimality is checked in exact rational arithmetic against independent brute
// force: all intervals of lambda built from exactly enumerated midpoints, and
// (tiny cases) every x^ in a window of F_t.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "numeric/numeric_test_util.hpp"
#include "wellposed/numeric/quantize.hpp"

namespace wellposed::numeric {
namespace {

using testing::Rational;
using boost::multiprecision::mpz_int;

// ---- exact helpers (share no code with quantize.cpp) ----

// floor(log2 v) for rational v > 0.
int floor_log2(const Rational& v) {
  int e = static_cast<int>(std::floor(std::log2(v.convert_to<double>())));
  while (Rational(std::ldexp(1.0, e)) > v) --e;
  while (Rational(std::ldexp(1.0, e + 1)) <= v) ++e;
  return e;
}

Rational pow2(int e) {
  Rational r = 1;
  if (e >= 0)
    for (int i = 0; i < e; ++i) r *= 2;
  else
    for (int i = 0; i < -e; ++i) r /= 2;
  return r;
}

// A nearest element of the unbounded F_t (ties away from zero; ties cost the same).
Rational nearest_ft(const Rational& v, int t) {
  if (v == 0) return 0;
  const bool neg = v < 0;
  const Rational a = neg ? Rational(-v) : v;
  const int e = floor_log2(a) + 1;  // a in [2^{e-1}, 2^e)
  const Rational q = a * pow2(t - e) + Rational(1, 2);
  const mpz_int k = boost::multiprecision::numerator(q) / boost::multiprecision::denominator(q);  // floor, q > 0
  Rational r = Rational(k) * pow2(e - t);
  return neg ? Rational(-r) : r;
}

Rational rank_one_cost(const std::vector<double>& x, const std::vector<double>& y, const std::vector<Rational>& xh,
                       const std::vector<Rational>& yh) {
  Rational s = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = 0; j < y.size(); ++j) {
      const Rational d = Rational(x[i]) * Rational(y[j]) - xh[i] * yh[j];
      s += d * d;
    }
  return s;
}

// Best cost given x^: y^ = nearest(mu y), mu = x^T x^ / ||x^||^2 exactly.
Rational complete_cost(const std::vector<double>& x, const std::vector<double>& y, const std::vector<Rational>& xh, int t) {
  Rational a = 0, b = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    a += Rational(x[i]) * xh[i];
    b += xh[i] * xh[i];
  }
  std::vector<Rational> yh(y.size(), Rational(0));
  if (b != 0) {
    const Rational mu = a / b;
    for (std::size_t j = 0; j < y.size(); ++j) yh[j] = nearest_ft(mu * Rational(y[j]), t);
  }
  return rank_one_cost(x, y, xh, yh);
}

// Box 9 brute force: all breakpoints lambda = midpoint / |x_i| in [1, 2) enumerated
// exactly (midpoints of F_t listed binade by binade), one lambda per interval.
Rational brute_force_lambda(const std::vector<double>& x, const std::vector<double>& y, int t) {
  std::set<Rational> breaks{Rational(1), Rational(2)};
  for (double xi : x) {
    if (xi == 0.0) continue;
    const Rational a = Rational(std::abs(xi));
    const int e0 = floor_log2(a) - 1, e1 = floor_log2(a) + 3;
    for (int e = e0; e <= e1; ++e) {
      const Rational sp = pow2(e - t + 1);  // spacing in [2^e, 2^{e+1})
      for (long k = 0; k < (1L << (t - 1)); ++k) {
        const Rational mid = pow2(e) + sp * Rational(k) + sp / 2;
        const Rational lam = mid / a;
        if (lam > 1 && lam < 2) breaks.insert(lam);
      }
    }
  }
  std::vector<Rational> bs(breaks.begin(), breaks.end());
  Rational best = -1;
  for (std::size_t k = 0; k + 1 < bs.size(); ++k) {
    const Rational lam = (bs[k] + bs[k + 1]) / 2;
    std::vector<Rational> xh(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) xh[i] = nearest_ft(lam * Rational(x[i]), t);
    const Rational c = complete_cost(x, y, xh, t);
    if (best < 0 || c < best) best = c;
  }
  return best;
}

std::vector<Rational> to_rational(const std::vector<double>& v) {
  std::vector<Rational> r;
  for (double a : v) r.emplace_back(a);
  return r;
}

bool close_rel(const Rational& a, const Rational& b, double tol) {
  const Rational d = a > b ? Rational(a - b) : Rational(b - a);
  return d <= Rational(tol) * (a > b ? a : b);
}

std::vector<double> random_vec(std::size_t n, std::mt19937_64& g, double lo = -2.0, double hi = 2.0) {
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> v(n);
  for (auto& a : v) a = u(g);
  return v;
}

// ---- formats ----

TEST(QuantizeFormat, RoundToFormatIsANearestElementOfASmallFormat) {
  // t = 4, e in [-2, 3]: enumerate F (normals and subnormals) and compare distances.
  const FloatFormat f{4, -2, 3, "tiny"};
  std::vector<double> els{0.0};
  for (int e = f.emin; e <= f.emax; ++e)
    for (int k = 8; k < 16; ++k) els.push_back(std::ldexp(k, e - f.t));
  for (int k = 1; k < 8; ++k) els.push_back(std::ldexp(k, f.emin - f.t));
  EXPECT_EQ(*std::max_element(els.begin(), els.end()), f.max_value());
  std::mt19937_64 g(1);
  std::uniform_real_distribution<double> u(-12.0, 12.0);
  for (int it = 0; it < 2000; ++it) {
    const double v = it < 1000 ? u(g) : u(g) / 64.0;
    const double r = round_to_format(v, f);
    double best = 1e300;
    for (double a : els) best = std::min({best, std::abs(std::abs(v) - a)});
    EXPECT_EQ(std::abs(std::abs(v) - std::abs(r)), best) << v;
    EXPECT_TRUE(representable(r, f));
    EXPECT_EQ(std::signbit(r), std::signbit(v));
  }
}

// FP8 landmarks against the OCP FP8 spec's tables (E5M2: max 57344, min
// normal 2^-14, min subnormal 2^-16; E4M3 in its IEEE-style range: max 240,
// min normal 2^-6, min subnormal 2^-9).
TEST(QuantizeFormat, Fp8Landmarks) {
  const FloatFormat e5 = *parse_float_format("fp8-e5m2"), e4 = *parse_float_format("fp8-e4m3");
  EXPECT_EQ(e5.max_value(), 57344.0);
  EXPECT_EQ(e5.min_normal(), std::ldexp(1.0, -14));
  EXPECT_TRUE(representable(std::ldexp(1.0, -16), e5));
  EXPECT_FALSE(representable(std::ldexp(1.0, -17), e5));
  EXPECT_TRUE(representable(1.75, e5));   // 1.11b: two stored mantissa bits
  EXPECT_FALSE(representable(1.125, e5));  // needs three
  EXPECT_EQ(e4.max_value(), 240.0);
  EXPECT_EQ(e4.min_normal(), std::ldexp(1.0, -6));
  EXPECT_TRUE(representable(std::ldexp(1.0, -9), e4));
  EXPECT_FALSE(representable(std::ldexp(1.0, -10), e4));
  EXPECT_TRUE(representable(1.875, e4));   // 1.111b: three stored mantissa bits
  EXPECT_FALSE(representable(1.0625, e4));  // needs four
  EXPECT_EQ(round_to_format(1000.0, e4), 240.0);  // saturates
  EXPECT_NO_THROW(e4.validate());
  EXPECT_NO_THROW(e5.validate());
}

TEST(QuantizeFormat, Fp16AndBf16Landmarks) {
  const FloatFormat h = FloatFormat::fp16(), b = FloatFormat::bf16();
  EXPECT_EQ(h.max_value(), 65504.0);
  EXPECT_EQ(h.min_normal(), std::ldexp(1.0, -14));
  EXPECT_EQ(round_to_format(1e6, h), 65504.0);  // saturates (nearest element of the finite set)
  EXPECT_EQ(round_to_format(std::ldexp(1.0, -24), h), std::ldexp(1.0, -24));
  EXPECT_EQ(round_to_format(std::ldexp(1.0, -25), h), 0.0);                       // tie -> even (0)
  EXPECT_EQ(round_to_format(std::ldexp(3.0, -26), h), std::ldexp(1.0, -24));     // 0.75 ulp -> 1 ulp
  EXPECT_EQ(round_to_format(1.0 + std::ldexp(1.0, -11), h), 1.0);                // tie -> even
  EXPECT_EQ(round_to_format(1.0 + std::ldexp(3.0, -11), h), 1.0 + std::ldexp(1.0, -9));
  EXPECT_EQ(b.max_value(), std::ldexp(255.0, 120));
  EXPECT_EQ(round_to_format(1.0 + std::ldexp(1.0, -8), b), 1.0);
  EXPECT_EQ(round_to_format(1.0 + std::ldexp(3.0, -9), b), 1.0 + std::ldexp(1.0, -7));
  EXPECT_FALSE(representable(1.0 + std::ldexp(1.0, -8), b));
  EXPECT_TRUE(representable(std::ldexp(1.0, -133), b));
  EXPECT_FALSE(representable(std::ldexp(1.0, -134), b));
  EXPECT_EQ(round_to_bits(1.0 + std::ldexp(1.0, -4) + std::ldexp(1.0, -9), 4), 1.125);
  EXPECT_THROW((FloatFormat{1, -10, 10, "x"}.validate()), std::invalid_argument);
  EXPECT_THROW((FloatFormat{8, -1070, 10, "x"}.validate()), std::invalid_argument);
  EXPECT_EQ(parse_float_format("fp16")->t, 11);
  EXPECT_EQ(parse_float_format("bf16")->t, 8);
  EXPECT_EQ(parse_float_format("5")->t, 5);
  EXPECT_FALSE(parse_float_format("1").has_value());
  EXPECT_FALSE(parse_float_format("8x").has_value());
  EXPECT_EQ(parse_quantize_method("l2r"), QuantizeMethod::left_to_right);
  EXPECT_EQ(parse_quantize_method("r2l"), QuantizeMethod::right_to_left);
  EXPECT_FALSE(parse_quantize_method("best").has_value());
}

// ---- rank one (Box 9) ----

TEST(QuantizeRankOne, MatchesBruteForceOverAllLambdaIntervals) {
  std::mt19937_64 g(7);
  for (int t = 2; t <= 5; ++t)
    for (int rep = 0; rep < 6; ++rep) {
      const std::size_t m = 1 + static_cast<std::size_t>(rep % 3), n = 2 + static_cast<std::size_t>(rep % 4);
      const auto x = random_vec(m, g), y = random_vec(n, g);
      const RankOneQuantization q = quantize_rank_one(x, y, FloatFormat::bits(t));
      ASSERT_TRUE(q.in_format);
      for (double v : q.x) EXPECT_TRUE(representable(v, FloatFormat::bits(t)));
      for (double v : q.y) EXPECT_TRUE(representable(v, FloatFormat::bits(t)));
      const Rational ours = rank_one_cost(x, y, to_rational(q.x), to_rational(q.y));
      const Rational bf = brute_force_lambda(x, y, t);
      EXPECT_TRUE(close_rel(ours, bf, 1e-12)) << "t=" << t << " rep=" << rep << " ours " << ours.convert_to<double>() << " bf "
                                             << bf.convert_to<double>();
      EXPECT_NEAR(q.cost, ours.convert_to<double>(), 1e-9 * ours.convert_to<double>() + 1e-300);
      // The RTN pair (lambda = 1, mu = 1) is a feasible point: never better than the optimum.
      std::vector<Rational> xr, yr;
      for (double v : x) xr.push_back(nearest_ft(Rational(v), t));
      for (double v : y) yr.push_back(nearest_ft(Rational(v), t));
      EXPECT_LE(ours, rank_one_cost(x, y, xr, yr) * Rational(1 + 1e-12));
    }
}

TEST(QuantizeRankOne, ExhaustiveOverAWindowOfFt) {
  // t = 3, m = 2: every x^ in (+-F_t in [2^-3, 8)) u {0}, each completed optimally;
  // x entries in [1/2, 2) so the optimum (up to 2^k) lies in the window.
  const int t = 3;
  std::vector<Rational> S{Rational(0)};
  for (int e = -2; e <= 3; ++e)
    for (int k = 4; k < 8; ++k) {
      S.push_back(Rational(k) * pow2(e - t));
      S.push_back(-Rational(k) * pow2(e - t));
    }
  std::mt19937_64 g(11);
  for (int rep = 0; rep < 4; ++rep) {
    auto x = random_vec(2, g, 0.5, 2.0);
    if (rep % 2) x[1] = -x[1];
    const auto y = random_vec(3, g);
    Rational best = -1;
    for (const auto& a : S)
      for (const auto& b : S) {
        const Rational c = complete_cost(x, y, {a, b}, t);
        if (best < 0 || c < best) best = c;
      }
    const RankOneQuantization q = quantize_rank_one(x, y, FloatFormat::bits(t));
    EXPECT_TRUE(close_rel(rank_one_cost(x, y, to_rational(q.x), to_rational(q.y)), best, 1e-12)) << rep;
  }
}

TEST(QuantizeRankOne, OptimumDiffersFromRtnAndMuIsNotOneOverLambda) {
  // Box 9: generally lambda* != 1 and mu* != 1 / lambda*. Count over random instances.
  std::mt19937_64 g(3);
  int better = 0, mu_differs = 0;
  for (int rep = 0; rep < 40; ++rep) {
    const auto x = random_vec(4, g), y = random_vec(5, g);
    const int t = 4;
    const RankOneQuantization q = quantize_rank_one(x, y, FloatFormat::bits(t));
    std::vector<Rational> xr, yr;
    for (double v : x) xr.push_back(nearest_ft(Rational(v), t));
    for (double v : y) yr.push_back(nearest_ft(Rational(v), t));
    if (rank_one_cost(x, y, to_rational(q.x), to_rational(q.y)) < rank_one_cost(x, y, xr, yr)) ++better;
    if (std::abs(q.lambda * q.mu - 1.0) > 1e-3) ++mu_differs;
  }
  EXPECT_GE(better, 20);
  EXPECT_GE(mu_differs, 20);
}

TEST(QuantizeRankOne, LongSideIsPrunedAndZerosAreKept) {
  std::mt19937_64 g(5);
  auto x = random_vec(2, g), y = random_vec(120, g);
  y[7] = 0.0;
  const RankOneQuantization q = quantize_rank_one(x, y, FloatFormat::bits(8));
  EXPECT_EQ(q.y[7], 0.0);
  EXPECT_LE(q.candidates, 2u * 128u + 1u);
  EXPECT_LT(q.evaluated, q.candidates);  // the lower bound prunes
  const Rational bf = brute_force_lambda(x, y, 8);
  EXPECT_TRUE(close_rel(rank_one_cost(x, y, to_rational(q.x), to_rational(q.y)), bf, 1e-10));
  // Swapped roles (x long) give the same optimum.
  const RankOneQuantization qs = quantize_rank_one(y, x, FloatFormat::bits(8));
  EXPECT_TRUE(close_rel(rank_one_cost(y, x, to_rational(qs.x), to_rational(qs.y)), bf, 1e-10));
  const std::vector<double> z(3, 0.0);
  const RankOneQuantization q0 = quantize_rank_one(z, y, FloatFormat::bits(8));
  EXPECT_EQ(q0.cost, 0.0);
  EXPECT_THROW(quantize_rank_one(std::vector<double>{1.0, NAN}, y, FloatFormat::bits(8)), std::invalid_argument);
}

TEST(QuantizeRankOne, LongVectorsTakeTheIncrementalPathAndStayOptimal) {
  // m, n > 32: the x-part is updated incrementally (long double) instead of recomputed.
  std::mt19937_64 g(17);
  const auto x = random_vec(34, g), y = random_vec(35, g);
  const int t = 3;
  const RankOneQuantization q = quantize_rank_one(x, y, FloatFormat::bits(t));
  const Rational bf = brute_force_lambda(x, y, t);
  EXPECT_TRUE(close_rel(rank_one_cost(x, y, to_rational(q.x), to_rational(q.y)), bf, 1e-12));
}

TEST(QuantizeRankOne, BoundedFormatsStayInRange) {
  std::mt19937_64 g(9);
  auto x = random_vec(3, g), y = random_vec(4, g);
  for (auto& v : x) v *= 1e4;
  for (auto& v : y) v *= 1e4;  // product ~1e8: fits fp16 only after the power-of-2 exchange
  const RankOneQuantization q = quantize_rank_one(x, y, FloatFormat::fp16());
  EXPECT_TRUE(q.in_format);
  for (double v : q.x) EXPECT_TRUE(representable(v, FloatFormat::fp16()));
  for (double v : q.y) EXPECT_TRUE(representable(v, FloatFormat::fp16()));
  const Rational bf = brute_force_lambda(x, y, 11);
  EXPECT_TRUE(close_rel(rank_one_cost(x, y, to_rational(q.x), to_rational(q.y)), bf, 1e-9));
  // Product too large for fp16 (1e12 > 65504^2): not certified, still representable.
  for (auto& v : x) v *= 1e4;
  const RankOneQuantization q2 = quantize_rank_one(x, y, FloatFormat::fp16());
  EXPECT_FALSE(q2.in_format);
  for (double v : q2.x) EXPECT_TRUE(representable(v, FloatFormat::fp16()));
}

// ---- two factors ----

TEST(QuantizeTwoFactors, DenseDisjointPairIsOptimalExactly) {
  // X 4 x 3, Y 3 x 5 with pairwise disjoint term supports: rows {0,1},{2},{3}.
  std::mt19937_64 g(13);
  Matrix X = Matrix::Zero(4, 3), Y = Matrix::Zero(3, 5);
  X(0, 0) = 0.7; X(1, 0) = -1.3; X(2, 1) = 0.9; X(3, 2) = 1.1; X(2, 2) = 0.0;
  Y(0, 0) = 1.2; Y(0, 1) = -0.4; Y(0, 4) = 0.8; Y(1, 1) = 1.9; Y(1, 2) = -0.3; Y(2, 3) = 0.6; Y(2, 0) = 1.4;
  const int t = 4;
  const TwoFactorQuantization q = quantize_two_factors(X, Y, FloatFormat::bits(t));
  EXPECT_TRUE(q.optimal);
  // Exact cost of the result vs the sum of the exact rank-one minima (the decoupled optimum).
  Rational ours = 0, opt = 0;
  for (Eigen::Index i = 0; i < 4; ++i)
    for (Eigen::Index j = 0; j < 5; ++j) {
      Rational a = 0, b = 0;
      for (Eigen::Index k = 0; k < 3; ++k) {
        a += Rational(X(i, k)) * Rational(Y(k, j));
        b += Rational(q.X(i, k)) * Rational(q.Y(k, j));
      }
      ours += (a - b) * (a - b);
    }
  for (Eigen::Index k = 0; k < 3; ++k) {
    std::vector<double> xv(4), yv(5);
    for (Eigen::Index i = 0; i < 4; ++i) xv[static_cast<std::size_t>(i)] = X(i, k);
    for (Eigen::Index j = 0; j < 5; ++j) yv[static_cast<std::size_t>(j)] = Y(k, j);
    std::vector<double> xs, ys;  // restrict to the support (zeros stay zero)
    for (double v : xv) if (v != 0.0) xs.push_back(v);
    for (double v : yv) if (v != 0.0) ys.push_back(v);
    opt += brute_force_lambda(xs, ys, t);
  }
  EXPECT_TRUE(close_rel(ours, opt, 1e-12)) << ours.convert_to<double>() << " vs " << opt.convert_to<double>();
  // Supports kept; X^[:,k] = round(lambda_k X[:,k]).
  for (Eigen::Index k = 0; k < 3; ++k)
    for (Eigen::Index i = 0; i < 4; ++i) {
      if (X(i, k) == 0.0) EXPECT_EQ(q.X(i, k), 0.0);
      else EXPECT_EQ(Rational(q.X(i, k)), nearest_ft(Rational(q.lambda[static_cast<std::size_t>(k)]) * Rational(X(i, k)), t));
    }
  // Overlapping term supports are refused.
  Matrix Y2 = Y;
  Y2(1, 0) = 0.5;  // term 1 now covers (2, 0) ...
  Matrix X2 = X;
  X2(2, 2) = 0.3;  // ... and so does term 2 (row 2 x {0, 3})
  EXPECT_THROW(quantize_two_factors(X2, Y2, FloatFormat::bits(t)), std::invalid_argument);
}

TEST(QuantizeTwoFactors, ChainablePairWithQOneIsOptimalExactly) {
  // Dyadic 8: (1,2,2,4) x (2,4,4,1)-like pair: theta1 = (1,2,2,4), theta2 = W2*W3 = (2,4,4,1), q = 1.
  const KPattern t1{1, 2, 2, 4}, t2{2, 4, 4, 1};
  ASSERT_EQ(chainable(t1, t2), std::optional<std::size_t>(1));
  const KFactor X = testing::random_factor(t1, 21), Y = testing::random_factor(t2, 22);
  const int t = 4;
  const KTwoFactorQuantization q = quantize_two_factors(X, Y, FloatFormat::bits(t));
  EXPECT_EQ(q.q, 1u);
  EXPECT_TRUE(q.optimal);
  const Matrix Xd = X.to_dense(), Yd = Y.to_dense(), Xq = q.X.to_dense(), Yq = q.Y.to_dense();
  Rational ours = 0;
  for (Eigen::Index i = 0; i < Xd.rows(); ++i)
    for (Eigen::Index j = 0; j < Yd.cols(); ++j) {
      Rational a = 0, b = 0;
      for (Eigen::Index k = 0; k < Xd.cols(); ++k) {
        a += Rational(Xd(i, k)) * Rational(Yd(k, j));
        b += Rational(Xq(i, k)) * Rational(Yq(k, j));
      }
      ours += (a - b) * (a - b);
    }
  Rational opt = 0;
  for (Eigen::Index k = 0; k < Xd.cols(); ++k) {
    std::vector<double> xs, ys;
    for (Eigen::Index i = 0; i < Xd.rows(); ++i) if (X.in_support(static_cast<std::size_t>(i), static_cast<std::size_t>(k))) xs.push_back(Xd(i, k));
    for (Eigen::Index j = 0; j < Yd.cols(); ++j) if (Y.in_support(static_cast<std::size_t>(k), static_cast<std::size_t>(j))) ys.push_back(Yd(k, j));
    opt += brute_force_lambda(xs, ys, t);
  }
  EXPECT_TRUE(close_rel(ours, opt, 1e-12)) << ours.convert_to<double>() << " vs " << opt.convert_to<double>();
  // q > 1: term-wise heuristic, flagged.
  const KPattern u1{1, 4, 4, 1}, u2{1, 4, 4, 1};
  const KTwoFactorQuantization h = quantize_two_factors(testing::random_factor(u1, 1), testing::random_factor(u2, 2), FloatFormat::bits(t));
  EXPECT_EQ(h.q, 4u);
  EXPECT_FALSE(h.optimal);
  EXPECT_THROW(quantize_two_factors(testing::random_factor(KPattern{2, 2, 2, 1}, 1), testing::random_factor(KPattern{1, 4, 4, 1}, 2),
                                    FloatFormat::bits(t)),
               std::invalid_argument);
}

TEST(QuantizeTwoFactors, KroneckerProductMatchesDense) {
  for (const auto& cc : testing::chain_cases()) {
    if (cc.chain.size() < 2) continue;
    const auto fs = testing::random_factors(cc.chain, 3);
    const KFactor P = kfactor_product(fs[0], fs[1]);
    EXPECT_TRUE(P.theta == cc.chain[0] * cc.chain[1]) << cc.name;
    EXPECT_LE((P.to_dense() - fs[0].to_dense() * fs[1].to_dense()).norm(), 1e-12 * (1.0 + P.to_dense().norm())) << cc.name;
  }
  const auto fs = testing::random_factors(butterfly_chain(16), 4);
  EXPECT_THROW(kfactor_product(fs[1], fs[0]), std::invalid_argument);
  EXPECT_THROW(kfactor_product(fs[0], fs[1], 8), std::length_error);
}

// ---- chains ----

using LMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

// W_1 ... W_L in long double, by sparse updates (no Eigen GEMM: its OpenMP threads
// spin on a loaded machine and make a small test slow).
LMatrix long_double_product(const std::vector<KFactor>& fs) {
  LMatrix P = fs.back().to_dense().cast<long double>();
  for (std::size_t l = fs.size() - 1; l-- > 0;) {
    const Matrix X = fs[l].to_dense();
    LMatrix Q = LMatrix::Zero(X.rows(), P.cols());
    for (Eigen::Index i = 0; i < X.rows(); ++i)
      for (Eigen::Index k = 0; k < X.cols(); ++k)
        if (X(i, k) != 0.0)
          for (Eigen::Index j = 0; j < P.cols(); ++j) Q(i, j) += static_cast<long double>(X(i, k)) * P(k, j);
    P = std::move(Q);
  }
  return P;
}

double long_double_rel_error(const std::vector<KFactor>& w, const std::vector<KFactor>& q) {
  // Dense product in long double, right to left.
  const auto P = long_double_product(w), Q = long_double_product(q);
  return static_cast<double>((P - Q).norm() / P.norm());
}

const QuantizeMethod kMethods[] = {QuantizeMethod::rtn, QuantizeMethod::pairwise, QuantizeMethod::left_to_right,
                                   QuantizeMethod::right_to_left};

TEST(QuantizeChain, EveryMethodEveryFormatIsRepresentableAndEnclosed) {
  const std::vector<FloatFormat> formats{FloatFormat::fp16(), FloatFormat::bf16(), FloatFormat::bits(5)};
  for (const auto& cc : testing::chain_cases()) {
    const auto fs = testing::random_factors(cc.chain, 17);
    for (const auto& f : formats)
      for (QuantizeMethod m : kMethods) {
        QuantizeOptions o;
        o.format = f;
        o.method = m;
        const ChainQuantization q = quantize_chain(fs, o);
        ASSERT_EQ(q.factors.size(), fs.size());
        for (std::size_t l = 0; l < fs.size(); ++l) {
          EXPECT_TRUE(q.factors[l].theta == fs[l].theta);
          for (double v : q.factors[l].values) ASSERT_TRUE(representable(v, f)) << cc.name << " " << f.name << " " << to_string(m) << " " << v;
        }
        EXPECT_EQ(q.rounded_into_range, 0u);
        const QuantizationError e = quantization_error(fs, q.factors, 5);
        const double ref = long_double_rel_error(fs, q.factors);
        EXPECT_TRUE(e.relative.contains(ref)) << cc.name << " " << f.name << " " << to_string(m) << " [" << e.relative.lo << ", "
                                              << e.relative.hi << "] " << ref;
        // Issue 19's target for certified residuals: relative width <= 1e-6.
        EXPECT_LT(e.relative.width(), 1e-6 * ref + 1e-12);
        EXPECT_GT(ref, 0.0);
        EXPECT_LT(ref, 4.0 * std::ldexp(1.0, -f.t) * std::sqrt(static_cast<double>(fs.size())) * 4.0);
      }
  }
}

TEST(QuantizeChain, TwoFactorChainsAreOptimalWhateverTheMethod) {
  const KChain chain{KPattern{1, 2, 2, 4}, KPattern{2, 4, 4, 1}};
  const auto fs = testing::random_factors(chain, 5);
  QuantizeOptions o;
  o.format = FloatFormat::bits(4);
  double errs[4];
  int k = 0;
  for (QuantizeMethod m : kMethods) {
    o.method = m;
    errs[k++] = long_double_rel_error(fs, quantize_chain(fs, o).factors);
  }
  EXPECT_NEAR(errs[1], errs[2], 1e-12);
  EXPECT_NEAR(errs[2], errs[3], 1e-12);
  EXPECT_LT(errs[2], errs[0]);  // RTN is a feasible point; here strictly worse
}

TEST(QuantizeChain, HeuristicsBeatRtnOnButterflies) {
  // The survey's Fig 6 claim at small scale: mean over seeds, n = 64, t = 4.
  double sum[4] = {0, 0, 0, 0};
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const auto fs = testing::random_factors(butterfly_chain(64), seed);
    QuantizeOptions o;
    o.format = FloatFormat::bits(4);
    int k = 0;
    for (QuantizeMethod m : kMethods) {
      o.method = m;
      sum[k++] += long_double_rel_error(fs, quantize_chain(fs, o).factors);
    }
  }
  EXPECT_LT(sum[1], sum[0]);
  EXPECT_LT(sum[2], sum[1]);
  EXPECT_LT(sum[3], sum[0]);
}

TEST(QuantizeChain, OutOfRangeValuesAreShiftedIntoFp16) {
  auto fs = testing::random_factors(butterfly_chain(16), 8);
  for (double& v : fs[0].values) v *= 1e5;   // > 65504
  for (double& v : fs[1].values) v *= 1e-5;  // subnormal in fp16 without a shift
  for (QuantizeMethod m : kMethods) {
    QuantizeOptions o;
    o.format = FloatFormat::fp16();
    o.method = m;
    const ChainQuantization q = quantize_chain(fs, o);
    for (const auto& w : q.factors)
      for (double v : w.values) ASSERT_TRUE(representable(v, o.format));
    int total = 0;
    for (int s : q.range_shift) total += s;
    EXPECT_EQ(total, 0);
    EXPECT_NE(q.range_shift[0], 0);
    EXPECT_LT(long_double_rel_error(fs, q.factors), 0.01) << to_string(m);
  }
}

TEST(QuantizeChain, BadInputIsRefusedWithANamedReason) {
  auto fs = testing::random_factors(butterfly_chain(8), 2);
  fs[1].values[3] = NAN;
  EXPECT_THROW(quantize_chain(fs), std::invalid_argument);
  fs[1].values[3] = 0.5;
  QuantizeOptions wide;
  wide.format = FloatFormat::bits(30);
  EXPECT_THROW(quantize_chain(fs, wide), std::invalid_argument);  // t > max_optimal_bits
  wide.method = QuantizeMethod::rtn;
  for (const auto& w : quantize_chain(fs, wide).factors)
    for (double v : w.values) EXPECT_TRUE(representable(v, wide.format));
  auto ks = testing::random_factors(testing::chain_cases()[0].chain, 1);
  std::swap(ks[0], ks[1]);  // still size-compatible, no longer chainable
  QuantizeOptions o;
  o.method = QuantizeMethod::pairwise;
  EXPECT_THROW(quantize_chain(ks, o), std::invalid_argument);
  o.method = QuantizeMethod::rtn;
  EXPECT_NO_THROW(quantize_chain(ks, o));
  o.method = QuantizeMethod::left_to_right;
  o.max_product_values = 16;
  EXPECT_THROW(quantize_chain(testing::random_factors(butterfly_chain(16), 1), o), std::length_error);
}

// Left-to-right streams the rows of W_{l+1}...W_L (right-to-left the columns of
// W_1...W_{l-1}) instead of materializing them; the streamed vectors must be the same doubles, so every quantized value, lambda and mu must
// be bit-identical to the materialized reference, on dyadic and non-dyadic chains,
// q = 1 and q > 1 pairs, and with zero stored values (the product skips them).
TEST(QuantizeChain, StreamedProductsAreBitIdenticalToMaterialized) {
  // (each method against its own materialized reference)
  std::vector<std::pair<std::string, KChain>> chains;
  for (const auto& cc : testing::chain_cases()) chains.emplace_back(cc.name, cc.chain);
  chains.emplace_back("dyadic32", butterfly_chain(32));
  chains.emplace_back("dyadic64", butterfly_chain(64));
  chains.emplace_back("q4_1_3", KChain{KPattern{2, 1, 4, 4}, KPattern{2, 4, 2, 4}, KPattern{4, 4, 3, 1}, KPattern{4, 3, 2, 1}});
  chains.emplace_back("q1_4_2", KChain{KPattern{1, 4, 2, 4}, KPattern{2, 4, 4, 1}, KPattern{2, 4, 2, 1}, KPattern{2, 2, 3, 1}});
  chains.emplace_back("q1_3_2", KChain{KPattern{4, 3, 1, 4}, KPattern{4, 2, 3, 2}, KPattern{4, 3, 2, 2}, KPattern{4, 4, 2, 1}});
  const auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) {
             return std::memcmp(&x, &y, sizeof x) == 0;
           });
  };
  std::size_t compared = 0;
  for (const auto& [name, chain] : chains) {
    ASSERT_TRUE(is_chainable(chain)) << name;
    auto fs = testing::random_factors(chain, 41);
    fs[fs.size() / 2].values[1] = 0.0;  // exercise the skipped zero terms
    for (const FloatFormat& f : {FloatFormat::bits(4), FloatFormat::bf16()})
      for (QuantizeMethod method : {QuantizeMethod::left_to_right, QuantizeMethod::right_to_left}) {
      QuantizeOptions o;
      o.format = f;
      o.method = method;
      const ChainQuantization streamed = quantize_chain(fs, o);
      o.materialize_products = true;
      const ChainQuantization ref = quantize_chain(fs, o);
      ASSERT_EQ(streamed.factors.size(), ref.factors.size());
      for (std::size_t l = 0; l < fs.size(); ++l) EXPECT_TRUE(same(streamed.factors[l].values, ref.factors[l].values)) << name << " factor " << l;
      ASSERT_EQ(streamed.steps.size(), ref.steps.size());
      for (std::size_t k = 0; k < ref.steps.size(); ++k) {
        EXPECT_TRUE(same(streamed.steps[k].lambda, ref.steps[k].lambda)) << name << " step " << k;
        EXPECT_TRUE(same(streamed.steps[k].mu, ref.steps[k].mu)) << name << " step " << k;
        EXPECT_EQ(streamed.steps[k].q, ref.steps[k].q);
        compared += ref.steps[k].lambda.size();
      }
    }
  }
  EXPECT_GT(compared, 1000u);
}

// The bench's touch-once baseline streams exactly the rows left-to-right reads: as many
// entries as the materialized W_{l+1}...W_L have (n^2 - 4n for the dyadic chain), same values.
TEST(QuantizeChain, StreamSuffixRowsTouchesEveryProductEntryOnce) {
  const std::size_t n = 32;
  const auto fs = testing::random_factors(butterfly_chain(n), 7);
  std::size_t entries = 0;
  const double s = stream_suffix_rows(fs, &entries);
  EXPECT_EQ(entries, n * n - 4 * n);
  double ref = 0.0;
  std::size_t ref_entries = 0;
  for (std::size_t l = 0; l + 2 < fs.size(); ++l) {
    KFactor P = fs.back();
    for (std::size_t j = fs.size() - 1; j-- > l + 1;) P = kfactor_product(fs[j], P);
    for (double v : P.values) ref += v * v;
    ref_entries += P.values.size();
  }
  EXPECT_EQ(entries, ref_entries);
  EXPECT_NEAR(s, ref, 1e-12 * ref);
}

TEST(QuantizeError, TargetEnclosureContainsLongDoubleReference) {
  const auto fs = testing::random_factors(butterfly_chain(16), 31);
  const Matrix A = testing::random_matrix(16, 16, 32);
  QuantizeOptions o;
  o.format = FloatFormat::bf16();
  const ChainQuantization q = quantize_chain(fs, o);
  const QuantizationError e = quantization_error(A, q.factors, 3);
  const LMatrix P = long_double_product(q.factors);
  const LMatrix Al = A.cast<long double>();
  const double ref = static_cast<double>((Al - P).norm() / Al.norm());
  EXPECT_TRUE(e.relative.contains(ref)) << e.relative.lo << " " << e.relative.hi << " " << ref;
  EXPECT_LT(e.relative.width(), 1e-12);
}

}  // namespace
}  // namespace wellposed::numeric
