// Complex scalars: the two-factor solver, Algorithms 7/8 (+ 9) and membership
// on std::complex<double> inputs, the DFT with bit reversal (exact recovery),
// and the complex enclosures checked against exact / 200-digit values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "numeric_test_util.hpp"
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/rank_one.hpp"

namespace wellposed::numeric {
namespace {

using testing::Big;
using testing::Rational;

ComplexMatrix random_cmatrix(Eigen::Index m, Eigen::Index n, std::uint64_t seed) {
  return testing::random_matrix(m, n, seed).cast<Complex>() + Complex(0, 1) * testing::random_matrix(m, n, seed + 1000).cast<Complex>();
}

ComplexKFactor random_cfactor(const KPattern& t, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  ComplexKFactor f(t);
  for (auto& v : f.values) {
    const double re = nd(gen);
    v = Complex(re, nd(gen));
  }
  return f;
}

std::vector<ComplexKFactor> random_cfactors(const KChain& chain, std::uint64_t seed) {
  std::vector<ComplexKFactor> fs;
  for (std::size_t l = 0; l < chain.size(); ++l) fs.push_back(random_cfactor(chain[l], seed * 7919 + l));
  return fs;
}

// Real representation [[Re, -Im], [Im, Re]]: its singular values are those of
// the complex matrix, each twice (shares no code with the complex path).
Matrix realify(const ComplexMatrix& A) {
  const Eigen::Index m = A.rows(), n = A.cols();
  Matrix R(2 * m, 2 * n);
  R << A.real(), -A.imag(), A.imag(), A.real();
  return R;
}

// Thm 6.2.3's value, independently: uncovered mass + per class the tail beyond
// rank |P|, computed on the real representation of each block (tail beyond 2|P|, halved).
double theorem_623_via_realification(const ComplexMatrix& A, const Support& left, const Support& right) {
  std::vector<char> covered(static_cast<std::size_t>(A.size()), 0);
  double v = 0.0;
  for (const auto& p : rank_one_classes(left, right)) {
    if (p.rows.empty() || p.cols.empty()) continue;
    ComplexMatrix B(static_cast<Eigen::Index>(p.rows.size()), static_cast<Eigen::Index>(p.cols.size()));
    for (std::size_t i = 0; i < p.rows.size(); ++i)
      for (std::size_t j = 0; j < p.cols.size(); ++j) {
        B(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            A(static_cast<Eigen::Index>(p.rows[i]), static_cast<Eigen::Index>(p.cols[j]));
        covered[p.cols[j] * static_cast<std::size_t>(A.rows()) + p.rows[i]] = 1;
      }
    const Eigen::VectorXd s = Eigen::JacobiSVD<Matrix>(realify(B)).singularValues();
    for (Eigen::Index j = static_cast<Eigen::Index>(2 * p.size()); j < s.size(); ++j) v += 0.5 * s(j) * s(j);
  }
  for (Eigen::Index j = 0; j < A.cols(); ++j)
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      if (!covered[static_cast<std::size_t>(j * A.rows() + i)]) v += std::norm(A(i, j));
  return v;
}

ComplexMatrix masked_perturbation(const Support& s, std::uint64_t seed, double scale) {
  ComplexMatrix d = random_cmatrix(static_cast<Eigen::Index>(s.rows()), static_cast<Eigen::Index>(s.cols()), seed);
  return d.cwiseProduct(to_dense(s).cast<Complex>()) * scale;
}

TEST(ComplexTwoFactor, OptimumEqualsTheorem623) {
  struct Pair {
    const char* name;
    Support left, right;
  };
  const KChain mon = monarch_chain(12, 12, 3, 4);
  const auto [I, J] = hodlr_xyT(2);
  std::vector<Pair> pairs = {{"low_rank", low_rank(7, 5, 2).factor(0), low_rank(7, 5, 2).factor(1)},
                             {"monarch", mon[0].support(), mon[1].support()},
                             {"hodlr", I, J.transpose()}};
  std::uint64_t seed = 11;
  for (const auto& p : pairs) {
    const ComplexMatrix A = random_cmatrix(static_cast<Eigen::Index>(p.left.rows()), static_cast<Eigen::Index>(p.right.cols()), seed++);
    const auto r = factorize_two_factors(A, p.left, p.right);
    EXPECT_EQ(r.theorem, "Thm 5.2.3") << p.name;
    EXPECT_TRUE(respects(r.X.real(), p.left) && respects(r.X.imag(), p.left)) << p.name;
    EXPECT_TRUE(respects(r.Y.real(), p.right) && respects(r.Y.imag(), p.right)) << p.name;
    const double achieved_sq = (A - r.X * r.Y).squaredNorm();
    const double thm = theorem_623_via_realification(A, p.left, p.right);
    const double tol = 1e-12 * A.squaredNorm();
    EXPECT_NEAR(r.optimal_value_sq, thm, tol) << p.name;
    EXPECT_NEAR(achieved_sq, thm, tol) << p.name;
    EXPECT_TRUE(r.residual.contains(std::sqrt(achieved_sq))) << p.name << " " << r.residual.lo << " " << r.residual.hi;
    EXPECT_LE(r.optimal_error.lo, std::sqrt(thm) * (1 + 1e-12)) << p.name;
    EXPECT_GE(r.optimal_error.hi, std::sqrt(thm) * (1 - 1e-12)) << p.name;
    for (int t = 0; t < 5; ++t) {
      const ComplexMatrix dX = masked_perturbation(p.left, 100 + t, 1e-3), dY = masked_perturbation(p.right, 200 + t, 1e-3);
      EXPECT_GE((A - (r.X + dX) * (r.Y + dY)).squaredNorm(), achieved_sq - 1e-12) << p.name;
    }
  }
}

TEST(ComplexTwoFactor, CompleteClassesUseThm529) {
  // Same support pair as the real test: a complete class next to an overlapping rank-one support.
  Support left(2, 3), right(3, 3);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t k = 0; k < 2; ++k) left.set(i, k);
  left.set(0, 2);
  for (std::size_t k = 0; k < 2; ++k)
    for (std::size_t j = 0; j < 2; ++j) right.set(k, j);
  for (std::size_t j = 0; j < 3; ++j) right.set(2, j);
  const ComplexMatrix A = random_cmatrix(2, 3, 7);
  const auto r = factorize_two_factors(A, left, right);
  EXPECT_EQ(r.theorem, "Thm 5.2.9");
  // Complete classes reproduce A on S_T = {0,1} x {0,1}, (0, 2) is covered by
  // class {2}, (1, 2) by nothing: the optimum is |A(1, 2)|^2 (Lemma 5.2.6).
  const double achieved_sq = (A - r.X * r.Y).squaredNorm();
  EXPECT_NEAR(r.optimal_value_sq, std::norm(A(1, 2)), 1e-12);
  EXPECT_NEAR(achieved_sq, std::norm(A(1, 2)), 1e-12);
  EXPECT_TRUE(r.residual.contains(std::sqrt(achieved_sq)));
  EXPECT_TRUE(r.optimal_error.contains(std::abs(A(1, 2))) || std::abs(r.optimal_error.mid() - std::abs(A(1, 2))) < 1e-14);
}

TEST(ComplexHierarchical, ExactRecoveryOfProducts) {
  for (const auto& c : testing::chain_cases()) {
    const ComplexMatrix A = chain_product(random_cfactors(c.chain, 3));
    const std::size_t N = c.chain.size();
    for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8})
      for (const auto& order : {split_order_left_to_right(N), split_order_balanced(N), split_order_peel(N, 2)}) {
        HierarchicalOptions o;
        o.algorithm = alg;
        o.order = order;
        const auto r = factorize_hierarchical(A, c.chain, o);
        ASSERT_EQ(r.factors.size(), r.chain.size());
        for (std::size_t l = 0; l < r.chain.size(); ++l) EXPECT_EQ(r.factors[l].theta, r.chain[l]);
        const ComplexMatrix P = chain_product(r.factors);
        EXPECT_LT((A - P).norm() / A.norm(), 1e-12) << c.name;
        // The certified residual contains the double evaluation and is tiny.
        EXPECT_LE(r.enclosure.residual.lo, (A - P).norm() * (1 + 1e-6) + 1e-300) << c.name;
        EXPECT_LT(r.enclosure.residual.hi / A.norm(), 1e-10) << c.name;
        for (const auto& e : r.enclosure.split_errors) {
          ASSERT_TRUE(e.has_value());
          EXPECT_LT(e->hi / A.norm(), 1e-10) << c.name;
        }
        ASSERT_TRUE(r.enclosure.apriori_6_5_9.has_value());
      }
  }
}

