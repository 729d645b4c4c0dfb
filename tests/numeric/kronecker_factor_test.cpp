// KFactor::apply / apply_abs and chain_product against the dense products of
// the to_dense() factors, on random (a, b, c, d) chains (chainable or not:
// chain_product only needs matching sizes), degenerate a = 1 / d = 1 included.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "numeric_test_util.hpp"

namespace wellposed::numeric {
namespace {

// A chain of n_factors patterns with matching sizes, the first one having m
// rows: each pattern takes a random divisor a of its row count, a random
// divisor d of the rest, b = rows / (a d) and c in {1, 2, 3}.
KChain random_size_chain(std::size_t m, std::size_t n_factors, std::mt19937_64& gen) {
  KChain ch;
  auto divisor = [&](std::size_t x) {
    std::vector<std::size_t> ds;
    for (std::size_t k = 1; k <= x; ++k)
      if (x % k == 0) ds.push_back(k);
    return ds[std::uniform_int_distribution<std::size_t>(0, ds.size() - 1)(gen)];
  };
  for (std::size_t l = 0; l < n_factors; ++l) {
    const std::size_t a = divisor(m), d = divisor(m / a), b = m / (a * d);
    const std::size_t c = std::uniform_int_distribution<std::size_t>(1, 3)(gen);
    ch.push_back(KPattern{a, b, c, d});
    m = a * c * d;
  }
  return ch;
}

std::vector<KChain> test_chains() {
  std::vector<KChain> cs = {
      {KPattern{1, 4, 4, 1}},                                               // a = d = 1, one factor
      {KPattern{1, 2, 3, 4}, KPattern{3, 2, 2, 2}, KPattern{6, 2, 1, 1}},   // a = 1 first, d = 1 last
      {KPattern{4, 1, 2, 1}, KPattern{1, 8, 3, 1}, KPattern{3, 1, 1, 1}},   // b = 1, c = 1, a = d = 1 middle
      butterfly_chain(16),
      {KPattern{1, 8, 8, 4}, KPattern{4, 4, 4, 2}, KPattern{8, 4, 4, 1}},  // (r, r, r)-chainable, r = 4
  };
  std::mt19937_64 gen(2024);
  for (int k = 0; k < 12; ++k) cs.push_back(random_size_chain(std::uniform_int_distribution<std::size_t>(1, 24)(gen), 1 + k % 4, gen));
  return cs;
}

template <class F>
typename F::Dense dense_chain(const std::vector<F>& fs) {
  // Right to left, as chain_product (the order decides where 0 * inf = NaN appears).
  typename F::Dense p = fs.back().to_dense();
  for (std::size_t l = fs.size() - 1; l-- > 0;) p = fs[l].to_dense() * p;
  return p;
}

ComplexKFactor random_complex_factor(const KPattern& t, std::uint64_t seed) {
  const KFactor re = testing::random_factor(t, seed), im = testing::random_factor(t, seed + 1);
  ComplexKFactor f(t);
  for (std::size_t k = 0; k < f.values.size(); ++k) f.values[k] = Complex(re.values[k], im.values[k]);
  return f;
}

TEST(KFactorApply, MatchesDenseProductOfToDenseFactors) {
  std::uint64_t seed = 1;
  for (const KChain& ch : test_chains()) {
    const std::string name = to_string(ch);
    const auto fs = testing::random_factors(ch, seed++);
    const Matrix D = dense_chain(fs);
    EXPECT_LE((chain_product(fs) - D).norm(), 1e-13 * (1.0 + D.norm())) << name;
    // apply on a dense operand with 5 columns, and on an empty one.
    const Matrix Y = testing::random_matrix(static_cast<Eigen::Index>(fs[0].cols()), 5, seed++);
    EXPECT_LE((fs[0].apply(Y) - fs[0].to_dense() * Y).norm(), 1e-13 * (1.0 + D.norm() + Y.norm())) << name;
    EXPECT_EQ(fs[0].apply(Matrix(fs[0].cols(), 0)).rows(), static_cast<Eigen::Index>(fs[0].rows())) << name;
    // |X| |Y| entrywise, from above (an upper bound with mag_up = |x| for doubles; equal up to rounding).
    const Matrix W = fs[0].apply_abs(Y.cwiseAbs()), Wd = fs[0].to_dense().cwiseAbs() * Y.cwiseAbs();
    EXPECT_LE((W - Wd).cwiseAbs().maxCoeff(), 1e-13 * (1.0 + Wd.maxCoeff())) << name;
    // Complex: chain_product, apply, and apply_abs >= |X| |Y| (mag_up >= |x|).
    std::vector<ComplexKFactor> cs;
    for (std::size_t l = 0; l < ch.size(); ++l) cs.push_back(random_complex_factor(ch[l], 100 * seed + 2 * l));
    const ComplexMatrix Dc = dense_chain(cs);
    EXPECT_LE((chain_product(cs) - Dc).norm(), 1e-13 * (1.0 + Dc.norm())) << name;
    const ComplexMatrix Yc = Y.cast<Complex>() * Complex(0.5, -2.0) + ComplexMatrix::Constant(Y.rows(), Y.cols(), Complex(0.25, 1.0));
    EXPECT_LE((cs[0].apply(Yc) - cs[0].to_dense() * Yc).norm(), 1e-13 * (1.0 + Dc.norm() + Yc.norm())) << name;
    const Matrix Wc = cs[0].apply_abs(Y.cwiseAbs()), Wcd = cs[0].to_dense().cwiseAbs() * Y.cwiseAbs();
    EXPECT_TRUE(((Wc - Wcd).array() >= -1e-13 * (1.0 + Wcd.maxCoeff())).all()) << name;
    EXPECT_LE((Wc - Wcd).cwiseAbs().maxCoeff(), std::sqrt(2.0) * (1.0 + Wcd.maxCoeff())) << name;
  }
}

TEST(KFactorApply, ChainProductPropagatesNonFiniteValuesLikeTheDenseProduct) {
  // The row-range skipping of chain_product must not drop 0 * inf = NaN terms.
  const KChain ch = {KPattern{1, 4, 4, 2}, KPattern{2, 2, 2, 2}, KPattern{4, 2, 2, 1}};
  auto fs = testing::random_factors(ch, 9);
  fs[0].values[3] = std::numeric_limits<double>::infinity();
  const Matrix D = dense_chain(fs), P = chain_product(fs);
  for (Eigen::Index i = 0; i < D.rows(); ++i)
    for (Eigen::Index j = 0; j < D.cols(); ++j) {
      EXPECT_EQ(std::isnan(D(i, j)), std::isnan(P(i, j))) << i << ", " << j;
      if (std::isfinite(D(i, j))) {
        EXPECT_NEAR(P(i, j), D(i, j), 1e-12 * (1.0 + std::abs(D(i, j))));
      }
    }
}

TEST(KFactorApply, RejectsWrongOperandShapeNamingBothSizes) {
  const KFactor f = testing::random_factor(KPattern{2, 3, 2, 1}, 4);
  try {
    (void)f.apply(Matrix::Zero(5, 2));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("4 columns, operand has 5 rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)f.apply_abs(Matrix::Zero(3, 2)), std::invalid_argument);
}

}  // namespace
}  // namespace wellposed::numeric
