#include <gtest/gtest.h>

#include "numeric_test_util.hpp"
#include "wellposed/algebra/architecture.hpp"

namespace wellposed::numeric {
namespace {

using testing::random_matrix;

void expect_optimal(const Matrix& A, const Support& left, const Support& right, const TwoFactorResult& r) {
  EXPECT_TRUE(respects(r.X, left));
  EXPECT_TRUE(respects(r.Y, right));
  const double achieved_sq = (A - r.X * r.Y).squaredNorm();
  // Thm 6.2.3: the optimal value is attained by Algorithm 3/4.
  EXPECT_NEAR(achieved_sq, r.optimal_value_sq, 1e-10 * (1.0 + A.squaredNorm()));
  // The certified enclosures contain the double evaluations and intersect.
  EXPECT_TRUE(r.residual.contains(std::sqrt(achieved_sq))) << r.residual.lo << " " << r.residual.hi;
  EXPECT_LE(r.optimal_error.lo, r.residual.hi);
  EXPECT_TRUE(r.optimal_error.contains(std::sqrt(r.optimal_value_sq)) ||
              std::abs(std::sqrt(r.optimal_value_sq) - r.optimal_error.mid()) < 1e-12 * (1.0 + A.norm()));
  // Optimality against random feasible perturbations of the returned factors.
  for (int t = 0; t < 5; ++t) {
    Matrix dX = random_matrix(r.X.rows(), r.X.cols(), 100 + t).cwiseProduct(to_dense(left)) * 1e-3;
    Matrix dY = random_matrix(r.Y.rows(), r.Y.cols(), 200 + t).cwiseProduct(to_dense(right)) * 1e-3;
    EXPECT_GE((A - (r.X + dX) * (r.Y + dY)).squaredNorm(), achieved_sq - 1e-12);
  }
}

TEST(TwoFactor, LowRankIsTruncatedSvd) {
  const Architecture arch = low_rank(7, 5, 2);
  const Matrix A = random_matrix(7, 5, 1);
  const auto r = factorize_two_factors(A, arch.factor(0), arch.factor(1));
  EXPECT_EQ(r.theorem, "Thm 5.2.3");
  const Eigen::VectorXd s = Eigen::JacobiSVD<Matrix>(A).singularValues();
  EXPECT_NEAR(r.optimal_value_sq, s.tail(3).squaredNorm(), 1e-12);
  expect_optimal(A, arch.factor(0), arch.factor(1), r);
}

TEST(TwoFactor, HodlrIsSolved) {
  for (std::size_t levels : {1u, 2u, 3u}) {
    const auto [I, J] = hodlr_xyT(levels);
    const Support left = I, right = J.transpose();
    const Matrix A = random_matrix(static_cast<Eigen::Index>(I.rows()), static_cast<Eigen::Index>(J.rows()), 10 + levels);
    const auto r = factorize_two_factors(A, left, right);
    expect_optimal(A, left, right, r);
  }
}

TEST(TwoFactor, ChainablePairAndMonarch) {
  const KChain mon = monarch_chain(12, 12, 3, 4);
  const Matrix A = random_matrix(12, 12, 3);
  const auto r = factorize_two_factors(A, mon[0].support(), mon[1].support());
  expect_optimal(A, mon[0].support(), mon[1].support(), r);
}

TEST(TwoFactor, CompleteClassesUseThm529) {
  // left = [1 1 1], right = full 3 x 2 plus... a 2 x 2 full pair (a CEC) next to
  // a rank-one support overlapping it: S_1 = S_2 = full 2x2 (class of size 2,
  // complete), S_3 = row 0 x {0,1,2} overlaps S_T and S'_3 = {(0,2)} is a rectangle.
  const Support left = Support::from_rows({"111", "110"});
  const Support right = Support::from_rows({"110", "110", "111"});
  const Matrix A = random_matrix(2, 3, 4);
  const auto r = factorize_two_factors(A, left, right);
  EXPECT_EQ(r.theorem, "Thm 5.2.9");
  expect_optimal(A, left, right, r);
  // S_T = {0,1} x {0,1} is reproduced, (0,2) is covered by class {2}, (1,2) by nothing.
  EXPECT_NEAR(r.optimal_value_sq, A(1, 2) * A(1, 2), 1e-12);
}

TEST(TwoFactor, LuIsRefusedWithReason) {
  const Architecture arch = lu(3);
  const Matrix A = random_matrix(3, 3, 5);
  try {
    factorize_two_factors(A, arch.factor(0), arch.factor(1));
    FAIL() << "LU(3) must be refused";
  } catch (const NotTractable& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("Thm 5.2.3 fails"), std::string::npos) << what;
    EXPECT_NE(what.find("Thm 5.2.9 fails"), std::string::npos) << what;
  }
}

TEST(TwoFactor, RejectsBadInput) {
  const Architecture arch = low_rank(4, 4, 2);
  Matrix A = random_matrix(4, 4, 6);
  EXPECT_THROW(factorize_two_factors(random_matrix(3, 4, 1), arch.factor(0), arch.factor(1)), std::invalid_argument);
  A(2, 1) = std::numeric_limits<double>::quiet_NaN();
  try {
    factorize_two_factors(A, arch.factor(0), arch.factor(1));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(2, 1)"), std::string::npos) << e.what();
  }
  A(2, 1) = std::numeric_limits<double>::infinity();
  EXPECT_THROW(factorize_two_factors(A, arch.factor(0), arch.factor(1)), std::invalid_argument);
}

TEST(TwoFactor, ResidualEnclosureContainsExactRational) {
  const Architecture arch = low_rank(5, 6, 2);
  const Matrix A = random_matrix(5, 6, 7);
  const auto r = factorize_two_factors(A, arch.factor(0), arch.factor(1));
  // exact ||A - X Y||^2 over Q from the returned doubles
  testing::Rational s = 0;
  for (Eigen::Index i = 0; i < 5; ++i)
    for (Eigen::Index j = 0; j < 6; ++j) {
      testing::Rational p = 0;
      for (Eigen::Index k = 0; k < 2; ++k) p += testing::Rational(r.X(i, k)) * testing::Rational(r.Y(k, j));
      const testing::Rational d = testing::Rational(A(i, j)) - p;
      s += d * d;
    }
  EXPECT_TRUE(testing::contains_sqrt(r.residual, s));
  EXPECT_LT(r.residual.width(), 1e-12);
}

}  // namespace
}  // namespace wellposed::numeric