TEST(ComplexHierarchical, NoisyTargetsKeepTheBoundsOrdered) {
  // Thm 6.5.9 / Lemma 6.5.7 on a complex target outside B^Theta: lower bound <=
  // residual <= a-priori bound, all certified.
  const KChain ch = {KPattern{1, 4, 4, 4}, KPattern{2, 4, 4, 2}, KPattern{4, 4, 2, 1}};
  const KPattern w = chain_product(ch);
  ComplexMatrix A = chain_product(random_cfactors(ch, 9));
  A += 0.1 * random_cmatrix(static_cast<Eigen::Index>(w.rows()), static_cast<Eigen::Index>(w.cols()), 77);
  for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
    HierarchicalOptions o;
    o.algorithm = alg;
    const auto r = factorize_hierarchical(A, ch, o);
    const auto& e = r.enclosure;
    const double achieved = (A - chain_product(r.factors)).norm();
    EXPECT_TRUE(e.residual.contains(achieved)) << e.residual.lo << " " << achieved << " " << e.residual.hi;
    EXPECT_LE(e.lower_bound.lo, achieved);
    EXPECT_GT(e.lower_bound.lo, 0.0);
    ASSERT_TRUE(e.apriori_6_5_9 && e.apriori_6_5_14);
    EXPECT_LE(achieved, e.apriori_6_5_9->hi);
    EXPECT_LE(achieved, e.apriori_6_5_14->hi);
    EXPECT_LE(achieved, e.ratio_upper * e.lower_bound.lo * (1 + 1e-12));
    // E_s(A) is the optimum of the complex two-factor problem of the split (Def 6.5.6).
    for (std::size_t s = 1; s < ch.size(); ++s) {
      const KPattern L = chain_product(KChain(ch.begin(), ch.begin() + static_cast<std::ptrdiff_t>(s)));
      const KPattern R = chain_product(KChain(ch.begin() + static_cast<std::ptrdiff_t>(s), ch.end()));
      const double opt = std::sqrt(theorem_623_via_realification(A, L.support(), R.support()));
      ASSERT_TRUE(e.split_errors[s - 1].has_value());
      EXPECT_LE(e.split_errors[s - 1]->lo, opt * (1 + 1e-12));
      EXPECT_GE(e.split_errors[s - 1]->hi, opt * (1 - 1e-12));
    }
  }
}

