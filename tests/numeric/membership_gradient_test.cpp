#include <gtest/gtest.h>

#include "numeric_test_util.hpp"
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/numeric/membership.hpp"

namespace wellposed::numeric {
namespace {

using testing::Rational;

RationalEntries exact_of(const std::vector<KFactor>& fs) { return testing::exact_product(fs); }

TEST(Membership, ExactRankConditions) {
  const KChain ch = {KPattern{1, 4, 4, 4}, KPattern{2, 4, 4, 2}, KPattern{4, 4, 2, 1}};
  // Integer factors: the product is exactly in B^Theta.
  std::vector<KFactor> fs = testing::random_factors(ch, 3);
  for (auto& f : fs)
    for (auto& v : f.values) v = std::round(3 * v);
  const RationalEntries P = exact_of(fs);
  const auto yes = member_exact(P, ch);
  EXPECT_TRUE(yes.member) << yes.reason;
  // Perturb one entry inside the support: some class block gets rank q + 1.
  RationalEntries Q = P;
  Q[0][0] += Rational(1, 7);
  const auto no = member_exact(Q, ch);
  EXPECT_FALSE(no.member);
  EXPECT_NE(no.reason.find("rank"), std::string::npos) << no.reason;
  EXPECT_EQ(exact_rank({{1, 2}, {2, 4}}), 1u);
  EXPECT_EQ(exact_rank({{1, 2}, {2, 5}}), 2u);
}

TEST(Membership, NumericWithToleranceAndCertifiedNonMembership) {
  const KChain ch = butterfly_chain(16);
  const Matrix A = chain_product(testing::random_factors(ch, 4));
  const auto in = member_numeric(A, ch);
  EXPECT_TRUE(in.member_within_tolerance) << in.reason;
  const Matrix B = A + 1e-3 * testing::random_matrix(16, 16, 5);
  const auto out = member_numeric(B, ch);
  EXPECT_FALSE(out.member_within_tolerance);
  EXPECT_TRUE(out.certified_not_member);
}

TEST(Gradient, ReachesTractableOptimum) {
  const Architecture arch = low_rank(6, 5, 2);
  const Matrix A = testing::random_matrix(6, 5, 8);
  const auto opt = factorize_two_factors(A, arch.factor(0), arch.factor(1));
  GradientOptions o;
  o.iterations = 5000;
  o.learning_rate = 1e-2;
  const auto g = gradient_descent(A, arch.factors(), o);
  EXPECT_GE(g.loss.back(), opt.optimal_value_sq - 1e-9);  // never below the optimum (Thm 6.2.3)
  EXPECT_LT(g.loss.back(), opt.optimal_value_sq + 1e-3);
}

TEST(Gradient, IllPosedLuLossVanishesWhileNormsDiverge) {
  // Claim 3.1.1 on LU(2), target [[0,1],[1,0]] (not in the closed... not attained):
  // loss eps forces |x21 y12| >= (1 - sqrt(eps))^2 / sqrt(eps), hence
  // ||X||^2 + ||Y||^2 >= 2 (1 - sqrt(eps))^2 / sqrt(eps).
  Matrix A(2, 2);
  A << 0, 1, 1, 0;
  const Architecture arch = lu(2);
  GradientOptions o;
  o.iterations = 60000;
  o.learning_rate = 1e-2;
  o.seed = 1;
  o.target_loss = 1e-3;
  const auto g = gradient_descent(A, arch.factors(), o);
  ASSERT_LT(g.loss.back(), 1e-3) << "after " << g.iterations << " iterations";
  EXPECT_GT(g.loss.front(), 0.5);
  EXPECT_GT(g.factor_norm.back(), 7.0);
  EXPECT_GT(g.factor_norm.back(), 3.0 * g.factor_norm.front());
  // Every iterate obeys the lower bound forced by its loss: the norm must grow as the loss falls.
  for (std::size_t i = 0; i < g.loss.size(); ++i) {
    const double e = std::sqrt(g.loss[i]);
    if (e < 1.0) {
      EXPECT_GE(g.factor_norm[i] * g.factor_norm[i], 2.0 * (1 - e) * (1 - e) / e * (1 - 1e-9)) << i;
    }
  }
  // The explicit minimizing sequence (SEEDMAP 3.1, R Box 2): X_k Y_k = A + e_11 / k^2.
  for (double k : {10.0, 100.0}) {
    Matrix X(2, 2), Y(2, 2);
    X << 1 / k, 0, k, -k;
    Y << 1 / k, k, 0, k;
    EXPECT_NEAR((A - X * Y).norm(), 1 / (k * k), 1e-9);
  }
  // The two-factor solver refuses this support (Thm 5.2.3 and 5.2.9 fail).
  EXPECT_THROW(factorize_two_factors(A, arch.factor(0), arch.factor(1)), NotTractable);
}

}  // namespace
}  // namespace wellposed::numeric
