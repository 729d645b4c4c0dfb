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

// The compact certificate form (issue 18 item 6): row-major bits, MSB first, base64.
TEST(Support, Base64RoundTripsAndHasOneEncodingPerMask) {
  // "10","01": bits 1001 -> byte 0x90 -> "kA==" (numpy.packbits order).
  EXPECT_EQ(Support::from_rows({"10", "01"}).to_base64(), "kA==");
  EXPECT_EQ(Support::from_base64(2, 2, "kA=="), Support::from_rows({"10", "01"}));
  EXPECT_EQ(Support::full(3, 8).to_base64(), "////");
  for (const auto& [m, n] : std::vector<std::pair<std::size_t, std::size_t>>{
           {1, 1}, {1, 7}, {3, 3}, {5, 13}, {8, 8}, {64, 65}, {130, 67}}) {
    for (double density : {0.0, 0.3, 1.0}) {
      const Support s = Support::random(m, n, density, m * 1000 + n);
      const std::string b = s.to_base64();
      EXPECT_EQ(b.size(), ((m * n + 7) / 8 + 2) / 3 * 4) << m << "x" << n;
      EXPECT_EQ(Support::from_base64(m, n, b), s) << m << "x" << n << " density " << density;
    }
  }
  // Wrong length, a non-base64 character, padding bits that are not zero.
  EXPECT_THROW((void)Support::from_base64(2, 2, "kA="), std::invalid_argument);
  EXPECT_THROW((void)Support::from_base64(2, 2, "k*=="), std::invalid_argument);
  EXPECT_THROW((void)Support::from_base64(2, 2, "kB=="), std::invalid_argument);  // a bit after the 8 data bits
  EXPECT_THROW((void)Support::from_base64(2, 2, "lA=="), std::invalid_argument);  // 0x94: a bit after entry 4
  EXPECT_THROW((void)Support::from_base64(2, 2, "kAA="), std::invalid_argument);
}

// Issue 20 B2: sizes near 2^64 never wrap into a too small buffer.
TEST(Support, SizesThatOverflowAreRefusedNotWrapped) {
  const std::size_t big = std::size_t{1} << 62;
  EXPECT_FALSE(Support::storage_bytes(big, big).has_value());
  EXPECT_EQ(Support::storage_bytes(3, 65), std::optional<std::size_t>(3 * 2 * 8));
  EXPECT_THROW(Support(big, big), std::length_error);
  EXPECT_THROW((void)Support::kronecker(big, 2, 4, 2), std::length_error);
  EXPECT_THROW((void)Support::full(3, 3).kron(Support(big, 1)), std::length_error);
}

}  // namespace
}  // namespace wellposed
