// Route 0d "merge", peels "inner-col" / "inner-row" (issue 24 item 5; proof
// at decide/src/chain_merge.cpp): a column of X_2 with a single entry (k, j)
// (or a row of X_1 with a single entry (i, k)) uses up inner index k; when
// every other entry of C_k x R_k lies in the rest's product pattern K' and
// the rest fills K', the pair fills its whole pattern, a coordinate space:
// closed. The checker re-derives every peel from the supports; a certificate
// whose peel is altered, whose hypotheses fail on the architecture, or whose
// answer is flipped is rejected.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/exact.hpp"

#include "exact_fixture.hpp"

namespace wellposed {
namespace {

using exact_fixture::expect_checked;
using exact_fixture::opts;
using exact_fixture::pair;

/// The same certificate with the opposite answer ("not closed") is rejected.
void expect_flipped_rejected(const Architecture& a, const Verdict& v) {
  Verdict flipped = v;
  flipped.closedness = Closedness::not_closed;
  EXPECT_FALSE(check_certificate(a, flipped).ok);
}

// The one peel of the certificate's only merge step ([kind, index, inner]).
nlohmann::json only_peel(const Verdict& v) {
  const auto& steps = v.certificate.at("merged").at("steps");
  EXPECT_EQ(steps.size(), 1u) << steps.dump();
  EXPECT_EQ(steps[0].at("by"), "peeled") << steps.dump();
  return steps[0].at("peel");
}

// Random 4x4 r=4 frontier case (a time-out of the quantified routes at 240 s
// before): column 0 of X_2 is the single entry (1, 0); without inner index 1
// the 4x3 times 3x3 rest fills the 4x3 rectangle (pinned theorem, row 0
// pinned to inner index 3): the set is all of R^{4x4}.
TEST(ExactPeelInner, SingleEntryColumnOfTheSecondFactorFillsTheSquare) {
  const Architecture a = pair({"0111", "1111", "1111", "1111"}, {"0111", "1110", "0101", "0111"});
  const Verdict v = decide_closedness_exact(a, opts(20));
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_EQ(v.method.rfind("exact: merge", 0), 0u) << v.method;
  const nlohmann::json peel = only_peel(v);
  ASSERT_EQ(peel.size(), 1u) << peel.dump();
  EXPECT_EQ(peel[0], nlohmann::json::array({"inner-col", 0, 1}));
  EXPECT_EQ(v.certificate["merged"]["steps"][0]["base"], "pinned");
  expect_checked(a, v);

  auto rejected = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& what) {
    Verdict bad = v;
    edit(bad.certificate["merged"]["steps"][0]);
    const CheckResult c = check_certificate(a, bad);
    EXPECT_FALSE(c.ok) << what;
    EXPECT_NE(c.reason.find("merge"), std::string::npos) << what << ": " << c.reason;
  };
  rejected([](nlohmann::json& s) { s["peel"][0][0] = "inner-row"; }, "wrong peel kind");
  rejected([](nlohmann::json& s) { s["peel"][0][1] = 1u; }, "a column with three entries");
  rejected([](nlohmann::json& s) { s["peel"][0][2] = 0u; }, "wrong inner index");
  rejected([](nlohmann::json& s) { s["peel"][0][2] = 9u; }, "inner index out of range");
  rejected([](nlohmann::json& s) { s["peel"] = nlohmann::json::array(); }, "no peel");
  rejected([](nlohmann::json& s) { s["base"] = "rows"; }, "wrong base");

