// Verdict::explanation (issue 23 item 1): filled on every route, in the
// user's terms, with the certificate's rows / columns / units.
#include <gtest/gtest.h>

#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/exact.hpp"
#include "wellposed/decide/explain.hpp"
#include "wellposed/decide/lu_pattern.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {
namespace {

AnalyzeOptions detectors_only() {
  AnalyzeOptions o;
  o.budget_seconds = 5;
  o.exact_deciders = std::vector<NamedExactDecider>{};
  return o;
}

bool has(const std::string& s, const std::string& p) { return s.find(p) != std::string::npos; }

TEST(Explanation, LuPatternNamesTheCertificatesRowsColumnsAndUnits) {
  // Pad LU 2x2 into a 5x5 pair at rows/cols {3, 1}, so the indices are not trivial.
  Support left(5, 4), right(4, 5);
  left.set(3, 2);
  left.set(1, 2);
  left.set(1, 0);
  right.set(2, 4);
  right.set(2, 1);
  right.set(0, 1);
  const Architecture arch({left, right});
  const Analysis a = analyze(arch, detectors_only());
  ASSERT_EQ(a.verdict.closedness, Closedness::not_closed);
  const auto& p = a.verdict.certificate.at("indices");
  const std::string rows = "rows {" + p.at("i1").dump() + "," + p.at("i2").dump() + "}";
  const std::string cols = "columns {" + p.at("j1").dump() + "," + p.at("j2").dump() + "}";
  const std::string& e = a.verdict.explanation;
  EXPECT_TRUE(has(e, "ill-posed")) << e;
  EXPECT_TRUE(has(e, rows)) << e;
  EXPECT_TRUE(has(e, cols)) << e;
  EXPECT_TRUE(has(e, "inner unit " + p.at("k").dump())) << e;
  EXPECT_TRUE(has(e, "docs/theory.md#lu-pattern")) << e;
}

TEST(Explanation, UnknownNamesTheExactRoutesParameterLimit) {
  Verdict v;
  v.method = "analyze";
  v.reason = "no detector applies; exact route undecided within the budget (...; z3: 2482 parameters exceed the "
             "exact route's limit of 80)";
  const std::string e = explain(v);
  EXPECT_TRUE(has(e, "limited to 80 parameters; this architecture has 2482")) << e;
}

TEST(Explanation, EveryRouteOfAnalyzeFillsIt) {
  const std::vector<Architecture> archs{
      Architecture({Support::lower(3), Support::upper(3)}),                        // LU
      Architecture({Support::full(3, 2), Support::full(2, 3)}),                    // trivial
      Architecture({Support::diagonal(4), Support::full(4, 4)}),                   // permutation reduction
      Architecture({Support::kronecker(1, 2, 2, 2), Support::kronecker(2, 2, 2, 1)}),  // Kronecker
      Architecture({Support::from_rows({"110", "011", "101"}), Support::from_rows({"101", "110", "011"})}),
  };
  for (const auto& arch : archs) {
    const Analysis a = analyze(arch, detectors_only());
    EXPECT_FALSE(a.verdict.explanation.empty()) << a.verdict.method;
    EXPECT_TRUE(has(a.verdict.explanation, "docs/theory.md#")) << a.verdict.explanation;
    const std::string first = a.verdict.closedness == Closedness::closed       ? "well-posed"
                              : a.verdict.closedness == Closedness::not_closed ? "ill-posed"
                                                                               : "unknown";
    EXPECT_EQ(a.verdict.explanation.rfind(first, 0), 0u) << a.verdict.explanation;
    for (const auto& v : run_all_detectors(arch)) EXPECT_FALSE(v.explanation.empty()) << v.method;
  }
}

TEST(Explanation, ExactRouteVerdictsAreExplained) {
  ExactOptions o;
  o.seconds = 5;
  const Verdict v = decide_closedness_exact(Architecture({Support::lower(2), Support::upper(2)}), o);
  EXPECT_FALSE(v.explanation.empty());
  EXPECT_FALSE(theory_anchor(v.method).empty()) << v.method;
}

TEST(Explanation, NetworksNameLayersAsPyTorchDoes) {
  // W1: 2x2 upper (first layer), W2: 2x2 lower: L_I = W2 W1 is LU.
  const ReluNetwork net({Support::upper(2), Support::lower(2)});
  NetworkOptions o;
  o.budget_seconds = 5;
  o.exact_deciders = std::vector<NamedExactDecider>{};
  const NetworkAnalysis a = analyze_network(net, o);
  ASSERT_EQ(a.overall.closedness, Closedness::not_closed);
  EXPECT_TRUE(has(a.overall.explanation, "W2...W1")) << a.overall.explanation;
  EXPECT_TRUE(has(a.overall.explanation, "of W1")) << a.overall.explanation;
  EXPECT_FALSE(a.finite_data.verdict.explanation.empty());
  EXPECT_FALSE(a.bounded_box.verdict.explanation.empty());
}

}  // namespace
}  // namespace wellposed
