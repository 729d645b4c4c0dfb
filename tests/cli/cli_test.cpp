// End-to-end tests of the `wellposed` binary on the example specs: verdicts,
// exit codes, the JSON schema, certify, export, factorize, pictures, and bad
// input (one-line error, exit code 2, no partial output).
#include <gtest/gtest.h>
#include "cli_run.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <wellposed/algebra/npy.hpp>
#include <wellposed/numeric.hpp>

namespace {

namespace fs = std::filesystem;
const std::string kBin = WELLPOSED_CLI_PATH;
const std::string kSrc = WELLPOSED_SOURCE_DIR;

using CliRun = wellposed::clitest::Run;

CliRun run(const std::string& args) { return wellposed::clitest::run_cli(args); }

fs::path scratch(const std::string& name) { return wellposed::clitest::scratch_path(name); }

// Expected verdicts from the seeds: LU is ill-posed (Thm 3.1.8, Lemma 3.1.10;
// detector Thm 4.3.1), butterfly/Monarch/Kronecker chains closed (Cor 6.5.12),
// HODLR closed (Lemma 5.2.4 + Thm 5.2.3), low rank closed (rank sets).
TEST(CliCheck, ExampleSpecsGetTheSeedsVerdictsAndExitCodes) {
  struct Case {
    const char* spec;
    const char* verdict;
    int code;
  };
  for (const Case& c : {Case{"examples/specs/lu-2.json", "not_closed", 1}, Case{"examples/specs/lu-4.json", "not_closed", 1},
                        Case{"examples/specs/butterfly-16.json", "closed", 0}, Case{"examples/specs/monarch.json", "closed", 0},
                        Case{"examples/specs/hodlr-3.json", "closed", 0}, Case{"examples/specs/lowrank.json", "closed", 0},
                        Case{"examples/specs/kronecker-chain.json", "closed", 0},
                        Case{"examples/specs/np-hardness.json", "not_closed", 1}}) {
    const CliRun r = run(std::string("check --json ") + c.spec);
    ASSERT_EQ(r.code, c.code) << c.spec << "\n" << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.at("results").size(), 1u);
    EXPECT_EQ(j["results"][0].at("verdict"), c.verdict) << c.spec;
    EXPECT_TRUE(j["results"][0].at("certificate_checked").get<bool>()) << c.spec;
  }
  // Kaleidoscope is not chainable: it must not be claimed closed by that route.
  const CliRun k = run("check --json examples/specs/kaleidoscope-8.json");
  const auto kj = nlohmann::json::parse(k.out);
  EXPECT_FALSE(kj["results"][0]["verdict"] == "closed" &&
               kj["results"][0]["method"].get<std::string>().find("Cor 6.5.12") != std::string::npos);
  EXPECT_FALSE(kj["results"][0]["structure"]["kronecker"]["chainable"].get<bool>());
  // Mixed: one ill-posed spec makes the exit code 1.
  EXPECT_EQ(run("check examples/specs/butterfly-16.json examples/specs/lu-4.json").code, 1);
}

TEST(CliCheck, JsonReportHasTheDocumentedSchema) {
  const CliRun r = run("check --json examples/specs/random-masks.json examples/specs/hodlr-3.json");
  ASSERT_TRUE(r.code == 0 || r.code == 1 || r.code == 3) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.at("results").is_array());
  ASSERT_EQ(j["results"].size(), 3u);
  for (const auto& res : j["results"]) {
    for (const char* key : {"name", "verdict", "method", "certificate", "seconds", "structure", "stages"})
      EXPECT_TRUE(res.contains(key)) << key;
    const std::string v = res["verdict"];
    EXPECT_TRUE(v == "closed" || v == "not_closed" || v == "unknown") << v;
    EXPECT_GE(res["seconds"].get<double>(), 0.0);
    EXPECT_EQ(res["structure"]["parameter_count"].get<std::size_t>() > 0, true);
  }
  bool any_unknown = false, any_not_closed = false;
  for (const auto& res : j["results"]) {
    any_unknown |= res["verdict"] == "unknown";
    any_not_closed |= res["verdict"] == "not_closed";
  }
  EXPECT_EQ(r.code, any_not_closed ? 1 : any_unknown ? 3 : 0);
  // Redundancy is reported with the cheaper equivalent chain (Lemma 6.3.22).
  const fs::path spec = scratch("redundant.json");
  std::ofstream(spec) << R"({"name": "redundant", "family": "kronecker", "chain": [[1, 3, 5, 1], [1, 5, 2, 1]]})";
  const CliRun rr = run("check --json '" + spec.string() + "'");
  const auto rj = nlohmann::json::parse(rr.out);
  const auto& k = rj["results"][0]["structure"]["kronecker"];
  EXPECT_TRUE(k["redundant"].get<bool>());
  EXPECT_EQ(k["equivalent_parameter_count"].get<std::size_t>(), 6u);
  EXPECT_EQ(rj["results"][0]["structure"]["parameter_count"].get<std::size_t>(), 25u);
}