  // The opposite answer with the same certificate.
  expect_flipped_rejected(a, v);
  // Altered supports: column 0 of X_2 gets a second entry, so the peel's
  // single-entry hypothesis fails on this architecture.
  const Architecture two = pair({"0111", "1111", "1111", "1111"}, {"1111", "1110", "0101", "0111"});
  EXPECT_FALSE(check_certificate(two, v).ok);
  // Another architecture (three factors) with the same certificate.
  const Architecture three({Support::from_rows({"0111", "1111", "1111", "1111"}),
                            Support::from_rows({"0111", "1110", "0101", "0111"}), Support::identity(4)});
  EXPECT_FALSE(check_certificate(three, v).ok);
}

// The transpose: row 0 of X_1 is the single entry (0, 1) ("inner-row").
TEST(ExactPeelInner, SingleEntryRowOfTheFirstFactorFillsTheSquare) {
  const Architecture a = pair({"0100", "1111", "1101", "1011"}, {"0111", "1111", "1111", "1111"});
  const Verdict v = decide_closedness_exact(a, opts(20));
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_EQ(v.method.rfind("exact: merge", 0), 0u) << v.method;
  const nlohmann::json peel = only_peel(v);
  ASSERT_EQ(peel.size(), 1u) << peel.dump();
  EXPECT_EQ(peel[0], nlohmann::json::array({"inner-row", 0, 1}));
  expect_checked(a, v);
  Verdict bad = v;
  bad.certificate["merged"]["steps"][0]["peel"][0][0] = "inner-col";
  EXPECT_FALSE(check_certificate(a, bad).ok);
}

// A forged peel whose containment hypothesis fails: X_1 = [[a, 0], [b, c]],
// X_2 = [[d, e], [0, f]]. Column 0 of X_2 is the single entry (0, 0), but
// (0, 1) of C_0 x R_0 is not in the rest's pattern {(1, 1)}; indeed the set
// {[[ad, ae], [bd, be + cf]]} misses [[0, 1], [1, 0]] (ae != 0 forces a != 0,
// then ad = 0 forces d = 0 and bd = 0). The checker must reject the claim
// "closed, the pair fills R^{2x2}" made with that peel, whatever follows it.
TEST(ExactPeelInner, ContainmentHypothesisIsReChecked) {
  const Architecture a = pair({"10", "11"}, {"11", "01"});
  // A genuine certificate of the frontier pair, re-aimed at this pair.
  const Architecture big = pair({"0111", "1111", "1111", "1111"}, {"0111", "1110", "0101", "0111"});
  Verdict v = decide_closedness_exact(big, opts(20));
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  // (This pair is the LU pattern, Thm 4.3.1: not closed; its own verdict
  // gives the certificate's record of the supports.)
  const Verdict own = decide_closedness_exact(a, opts(10));
  EXPECT_EQ(own.closedness, Closedness::not_closed) << own.reason;
  nlohmann::json& c = v.certificate;
  if (own.certificate.is_object() && own.certificate.contains("factors")) c["factors"] = own.certificate["factors"];
  nlohmann::json& st = c["merged"]["steps"][0];
  nlohmann::json peel = nlohmann::json::array();
  peel.push_back(nlohmann::json::array({"inner-col", 0u, 0u}));
  st["peel"] = peel;
  st["base"] = "columns";  // what is left, [[0], [1]] [[0, 1]], has single-entry columns
  c["merged"]["factors"][0]["mask"] = nlohmann::json::array({"11", "11"});
  const CheckResult r = check_certificate(a, v);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("inner-col"), std::string::npos) << r.reason;
}

// Two frontier chains of three 3x3 masks (undecided at 60 s before) merge
// to one factor through "inner-col" / "inner-row" peels: closed, with a
// solver-free check. E.g. X_2 X_3 of the first: column 2 of X_3 is the single
// entry (1, 2); without inner index 1 the rest (rows {0,2}, {0,2}, {0} times
// a full 2x2) fills 3x2 (pinned), so X_2 X_3 is any matrix on 111,110,111.
TEST(ExactPeelInner, FrontierChainsMergeToOneFactor) {
  for (const auto& rows : std::vector<std::vector<std::vector<std::string>>>{
           {{"011", "011", "101"}, {"111", "101", "110"}, {"110", "101", "110"}},
           {{"111", "101", "010"}, {"110", "011", "111"}, {"011", "101", "011"}}}) {
    const Architecture a({Support::from_rows(rows[0]), Support::from_rows(rows[1]), Support::from_rows(rows[2])});
    const Verdict v = decide_closedness_exact(a, opts(20));
    ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
    ASSERT_EQ(v.method.rfind("exact: merge", 0), 0u) << v.method;
    bool inner = false;
    for (const auto& st : v.certificate["merged"]["steps"])
      if (st.contains("peel"))
        for (const auto& p : st["peel"]) inner |= p[0] == "inner-col" || p[0] == "inner-row";
    EXPECT_TRUE(inner) << v.certificate["merged"]["steps"].dump();
    expect_checked(a, v);
    expect_flipped_rejected(a, v);
  }
}