TEST(ComplexHierarchical, RealTargetThroughComplexPathMatchesRealPath) {
  // A real target factorized as complex: the same optimum-tied quantities (E_s,
  // achieved error) as the real path, which takes other kernels (Gram, 2-row closed form).
  for (const auto& c : testing::chain_cases()) {
    const KPattern w = chain_product(c.chain);
    const Matrix A = testing::random_matrix(static_cast<Eigen::Index>(w.rows()), static_cast<Eigen::Index>(w.cols()), 5);
    const ComplexMatrix Ac = A.cast<Complex>();
    for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
      HierarchicalOptions o;
      o.algorithm = alg;
      const auto rr = factorize_hierarchical(A, c.chain, o);
      const auto rc = factorize_hierarchical(Ac, c.chain, o);
      const double er = (A - chain_product(rr.factors)).norm(), ec = (Ac - chain_product(rc.factors)).norm();
      EXPECT_NEAR(er, ec, 1e-10 * A.norm()) << c.name;
      for (std::size_t s = 0; s < rr.enclosure.split_errors.size(); ++s) {
        const Interval a = *rr.enclosure.split_errors[s], b = *rc.enclosure.split_errors[s];
        EXPECT_LE(std::max(a.lo, b.lo), std::min(a.hi, b.hi) + 1e-12 * A.norm()) << c.name << " E_" << s + 1;
      }
    }
  }
}

