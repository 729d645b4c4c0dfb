// chain_residual (residual.hpp): the certified enclosure of ||A - X_1...X_N||_F
// through the chain multiply, against an exact-enough reference computed in
// long double (64-bit mantissa: its own error is ~2^-64 N relative, far below
// the enclosure's width ~ N 2^-53), at n = 4096 (issue 19 "done when").
#include <gtest/gtest.h>

#include <cmath>

#include "numeric_test_util.hpp"
#include "wellposed/numeric/factorize.hpp"
#include "wellposed/numeric/residual.hpp"

namespace wellposed::numeric {
namespace {

using testing::random_factors;
using testing::random_matrix;

// ||A - X_1 ... X_N||_F in long double, one column at a time; X_l applied to a
// vector supported on rows [lo, hi) touches only the alpha blocks meeting it.
long double residual_long_double(const Matrix& A, const std::vector<KFactor>& fs) {
  const std::size_t n = fs.back().cols();
  long double total = 0.0L;
  // v holds rows [lo, hi) of the current partial product's column.
  std::vector<long double> v, w;
  for (std::size_t j = 0; j < n; ++j) {
    const KPattern& t = fs.back().theta;
    const std::size_t al = j / (t.c * t.d), ga = (j / t.d) % t.c, de = j % t.d;
    std::size_t lo = al * t.b * t.d, hi = (al + 1) * t.b * t.d;
    v.assign(hi - lo, 0.0L);
    for (std::size_t be = 0; be < t.b; ++be)
      v[be * t.d + de] = fs.back().values[((al * t.b + be) * t.c + ga) * t.d + de];
    for (std::size_t l = fs.size() - 1; l-- > 0;) {
      const KPattern& u = fs[l].theta;
      const std::size_t a0 = lo / (u.c * u.d), a1 = (hi - 1) / (u.c * u.d);
      const std::size_t nlo = a0 * u.b * u.d, nhi = (a1 + 1) * u.b * u.d;
      w.assign(nhi - nlo, 0.0L);
      for (std::size_t a = a0; a <= a1; ++a)
        for (std::size_t be = 0; be < u.b; ++be)
          for (std::size_t g = 0; g < u.c; ++g)
            for (std::size_t d = 0; d < u.d; ++d) {
              const std::size_t in = a * u.c * u.d + g * u.d + d;
              if (in < lo || in >= hi) continue;
              w[a * u.b * u.d + be * u.d + d - nlo] +=
                  static_cast<long double>(fs[l].values[((a * u.b + be) * u.c + g) * u.d + d]) * v[in - lo];
            }
      lo = nlo;
      hi = nhi;
      v.swap(w);
    }
    for (std::size_t i = 0; i < fs.front().rows(); ++i) {
      const long double p = (i >= lo && i < hi) ? v[i - lo] : 0.0L;
      const long double dd = static_cast<long double>(A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))) - p;
      total += dd * dd;
    }
  }
  return std::sqrt(total);
}

TEST(ChainResidual, EnclosesLongDoubleResidualAt4096WithRelativeWidthBelow1e6) {
  const std::size_t n = 4096;
  const KChain chain = butterfly_chain(n);
  auto fs = random_factors(chain, 11);
  for (auto& f : fs)
    for (auto& v : f.values) v *= std::sqrt(0.5);  // keep the product's scale ~ 1 per entry
  // A = the product plus a small perturbation: the residual is small compared
  // with ||A||, the hard case for a relative width.
  Matrix A = chain_product(fs);
  std::uint64_t x = 5;  // a cheap uniform perturbation in [-1e-3, 1e-3)
  for (Eigen::Index k = 0; k < A.size(); ++k) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    A.data()[k] += 2e-3 * (static_cast<double>(x >> 11) * 0x1p-53 - 0.5);
  }
  ResidualCost cost;
  const Interval r = chain_residual(A, fs, &cost);
  const long double exact = residual_long_double(A, fs);
  EXPECT_LE(static_cast<long double>(r.lo), exact);
  EXPECT_GE(static_cast<long double>(r.hi), exact);
  EXPECT_LE(r.width(), 1e-6 * r.hi) << r.lo << " " << r.hi;
  EXPECT_EQ(cost.multiply_adds, chain_residual_work(chain) * (cost.abs_pass ? 2 : 1));
  // The cost is O(||Theta||_0 n) (here far below the n^2 N of a dense chain).
  EXPECT_LT(cost.multiply_adds, parameter_count(chain) * n);
}