// Random 4x4 r=4 frontier pair (a 60 s time-out before): column 3 of X_2 is
// empty; rows 2 and 3 of X_2 are {0, 2}, and the group G = {2, 3} fills
// 4 x {0, 2} (X_1[:, {2,3}] times a full 2x2, pinned theorem); what is left,
// X_1[:, {0,1}] times column 1 of X_2, has single-entry rows. "group-cols".
TEST(ExactPeelInner, GroupOfInnerIndicesFillsItsColumns) {
  const Architecture a = pair({"1111", "1110", "1111", "0111"}, {"1110", "0110", "1010", "1010"});
  const Verdict v = decide_closedness_exact(a, opts(20));
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_EQ(v.method.rfind("exact: merge", 0), 0u) << v.method;
  const nlohmann::json peel = only_peel(v);
  std::size_t at = peel.size();
  for (std::size_t q = 0; q < peel.size(); ++q)
    if (peel[q][0] == "group-cols" || peel[q][0] == "group-rows") at = q;
  ASSERT_LT(at, peel.size()) << peel.dump();
  expect_checked(a, v);

  auto rejected = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& what) {
    Verdict bad = v;
    edit(bad.certificate["merged"]["steps"][0]["peel"][at]);
    const CheckResult c = check_certificate(a, bad);
    EXPECT_FALSE(c.ok) << what;
    EXPECT_NE(c.reason.find("merge"), std::string::npos) << what << ": " << c.reason;
  };
  rejected([](nlohmann::json& p) { p[1].erase(p[1].size() - 1); }, "G without its last index");
  rejected([](nlohmann::json& p) { p[1].push_back(p[1].size() == 0 ? 0u : 99u); }, "G with an index out of range");
  rejected([](nlohmann::json& p) { p[2] = nlohmann::json::array(); }, "C empty");
  rejected([](nlohmann::json& p) { p[3] = nlohmann::json{{"side", "rows"}, {"pinned", nlohmann::json::array()}}; },
           "nothing pinned: Hall's condition fails");
  rejected([](nlohmann::json& p) { p[0] = p[0] == "group-cols" ? "group-rows" : "group-cols"; }, "other side");
  expect_flipped_rejected(a, v);
  // Altered supports: row 3 of X_2 reaches column 1 as well, so G changes.
  const Architecture other = pair({"1111", "1110", "1111", "0111"}, {"1110", "0110", "1010", "1110"});
  EXPECT_FALSE(check_certificate(other, v).ok);
}

// Route 1c is skipped where a FALSE normal-form leaf has refuted "S is the
// whole coordinate space" on a block of full generic rank (D is that space).
// Random 4x4 r=4 frontier pair; the witness routes and the sentence are off,
// so the verdict is unknown and the reason shows both steps. The budget is
// an upper limit only: the leaves before the FALSE one take about a second.
TEST(ExactPeelInner, RefutedSurjectivitySkipsAlgebraicOnto) {
  const Architecture a = pair({"1011", "0111", "0111", "1111"}, {"1001", "1011", "1011", "0101"});
  ExactOptions o = opts(60);
  o.witness_search = false;
  o.full_sentence = false;
  const Verdict v = decide_closedness_exact(a, o);
  EXPECT_EQ(v.closedness, Closedness::unknown) << v.method;
  EXPECT_NE(v.reason.find("a leaf is FALSE"), std::string::npos) << v.reason;
  EXPECT_NE(v.reason.find("algebraic-onto: skipped"), std::string::npos) << v.reason;
}

}  // namespace
}  // namespace wellposed
