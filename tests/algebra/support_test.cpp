#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

#include <wellposed/algebra/support.hpp>

namespace wellposed {
namespace {

TEST(Support, NamedConstructorsHaveTheirCounts) {
  EXPECT_EQ(Support::full(3, 5).nnz(), 15u);
  EXPECT_EQ(Support::zero(3, 5).nnz(), 0u);
  EXPECT_EQ(Support::lower(4).nnz(), 10u);
  EXPECT_EQ(Support::upper(4).nnz(), 10u);
  EXPECT_EQ(Support::diagonal(3, 7).nnz(), 3u);
  EXPECT_EQ(Support::lower(4).transpose(), Support::upper(4));
  EXPECT_EQ(Support::lower(3, 5).nnz(), 6u);  // rows i >= j
  EXPECT_EQ(Support::upper(5, 3).nnz(), 6u);
  EXPECT_EQ(Support::full(70, 130).nnz(), 9100u);  // spans several 64-bit words
}

TEST(Support, FromRowsRoundTripsAndRejectsBadInput) {
  const std::vector<std::string> rows{"1100", "0110", "0011"};
  const Support s = Support::from_rows(rows);
  EXPECT_EQ(s.rows(), 3u);
  EXPECT_EQ(s.cols(), 4u);
  EXPECT_EQ(s.to_rows(), rows);
  EXPECT_TRUE(s(1, 2));
  EXPECT_FALSE(s(2, 0));
  EXPECT_EQ(s.pretty(), "##..\n.##.\n..##\n");
  try {
    (void)Support::from_rows({"10", "1x"});
    FAIL() << "bad character accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("row 1, column 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)Support::from_rows({"10", "101"}), std::invalid_argument);
  EXPECT_THROW((void)s.test(3, 0), std::out_of_range);
}

TEST(Support, RandomIsSeededAndHasTheRequestedDensity) {
  const Support a = Support::random(200, 150, 0.3, 42);
  EXPECT_EQ(a, Support::random(200, 150, 0.3, 42));
  EXPECT_NE(a, Support::random(200, 150, 0.3, 43));
  const double density = static_cast<double>(a.nnz()) / (200.0 * 150.0);
  // Binomial(30000, 0.3): standard deviation 0.0026, so 5 sigma is 0.013.
  EXPECT_NEAR(density, 0.3, 0.013);
  EXPECT_EQ(Support::random(10, 10, 0.0, 1).nnz(), 0u);
  EXPECT_EQ(Support::random(10, 10, 1.0, 1).nnz(), 100u);
  EXPECT_THROW((void)Support::random(2, 2, 1.5, 1), std::invalid_argument);
}

// The Boolean product is the support of the counting product, which is the
// ordinary product of the 0/1 matrices (checked against a naive triple loop).
TEST(Support, BooleanAndCountingProductsAgreeWithNaiveProduct) {
  std::mt19937_64 g(11);
  for (int trial = 0; trial < 30; ++trial) {
    const std::size_t m = 1 + g() % 9, k = 1 + g() % 70, n = 1 + g() % 80;
    const Support A = Support::random(m, k, 0.3, g()), B = Support::random(k, n, 0.3, g());
    const auto counts = A.counting_product(B);
    const Support P = A.boolean_product(B);
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        std::uint64_t c = 0;
        for (std::size_t l = 0; l < k; ++l) c += A(i, l) && B(l, j);
        ASSERT_EQ(counts[i * n + j], c);
        ASSERT_EQ(P(i, j), c > 0);
      }
  }
  EXPECT_THROW((void)Support::full(2, 3).boolean_product(Support::full(2, 3)), std::invalid_argument);
}

TEST(Support, SetOperationsTransposeAndHashing) {
  const Support a = Support::random(65, 67, 0.5, 1), b = Support::random(65, 67, 0.5, 2);
  EXPECT_EQ((a | b).nnz() + (a & b).nnz(), a.nnz() + b.nnz());  // inclusion-exclusion
  EXPECT_EQ(a.minus(b).nnz(), a.nnz() - (a & b).nnz());
  EXPECT_TRUE((a & b).subset_of(a));
  EXPECT_TRUE(a.subset_of(a | b));
  EXPECT_EQ(a.transpose().transpose(), a);
  EXPECT_EQ(a.transpose().nnz(), a.nnz());
  // (AB)^T = B^T A^T for supports too.
  const Support c = Support::random(67, 30, 0.2, 3);
  EXPECT_EQ(a.boolean_product(c).transpose(), c.transpose().boolean_product(a.transpose()));
  std::unordered_set<Support> set{a, b, a};
  EXPECT_EQ(set.size(), 2u);
  EXPECT_EQ(a.hash(), Support::random(65, 67, 0.5, 1).hash());
  EXPECT_THROW((void)(a | c), std::invalid_argument);
}

TEST(Support, KronAndSubmatrix) {
  const Support k = Support::identity(2).kron(Support::full(2, 3));
  EXPECT_EQ(k, Support::from_rows({"111000", "111000", "000111", "000111"}));
  EXPECT_EQ(k.submatrix({0, 2}, {2, 3}), Support::from_rows({"10", "01"}));
  EXPECT_EQ(k.row_indices(2), (std::vector<std::size_t>{3, 4, 5}));
  EXPECT_EQ(k.col_indices(4), (std::vector<std::size_t>{2, 3}));
}

}  // namespace
}  // namespace wellposed