TEST(ChainResidual, ExactProductGivesAnIntervalContainingZeroWidthNearNu) {
  const KChain chain = butterfly_chain(64);
  const auto fs = random_factors(chain, 2);
  const Matrix A = chain_product(fs);
  const Interval r = chain_residual(A, fs);
  EXPECT_EQ(r.lo, 0.0);
  EXPECT_LT(r.hi, 1e-12 * A.norm());
  // A perturbed entry moves the residual by exactly that much (within the width).
  Matrix B = A;
  B(3, 5) += 0.25;
  const Interval r2 = chain_residual(B, fs);
  EXPECT_TRUE(r2.contains(0.25) || std::abs(r2.mid() - 0.25) < 1e-12) << r2.lo << " " << r2.hi;
  EXPECT_LE(r2.lo, 0.25 + 1e-15);
  EXPECT_GE(r2.hi, 0.25 - 1e-15);
}

TEST(ChainResidual, ShapeMismatchIsRefused) {
  const auto fs = random_factors(butterfly_chain(8), 1);
  EXPECT_THROW(chain_residual(Matrix::Zero(8, 4), fs), std::invalid_argument);
}

// numeric::factorize: the method is chosen by the library; infeasible
// requests are refused with a reason; the tight residual is used by default
// where the cost model allows it and on request otherwise.
TEST(Factorize, ChoosesHierarchicalOrTwoFactorAndRefusesTheRest) {
  const Matrix A = random_matrix(16, 16, 9);
  const auto bf = kronecker_chain_architecture(butterfly_chain(16));
  const auto r = factorize(A, bf);
  EXPECT_NE(r.method.find("hierarchical"), std::string::npos);
  EXPECT_EQ(r.factors.size(), 4u);
  EXPECT_EQ(r.enclosure.residual_method, "telescoping+direct");
  EXPECT_LE(r.enclosure.residual.width(), 1e-10 * A.norm());
  const double exact = (A - chain_product(r.factors)).norm();
  EXPECT_TRUE(r.enclosure.residual.lo <= exact * (1 + 1e-12) && exact <= r.enclosure.residual.hi * (1 + 1e-12));

  FactorizeOptions o;
  o.residual = ResidualMode::telescoping;
  EXPECT_EQ(factorize(A, bf, o).enclosure.residual_method, "telescoping");
  o.residual = ResidualMode::automatic;
  o.custom_order = {1, 1, 2};
  EXPECT_THROW(factorize(A, bf, o), InfeasibleRequest);

  // Two Kronecker factors (Monarch) are a chainable chain: hierarchical, and
  // for two factors the split is the optimum (Algorithm 5, Thm 6.2.3).
  const auto mon = kronecker_chain_architecture(KChain{{1, 4, 4, 4}, {4, 4, 4, 1}});
  const auto r2 = factorize(A, mon);
  EXPECT_EQ(r2.factors.size(), 2u);
  EXPECT_LE(std::abs((A - chain_product(r2.factors)).norm() - r2.enclosure.residual.mid()), 1e-9);

  // LU (4 x 4): a two-factor pair that satisfies neither Thm 5.2.3 nor 5.2.9.
  const Architecture lu({Support::lower(4), Support::upper(4)}, "lu");
  EXPECT_THROW(factorize(Matrix(random_matrix(4, 4, 1)), lu), std::invalid_argument);
  // Three triangular factors: neither a Kronecker chain nor two factors.
  const Architecture lul({Support::lower(16), Support::upper(16), Support::lower(16)}, "lul");
  EXPECT_THROW(factorize(A, lul), InfeasibleRequest);
}

}  // namespace
}  // namespace wellposed::numeric
