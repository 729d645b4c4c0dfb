// `wellposed repair` end to end (issue 23 item 2): every unknown / ill-posed
// architecture spec of examples/specs gets a suggestion whose certificate
// passes the independent checker; -o writes a spec that `check` proves
// well-posed and never replaces an existing file without --force.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {
namespace {

using clitest::run_cli;

std::vector<Support> factors_of(const nlohmann::json& rows) {
  std::vector<Support> f;
  for (const auto& r : rows) f.push_back(Support::from_rows(r.get<std::vector<std::string>>()));
  return f;
}

// --timeout 60: every search here ends at its own bound (edits, candidates)
// in about a second; at --timeout 3 a machine 5x slower, or the ASan build
// under load, ran out of time first (at 0.3 s relu-subset-fails gets no
// suggestion and random-3x3-b is not reached). random-3x3-a's own verdict
// is timing-dependent (the exact route needs ~3 s, its input analysis gets at
// most 4 s): closed (nothing to repair) or unknown (repaired), so it is not
// among the specs that must be repaired.
TEST(RepairCli, EveryIllPosedOrUnknownExampleGetsACertifiedSuggestion) {
  std::size_t networks = 0;
  std::set<std::string> repaired;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(WELLPOSED_SOURCE_DIR) + "/examples/specs")) {
    if (entry.path().extension() != ".json") continue;
    const auto r = run_cli("repair --quiet --timeout 60 --json '" + entry.path().string() + "'");
    ASSERT_NE(r.code, 2) << entry.path() << ": " << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const auto& res : j.at("results")) {
      if (res["original"]["verdict"] == "closed") continue;
      ASSERT_FALSE(res["suggestions"].empty()) << res["name"];
      const bool network = res.value("kind", "") == "relu_network";
      for (const auto& s : res["suggestions"]) {
        const Verdict v = verdict_from_json(s.at("verdict"));
        ASSERT_EQ(v.closedness, Closedness::closed);
        // Networks: the layers W1..WL against the relu_network certificate.
        const CheckResult c = network ? check_network_certificate(v.certificate, v.closedness, factors_of(s.at("factors")))
                                      : check_certificate(Architecture(factors_of(s.at("factors"))), v);
        EXPECT_TRUE(c.ok) << res["name"] << ": " << c.reason;
      }
      repaired.insert(res["name"].get<std::string>());
      if (network) ++networks;
    }
  }
  for (const char* name : {"lu-2", "lu-4", "kaleidoscope-8", "np-hardness-2x2", "relu-lu-4", "relu-subset-fails"})
    EXPECT_EQ(repaired.count(name), 1u) << name << " was not repaired";
  EXPECT_GE(networks, 2u);  // relu-lu, relu-subset-fails
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

// ReLU networks (W1 the first layer): the edits per layer, the target domain,
// -o writes a network spec that `check` proves closed on the bounded box.
TEST(RepairCli, NetworkSpecGetsLayerEditsAndARepairedNetworkSpec) {
  const auto dir = clitest::scratch_dir("repair_net");
  const auto out = dir / "relu-lu-fixed.json";
  // --timeout 60: the search ends at its own bound (3 edits) in ~2 s here; at the
  // default 10 s a machine 5x slower runs out of time first.
  const auto r = run_cli("repair --quiet --timeout 60 examples/specs/relu-lu.json -o '" + out.string() + "'");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("on [-B,B]^d (bounded box): NOT closed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nearest provably well-posed (bounded box)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    W2: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("    X1: "), std::string::npos) << r.out;
  const auto spec = nlohmann::json::parse(clitest::slurp(out));
  EXPECT_EQ(spec.at("network"), "relu");
  const auto c = run_cli("check --quiet --json --timeout 5 '" + out.string() + "'");
  ASSERT_NE(c.code, 2) << c.err;
  const auto j = nlohmann::json::parse(c.out);
  EXPECT_EQ(j.at("results")[0].at("network").at("domains").at("bounded_box").at("verdict"), "closed") << c.out;
}

TEST(RepairCli, NetworkJsonShape) {
  const auto a = run_cli("repair --quiet --json --timeout 60 examples/specs/relu-lu.json");  // ~2 s: its own bound
  ASSERT_EQ(a.code, 0) << a.err;
  const auto res = nlohmann::json::parse(a.out).at("results").at(0);
  for (const char* k : {"name", "kind", "domain", "scope", "original", "overall", "suggestions", "candidates_examined",
                        "exhaustive_depth", "note", "factor_order"})
    EXPECT_TRUE(res.contains(k)) << k;
  EXPECT_EQ(res["kind"], "relu_network");
  EXPECT_EQ(res["domain"], "bounded_box");
  const auto& s = res.at("suggestions").at(0);
  for (const char* k : {"move", "changes", "edits", "parameter_count", "factors", "verdict", "check", "domain"})
    EXPECT_TRUE(s.contains(k)) << k;
  std::size_t edits = 0;
  for (const auto& [key, v] : s["edits"].items()) {
    EXPECT_TRUE(key == "W1" || key == "W2") << key;
    edits += v.at("add").size() + v.at("remove").size();
  }
  EXPECT_EQ(s["changes"].get<std::size_t>(), edits);
  EXPECT_EQ(s["factors"].size(), 2u);  // the layers W1, W2
}

TEST(RepairCli, DenseNetworkIsAlreadyClosedAndDeepNetworkIsRefused) {
  auto r = run_cli("repair --quiet examples/specs/relu-dense.json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("already proven well-posed on the bounded box"), std::string::npos) << r.out;
  const auto dir = clitest::scratch_dir("repair_deep");
  clitest::spit(dir / "deep.json", R"({"name": "deep", "network": "relu", "factors": [
      {"rows": 3, "cols": 3, "support": "upper"}, {"rows": 3, "cols": 3, "support": "lower"},
      {"rows": 2, "cols": 3, "support": "full"}]})");
  r = run_cli("repair --quiet --timeout 3 '" + (dir / "deep.json").string() + "'");
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("not repaired: 2 hidden layers"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace wellposed