TEST(CliCertify, ReportCertificatesAreValidAndTamperedOnesRejected) {
  const fs::path report = scratch("report.json");
  const CliRun r = run("check --json examples/specs/lu-4.json examples/specs/hodlr-3.json examples/specs/butterfly-16.json");
  std::ofstream(report) << r.out;
  const CliRun ok = run("certify '" + report.string() + "'");
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_EQ(std::count(ok.out.begin(), ok.out.end(), '\n'), 3) << ok.out;
  EXPECT_EQ(ok.out.find("REJECTED"), std::string::npos);
  // Flip the claimed verdict of the LU spec: its certificate proves non-closedness.
  auto j = nlohmann::json::parse(r.out);
  j["results"][0]["verdict"] = "closed";
  std::ofstream(report) << j.dump();
  const CliRun bad = run("certify '" + report.string() + "'");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("REJECTED"), std::string::npos);
  // Corrupt a witness index of the LU certificate.
  j = nlohmann::json::parse(r.out);
  j["results"][0]["certificate"]["indices"]["j2"] = 0;
  std::ofstream(report) << j.dump();
  EXPECT_EQ(run("certify '" + report.string() + "'").code, 1);
}

TEST(CliSvg, OneWellFormedPictureWithOneCellPerSupportEntry) {
  const fs::path dir = scratch("svg");
  const CliRun r = run("check examples/specs/lu-4.json examples/specs/butterfly-16.json --svg '" + dir.string() + "'");
  ASSERT_EQ(r.code, 1) << r.err;
  for (const char* name : {"lu-4.svg", "butterfly-16.svg"}) {
    std::ifstream in(dir / name);
    ASSERT_TRUE(in) << name;
    const std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    // Tags balance: every <g> closed, every rect self-closed or closed.
    const auto count = [&](const std::string& pat) {
      std::size_t c = 0;
      for (auto p = svg.find(pat); p != std::string::npos; p = svg.find(pat, p + 1)) ++c;
      return c;
    };
    EXPECT_EQ(count("<g "), count("</g>"));
    const std::size_t on = count("class=\"cell-on");
    if (std::string(name) == "lu-4.svg") {
      // F1 lower (10) + F2 upper (10) + product cells (16, all in the support of L U).
      EXPECT_EQ(on, 10u + 10u + 16u);
      EXPECT_EQ(count("class=\"witness\""), 4u);  // the four cells of the LU-type pattern
      // One cell per entry of each panel (legend swatches are class "swatch").
      EXPECT_EQ(count("<rect class=\"cell-"), 16u + 16u + 16u);
      // The legend explains the colours used (issue 23): overlap fill and witness outline differ.
      EXPECT_NE(svg.find("class=\"legend\""), std::string::npos);
      EXPECT_NE(svg.find("overlap)"), std::string::npos);
      EXPECT_NE(svg.find("LU-type witness cell"), std::string::npos);
    } else {
      EXPECT_EQ(on, 4u * 32u);  // four butterfly factors with 2n = 32 entries each
    }
  }
}

TEST(CliExport, SentencesAreReadBySolverSyntax) {
  const CliRun s = run("export examples/specs/lu-2.json");
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.out.find("(set-logic NRA)"), std::string::npos);
  EXPECT_NE(s.out.find("(check-sat)"), std::string::npos);
  EXPECT_EQ(std::count(s.out.begin(), s.out.end(), '('), std::count(s.out.begin(), s.out.end(), ')'));
  const CliRun q = run("export examples/specs/lu-2.json --format qepcad --sentence well-posed");
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_NE(q.out.find("finish"), std::string::npos);
  EXPECT_NE(q.out.find("(A "), std::string::npos);
  const fs::path spec = scratch("big.json");
  std::ofstream(spec) << R"({"name": "b32", "family": "butterfly", "n": 32})";
  const CliRun big = run("export '" + spec.string() + "'");
  EXPECT_EQ(big.code, 2);
  EXPECT_NE(big.err.find("variables"), std::string::npos);
}

