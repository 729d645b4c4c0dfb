// Explanations in the CLI and docs/theory.md (issue 23 items 1 and 3):
// every method string the library emits on the examples and on small exact
// cases has an anchor in docs/theory.md; the table shows the explanation in
// full; nothing is written to stderr when it is not a terminal.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "progress.hpp"
#include "wellposed/algebra/spec.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/exact.hpp"
#include "wellposed/decide/explain.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {
namespace {

using clitest::run_cli;

void collect(std::set<std::string>& methods, const Verdict& v) {
  methods.insert(v.method);
  EXPECT_FALSE(v.explanation.empty()) << v.method << ": " << v.reason;
}

TEST(TheoryDoc, EveryEmittedMethodHasAnAnchor) {
  const std::string doc = clitest::slurp(std::string(WELLPOSED_SOURCE_DIR) + "/docs/theory.md");
  ASSERT_FALSE(doc.empty());
  std::set<std::string> methods;
  AnalyzeOptions quick;
  quick.budget_seconds = 1;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(WELLPOSED_SOURCE_DIR) + "/examples/specs")) {
    if (entry.path().extension() != ".json") continue;
    for (const auto& spec : load_specs(entry.path().string())) {
      if (spec.network) {
        NetworkOptions no;
        no.budget_seconds = 1;
        const auto a = analyze_network(*spec.network, no);
        for (const Verdict* v : {&a.overall, &a.finite_data.verdict, &a.bounded_box.verdict}) collect(methods, *v);
        continue;
      }
      if (spec.architecture.parameter_count() <= 80) collect(methods, analyze(spec.architecture, quick).verdict);
      for (const auto& v : run_all_detectors(spec.architecture)) collect(methods, v);
      collect(methods, detect(spec.architecture));
    }
  }
  // Small exact cases: the exact route's own methods.
  ExactOptions eo;
  eo.seconds = 3;
  for (const auto& a : {Architecture({Support::lower(2), Support::upper(2)}),
                        Architecture({Support::from_rows({"11", "01"}), Support::from_rows({"10", "11"})}),
                        Architecture({Support::full(2, 2), Support::full(2, 2)})})
    collect(methods, decide_closedness_exact(a, eo));
  // Trivial families and the permutation reduction.
  for (const auto& a : {Architecture({Support::zero(2, 2), Support::full(2, 2)}), Architecture({Support::full(3, 3)}),
                        Architecture({Support::diagonal(3), Support::lower(3), Support::upper(3)})})
    collect(methods, detect(a));
  ASSERT_GE(methods.size(), 10u);
  for (const auto& m : methods) {
    const std::string anchor = theory_anchor(m);
    EXPECT_FALSE(anchor.empty()) << "method '" << m << "' has no section in docs/theory.md";
    EXPECT_NE(doc.find("<a id=\"" + anchor + "\"></a>"), std::string::npos) << "anchor " << anchor << " for '" << m << "'";
  }
  // And every anchor an explanation links to exists.
  const std::regex link(R"(docs/theory\.md#([a-z0-9-]+))");
  std::set<std::string> anchors;
  for (const char* m : {"analyze", "Thm 7.3.3 (Lemma 7.3.4)", "Thm 7.4.2", "Cor 7.4.3", "Ch. 7 (L >= 3)", "exact: sentence"})
    anchors.insert(theory_anchor(m));
  for (const auto& a : anchors) EXPECT_NE(doc.find("<a id=\"" + a + "\"></a>"), std::string::npos) << a;
}

// The method strings written in the library's sources (literals passed as a
// verdict's method, and the Ch. 7 theorem labels), found by scanning them:
// a new method without a section in docs/theory.md fails here.
TEST(TheoryDoc, EveryMethodLiteralInTheSourcesHasAnAnchor) {
  const std::string doc = clitest::slurp(std::string(WELLPOSED_SOURCE_DIR) + "/docs/theory.md");
  const std::regex lit(
      R"re((?:finish|done)\((?:answer|Closedness)::\w+,\s*"([^"]+)\"|\.method = "([^"]+)"|constexpr const char\* k(?:Thm|Cor|Affine|Constant)\w* = "([^"]+)"|[^_\w]unknown\(\s*"([^"]+))re");
  std::size_t found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(WELLPOSED_SOURCE_DIR) + "/decide/src")) {
    const std::string text = clitest::slurp(entry.path());
    for (std::sregex_iterator it(text.begin(), text.end(), lit), end; it != end; ++it) {
      std::string m;
      for (int g = 1; g <= 4; ++g)
        if ((*it)[g].matched) m = (*it)[g].str();
      ++found;
      const std::string anchor = theory_anchor(m);
      EXPECT_FALSE(anchor.empty()) << entry.path().filename() << ": method '" << m << "' has no section";
      EXPECT_NE(doc.find("<a id=\"" + anchor + "\"></a>"), std::string::npos) << m << " -> " << anchor;
    }
  }
  EXPECT_GE(found, 20u);
}

TEST(CheckTable, ExplanationIsShownInFullAndInJson) {
  const auto r = run_cli("check --quiet --timeout 2 examples/specs/kaleidoscope-8.json examples/specs/lu-2.json");
  EXPECT_NE(r.out.find("unknown: no sufficient condition holds and the exact route is limited to 80 parameters; this "
                       "architecture has 96"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rows {0,1} x columns {0,1}"), std::string::npos) << r.out;
  const auto j = run_cli("check --quiet --json --timeout 2 examples/specs/lu-2.json");
  const auto report = nlohmann::json::parse(j.out);
  EXPECT_EQ(report["results"][0]["explanation"].get<std::string>().rfind("ill-posed", 0), 0u);
}

// Progress (item 3): nothing on stderr when stderr is not a terminal, with
// or without --quiet, for check (exact route), repair and factorize.
TEST(Progress, NothingOnStderrWhenNotATerminal) {
  auto r = run_cli("check --timeout 1 examples/specs/random-masks.json");
  EXPECT_EQ(r.err, "");
  r = run_cli("repair --timeout 2 examples/specs/kaleidoscope-8.json");
  EXPECT_EQ(r.err, "");
}

TEST(Progress, LineIsDrawnOnlyOnATerminal) {
  if (cli::ProgressLine::stderr_is_terminal()) GTEST_SKIP() << "stderr is a terminal here";
  std::ostringstream none;
  {
    cli::ProgressLine p(none, true);
    EXPECT_FALSE(p.active());
    p.stage("work", 5.0);
  }
  EXPECT_EQ(none.str(), "");
  std::ostringstream shown;
  {
    cli::ProgressLine p(shown, true, /*force_terminal=*/true);
    p.stage("factorizing: split 1 of 4");
    p.count(1, 4);
    // The line appears at the first 200 ms tick after 1 s; 2.5 s leaves room
    // for several ticks even when a loaded machine delays the drawing thread
    // (at 1.3 s one late tick was enough to miss it).
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  }
  EXPECT_NE(shown.str().find("factorizing: split 1 of 4"), std::string::npos) << shown.str();
  EXPECT_NE(shown.str().find("left"), std::string::npos) << shown.str();
  std::ostringstream quiet;
  {
    cli::ProgressLine p(quiet, false, true);
    p.stage("work");
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  }
  EXPECT_EQ(quiet.str(), "");
}

}  // namespace
}  // namespace wellposed