TEST(ComplexHierarchical, Algorithm9KeepsProductAndIsUnitary) {
  const KPattern t1{1, 4, 4, 4}, t2{2, 4, 4, 2};  // q = 2
  const ComplexKFactor X = random_cfactor(t1, 1), Y = random_cfactor(t2, 2);
  const ComplexMatrix XY = X.to_dense() * Y.to_dense();
  for (bool column : {true, false}) {
    const auto [Xt, Yt] = orthonormalize_pair(X, Y, column);
    EXPECT_LT((Xt.to_dense() * Yt.to_dense() - XY).norm() / XY.norm(), 1e-13);
    // Lemma 6.5.3 (unitary form): isometry on complex matrices supported on the other pattern.
    for (int k = 0; k < 3; ++k) {
      if (column) {
        const ComplexMatrix Z = random_cfactor(t2, 40 + k).to_dense();
        EXPECT_NEAR((Xt.to_dense() * Z).norm(), Z.norm(), 1e-12 * Z.norm());
      } else {
        const ComplexMatrix Z = random_cfactor(t1, 50 + k).to_dense();
        EXPECT_NEAR((Z * Yt.to_dense()).norm(), Z.norm(), 1e-12 * Z.norm());
      }
    }
  }
}

// DFT recovery: F_n P = X_1 ... X_N (dft.hpp). Tolerance, as a formula: the
// recovered product's relative Frobenius error is at most 8 N u (u = 2^-53):
// each of the N - 1 splits computes a rank-1 SVD of 2 x c blocks with a backward
// error of a few u, and the error grows at most additively across splits.
TEST(ComplexHierarchical, DftWithBitReversalRecoveredToMachinePrecision) {
  for (std::size_t N = 3; N <= 6; ++N) {
    const std::size_t n = std::size_t{1} << N;
    const KChain ch = butterfly_chain(n);
    const ComplexMatrix A = dft_bit_reversed(n);
    // The Cooley-Tukey factors themselves: correct convention, correct supports.
    const auto xs = dft_butterfly_factors(n);
    ASSERT_EQ(xs.size(), N);
    for (std::size_t l = 0; l < N; ++l) EXPECT_EQ(xs[l].theta, ch[l]);
    EXPECT_LT((chain_product(xs) - A).norm() / A.norm(), 4.0 * static_cast<double>(N) * unit_roundoff) << n;
    EXPECT_TRUE(member_numeric(A, ch).member_within_tolerance) << n;
    const double tol = 8.0 * static_cast<double>(N) * unit_roundoff;
    for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8})
      for (const auto& order : {split_order_left_to_right(N), split_order_balanced(N)}) {
        HierarchicalOptions o;
        o.algorithm = alg;
        o.order = order;
        const auto r = factorize_hierarchical(A, ch, o);
        const double rel = (A - chain_product(r.factors)).norm() / A.norm();
        EXPECT_LT(rel, tol) << "n = " << n << " alg " << (alg == HierarchicalAlgorithm::alg7 ? 7 : 8);
        // Certified: the residual of the returned factors is at machine-precision level
        // (the enclosure adds the rounding of evaluating the product: gamma_{3*2+1} per factor).
        EXPECT_LT(r.enclosure.residual.hi / A.norm(), 64.0 * static_cast<double>(N) * unit_roundoff) << n;
      }
  }
  // The columns of F_n P really are those of F_n in bit-reversed order.
  const ComplexMatrix F = dft_matrix(8), FP = dft_bit_reversed(8);
  const auto rev = bit_reversal(8);
  EXPECT_EQ(rev, (std::vector<std::size_t>{0, 4, 2, 6, 1, 5, 3, 7}));
  for (std::size_t j = 0; j < 8; ++j) EXPECT_EQ(FP.col(static_cast<Eigen::Index>(j)), F.col(static_cast<Eigen::Index>(rev[j])));
  EXPECT_NEAR(std::abs(F(1, 1) - std::polar(1.0, -2.0 * 3.14159265358979323846 / 8.0)), 0.0, 1e-16);
  EXPECT_THROW(dft_matrix(12), std::invalid_argument);
}