TEST(CliFactorize, HadamardIntoButterflyFactorsIsExactAndCertified) {
  const fs::path out = scratch("h16");
  const CliRun r = run("factorize examples/matrices/hadamard-16.npy --spec examples/specs/butterfly-16.json -o '" +
                    out.string() + "' --quiet");
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream m(out / "manifest.json");
  const auto manifest = nlohmann::json::parse(m);
  ASSERT_EQ(manifest["factors"].size(), 4u);
  // Read the written factor chain back and compare its product with H_16
  // (Hadamard is in B^Theta: exact recovery). Each factor is stored compactly
  // (a b c d = 32 values, docs/factor-format.md).
  const auto chain = wellposed::numeric::read_factor_chain(out.string());
  ASSERT_EQ(chain.real.size(), 4u);
  for (const auto& f : chain.real) EXPECT_EQ(f.values.size(), 32u);
  const auto H = wellposed::read_npy(kSrc + "/examples/matrices/hadamard-16.npy");
  const auto P = wellposed::numeric::chain_product(chain.real);
  double err = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) err = std::max(err, std::abs(P(i, j) - H.data[static_cast<std::size_t>(i * 16 + j)]));
  EXPECT_LT(err, 1e-12);
  const auto& enc = manifest["factorization"]["enclosure"]["residual"];
  EXPECT_LE(enc[0].get<double>(), enc[1].get<double>());
  EXPECT_LT(enc[1].get<double>(), 1e-10);
  // The certified lower bound on the best error is 0 here, so no ratio
  // achieved / best is proven: the summary states the residual enclosure
  // instead of "ratio <= inf", and the manifest has no ratio but says why.
  ASSERT_EQ(manifest["factorization"]["enclosure"]["lower_bound_best_error"][0].get<double>(), 0.0);
  EXPECT_NE(r.out.find("exact within the enclosure: residual in [0, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no ratio achieved / best is proven"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("inf"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("proven ratio"), std::string::npos) << r.out;
  EXPECT_TRUE(manifest["factorization"]["enclosure"]["ratio_upper"].is_null());
  EXPECT_NE(manifest["factorization"]["enclosure"]["ratio_note"].get<std::string>().find("lower bound on the best error is 0"),
            std::string::npos);
}

TEST(CliFactorize, GenericTargetGetsAProvenRatio) {
  // A random 16 x 16 target is not a butterfly product: the lower bound
  // max_s E_s(A) is positive and the ratio achieved / best is proven finite.
  const fs::path dir = scratch("ratio");
  fs::create_directories(dir);
  std::vector<double> a(256);
  std::uint64_t x = 12345;
  for (auto& v : a) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<double>(x >> 11) / 9007199254740992.0 - 0.5;
  }
  wellposed::write_npy((dir / "a.npy").string(), 16, 16, a);
  const fs::path out = dir / "out.json";
  const CliRun r = run("factorize '" + (dir / "a.npy").string() + "' --spec examples/specs/butterfly-16.json -o '" +
                       out.string() + "' --quiet");
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream m(out);
  const auto manifest = nlohmann::json::parse(m);
  const auto& e = manifest["factorization"]["enclosure"];
  ASSERT_GT(e["lower_bound_best_error"][0].get<double>(), 0.0);
  ASSERT_TRUE(e["ratio_upper"].is_number());
  const double ratio = e["ratio_upper"].get<double>();
  EXPECT_GE(ratio, 1.0);
  EXPECT_TRUE(std::isfinite(ratio));
  EXPECT_FALSE(e.contains("ratio_note"));
  // residual <= ratio * lower bound, as the manifest states it.
  EXPECT_LE(e["residual"][1].get<double>(), ratio * e["lower_bound_best_error"][0].get<double>() * (1 + 1e-12));
  EXPECT_NE(r.out.find("proven ratio achieved / best <= "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("inf"), std::string::npos) << r.out;
}

// ReLU network specs (thesis Ch. 7): per-domain verdicts with their theorems.
TEST(CliNetwork, ExampleNetworkSpecsGetTheChapter7Verdicts) {
  struct Case {
    const char* spec;
    const char* verdict, *finite, *box, *box_method;
    int code;
  };
  for (const Case& c :
       {Case{"examples/specs/relu-lu.json", "not_closed", "not_closed", "not_closed", "Thm 7.4.1 (Lemma 7.6.1)", 1},
        Case{"examples/specs/relu-dense.json", "unknown", "unknown", "closed", "Cor 7.4.3", 3},
        Case{"examples/specs/relu-scalar-random.json", "closed", "closed", "closed", "Cor 7.4.4", 0},
        Case{"examples/specs/relu-subsets-closed.json", "unknown", "unknown", "closed", "Thm 7.4.2", 3}}) {
    const CliRun r = run(std::string("check --json ") + c.spec);
    ASSERT_EQ(r.code, c.code) << c.spec << "\n" << r.err << r.out;
    const auto j = nlohmann::json::parse(r.out);
    const auto& res = j.at("results").at(0);
    EXPECT_EQ(res.at("kind"), "relu_network");
    EXPECT_EQ(res.at("verdict"), c.verdict) << c.spec;
    const auto& d = res.at("network").at("domains");
    EXPECT_EQ(d.at("finite_data").at("verdict"), c.finite) << c.spec;
    EXPECT_EQ(d.at("bounded_box").at("verdict"), c.box) << c.spec;
    EXPECT_EQ(d.at("bounded_box").at("method"), c.box_method) << c.spec;
    EXPECT_EQ(res.at("certificate_checked").get<bool>(), std::string(c.verdict) != "unknown") << c.spec;
    for (const char* key : {"name", "method", "reason", "certificate", "seconds", "structure"}) EXPECT_TRUE(res.contains(key)) << key;
  }
  // LU network: the L_I certificate is carried and the Lemma 7.3.4 grid is sized, not written.
  const CliRun lu = run("check --json examples/specs/relu-lu.json --dataset '" + scratch("ds").string() + "'");
  const auto lj = nlohmann::json::parse(lu.out)["results"][0];
  EXPECT_EQ(lj["certificate"]["linear_certificate"]["kind"], "lu_pattern");
  EXPECT_EQ(lj["network"]["linear"]["verdict"], "not_closed");
  EXPECT_TRUE(lj["network"]["dataset"]["has_target"].get<bool>());
  EXPECT_FALSE(lj["network"]["dataset"]["materialized"].get<bool>());
  EXPECT_EQ(lj["network"]["dataset"]["statement"]["p"], "3072");  // 3 * N_0 * 4^N_1 = 3 * 4 * 256
  EXPECT_FALSE(fs::exists(scratch("ds") / "relu-lu-4-inputs.npy"));
  // The subset condition fails: never claimed closed, and the text names the subset.
  const CliRun sf = run("check examples/specs/relu-subset-fails.json");
  EXPECT_EQ(sf.code, 3) << sf.out << sf.err;
  EXPECT_NE(sf.out.find("S = {1,2}"), std::string::npos) << sf.out;
  EXPECT_EQ(sf.out.find("closed (Thm 7.4.2)"), std::string::npos) << sf.out;
}

TEST(CliNetwork, NetworkReportsAreCertifiableAndTamperingIsRejected) {
  const fs::path report = scratch("net-report.json");
  const CliRun r = run("check --json examples/specs/relu-lu.json examples/specs/relu-scalar-random.json "
                       "examples/specs/relu-subsets-closed.json");
  std::ofstream(report) << r.out;
  const CliRun ok = run("certify '" + report.string() + "'");
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out.find("REJECTED"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("[bounded_box]: closed"), std::string::npos) << ok.out;  // Thm 7.4.2 re-checked
  // Claim the scalar-output theorem for a net with two outputs.
  auto j = nlohmann::json::parse(r.out);
  j["results"][1]["certificate"]["layers"][1] = {{"rows", 2}, {"cols", 12}, {"mask", {std::string(12, '1'), std::string(12, '1')}}};
  std::ofstream(report) << j.dump();
  const CliRun bad = run("certify '" + report.string() + "'");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("REJECTED"), std::string::npos);
}

