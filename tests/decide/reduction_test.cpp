// Reductions (issue 3): structure, and reduced == unreduced on small cases.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/rank_one.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/exact.hpp"
#include "wellposed/decide/detail/reductions.hpp"
#include "wellposed/decide/detail/z3_backend.hpp"

namespace wellposed {
namespace {

TEST(Reduction, Lu2QuotientsTheCompleteClassAndKeepsThreeEntries) {
  const auto r = reduce_for_closedness(lu(2));
  EXPECT_EQ(r.cec_inner, std::vector<std::size_t>{1});
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].mask.nnz(), 3u);
  EXPECT_EQ(r.blocks[0].parameter_count(), 4u);
}

TEST(Reduction, DropsZeroRowsColumnsAndInnerIndices) {
  // LU(2) padded with a zero row, a zero column and a dead inner index.
  const Architecture a({Support::from_rows({"100", "110", "000"}), Support::from_rows({"110", "010", "100"})});
  const auto r = reduce_for_closedness(a, {false, true, true});
  ASSERT_EQ(r.blocks.size(), 1u);
  EXPECT_EQ(r.blocks[0].rows(), 2u);
  EXPECT_EQ(r.blocks[0].cols(), 2u);
  EXPECT_EQ(r.blocks[0].factors[0].cols(), 2u);
  EXPECT_EQ(r.blocks[0].original_index[0], (std::vector<std::size_t>{0, 1}));
}

TEST(Reduction, SplitsBlockDiagonalChainsIntoIndependentBlocks) {
  const Support L2 = Support::lower(2), U2 = Support::upper(2), Z = Support::zero(2, 2);
  const Architecture a({L2.kron(Support::identity(2)), U2.kron(Support::identity(2))});
  const auto r = reduce_for_closedness(a, {false, true, true});
  EXPECT_EQ(r.blocks.size(), 2u);
  std::set<std::size_t> rows;
  for (const auto& b : r.blocks)
    for (auto i : b.original_index.front()) EXPECT_TRUE(rows.insert(i).second);
  (void)Z;
}

TEST(Reduction, SpanningForestHasRowsPlusColumnsMinusComponentsEdges) {
  const Support m = Support::from_rows({"110", "011", "000"});
  // Components: {r0, r1, c0, c1, c2}, {r2}: 6 vertices, 2 components.
  EXPECT_EQ(spanning_forest(m).size(), 4u);
}

TEST(Reduction, ScalingPivotsOnePerInnerIndex) {
  EXPECT_EQ(scaling_pivots(as_masked_chain(lu(3))).size(), 3u);
}

// Reduced and unreduced decisions agree (where both decide) on every support
// pair with m = n = 2, r <= 2, and agree with the detectors.
TEST(Reduction, ReducedAndUnreducedDecisionsAgreeOnSmallPairs) {
  int decided_both = 0;
  for (unsigned r = 1; r <= 2; ++r)
    for (unsigned bits = 0; bits < (1u << (4 * r)); ++bits) {
      Support I(2, r), J(r, 2);
      for (unsigned t = 0; t < 2 * r; ++t)
        if (bits >> t & 1) I.set(t / r, t % r);
      for (unsigned t = 0; t < 2 * r; ++t)
        if (bits >> (2 * r + t) & 1) J.set(t / 2, t % 2);
      const Architecture a({I, J});
      ExactOptions on;
      on.seconds = 2;
      ExactOptions off = on;
      off.reductions = {false, false, false};
      off.sentences = {false, false};
      const Verdict v1 = decide_closedness_exact(a, on);
      const Verdict v0 = decide_closedness_exact(a, off);
      const Verdict d = detect(a);
      if (v1.decided() && v0.decided()) {
        ++decided_both;
        EXPECT_EQ(v1.closedness, v0.closedness) << I.to_string() << " / " << J.to_string();
      }
      if (v1.decided() && d.decided()) {
        EXPECT_EQ(v1.closedness, d.closedness) << "CONTRADICTION with detectors: " << I.to_string() << " / "
                                               << J.to_string();
      }
      if (v1.decided()) {
        EXPECT_TRUE(check_certificate(a, v1).ok) << check_certificate(a, v1).reason;
      }
    }
  EXPECT_GT(decided_both, 100);
}

}  // namespace
}  // namespace wellposed

namespace wellposed {
namespace {

TEST(Reduction, JacobianRankIsTheDimensionOnSmallCases) {
  // LU(2) after the quotient: 3 entries, dimension 3. Rank <= 2 in 3x3: dimension 8 < 9.
  EXPECT_EQ(jacobian_rank_at_random_point(reduce_for_closedness(lu(2)).blocks.at(0)), 3u);
  EXPECT_EQ(jacobian_rank_at_random_point(as_masked_chain(low_rank(3, 3, 2))), 8u);
}

TEST(Reduction, SurjectivitySentenceSeparatesFullAndDeficientSets) {
  // 1 x 2 times 2 x 2 full: every row vector; rank-1 2x2: not every matrix.
  const Z3Result yes = z3_check(surjectivity_sentence(as_masked_chain(low_rank(1, 2, 2))), {10.0, 2048});
  EXPECT_EQ(yes.answer, SolverAnswer::sat) << yes.reason;
  const Z3Result no = z3_check(surjectivity_sentence(as_masked_chain(low_rank(2, 2, 1))), {10.0, 2048});
  EXPECT_EQ(no.answer, SolverAnswer::unsat) << no.reason;
}

}  // namespace
}  // namespace wellposed
