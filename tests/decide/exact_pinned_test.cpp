// Route 0c "pinned-determinantal" (issue 24 item 5; proof at
// decide/src/pinned_determinantal.cpp): two-factor blocks whose set is
// {rank <= r} although no factor is full. The verdict needs no solver, its
// certificate is re-derived by the checker (checker_pinned.cpp), and a
// certificate whose pinned set or side is altered is rejected.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/exact.hpp"
#include "wellposed/decide/detail/reductions.hpp"

#include "exact_fixture.hpp"

namespace wellposed {
namespace {

using exact_fixture::expect_checked;
using exact_fixture::opts;
using exact_fixture::pair;

bool names_route(const Verdict& v, const std::string& route) {
  if (!v.certificate.is_object() || !v.certificate.contains("closed_by")) return false;
  for (const auto& r : v.certificate.at("closed_by"))
    if (r == route) return true;
  return false;
}

// 4x4, r = 3 (random suite case 95, undecided at 60 s before this route):
// row 3 of X_1 reaches inner index 1 only, whose row of X_2 is full; the
// other inner indices meet Hall's condition modulo that pinned row. The set
// is {rank <= 3}: closed, and its dimension 15 is the map's generic rank.
TEST(ExactPinnedDeterminantal, SparseRowPinnedToAFullInnerIndexIsTheRankVariety) {
  const Architecture a = pair({"111", "111", "111", "010"}, {"1111", "1111", "0111"});
  EXPECT_EQ(detect(a).closedness, Closedness::unknown);
  const auto red = reduce_for_closedness(a);
  ASSERT_EQ(red.blocks.size(), 1u);
  std::string why;
  EXPECT_FALSE(determinantal_route(red.blocks[0], why));  // no factor is full: route 0 does not apply
  EXPECT_EQ(jacobian_rank_at_random_point(red.blocks[0]), 15u);  // dim {rank <= 3 in 4x4} = 16 - 1
  const Verdict v = decide_closedness_exact(a, opts(10));
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_TRUE(names_route(v, "pinned-determinantal")) << v.method;
  ASSERT_TRUE(v.certificate.contains("pinned")) << v.certificate.dump();
  EXPECT_EQ(v.certificate["pinned"][0]["side"], "rows");
  EXPECT_EQ(v.certificate["pinned"][0]["pinned"], nlohmann::json::array({1}));
  expect_checked(a, v);
}

// The transposed case: columns of X_2 full but one, pinned to a full column of X_1.
TEST(ExactPinnedDeterminantal, TransposedCaseIsChecked) {
  // Transpose of the first test's pair: X_1' = X_2^T, X_2' = X_1^T.
  const Architecture tr = pair({"110", "111", "111", "111"}, {"1110", "1111", "1110"});
  const Verdict w = decide_closedness_exact(tr, opts(10));
  ASSERT_EQ(w.closedness, Closedness::closed) << w.reason;
  ASSERT_TRUE(names_route(w, "pinned-determinantal")) << w.method;
  EXPECT_EQ(w.certificate["pinned"][0]["side"], "cols");
  expect_checked(tr, w);
}

// Altered certificates are rejected: no pinned index (|P| < |T|), a pinned
// index whose row of X_2 is not full, the wrong side, a missing "pinned".
TEST(ExactPinnedDeterminantal, AlteredCertificatesAreRejected) {
  const Architecture a = pair({"111", "111", "111", "010"}, {"1111", "1111", "0111"});
  const Verdict v = decide_closedness_exact(a, opts(10));
  ASSERT_TRUE(names_route(v, "pinned-determinantal")) << v.method;
  auto rejected = [&](const nlohmann::json& pin, const std::string& what) {
    Verdict bad = v;
    if (pin.is_null()) bad.certificate.erase("pinned");
    else bad.certificate["pinned"][0] = pin;
    const CheckResult c = check_certificate(a, bad);
    EXPECT_FALSE(c.ok) << what;
    return c.reason;
  };
  EXPECT_NE(rejected({{"side", "rows"}, {"pinned", nlohmann::json::array()}}, "empty P").find("pinned"),
            std::string::npos);
  rejected({{"side", "rows"}, {"pinned", {2}}}, "C_2 is not full");
  rejected({{"side", "rows"}, {"pinned", {0}}}, "row 3 has no edge to 0");
  rejected({{"side", "cols"}, {"pinned", {1}}}, "wrong side");
  rejected({{"side", "rows"}, {"pinned", {1, 1}}}, "repeated index");
  rejected(nullptr, "no pinned");
}

// Two sparse rows on different inner indices: rows 2 and 3 of the product
// are multiples of rows 0 and 1 of Y, so a rank-3 matrix with equal rows 2
// and 3 is not a product although its closure is all of R^{4x3}. The route
// must not fire, and a forged certificate claiming it is rejected.
TEST(ExactPinnedDeterminantal, TwoSparseRowsOnDifferentIndicesAreNotClaimed) {
  const Architecture a = pair({"111", "111", "100", "010"}, {"111", "111", "111"});
  const Verdict v = decide_closedness_exact(a, opts(1));
  EXPECT_NE(v.closedness, Closedness::closed) << v.method;
  EXPECT_FALSE(names_route(v, "pinned-determinantal"));
  const auto red = reduce_for_closedness(a);
  ASSERT_EQ(red.blocks.size(), 1u);
  nlohmann::json factors = nlohmann::json::array();
  for (const auto& s : a.factors()) factors.push_back({{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}});
  Verdict forged;
  forged.closedness = Closedness::closed;
  forged.method = "exact: pinned-determinantal x1";
  for (const auto& P : {nlohmann::json::array({0, 1}), nlohmann::json::array({0}), nlohmann::json::array({0, 1, 2})}) {
    forged.certificate = {{"kind", "exact_closed"},
                          {"factors", factors},
                          {"reduction", red.to_json()},
                          {"closed_by", {"pinned-determinantal"}},
                          {"pinned", {{{"side", "rows"}, {"pinned", P}}}}};
    const CheckResult c = check_certificate(a, forged);
    EXPECT_FALSE(c.ok) << P.dump();
  }
}

}  // namespace
}  // namespace wellposed
