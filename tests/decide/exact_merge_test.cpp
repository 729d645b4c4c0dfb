// Route 0d "merge" (issue 24 item 5; proofs at decide/src/chain_merge.cpp):
// two consecutive factors whose products are exactly a coordinate space are
// replaced by that support; the shorter chain has the same set. The checker
// re-derives each step (checker_merge.cpp) and checks the shorter chain's
// certificate; altered steps, merged supports or answers are rejected.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/exact.hpp"

#include "exact_fixture.hpp"

namespace wellposed {
namespace {

using exact_fixture::expect_checked;
using exact_fixture::opts;

Architecture chain(const std::vector<std::string>& a, const std::vector<std::string>& b, const std::vector<std::string>& c) {
  return Architecture({Support::from_rows(a), Support::from_rows(b), Support::from_rows(c)});
}

// Frontier chain case 1 (its surjective-normal-forms certificate ran past
// the 30 s re-check before): trimmed, X_1 has single-entry columns, so X_1 X_2
// is any matrix on one support; that pair with X_3 fills its rectangle
// (pinned step): the chain's set is a coordinate space, closed, and the
// check needs no solver.
TEST(ExactMerge, SingleEntryColumnsMergeAChainIntoAPair) {
  const Architecture a = chain({"100", "011", "000"}, {"111", "111", "110"}, {"001", "111", "111"});
  const Verdict v = decide_closedness_exact(a, opts(20));
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_EQ(v.method.rfind("exact: merge", 0), 0u) << v.method;
  ASSERT_TRUE(v.certificate.contains("merged")) << v.certificate.dump();
  const auto& m = v.certificate["merged"];
  EXPECT_EQ(m["factors"].size(), 1u);
  EXPECT_EQ(m["steps"][0]["by"], "columns");
  EXPECT_EQ(m["steps"][1]["by"], "pinned");
  expect_checked(a, v);

  auto rejected = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& what) {
    Verdict bad = v;
    edit(bad.certificate);
    EXPECT_FALSE(check_certificate(a, bad).ok) << what;
  };
  rejected([](nlohmann::json& c) { c["merged"]["steps"][0]["by"] = "rows"; }, "wrong step kind");
  rejected([](nlohmann::json& c) { c["merged"]["steps"][0]["level"] = 1; }, "wrong level");
  rejected([](nlohmann::json& c) { c["merged"]["steps"] = nlohmann::json::array(); }, "no steps");
  rejected(
      [](nlohmann::json& c) {
        std::string row = c["merged"]["factors"][0]["mask"][2].get<std::string>();
        row[0] = row[0] == '1' ? '0' : '1';
        c["merged"]["factors"][0]["mask"][2] = row;
      },
      "altered merged support");
  rejected([](nlohmann::json& c) { c["merged"].erase("certificate"); }, "no sub-certificate");
  // The opposite answer with the same certificate is rejected by the sub-check.
  Verdict flipped = v;
  flipped.closedness = v.closedness == Closedness::closed ? Closedness::not_closed : Closedness::closed;
  EXPECT_FALSE(check_certificate(a, flipped).ok);
}

// Frontier chain case 36: no single-entry pattern, but X_2 X_3 (trimmed) is
// a pair the pinned-determinantal theorem makes all of its rectangle.
TEST(ExactMerge, PinnedPairMergesWhenItFillsItsRectangle) {
  const Architecture a = chain({"110", "100", "110"}, {"110", "110", "101"}, {"110", "111", "100"});
  const Verdict v = decide_closedness_exact(a, opts(20));
  ASSERT_TRUE(v.decided()) << v.reason;
  ASSERT_EQ(v.method.rfind("exact: merge", 0), 0u) << v.method;
  bool pinned = false;
  for (const auto& s : v.certificate["merged"]["steps"]) pinned |= s["by"] == "pinned";
  EXPECT_TRUE(pinned) << v.certificate["merged"]["steps"].dump();
  expect_checked(a, v);
  // A pinned step whose pinned set is emptied fails its Hall / |P| >= |T| check.
  Verdict bad = v;
  for (auto& s : bad.certificate["merged"]["steps"])
    if (s["by"] == "pinned") s["pin"]["pinned"] = nlohmann::json::array({0, 1, 2});
  EXPECT_FALSE(check_certificate(a, bad).ok);
}

// Not closed through a merge: I * L * U merges to the LU pair, which the
// LU-pattern detector decides (Thm 4.3.1); the wrapped detector certificate is
// checked against the merged supports, and the opposite answer is rejected.
TEST(ExactMerge, NotClosedThroughAMergeKeepsTheWitness) {
  const Architecture a({Support::identity(2), Support::lower(2), Support::upper(2)});
  const Verdict v = decide_closedness_exact(a, opts(10));
  ASSERT_EQ(v.closedness, Closedness::not_closed) << v.reason;
  EXPECT_EQ(v.method, "exact: merge");
  EXPECT_EQ(v.certificate.value("route", ""), "merge");
  EXPECT_EQ(v.certificate["merged"]["factors"].size(), 2u);
  expect_checked(a, v);
  Verdict flipped = v;
  flipped.closedness = Closedness::closed;
  EXPECT_FALSE(check_certificate(a, flipped).ok);
  // The same certificate for a chain whose first factor is not single-entry per column.
  const Architecture other({Support::full(2, 2), Support::lower(2), Support::upper(2)});
  EXPECT_FALSE(check_certificate(other, v).ok);
}

// Frontier chain case 20 (undecided at 60 s before): trimmed, X_1 X_2 is
// [[a, b], [0, c], [0, d]] [[e, f], [0, g]]: peel row 0 through the
// single-entry column of a (row 0 of the product is then any vector), and
// (c, d)^T g is left, with single-entry rows. The chain becomes a pair the
// detectors decide. Altered peels are rejected.
TEST(ExactMerge, PeeledPairMergesAChain) {
  const Architecture a = chain({"111", "101", "001"}, {"000", "101", "001"}, {"111", "111", "110"});
  const Verdict v = decide_closedness_exact(a, opts(20));
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_EQ(v.method.rfind("exact: merge", 0), 0u) << v.method;
  const auto& st = v.certificate["merged"]["steps"][0];
  ASSERT_EQ(st["by"], "peeled") << st.dump();
  expect_checked(a, v);
  auto rejected = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& what) {
    Verdict bad = v;
    edit(bad.certificate["merged"]["steps"][0]);
    EXPECT_FALSE(check_certificate(a, bad).ok) << what;
  };
  rejected([](nlohmann::json& s) { s["peel"] = nlohmann::json::array(); }, "no peel");
  rejected([](nlohmann::json& s) { s["peel"][0][1] = s["peel"][0][1].get<std::size_t>() == 0 ? 1 : 0; }, "wrong row");
  rejected([](nlohmann::json& s) { s["peel"][0][0] = s["peel"][0][0] == "col" ? "row" : "col"; }, "wrong kind");
  rejected([](nlohmann::json& s) { s["base"] = "empty"; }, "wrong base");
}

// A chain that merges nowhere is left to the other routes (no "merged").
TEST(ExactMerge, NoMergeWithoutTheHypotheses) {
  // (The chain used here before, 011,011,101 ; 111,101,110 ; 110,101,110,
  // now merges by the "inner-col" peel: exact_peel_inner_test.cpp.)
  const Architecture a = chain({"011", "111", "010"}, {"011", "011", "010"}, {"100", "111", "111"});
  ExactOptions o = opts(0.5);
  const Verdict v = decide_closedness_exact(a, o);
  EXPECT_FALSE(v.certificate.is_object() && v.certificate.contains("merged")) << v.method;
}

}  // namespace
}  // namespace wellposed
