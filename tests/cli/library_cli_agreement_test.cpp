// A program linking the library and calling analyze() gets the verdict the
// CLI prints (issue 18, "Done when"): on every example spec and on 200 seeded
// random 3x3 and 4x4 pairs. The CLI side is run_check, the function the
// `wellposed check` command calls (a few real CLI runs are in cli_test.cpp);
// nothing is registered on the library side: the exact route is analyze()'s
// default.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>
#include <wellposed/algebra/spec.hpp>
#include <wellposed/decide.hpp>

#include "cli_run.hpp"
#include "commands.hpp"

namespace {

namespace fs = std::filesystem;
using namespace wellposed;

nlohmann::json cli_report(const std::vector<std::string>& files, double timeout) {
  cli::CheckOptions o;
  o.spec_files = files;
  o.json = true;
  o.timings = false;
  o.timeout_seconds = timeout;
  std::ostringstream out, err;
  cli::run_check(o, out, err);
  EXPECT_TRUE(err.str().empty()) << err.str();
  return nlohmann::json::parse(out.str());
}

// Near the budget a verdict may be reached in one run and not in the other
// (wall-clock time); then the undecided side must say it ran out of time.
bool time_related(const std::string& reason) {
  return reason.find("budget") != std::string::npos || reason.find("timeout") != std::string::npos ||
         reason.find("time") != std::string::npos;
}

std::string library_verdict(const Spec& s, double budget, std::string& reason) {
  if (s.network) {
    NetworkOptions no;
    no.budget_seconds = budget;
    no.per_problem_seconds = std::min(2.0, budget);
    const auto na = analyze_network(*s.network, no);
    reason = na.overall.reason;
    return std::string(to_string(na.overall.closedness));
  }
  const auto an = analyze(s.architecture, budget);
  reason = an.verdict.reason;
  return std::string(to_string(an.verdict.closedness));
}

TEST(LibraryCliAgreement, EveryExampleSpec) {
  const double budget = 3.0;
  for (const auto& e : fs::directory_iterator(fs::path(WELLPOSED_SOURCE_DIR) / "examples/specs")) {
    if (e.path().extension() != ".json") continue;
    const auto specs = load_specs(e.path().string());
    // --timeout bounds the whole command (docs/cli.md "Budgets"): the file's
    // specs share budget x their number, as many seconds in all as the
    // library gets below, one call per spec.
    const auto report = cli_report({e.path().string()}, budget * static_cast<double>(specs.size()));
    ASSERT_EQ(report["results"].size(), specs.size()) << e.path();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      std::string reason;
      const std::string lib = library_verdict(specs[i], budget, reason);
      const auto& r = report["results"][i];
      const std::string cli = r["verdict"];
      if (lib != cli) {
        EXPECT_TRUE((lib == "unknown" && time_related(reason)) ||
                    (cli == "unknown" && time_related(r["reason"].get<std::string>())))
            << e.path() << " " << specs[i].name << ": library " << lib << " (" << reason << "), CLI " << cli;
      }
    }
  }
}

// A small budget keeps this test in seconds: most pairs are decided by the
// detectors, the others run the exact route until the budget ends (the same
// comparison at 0.5 s, where the exact route decides many pairs, is in
// bench/RESULTS.md, "analyze() and the CLI agree").
//
// One `check` per pair, each with the budget the library gets: a single
// `check` of all 200 pairs under budget x 200 lets the exact route's
// overshoot on the ~95 pairs it runs on eat the budget of the pairs after
// them, so on a slower or loaded machine the tail was "budget spent" (not
// examined at all) while the library decided it. How many pairs the exact
// route decides within 0.05 s depends on the machine; the pairs the
// detectors decide (no solver: milliseconds) get 5 s on both sides, so no
// stall of a loaded machine leaves one of them unchecked, and they bound the
// number of equal verdicts from below on every machine.
TEST(LibraryCliAgreement, TwoHundredSeededRandomPairs) {
  const double budget = std::getenv("WELLPOSED_AGREEMENT_BUDGET") ? std::atof(std::getenv("WELLPOSED_AGREEMENT_BUDGET")) : 0.05;
  std::mt19937_64 g(20261206);
  const fs::path dir = wellposed::clitest::scratch_dir("agree");
  std::vector<Architecture> archs;
  std::vector<std::string> files;
  for (int k = 0; k < 200; ++k) {
    const std::size_t n = k < 100 ? 3 : 4;
    auto mask = [&] {
      std::vector<std::string> rows(n, std::string(n, '0'));
      for (auto& row : rows)
        for (auto& c : row) c = g() % 3 == 0 ? '0' : '1';
      return rows;
    };
    const auto m1 = mask(), m2 = mask();
    const nlohmann::json spec = {{"name", "pair-" + std::to_string(k)},
                                 {"factors", {{{"rows", n}, {"cols", n}, {"support", {{"mask", m1}}}},
                                              {{"rows", n}, {"cols", n}, {"support", {{"mask", m2}}}}}}};
    files.push_back((dir / ("pair-" + std::to_string(k) + ".json")).string());
    std::ofstream(files.back()) << spec.dump();
    archs.push_back(Architecture({Support::from_rows(m1), Support::from_rows(m2)}));
  }
  std::size_t equal = 0, exact_decided = 0, detector_decided = 0;
  for (std::size_t k = 0; k < archs.size(); ++k) {
    const bool by_detectors = detect(archs[k]).decided();
    detector_decided += by_detectors;
    const double b = by_detectors ? 5.0 : budget;
    const auto report = cli_report({files[k]}, b);
    ASSERT_EQ(report["results"].size(), 1u);
    const auto& r = report["results"][0];
    const auto an = analyze(archs[k], b);
    const std::string lib(to_string(an.verdict.closedness));
    const std::string cli = r["verdict"];
    exact_decided += an.verdict.decided() && an.stages.size() > 2;
    if (lib == cli) {
      ++equal;
      continue;
    }
    EXPECT_FALSE(by_detectors) << "pair " << k << ": the detectors decide it, yet library " << lib << " ("
                               << an.verdict.reason << "), CLI " << cli << " (" << r["reason"] << ")";
    // Never a contradiction; a difference only where one side ran out of time.
    EXPECT_TRUE((lib == "unknown" && time_related(an.verdict.reason)) ||
                (cli == "unknown" && time_related(r["reason"].get<std::string>())))
        << "pair " << k << ": library " << lib << " (" << an.verdict.reason << "), CLI " << cli << " ("
        << r["reason"] << ")";
  }
  // The comparison happens on a large share of the pairs on any machine.
  EXPECT_GE(detector_decided, 90u);
  EXPECT_GE(equal, detector_decided);
  std::printf("[agreement] budget %.2f s: %zu of %zu equal, %zu decided by the detectors, %zu by the exact route in "
              "the library\n",
              budget, equal, archs.size(), detector_decided, exact_decided);
  fs::remove_all(dir);
}

}  // namespace