TEST(CliBadInput, OneLineErrorExitCodeTwoAndNoPartialOutput) {
  const fs::path dir = scratch("bad");
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return "'" + (dir / name).string() + "'";
  };
  struct Case {
    std::string args;
    std::string expect;  // part of the one-line error
  };
  const std::vector<Case> cases{
      {"check " + write("malformed.json", "{\"factors\": [ "), "malformed JSON"},
      {"check " + write("key.json", R"({"factors": [{"rows": 2, "cols": 2, "suport": "full"}]})"), "did you mean 'support'"},
      {"check " + write("dims.json", R"({"factors": [{"rows": 2, "cols": 3, "support": "full"}, {"rows": 2, "cols": 2, "support": "full"}]})"),
       "$.factors[1]"},
      {"check " + write("mask.json", R"({"factors": [{"rows": 3, "cols": 2, "support": {"mask": ["11", "01"]}}]})"), "2x2"},
      {"check " + write("npy.json", R"({"factors": [{"support": {"npy": "nothere.npy"}}]})"), "nothere.npy"},
      {"check " + write("notnpy.json", R"({"factors": [{"support": {"npy": "notnpy.json"}}]})"), "bad magic"},
      {"check " + write("huge.json", R"({"factors": [{"rows": 100000000, "cols": 100000000, "support": "full"}]})"), "limit"},
      {"check " + write("net.json", R"({"network": "relu", "factors": [{"rows": 3, "cols": 4, "support": "full"}, {"rows": 2, "cols": 4, "support": "full"}]})"),
       "$.factors[1]: layer W_2 has 4 columns but W_1 has 3 rows"},
      {"check " + write("netkind.json", R"({"network": "tanh", "factors": [{"rows": 1, "cols": 1, "support": "full"}]})"), "$.network"},
      {"check " + (dir / "missing.json").string(), "cannot open"},
      {"check", "required"},
      {"frobnicate", ""},
  };
  for (const auto& c : cases) {
    const CliRun r = run(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty() || c.args == "frobnicate") << c.args << "\n" << r.out;
  }
  // A matrix with NaN, a wrong-shaped matrix, an untractable spec: exit 2, nothing written.
  wellposed::write_npy((dir / "nan.npy").string(), 16, 16, std::vector<double>(256, std::nan("")));
  wellposed::write_npy((dir / "small.npy").string(), 4, 4, std::vector<double>(16, 1.0));
  const fs::path out = dir / "out";
  for (const std::string& args :
       {"factorize '" + (dir / "nan.npy").string() + "' --spec examples/specs/butterfly-16.json -o '" + out.string() + "'",
        "factorize '" + (dir / "small.npy").string() + "' --spec examples/specs/butterfly-16.json -o '" + out.string() + "'",
        "factorize '" + (dir / "small.npy").string() + "' --spec examples/specs/lu-4.json -o '" + out.string() + "'",
        "factorize '" + (dir / "small.npy").string() + "' --spec examples/specs/lu-4.json -o '" + out.string() + ".json'"}) {
    const CliRun r = run(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out)) << args;
    EXPECT_FALSE(fs::exists(out.string() + ".json")) << args;
    EXPECT_FALSE(fs::exists(out.string() + ".partial")) << args;
  }
}


