// Architectures, orientation converters and the named families of the seeds.
#include <gtest/gtest.h>

#include <random>

#include <wellposed/algebra/architecture.hpp>
#include <wellposed/algebra/orientation.hpp>
#include <wellposed/algebra/rank_one.hpp>

namespace wellposed {
namespace {

TEST(Architecture, RejectsMismatchedFactorsNamingThePair) {
  try {
    Architecture a({Support::full(3, 4), Support::full(4, 2), Support::full(3, 3)}, "bad");
    FAIL() << "mismatch accepted";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("factor 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("factor 3"), std::string::npos) << msg;
  }
  EXPECT_THROW(Architecture({}), std::invalid_argument);
}

TEST(Architecture, DimsParameterCountAndProductSupport) {
  const Architecture a({Support::full(3, 2), Support::diagonal(2, 2), Support::full(2, 5)});
  EXPECT_EQ(a.dims(), (std::vector<std::size_t>{3, 2, 2, 5}));
  EXPECT_EQ(a.parameter_count(), 6u + 2u + 10u);
  EXPECT_EQ(a.product_support(), Support::full(3, 5));
  const Architecture l = lu(4);
  EXPECT_EQ(l.product_support(), Support::full(4, 4));  // L U can be dense
  EXPECT_EQ(l.parameter_count(), 20u);
}

// X Y^T (Ch. 3-5) and W_L...W_1 (Ch. 7) convert to the library's X_1 X_2 ... X_L.
TEST(Orientation, ConvertersRoundTripAndAgreeOnProducts) {
  const Support I = Support::random(4, 3, 0.5, 1), J = Support::random(5, 3, 0.5, 2);
  const Architecture a = from_xyT(I, J);
  EXPECT_EQ(a.factor(0), I);
  EXPECT_EQ(a.factor(1), J.transpose());
  EXPECT_EQ(a.to_xyT(), std::make_pair(I, J));
  // supp(X Y^T) computed in the thesis's form equals the library's product support.
  EXPECT_EQ(I.boolean_product(J.transpose()), a.product_support());

  const Support W1 = Support::random(3, 2, 0.6, 3), W2 = Support::random(4, 3, 0.6, 4);  // N0=2, N1=3, N2=4
  const Architecture net = from_layers({W1, W2});
  EXPECT_EQ(net.factor(0), W2);  // A = W2 W1 = X_1 X_2
  EXPECT_EQ(net.factor(1), W1);
  EXPECT_EQ(net.to_layers(), (std::vector<Support>{W1, W2}));
  EXPECT_THROW((void)from_layers({W2, W1}), std::invalid_argument);
  EXPECT_THROW((void)lu(2).to_layers().at(2), std::out_of_range);
  EXPECT_THROW((void)Architecture({Support::full(2, 2), Support::full(2, 2), Support::full(2, 2)}).to_xyT(),
               std::invalid_argument);
}

TEST(Architecture, NamedFamiliesHaveTheSeedsShapes) {
  EXPECT_EQ(low_rank(5, 7, 2).dims(), (std::vector<std::size_t>{5, 2, 7}));
  const Architecture b = butterfly(16);
  EXPECT_EQ(b.num_factors(), 4u);
  for (const auto& f : b.factors()) EXPECT_EQ(f.nnz(), 32u);  // 2n entries per factor
  ASSERT_TRUE(b.kronecker_chain().has_value());
  EXPECT_EQ(*b.kronecker_chain(), butterfly_chain(16));
  const Architecture mo = monarch(12, 18, 3, 6);
  EXPECT_EQ(mo.dims(), (std::vector<std::size_t>{12, 24, 18}));
  EXPECT_THROW((void)monarch(12, 18, 5, 6), std::invalid_argument);
  EXPECT_THROW((void)butterfly(12), std::invalid_argument);
  // Recognition from masks finds Kronecker chains of explicitly given factors.
  const Architecture explicit_b(butterfly(8).factors());
  ASSERT_TRUE(explicit_b.kronecker_chain().has_value());
  EXPECT_EQ(kronecker_chain_architecture(*explicit_b.kronecker_chain()).factors(), explicit_b.factors());
  EXPECT_FALSE(lu(3).kronecker_chain().has_value());
}

// Def 2.4.1 / Lemma 5.2.4: |I_N| = |J_N| = n (N + 1), r = 3n - 2, the product
// X Y^T can be any HODLR matrix (dense support), and the pair satisfies Thm 5.2.3.
TEST(Hodlr, SizesCountsAndDisjointRankOneSupports) {
  for (std::size_t N = 1; N <= 6; ++N) {
    const std::size_t n = std::size_t{1} << N;
    const auto [I, J] = hodlr_xyT(N);
    ASSERT_EQ(I.rows(), n);
    ASSERT_EQ(J.rows(), n);
    ASSERT_EQ(I.cols(), 3 * n - 2);
    ASSERT_EQ(J.cols(), 3 * n - 2);
    EXPECT_EQ(I.nnz(), n * (N + 1)) << N;
    EXPECT_EQ(J.nnz(), n * (N + 1)) << N;
    const Architecture h = hodlr(N);
    EXPECT_EQ(h.product_support(), Support::full(n, n));
    const auto classes = rank_one_classes(h.factor(0), h.factor(1));
    EXPECT_TRUE(classes_pairwise_disjoint(classes, n, n)) << N;
  }
  // N = 1: X Y^T = [[x3 y3, x1 y1], [x2 y2, x4 y4]] (SEEDMAP 1.4).
  const auto [I1, J1] = hodlr_xyT(1);
  const Architecture h1 = from_xyT(I1, J1);
  EXPECT_EQ(rank_one_support(h1.factor(0), h1.factor(1), 0), Support::from_rows({"01", "00"}));
  EXPECT_EQ(rank_one_support(h1.factor(0), h1.factor(1), 1), Support::from_rows({"00", "10"}));
  EXPECT_EQ(rank_one_support(h1.factor(0), h1.factor(1), 2), Support::from_rows({"10", "00"}));
  EXPECT_EQ(rank_one_support(h1.factor(0), h1.factor(1), 3), Support::from_rows({"00", "01"}));
  // N = 2: column 1 is the off-diagonal block A_12 (rows 0-1, columns 2-3).
  const Architecture h2 = hodlr(2);
  EXPECT_EQ(rank_one_support(h2.factor(0), h2.factor(1), 0), Support::from_rows({"0011", "0011", "0000", "0000"}));
  EXPECT_EQ(rank_one_support(h2.factor(0), h2.factor(1), 1), Support::from_rows({"0000", "0000", "1100", "1100"}));
}

// Lemma 3.3.3, eq. (3.5): (X Y^T) .* W = (X[:,n+1] Y[:,n+1]^T) .* W, i.e. the
// first n rank-one supports avoid W, and the last one is full.
TEST(NpHardness, FirstRankOneSupportsAvoidTheMask) {
  std::mt19937_64 g(12);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = 1 + g() % 5, m = n + g() % 4;
    const Support W = Support::random(m, n, 0.5, g());
    const auto [I, J] = np_hardness_xyT(W);
    ASSERT_EQ(I.cols(), n + 1);
    ASSERT_EQ(J.rows(), n);
    ASSERT_EQ(J.nnz(), 2 * n);
    const Architecture a = np_hardness(W);
    for (std::size_t k = 0; k < n; ++k)
      EXPECT_EQ((rank_one_support(a.factor(0), a.factor(1), k) & W).nnz(), 0u);
    EXPECT_EQ(rank_one_support(a.factor(0), a.factor(1), n), Support::full(m, n));
    // I[i, j] = 1 - W[i, j] for j <= n.
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) EXPECT_NE(I(i, j), W(i, j));
  }
  EXPECT_THROW((void)np_hardness(Support::full(2, 3)), std::invalid_argument);
}

// Issue 18 item 6: families keep their parameters and build masks only on demand.
TEST(Architecture, FamiliesStayStructuralUntilMasksAreAsked) {
  const Architecture b = butterfly(std::size_t{1} << 16);
  EXPECT_FALSE(b.materialized());
  EXPECT_TRUE(b.structural());
  EXPECT_EQ(b.num_factors(), 16u);
  EXPECT_EQ(b.dims(), std::vector<std::size_t>(17, std::size_t{1} << 16));
  EXPECT_EQ(b.parameter_count(), 16u * 2u * (std::size_t{1} << 16));
  EXPECT_EQ(b.factor_shape(3).nnz, 2u * (std::size_t{1} << 16));
  EXPECT_EQ(b.kronecker_chain(), butterfly_chain(std::size_t{1} << 16));
  EXPECT_TRUE(b.contains(0, 0, std::size_t{1} << 15));  // (1,2,2,2^15): i and i + n/2
  EXPECT_FALSE(b.contains(0, 0, 1));
  EXPECT_EQ(b.materialize_bytes(), std::optional<std::size_t>(16u * (std::size_t{1} << 16) * 1024u * 8u));
  EXPECT_FALSE(b.can_materialize());  // 8 GiB > the 1 GiB default
  EXPECT_THROW((void)b.factor(0), MaterializationRefused);
  EXPECT_FALSE(b.materialized());
  // A copy shares the lazily built masks; a limit of 0 forbids building them.
  Architecture small = butterfly(16);
  small.set_max_materialize_bytes(0);
  EXPECT_THROW((void)small.factors(), MaterializationRefused);
  small.set_max_materialize_bytes(kDefaultMaxMaterializeBytes);
  const Architecture copy = small;
  EXPECT_EQ(copy.factor(1), (KPattern{2, 2, 2, 4}).support());
  EXPECT_TRUE(small.materialized());
}

// The structure (shapes, counts, contains, product support) equals what the masks say.
TEST(Architecture, StructureAgreesWithTheMaterializedMasks) {
  std::vector<Architecture> fams{lu(5),          low_rank(4, 6, 3), butterfly(8), monarch(12, 18, 3, 6),
                                 kaleidoscope(8), hodlr(3),         hodlr(1)};
  std::mt19937_64 g(77);
  for (int k = 0; k < 10; ++k) {
    KChain c{{1 + g() % 3, 1 + g() % 3, 1 + g() % 3, 1 + g() % 3}};
    for (int l = 0; l < 3; ++l) {  // a successor whose rows match: a' = c.a * c.c * c.d, b' = 1, d' = 1
      const auto& t = c.back();
      c.push_back({t.a * t.c * t.d, 1, 1 + g() % 3, 1});
    }
    fams.push_back(kronecker_chain_architecture(c));
  }
  for (const auto& a : fams) {
    const Architecture dense(a.factors(), a.name());
    std::size_t params = 0;
    for (std::size_t l = 0; l < a.num_factors(); ++l) {
      const auto& s = a.factor_shape(l);
      ASSERT_EQ(s.rows, a.factor(l).rows()) << a.name();
      ASSERT_EQ(s.cols, a.factor(l).cols()) << a.name();
      ASSERT_EQ(s.nnz, a.factor(l).nnz()) << a.name();
      params += s.nnz;
    }
    EXPECT_EQ(a.parameter_count(), params) << a.name();
    EXPECT_EQ(a.dims(), dense.dims()) << a.name();
    EXPECT_TRUE(a == dense) << a.name();
    EXPECT_EQ(a.kronecker_chain().has_value(), dense.kronecker_chain().has_value()) << a.name();
    // Structural contains() and product support before the masks exist.
    const Architecture fresh = a.structural_chain() ? kronecker_chain_architecture(*a.structural_chain()) : a;
    for (std::size_t l = 0; l < a.num_factors(); ++l)
      for (std::size_t i = 0; i < a.factor_shape(l).rows; ++i)
        for (std::size_t j = 0; j < a.factor_shape(l).cols; ++j)
          ASSERT_EQ(fresh.contains(l, i, j), dense.factor(l)(i, j)) << a.name();
    EXPECT_EQ(fresh.product_support(), dense.product_support()) << a.name();
  }
  const Architecture l = lu(6);
  EXPECT_TRUE(l.contains(0, 3, 1));
  EXPECT_FALSE(l.contains(1, 3, 1));
  EXPECT_FALSE(l.materialized());
  EXPECT_FALSE(l.kronecker_chain().has_value());
  EXPECT_FALSE(butterfly(8) == kaleidoscope(8));
  EXPECT_FALSE(butterfly(8) == kronecker_chain_architecture({{1, 2, 2, 4}, {4, 2, 2, 1}, {2, 2, 2, 2}}));
  EXPECT_TRUE(kronecker_chain_architecture({{4, 1, 1, 1}, {1, 2, 2, 2}}) ==
              kronecker_chain_architecture({{1, 1, 1, 4}, {1, 2, 2, 2}}));  // the same identity mask
}

// Issue 20 B2: family sizes near 2^64 throw, naming the family and the value.
TEST(Architecture, FamilySizeOverflowIsRefusedByName) {
  auto message = [](auto make) -> std::string {
    try {
      make();
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "no exception";
  };
  const std::size_t p62 = std::size_t{1} << 62;
  EXPECT_NE(message([&] { (void)kaleidoscope(p62); }).find("kaleidoscope(n=4611686018427387904)"), std::string::npos)
      << message([&] { (void)kaleidoscope(p62); });
  EXPECT_NE(message([&] { (void)monarch(p62, 4, 2, 4); }).find("monarch(m=4611686018427387904"), std::string::npos)
      << message([&] { (void)monarch(p62, 4, 2, 4); });
  EXPECT_NE(message([&] { (void)butterfly(std::size_t{1} << 63); }).find("butterfly(n="), std::string::npos);
  EXPECT_NE(message([&] { (void)lu(std::size_t{1} << 33); }).find("lu(n=8589934592)"), std::string::npos);
  EXPECT_NE(message([&] { (void)low_rank(p62, 2, 8); }).find("lowrank(m=4611686018427387904"), std::string::npos);
  EXPECT_NE(message([&] { (void)hodlr(62); }).find("hodlr(levels=62)"), std::string::npos);
  EXPECT_NE(message([&] { (void)kronecker_chain_architecture({{p62, 2, 2, 1}}); }).find("(4611686018427387904,2,2,1)"),
            std::string::npos);
  // Large but representable: built from the parameters, nothing allocated.
  const Architecture k = kaleidoscope(std::size_t{1} << 40);
  EXPECT_EQ(k.num_factors(), 80u);
  EXPECT_FALSE(k.can_materialize());
}

}  // namespace
}  // namespace wellposed
