// `wellposed repair` end to end (issue 23 item 2): every unknown / ill-posed
// architecture spec of examples/specs gets a suggestion whose certificate
// passes the independent checker; -o writes a spec that `check` proves
// well-posed and never replaces an existing file without --force.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "wellposed/decide/checker.hpp"

namespace wellposed {
namespace {

using clitest::run_cli;

std::vector<Support> factors_of(const nlohmann::json& rows) {
  std::vector<Support> f;
  for (const auto& r : rows) f.push_back(Support::from_rows(r.get<std::vector<std::string>>()));
  return f;
}

TEST(RepairCli, EveryIllPosedOrUnknownExampleGetsACertifiedSuggestion) {
  std::size_t repaired = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(WELLPOSED_SOURCE_DIR) + "/examples/specs")) {
    if (entry.path().extension() != ".json") continue;
    const auto r = run_cli("repair --quiet --timeout 3 --json '" + entry.path().string() + "'");
    ASSERT_NE(r.code, 2) << entry.path() << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const auto& res : j.at("results")) {
      if (!res.contains("original")) continue;  // a ReLU network spec (not repaired)
      if (res["original"]["verdict"] == "closed") continue;
      ASSERT_FALSE(res["suggestions"].empty()) << res["name"];
      for (const auto& s : res["suggestions"]) {
        const Verdict v = verdict_from_json(s.at("verdict"));
        ASSERT_EQ(v.closedness, Closedness::closed);
        const CheckResult c = check_certificate(Architecture(factors_of(s.at("factors"))), v);
        EXPECT_TRUE(c.ok) << res["name"] << ": " << c.reason;
      }
      ++repaired;
    }
  }
  EXPECT_GE(repaired, 5u);  // lu-2, lu-4, random-3x3-a, kaleidoscope-8, np-hardness
}

TEST(RepairCli, OutputFileIsProvedWellPosedAndNeverReplacedWithoutForce) {
  const auto dir = clitest::scratch_dir("repair_out");
  const auto out = dir / "lu4-fixed.json";
  auto r = run_cli("repair --quiet examples/specs/lu-4.json -o '" + out.string() + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(std::filesystem::exists(out));
  const auto c = run_cli("check --quiet --timeout 5 '" + out.string() + "'");
  EXPECT_EQ(c.code, 0) << c.out << c.err;
  const std::string before = clitest::slurp(out);
  clitest::spit(out, "keep me");
  r = run_cli("repair --quiet examples/specs/lu-4.json -o '" + out.string() + "'");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(clitest::slurp(out), "keep me");
  r = run_cli("repair --quiet examples/specs/lu-4.json --force -o '" + out.string() + "'");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(clitest::slurp(out), before);
}

TEST(RepairCli, TextNamesTheEditsPerFactor) {
  const auto r = run_cli("repair --quiet examples/specs/lu-2.json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("nearest provably well-posed: 1 change"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("X1: remove"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not globally"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace wellposed
