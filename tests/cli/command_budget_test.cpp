// The budget a user gives (check --timeout, repair --timeout, report
// --budget) bounds the whole command, all specs together
// (decide/shared_budget.hpp; docs/cli.md "Budgets"): the specs share it, and
// a spec the budget does not reach is unknown, "budget spent" -- never a
// crash, never a partial output file.
//
// The wall-clock checks are bounds, not performance claims: the margins are
// the stated overshoot plus generous slack for a loaded machine.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "wellposed/decide/shared_budget.hpp"

namespace wellposed {
namespace {

namespace fs = std::filesystem;
using clitest::run_cli;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Random pairs and a chain that no detector decides: each needs the exact
/// route. pair6-s9 (56 parameters) is out of the exact route's reach by
/// construction: still unknown after 90 s here, so its share of a 2 s budget
/// never decides it, on any machine. The other two (tests/data/bad-inputs
/// B9, B11) may or may not be decided within their share: chain3-s6 takes
/// ~2 s here, and the exact route improves.
nlohmann::json hard_specs() {
  auto random = [](std::size_t n, double density, int seed) {
    return nlohmann::json{{"rows", n}, {"cols", n}, {"support", {{"random", {{"density", density}, {"seed", seed}}}}}};
  };
  return nlohmann::json::array(
      {{{"name", "pair4-s2"}, {"factors", {random(4, 0.7, 2), random(4, 0.7, 1002)}}},
       {{"name", "chain3-s6"}, {"factors", {random(3, 0.6, 6), random(3, 0.6, 2006), random(3, 0.6, 3006)}}},
       {{"name", "pair6-s9"}, {"factors", {random(6, 0.8, 9), random(6, 0.8, 1009)}}}});
}

/// `copies` copies of a dense 2x2x2 pair (closed, decided by a detector:
/// each is fast but not free).
nlohmann::json many_small_specs(std::size_t copies) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t k = 0; k < copies; ++k)
    list.push_back({{"name", "dense-" + std::to_string(k)},
                    {"factors", {{{"rows", 2}, {"cols", 2}, {"support", {{"mask", {"11", "11"}}}}},
                                 {{"rows", 2}, {"cols", 2}, {"support", {{"mask", {"11", "11"}}}}}}}});
  return list;
}

// The checks before the sleep hold as long as the thread is not stalled for
// the whole 1 s budget (a loaded machine stalls it for milliseconds); two
// consecutive shares are compared by order, not by a time tolerance.
TEST(SharedBudget, EachSpecGetsAnEqualShareOfWhatIsLeftAndNothingAfterTheEnd) {
  const SharedBudget b(1.0, "--timeout");
  EXPECT_GT(b.share(4), 0.0);
  EXPECT_LE(b.share(4), 1.0 / 4);
  EXPECT_LE(b.share(1), 1.0);
  EXPECT_GE(b.share(1), b.share(2));
  const double zero = b.share(0), one = b.share(1);  // no division by zero: 0 specs left counts as 1
  EXPECT_TRUE(std::isfinite(zero));
  EXPECT_GE(zero, one);
  EXPECT_GT(zero, 0.0);
  EXPECT_LE(zero, 1.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  EXPECT_TRUE(b.spent());
  EXPECT_EQ(b.share(1), 0.0);
  const Verdict v = b.budget_spent();
  EXPECT_EQ(v.closedness, Closedness::unknown);
  EXPECT_EQ(v.method, "budget spent");
  EXPECT_EQ(v.reason.rfind("budget spent: --timeout (1 s for all specs together)", 0), 0u) << v.reason;
  EXPECT_TRUE(v.certificate.is_null() || v.certificate.empty());
}

// The brief's bound: 3 specs that each need the exact route, --timeout 2:
// the command ends within 2 s plus the stated overshoot (< 2 s, bench/
// RESULTS.md) with a generous margin, not 3 x 2 s; the specs it could not
// decide say why (their share ran out, or the budget was spent).
TEST(CommandBudget, CheckTimeoutBoundsTheWholeCommandNotEachSpec) {
  const fs::path d = clitest::scratch_dir("budget_check");
  clitest::spit(d / "hard.json", hard_specs().dump());
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_cli("check --quiet --json --timeout 2 '" + (d / "hard.json").string() + "'");
  const double took = seconds_since(t0);
  EXPECT_LT(took, 2.0 + 8.0) << r.err;
  ASSERT_TRUE(r.code == 0 || r.code == 1 || r.code == 3) << r.code << ": " << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 3u);
  std::size_t unknown = 0;
  for (const auto& res : j["results"]) {
    if (res["verdict"] != "unknown") continue;
    ++unknown;
    EXPECT_NE(res["reason"].get<std::string>().find("budget"), std::string::npos) << res["reason"];
  }
  // pair6-s9 outlasts any share of 2 s: the budget, not the spec, ended it.
  EXPECT_GE(unknown, 1u) << r.out;
  EXPECT_EQ(j["results"][2]["name"], "pair6-s9");
  EXPECT_EQ(j["results"][2]["verdict"], "unknown") << r.out;
  // The seconds the results report add up to at most the budget plus the overshoot.
  double sum = 0;
  for (const auto& res : j["results"]) sum += res["seconds"].get<double>();
  EXPECT_LT(sum, 2.0 + 8.0);
  fs::remove_all(d);
}

