// analyze(): detectors first, the checker on every decision, the extension
// point for the exact route.
#include <gtest/gtest.h>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/checker.hpp"

namespace wellposed {
namespace {

TEST(Analyze, DecidesNamedFamiliesWithCheckedCertificates) {
  for (const auto& a : {lu(3), hodlr(2), butterfly(8), low_rank(4, 4, 2)}) {
    const auto r = analyze(a);
    ASSERT_TRUE(r.verdict.decided()) << r.verdict.reason;
    EXPECT_TRUE(check_certificate(a, r.verdict).ok);
    EXPECT_FALSE(r.check.empty());
    ASSERT_GE(r.stages.size(), 2u);
    EXPECT_EQ(r.stages[0].stage, "detectors");
    EXPECT_EQ(r.stages[1].stage, "check");
    EXPECT_EQ(to_json(r)["verdict"], std::string(to_string(r.verdict.closedness)));
  }
  EXPECT_EQ(analyze(lu(3)).verdict.closedness, Closedness::not_closed);
}

TEST(Analyze, UnknownWithoutExactRoute) {
  const Architecture a({Support::lower(3), Support::upper(3), Support::lower(3)});
  AnalyzeOptions o;
  o.exact_deciders = std::vector<NamedExactDecider>{};
  const auto r = analyze(a, o);
  EXPECT_EQ(r.verdict.closedness, Closedness::unknown);
  EXPECT_NE(r.verdict.reason.find("no detector applies; exact route not available"), std::string::npos)
      << r.verdict.reason;
}

TEST(Analyze, ExactDeciderExtensionPoint) {
  const Architecture a({Support::lower(3), Support::upper(3), Support::lower(3)});
  int calls = 0;
  double seen_budget = -1;
  // A decider with no certificate the checker knows: its answer must not surface.
  ExactDecider bogus = [&](const Architecture&, double left) {
    ++calls;
    seen_budget = left;
    Verdict v;
    v.closedness = Closedness::closed;
    v.method = "fake";
    v.certificate = {{"kind", "made_up"}};
    return v;
  };
  AnalyzeOptions o;
  o.budget_seconds = 5;
  o.exact_deciders = std::vector<NamedExactDecider>{{"fake", bogus}};
  const auto r = analyze(a, o);
  EXPECT_EQ(calls, 1);
  EXPECT_GT(seen_budget, 0);
  EXPECT_LE(seen_budget, 5);
  EXPECT_EQ(r.verdict.closedness, Closedness::unknown);
  EXPECT_NE(r.verdict.reason.find("rejected"), std::string::npos) << r.verdict.reason;
  EXPECT_EQ(r.stages.back().stage, "check");

  // The registry is used when no deciders are passed; an honest "unknown" is reported.
  clear_exact_deciders();
  register_exact_decider("undecided", [](const Architecture&, double) {
    Verdict v;
    v.reason = "timeout";
    return v;
  });
  const auto r2 = analyze(a, 1.0);
  EXPECT_EQ(r2.verdict.closedness, Closedness::unknown);
  EXPECT_NE(r2.verdict.reason.find("exact route undecided"), std::string::npos) << r2.verdict.reason;
  EXPECT_EQ(r2.stages.back().stage, "exact:undecided");
  clear_exact_deciders();
  // Detectors do not consult the exact route when they decide.
  register_exact_decider("never", [&](const Architecture&, double) {
    ADD_FAILURE() << "called";
    return Verdict{};
  });
  EXPECT_EQ(analyze(lu(2)).verdict.closedness, Closedness::not_closed);
  clear_exact_deciders();
}

}  // namespace
}  // namespace wellposed