// `check --dataset` end to end on the smallest ill-posed LU network
// (N_0 = N_1 = N_2 = 2, W_1 upper, W_2 lower; Ex 7.3.5): Lemma 7.3.4's grid
// with the proof's p = 3 N_0 4^(N_1 + N_2) = 1536 has P = (p + 1)^2 = 2,362,369
// points. At a limit of exactly P the inputs and labels are written and every
// label must equal A x_i for the A in the report; one point fewer is refused
// (sizes only, no file). No smaller LU network is ill-posed (1 x 1 factors
// give all scalars), so this is the smallest grid the CLI can write.
TEST(CliNetwork, DatasetFlagWritesLemma734GridAndLabelsAx) {
  const fs::path spec = scratch("lu2-net.json");
  std::ofstream(spec) << R"({"name": "relu-lu-2", "network": "relu", "factors": [
      {"rows": 2, "cols": 2, "support": "upper"}, {"rows": 2, "cols": 2, "support": "lower"}]})";
  const std::uint64_t P = 1537ull * 1537ull;
  const fs::path dir = scratch("ds-lu2");
  const CliRun r = run("check --json '" + spec.string() + "' --dataset '" + dir.string() + "' --dataset-max-points " +
                       std::to_string(P));
  ASSERT_EQ(r.code, 1) << r.out << r.err;  // not closed
  const auto res = nlohmann::json::parse(r.out)["results"][0];
  const auto& ds = res["network"]["dataset"];
  ASSERT_TRUE(ds["materialized"].get<bool>()) << ds.dump();
  EXPECT_EQ(ds["p_used"].get<std::uint64_t>(), 1536u);
  EXPECT_EQ(ds["points"].get<std::uint64_t>(), P);
  EXPECT_EQ(ds["proof"]["P"], std::to_string(P));
  // A from the report (N_L x N_0 = 2 x 2, rational entries "a" or "a/b").
  ASSERT_EQ(ds["A"]["rows"], 2);
  ASSERT_EQ(ds["A"]["cols"], 2);
  double A[2][2] = {{0, 0}, {0, 0}};
  for (const auto& e : ds["A"]["entries"]) {
    const std::string v = e[2].get<std::string>();
    const auto slash = v.find('/');
    A[e[0].get<int>()][e[1].get<int>()] =
        slash == std::string::npos ? std::stod(v) : std::stod(v.substr(0, slash)) / std::stod(v.substr(slash + 1));
  }
  // Whatever A the certificate names, it must have no LU factorization: A(0,0) = 0 with A != 0 in the first row
  // or column (Thm 3.1.8 for 2 x 2); the anti-diagonal identity is the usual one.
  EXPECT_EQ(A[0][0], 0.0);
  EXPECT_TRUE(A[0][1] != 0.0 || A[1][0] != 0.0);
  const fs::path in = dir / "relu-lu-2-inputs.npy", lab = dir / "relu-lu-2-labels.npy";
  ASSERT_EQ(ds["files"], nlohmann::json({in.string(), lab.string()}));
  ASSERT_TRUE(fs::exists(in));
  ASSERT_TRUE(fs::exists(lab));
  const wellposed::NpyArray X = wellposed::read_npy(in.string());
  const wellposed::NpyArray Y = wellposed::read_npy(lab.string());
  ASSERT_EQ(X.shape, (std::vector<std::size_t>{P, 2}));
  ASSERT_EQ(Y.shape, (std::vector<std::size_t>{P, 2}));
  // Inputs: every point of the grid {0, 1/p, ..., 1}^2 exactly once; labels A x_i.
  std::vector<char> seen(P, 0);
  std::size_t bad_grid = 0, bad_label = 0;
  for (std::size_t q = 0; q < P; ++q) {
    const double x0 = X.data[2 * q], x1 = X.data[2 * q + 1];
    const double k0 = std::round(x0 * 1536), k1 = std::round(x1 * 1536);
    if (k0 < 0 || k0 > 1536 || k1 < 0 || k1 > 1536 || x0 != k0 / 1536 || x1 != k1 / 1536) {
      ++bad_grid;
      continue;
    }
    seen[static_cast<std::size_t>(k0) * 1537 + static_cast<std::size_t>(k1)] = 1;
    for (int i = 0; i < 2; ++i)
      if (std::abs(Y.data[2 * q + i] - (A[i][0] * x0 + A[i][1] * x1)) > 1e-12) ++bad_label;
  }
  EXPECT_EQ(bad_grid, 0u);
  EXPECT_EQ(bad_label, 0u);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), static_cast<std::ptrdiff_t>(P));
  // One point under P: refused with the reason, sizes still reported, nothing written.
  const fs::path dir2 = scratch("ds-lu2-refused");
  const CliRun s = run("check --json '" + spec.string() + "' --dataset '" + dir2.string() + "' --dataset-max-points " +
                       std::to_string(P - 1));
  ASSERT_EQ(s.code, 1) << s.out << s.err;
  const auto ds2 = nlohmann::json::parse(s.out)["results"][0]["network"]["dataset"];
  EXPECT_FALSE(ds2["materialized"].get<bool>());
  EXPECT_NE(ds2["not_materialized"].get<std::string>().find("exceeds the limit of " + std::to_string(P - 1)),
            std::string::npos)
      << ds2.dump();
  EXPECT_FALSE(fs::exists(dir2 / "relu-lu-2-inputs.npy"));
  fs::remove_all(dir);
}

}  // namespace
