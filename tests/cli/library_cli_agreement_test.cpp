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
TEST(LibraryCliAgreement, TwoHundredSeededRandomPairs) {
  const double budget = std::getenv("WELLPOSED_AGREEMENT_BUDGET") ? std::atof(std::getenv("WELLPOSED_AGREEMENT_BUDGET")) : 0.05;
  std::mt19937_64 g(20261206);
  nlohmann::json list = nlohmann::json::array();
  std::vector<Architecture> archs;
  for (int k = 0; k < 200; ++k) {
    const std::size_t n = k < 100 ? 3 : 4;
    auto mask = [&] {
      std::vector<std::string> rows(n, std::string(n, '0'));
      for (auto& row : rows)
        for (auto& c : row) c = g() % 3 == 0 ? '0' : '1';
      return rows;
    };
    const auto m1 = mask(), m2 = mask();
    list.push_back({{"name", "pair-" + std::to_string(k)},
                    {"factors", {{{"rows", n}, {"cols", n}, {"support", {{"mask", m1}}}},
                                 {{"rows", n}, {"cols", n}, {"support", {{"mask", m2}}}}}}});
    archs.push_back(Architecture({Support::from_rows(m1), Support::from_rows(m2)}));
  }
  const fs::path dir = wellposed::clitest::scratch_dir("agree");
  const fs::path file = dir / "pairs.json";
  std::ofstream(file) << list.dump();
  // The 200 specs share the command's --timeout: budget x 200 in all, so
  // each gets at least about what the library gets per call below.
  const auto report = cli_report({file.string()}, budget * static_cast<double>(archs.size()));
  ASSERT_EQ(report["results"].size(), archs.size());
  std::size_t equal = 0, exact_decided = 0;
  for (std::size_t k = 0; k < archs.size(); ++k) {
    const auto an = analyze(archs[k], budget);
    const std::string lib(to_string(an.verdict.closedness));
    const auto& r = report["results"][k];
    const std::string cli = r["verdict"];
    exact_decided += an.verdict.decided() && an.stages.size() > 2;
    if (lib == cli) {
      ++equal;
      continue;
    }
    // Never a contradiction; a difference only where one side ran out of time.
    EXPECT_TRUE((lib == "unknown" && time_related(an.verdict.reason)) ||
                (cli == "unknown" && time_related(r["reason"].get<std::string>())))
        << "pair " << k << ": library " << lib << " (" << an.verdict.reason << "), CLI " << cli << " ("
        << r["reason"] << ")";
  }
  EXPECT_GE(equal, 190u);
  std::printf("[agreement] budget %.2f s: %zu of %zu equal, %zu decided by the exact route in the library\n", budget,
              equal, archs.size(), exact_decided);
  fs::remove_all(dir);
}

}  // namespace
