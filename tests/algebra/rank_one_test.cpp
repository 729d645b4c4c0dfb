// Rank-one supports, equivalence classes, complete classes and the taxonomy
// of Defs 5.2.1-5.2.8.
#include <gtest/gtest.h>

#include <random>

#include <wellposed/algebra/architecture.hpp>
#include <wellposed/algebra/rank_one.hpp>

namespace wellposed {
namespace {

TEST(RankOne, SupportsPartitionTheProductSupport) {
  std::mt19937_64 g(21);
  for (int trial = 0; trial < 50; ++trial) {
    const Support L = Support::random(5, 4, 0.5, g()), R = Support::random(4, 6, 0.5, g());
    Support u(5, 6);
    for (const auto& s : rank_one_supports(L, R)) u = u | s;
    EXPECT_EQ(u, L.boolean_product(R));
    // Def 5.2.2: classes partition [r]; every member has the class's rectangle.
    const auto classes = rank_one_classes(L, R);
    std::vector<int> seen(4, 0);
    for (const auto& P : classes)
      for (auto k : P.indices) {
        ++seen[k];
        EXPECT_EQ(rank_one_support(L, R, k), P.support(5, 6));
        EXPECT_EQ(L.col_indices(k), P.rows);
        EXPECT_EQ(R.row_indices(k), P.cols);
      }
    for (int s : seen) EXPECT_EQ(s, 1);
    for (std::size_t a = 0; a < classes.size(); ++a)
      for (std::size_t b = a + 1; b < classes.size(); ++b)
        EXPECT_FALSE(classes[a].rows == classes[b].rows && classes[a].cols == classes[b].cols);
  }
}

TEST(RankOne, LuHasOverlappingSupportsAndFullSupportIsOneCompleteClass) {
  // LU(2): S_1 = {(1,1),(1,2),(2,1),(2,2)}, S_2 = {(2,2)}: they overlap.
  const Architecture l = lu(2);
  const auto classes = rank_one_classes(l.factor(0), l.factor(1));
  ASSERT_EQ(classes.size(), 2u);
  EXPECT_FALSE(classes_pairwise_disjoint(classes, 2, 2));
  // Low rank: one class of size r, complete iff r >= min(m, n).
  const Architecture lr = low_rank(4, 5, 2);
  const auto c = rank_one_classes(lr.factor(0), lr.factor(1));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].size(), 2u);
  EXPECT_FALSE(c[0].complete());
  EXPECT_TRUE(rank_one_classes(low_rank(4, 5, 4).factor(0), low_rank(4, 5, 4).factor(1))[0].complete());
}

// Fig 5.3 shape: one CEC and two non-CEC indices whose supports outside
// S_T are disjoint rectangles => Thm 5.2.9's hypothesis holds.
TEST(CecTaxonomy, Theorem529HypothesisOnAHandBuiltInstance) {
  // X Y^T form, m = n = r = 4. k=0: rows {0,1} x cols {0,1}, |P| = 1 < 2: not complete.
  // k=1, k=2: rows {2,3} x cols {2,3}, |P| = 2 = min: a CEC.
  // k=3: rows {2,3} x cols {0,1,2,3}, |P| = 1 < 2; outside S_T it is {2,3} x {0,1}.
  const Support I = Support::from_rows({"1000", "1000", "0111", "0111"});
  const Support J = Support::from_rows({"1001", "1001", "0111", "0111"});
  const Architecture a = from_xyT(I, J);
  const CecTaxonomy t = cec_taxonomy(a.factor(0), a.factor(1));
  EXPECT_EQ(t.T, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(t.T_bar, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(t.S_T, Support::from_rows({"0000", "0000", "0011", "0011"}));
  ASSERT_EQ(t.S_prime.size(), 2u);
  EXPECT_EQ(t.S_prime[0], Support::from_rows({"1100", "1100", "0000", "0000"}));
  EXPECT_EQ(t.S_prime[1], Support::from_rows({"0000", "0000", "1100", "1100"}));
  EXPECT_EQ(t.R[1], (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(t.C[1], (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(t.all_rectangular);
  EXPECT_TRUE(t.thm_5_2_9_hypothesis);
  // Def 5.2.8 for k = 3: I^1 = {(2,3),(3,3)}, J^1 = {(0,3),(1,3)}, J^2 = {(2,3),(3,3)}
  // (library orientation: the right factor is J^T, so (j,k) of J is (k,j)).
  EXPECT_TRUE(t.left_1(2, 3) && t.left_1(3, 3));
  EXPECT_TRUE(t.right_1(3, 0) && t.right_1(3, 1));
  EXPECT_TRUE(t.right_2(3, 2) && t.right_2(3, 3));
  EXPECT_EQ(t.right_2.nnz(), 2u);
  EXPECT_EQ(t.left_2.nnz(), 0u);
  // The three parts partition each factor's support.
  EXPECT_EQ((t.left_T | t.left_1 | t.left_2), a.factor(0));
  EXPECT_EQ(t.left_T.nnz() + t.left_1.nnz() + t.left_2.nnz(), a.factor(0).nnz());
  EXPECT_EQ(t.right_T.nnz() + t.right_1.nnz() + t.right_2.nnz(), a.factor(1).nnz());
  // Thm 5.2.9: (I^1, J^1) satisfies Thm 5.2.3, though (I, J) itself does not.
  EXPECT_FALSE(classes_pairwise_disjoint(rank_one_classes(a.factor(0), a.factor(1)), 4, 4));
  EXPECT_TRUE(classes_pairwise_disjoint(rank_one_classes(t.left_1, t.right_1), 4, 4));
}

TEST(CecTaxonomy, NonRectangularRemainderIsReported) {
  // k=0 is a CEC on (0,0) (|R| = 1); k=1 covers rows {0,1} x cols {0,1} with
  // |P| = 1 < 2; minus (0,0) it is an L shape, not a rectangle.
  const Support I = Support::from_rows({"11", "01"});
  const Support J = Support::from_rows({"11", "01"});
  const CecTaxonomy t = cec_taxonomy(I, J.transpose());
  EXPECT_EQ(t.T, (std::vector<std::size_t>{0}));
  ASSERT_EQ(t.rectangular.size(), 1u);
  EXPECT_FALSE(t.rectangular[0]);
  EXPECT_FALSE(t.thm_5_2_9_hypothesis);
}

// Random pairs: the parts always partition the supports, and whenever every
// class is complete, T = [r] and S_T is the whole product support.
TEST(CecTaxonomy, PartsPartitionTheFactorsOnRandomPairs) {
  std::mt19937_64 g(22);
  for (int trial = 0; trial < 100; ++trial) {
    const Support L = Support::random(4, 3, 0.5, g()), R = Support::random(3, 4, 0.5, g());
    const CecTaxonomy t = cec_taxonomy(L, R);
    EXPECT_EQ(t.left_T.nnz() + t.left_1.nnz() + t.left_2.nnz(), L.nnz());
    EXPECT_EQ(t.right_T.nnz() + t.right_1.nnz() + t.right_2.nnz(), R.nnz());
    EXPECT_EQ(t.T.size() + t.T_bar.size(), 3u);
    for (std::size_t a = 0; a < t.T_bar.size(); ++a)
      EXPECT_EQ((t.S_prime[a] & t.S_T).nnz(), 0u);
    if (t.T_bar.empty()) {
      EXPECT_EQ(t.S_T, L.boolean_product(R));
    }
  }
}

}  // namespace
}  // namespace wellposed
