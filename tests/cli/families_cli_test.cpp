// `check` and `certify` on family specs through the binary (issue 18 item 6,
// issue 20 B7): the report of a large butterfly carries its parameters, not
// its masks; `certify` reads the compact report and an old-form one.
#include <gtest/gtest.h>
#include "cli_run.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <wellposed/algebra/architecture.hpp>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using CliResult = wellposed::clitest::Run;

CliResult run(const std::string& args) { return wellposed::clitest::run_cli(args); }

fs::path scratch() { return wellposed::clitest::scratch_dir("families_cli"); }

TEST(FamiliesCli, LargeButterflyReportCarriesParametersAndIsCertified) {
  const fs::path d = scratch();
  std::ofstream(d / "b.json") << R"({"family": "butterfly", "n": 16384})";  // issue 20's B7 reproducer
  const CliResult r = run("check --json '" + (d / "b.json").string() + "'");
  ASSERT_EQ(r.code, 0) << r.out.substr(0, 500);
  // 14 factors of 16384 x 16384: the old report spelled every mask (gigabytes).
  EXPECT_LT(r.out.size(), 64u * 1024u);
  const json j = json::parse(r.out);
  const auto& c = j["results"][0]["certificate"];
  EXPECT_EQ(c["kind"], "kronecker_chainable");
  ASSERT_TRUE(c["factors"].contains("kronecker_chain"));
  EXPECT_EQ(c["factors"]["kronecker_chain"].size(), 14u);
  std::ofstream(d / "report.json") << r.out;
  EXPECT_EQ(run("certify '" + (d / "report.json").string() + "'").code, 0);
  // Forged parameters (another mask of the same size) are rejected by certify.
  json forged = j;
  forged["results"][0]["certificate"]["factors"]["kronecker_chain"][0] = {2, 2, 2, 4096};
  std::ofstream(d / "forged.json") << forged.dump();
  EXPECT_EQ(run("certify '" + (d / "forged.json").string() + "'").code, 1);
  fs::remove_all(d);
}

TEST(FamiliesCli, CertifyReadsTheOldMaskForm) {
  const fs::path d = scratch();
  std::ofstream(d / "b.json") << R"({"family": "butterfly", "n": 16})";
  const CliResult r = run("check --json '" + (d / "b.json").string() + "'");
  ASSERT_EQ(r.code, 0);
  json j = json::parse(r.out);
  json old = json::array();  // the certificate as main d9e6032 wrote it: rows of '0'/'1'
  const wellposed::Architecture b16 = wellposed::butterfly(16);
  for (const auto& s : b16.factors())
    old.push_back({{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}});
  j["results"][0]["certificate"]["factors"] = old;
  std::ofstream(d / "old.json") << j.dump();
  EXPECT_EQ(run("certify '" + (d / "old.json").string() + "'").code, 0);
  std::string row = j["results"][0]["certificate"]["factors"][1]["mask"][0];
  row[0] = row[0] == '1' ? '0' : '1';  // one entry of F2 changed
  j["results"][0]["certificate"]["factors"][1]["mask"][0] = row;
  std::ofstream(d / "old-forged.json") << j.dump();
  EXPECT_EQ(run("certify '" + (d / "old-forged.json").string() + "'").code, 1);
  fs::remove_all(d);
}

}  // namespace