// --- exact checks of the complex enclosures -----------------------------------

struct CRational {
  Rational re, im;
};

CRational mul(const CRational& a, const CRational& b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }

std::vector<std::vector<CRational>> exact_cproduct(const std::vector<ComplexMatrix>& ms) {
  const ComplexMatrix& f = ms[0];
  std::vector<std::vector<CRational>> P(static_cast<std::size_t>(f.rows()), std::vector<CRational>(static_cast<std::size_t>(f.cols())));
  for (Eigen::Index i = 0; i < f.rows(); ++i)
    for (Eigen::Index j = 0; j < f.cols(); ++j)
      P[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = {Rational(f(i, j).real()), Rational(f(i, j).imag())};
  for (std::size_t l = 1; l < ms.size(); ++l) {
    const ComplexMatrix& X = ms[l];
    std::vector<std::vector<CRational>> Q(P.size(), std::vector<CRational>(static_cast<std::size_t>(X.cols())));
    for (std::size_t i = 0; i < P.size(); ++i)
      for (Eigen::Index k = 0; k < X.rows(); ++k)
        for (Eigen::Index j = 0; j < X.cols(); ++j) {
          if (X(k, j) == Complex(0)) continue;
          const CRational t = mul(P[i][static_cast<std::size_t>(k)], {Rational(X(k, j).real()), Rational(X(k, j).imag())});
          auto& q = Q[i][static_cast<std::size_t>(j)];
          q.re += t.re;
          q.im += t.im;
        }
    P = std::move(Q);
  }
  return P;
}

Rational exact_sq_distance(const ComplexMatrix& A, const std::vector<std::vector<CRational>>& P) {
  Rational s = 0;
  for (Eigen::Index i = 0; i < A.rows(); ++i)
    for (Eigen::Index j = 0; j < A.cols(); ++j) {
      const auto& p = P[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      const Rational dr = Rational(A(i, j).real()) - p.re, di = Rational(A(i, j).imag()) - p.im;
      s += dr * dr + di * di;
    }
  return s;
}

// sigma_2(B)^2 of a complex 2 x 2 block, 200 digits: (f - sqrt(f^2 - 4 |det B|^2)) / 2, f = ||B||_F^2 (exact rationals).
Big sigma2_sq(const CRational b[2][2]) {
  Rational f = 0;
  for (int u = 0; u < 2; ++u)
    for (int v = 0; v < 2; ++v) f += b[u][v].re * b[u][v].re + b[u][v].im * b[u][v].im;
  const CRational p = mul(b[0][0], b[1][1]), q = mul(b[0][1], b[1][0]);
  const Rational dr = p.re - q.re, di = p.im - q.im;
  const Big fb(f), gb(dr * dr + di * di);
  return (fb - boost::multiprecision::sqrt(fb * fb - 4 * gb)) / 2;
}

bool contains_big(const Interval& iv, const Big& v) { return Big(iv.lo) <= v && v <= Big(iv.hi); }

TEST(ComplexEnclosures, ContainExactValues) {
  // Entries are doubles, hence exact rationals (real and imaginary parts).
  const KChain ch = butterfly_chain(4);
  const ComplexMatrix A = random_cmatrix(4, 4, 31);
  for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8})
    for (std::size_t direct : {std::size_t{1} << 24, std::size_t{0}}) {
      HierarchicalOptions o;
      o.algorithm = alg;
      o.direct_residual_max_work = direct;
      const auto r = factorize_hierarchical(A, ch, o);
      std::vector<ComplexMatrix> ds;
      for (const auto& f : r.factors) ds.push_back(f.to_dense());
      const Rational s = exact_sq_distance(A, exact_cproduct(ds));
      EXPECT_TRUE(testing::contains_sqrt(r.enclosure.residual, s)) << r.enclosure.residual_method;
      // The exact achieved error is at least the certified lower bound on E^Theta(A).
      EXPECT_LE(Big(r.enclosure.lower_bound.lo), boost::multiprecision::sqrt(Big(s)));
      EXPECT_LE(Big(r.enclosure.residual.hi), Big(r.enclosure.ratio_upper) * Big(r.enclosure.lower_bound.lo) * (1 + 1e-12));
    }
  // E_1 for theta_1 = (1,2,2,2), theta_2 = (2,2,2,1): classes are 2 x 2 blocks rows {d, d+2}, cols {2a, 2a+1}.
  Big e1sq = 0;
  for (int d = 0; d < 2; ++d)
    for (int a = 0; a < 2; ++a) {
      CRational b[2][2];
      for (int u = 0; u < 2; ++u)
        for (int v = 0; v < 2; ++v) b[u][v] = {Rational(A(d + 2 * u, 2 * a + v).real()), Rational(A(d + 2 * u, 2 * a + v).imag())};
      e1sq += sigma2_sq(b);
    }
  EXPECT_TRUE(contains_big(split_error(A, ch, 1), boost::multiprecision::sqrt(e1sq)));
  // Two factors, rank 1 on a 2 x 2 complex matrix: optimum sigma_2, residual exact over Q[i].
  const Architecture lr = low_rank(2, 2, 1);
  const ComplexMatrix B = random_cmatrix(2, 2, 41);
  const auto two = factorize_two_factors(B, lr.factor(0), lr.factor(1));
  CRational b[2][2];
  for (int u = 0; u < 2; ++u)
    for (int v = 0; v < 2; ++v) b[u][v] = {Rational(B(u, v).real()), Rational(B(u, v).imag())};
  EXPECT_TRUE(contains_big(two.optimal_error, boost::multiprecision::sqrt(sigma2_sq(b))));
  EXPECT_TRUE(testing::contains_sqrt(two.residual, exact_sq_distance(B, exact_cproduct({two.X, two.Y}))));
  EXPECT_TRUE(testing::contains_sqrt(certified_residual(B, two.X, two.Y), exact_sq_distance(B, exact_cproduct({two.X, two.Y}))));
}

