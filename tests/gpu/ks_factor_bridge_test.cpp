// gpu::KsFactor <-> numeric::KFactor without a dense detour (issue 19 item 1):
// the permutation of the abcd values is exact, and the fast chain multiply on
// the converted chain agrees with the numeric layer's chain product.
#include <gtest/gtest.h>

#include <random>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/ks_multiply.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::gpu {
namespace {

numeric::KFactor random_kfactor(const KPattern& t, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd;
  numeric::KFactor f(t);
  for (auto& v : f.values) v = nd(g);
  return f;
}

TEST(KsFactorBridge, FromKFactorEqualsTheDenseRouteAndRoundTripsExactly) {
  for (const KPattern& t : {KPattern{1, 2, 3, 4}, KPattern{3, 1, 5, 2}, KPattern{2, 4, 4, 1}, KPattern{1, 1, 1, 7}}) {
    const numeric::KFactor f = random_kfactor(t, t.nnz());
    const auto k = KsFactor<double>::from_kfactor(f);
    const auto ref = KsFactor<double>::from_numeric(t, f.to_dense());
    ASSERT_EQ(k.values().size(), ref.values().size());
    for (std::size_t i = 0; i < k.values().size(); ++i) EXPECT_EQ(k.values()[i], ref.values()[i]) << t.to_string();
    EXPECT_EQ(k.to_kfactor().values, f.values) << t.to_string();
  }
  numeric::KFactor bad(KPattern{1, 2, 2, 1});
  bad.values.pop_back();
  EXPECT_THROW(KsFactor<double>::from_kfactor(bad), std::invalid_argument);
}

TEST(KsFactorBridge, ApplyChainOnConvertedChainMatchesChainProduct) {
  const KChain chain = butterfly_chain(32);
  std::vector<numeric::KFactor> fs;
  for (std::size_t l = 0; l < chain.size(); ++l) fs.push_back(random_kfactor(chain[l], 100 + l));
  const auto ks = ks_chain_from_kfactors<double>(fs);
  const numeric::Matrix P = numeric::chain_product(fs);
  MatX<double> X = MatX<double>::Random(32, 7), Y;
  ASSERT_TRUE(apply_chain(ks, X, Y).ok());
  EXPECT_LE((Y - P * X).norm(), 1e-12 * (P.norm() * X.norm()));
  ASSERT_TRUE(apply_chain(ks, X, Y, Op::transpose).ok());
  EXPECT_LE((Y - P.transpose() * X).norm(), 1e-12 * (P.norm() * X.norm()));
  EXPECT_EQ(ks_chain_to_kfactors(ks)[2].values, fs[2].values);
  // Sizes that do not chain are refused naming the factor.
  std::vector<numeric::KFactor> broken{fs[0], fs[0], fs[1]};
  broken[1] = random_kfactor(KPattern{1, 2, 2, 8}, 3);
  broken[0] = random_kfactor(KPattern{1, 2, 2, 4}, 4);  // 8 columns, next has 16 rows
  EXPECT_THROW(ks_chain_from_kfactors<double>(broken), std::invalid_argument);
}

}  // namespace
}  // namespace wellposed::gpu