// A budget far too small for the specs: the specs it does not reach are
// reported (unknown, "budget spent"), the report is whole, exit 3.
TEST(CommandBudget, SpecsTheBudgetDoesNotReachAreUnknownBudgetSpent) {
  const fs::path d = clitest::scratch_dir("budget_spent");
  clitest::spit(d / "many.json", many_small_specs(200).dump());
  const auto r = run_cli("check --quiet --json --no-timings --timeout 0.001 '" + (d / "many.json").string() + "'");
  EXPECT_EQ(r.code, 3) << r.err;  // some unknown, none ill-posed
  EXPECT_TRUE(r.err.empty()) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 200u);
  const auto& last = j["results"].back();
  EXPECT_EQ(last["verdict"], "unknown");
  EXPECT_EQ(last["method"], "budget spent");
  EXPECT_EQ(last["reason"].get<std::string>().rfind("budget spent", 0), 0u) << last["reason"];
  EXPECT_EQ(last["certificate_checked"], false);
  EXPECT_EQ(last["structure"]["parameter_count"], 8);
  EXPECT_EQ(j["summary"]["unknown"].get<std::size_t>() + j["summary"]["closed"].get<std::size_t>(), 200u);

  // The text table too: one line per spec, the explanation says what to do.
  const auto t = run_cli("check --quiet --timeout 0.001 '" + (d / "many.json").string() + "'");
  EXPECT_EQ(t.code, 3) << t.err;
  EXPECT_NE(t.out.find("budget spent"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("run it alone or with a larger --timeout"), std::string::npos);
  fs::remove_all(d);
}

TEST(CommandBudget, ReportBudgetIsForTheWholePageWhichIsStillWritten) {
  const fs::path d = clitest::scratch_dir("budget_report");
  clitest::spit(d / "many.json", many_small_specs(200).dump());
  const auto r = run_cli("report '" + (d / "many.json").string() + "' --budget 0.001 -o '" + (d / "r.html").string() + "'");
  EXPECT_EQ(r.code, 3) << r.err;
  const std::string page = clitest::slurp(d / "r.html");
  EXPECT_NE(page.find("budget 0.001 s for all specs"), std::string::npos);
  EXPECT_NE(page.find("budget spent"), std::string::npos);
  EXPECT_NE(page.find("</html>"), std::string::npos);  // whole: written once, renamed into place
  for (const auto& e : fs::directory_iterator(d))      // no temporary left behind
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  fs::remove_all(d);
}

TEST(CommandBudget, RepairTimeoutBoundsTheWholeCommand) {
  const fs::path d = clitest::scratch_dir("budget_repair");
  clitest::spit(d / "many.json", many_small_specs(200).dump());
  const auto r = run_cli("repair --quiet --json --timeout 0.001 '" + (d / "many.json").string() + "' -o '" +
                         (d / "fixed.json").string() + "'");
  EXPECT_EQ(r.code, 3) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 200u);
  const auto& last = j["results"].back();
  EXPECT_EQ(last["original"]["verdict"], "unknown");
  EXPECT_EQ(last["original"]["method"], "budget spent");
  EXPECT_TRUE(last["suggestions"].empty());
  EXPECT_EQ(last["note"].get<std::string>().rfind("not repaired: budget spent", 0), 0u) << last["note"];
  EXPECT_FALSE(fs::exists(d / "fixed.json"));  // nothing repaired: no file (and never a partial one)
  fs::remove_all(d);
}

}  // namespace
}  // namespace wellposed