TEST(ComplexEnclosures, NonFiniteRealOrImaginaryPartRejectedWithPosition) {
  const KChain ch = butterfly_chain(8);
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  struct Bad {
    Complex z;
    const char* part;
  };
  for (const Bad& bad : {Bad{{1.0, nan}, "imaginary"}, Bad{{inf, 0.5}, "real"}, Bad{{nan, inf}, "real"}}) {
    ComplexMatrix A = chain_product(random_cfactors(ch, 4));
    A(3, 5) = bad.z;
    const auto expect_named = [&](const auto& call, const char* who) {
      try {
        call();
        ADD_FAILURE() << who << " accepted a non-finite entry";
      } catch (const std::invalid_argument& e) {
        const std::string w = e.what();
        EXPECT_NE(w.find("(3, 5)"), std::string::npos) << who << ": " << w;
        EXPECT_NE(w.find(bad.part), std::string::npos) << who << ": " << w;
      }
    };
    expect_named([&] { factorize_hierarchical(A, ch); }, "factorize_hierarchical");
    expect_named([&] { split_error(A, ch, 2); }, "split_error");
    expect_named([&] { factorize_two_factors(A, ch[0].support(), chain_product(KChain(ch.begin() + 1, ch.end())).support()); },
                 "factorize_two_factors");
  }
}

TEST(ComplexMembership, ProductsAreMembersNoiseIsCertifiedOut) {
  const KChain ch = {KPattern{1, 4, 4, 4}, KPattern{2, 4, 4, 2}, KPattern{4, 4, 2, 1}};
  const ComplexMatrix A = chain_product(random_cfactors(ch, 12));
  const auto in = member_numeric(A, ch);
  EXPECT_TRUE(in.member_within_tolerance) << in.reason;
  EXPECT_FALSE(in.certified_not_member);
  const ComplexMatrix B = random_cmatrix(A.rows(), A.cols(), 13);
  const auto out = member_numeric(B, ch);
  EXPECT_TRUE(out.certified_not_member);
  EXPECT_FALSE(out.member_within_tolerance);
}

}  // namespace
}  // namespace wellposed::numeric
