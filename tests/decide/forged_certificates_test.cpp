// Adversarial review of the certificates and the independent checker (review
// helper, issue 24 follow-up). Every forgery below must be REJECTED; each
// group has a control that the genuine certificate (or the honest variant of
// the forged one) is ACCEPTED, so a checker that rejects everything fails
// here too. Solver-free where possible (a few seconds in Release and ASan).
//
// Groups:
//  1. kind confusion between a ReLU network and a matrix chain with the same
//     supports (a network's layers [W1, W2] are not the factors [X1, X2] of
//     the product X1 X2: the network's linear part is W2 W1, and its
//     closedness is that of F_I, not of a product set);
//  2. the domain of a network verdict (Cor 7.4.3 / Thm 7.4.2 prove closedness
//     on a bounded box only; [LMQ21] has a dense net with N_2 = 2 that is NOT
//     closed on a finite data set);
//  3. the question of a verdict (a closedness certificate does not answer
//     membership or attainment);
//  4. supports: other factors, three factors for two, the orientation XY^T
//     for XY, families;
//  5. the exact routes (width-one, determinantal, witness-sequence,
//     tangent-sequence, surjective-normal-forms, algebraic-onto) with
//     forged reductions, routes and moves;
//  6. numbers: non-canonical and malformed rationals, exponents that do not
//     fit, duplicated and empty fields.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <unistd.h>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/network.hpp"
#include "wellposed/decide/binding.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {
namespace {

using json = nlohmann::json;

// Solver-free checks need no budget; the few solver checks get a small one.
CertificateCheckOptions quick() {
  CertificateCheckOptions o;
  o.exact_query_seconds = 20;
  o.second_solver = {};
  return o;
}

Support rows(const std::vector<std::string>& r) { return Support::from_rows(r); }

json support_json(const Support& s) { return {{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}}; }
json supports_json(const std::vector<Support>& f) {
  json a = json::array();
  for (const auto& s : f) a.push_back(support_json(s));
  return a;
}

Verdict claim(Closedness c, json certificate) {
  Verdict v;
  v.closedness = c;
  v.method = "forged";
  v.certificate = std::move(certificate);
  return v;
}

// A scratch folder for spec files (certify's binding re-reads them).
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    path = std::filesystem::temp_directory_path() /
           ("wp_forged_" + std::to_string(::getpid()) + "_" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const json& j) const {
    const auto p = path / name;
    std::ofstream(p) << j.dump();
    return p.string();
  }
};

json mask_spec(const std::string& name, const std::vector<Support>& f, bool network) {
  json factors = json::array();
  for (const auto& s : f) factors.push_back({{"rows", s.rows()}, {"cols", s.cols()}, {"support", {{"mask", s.to_rows()}}}});
  json j = {{"name", name}, {"factors", factors}};
  if (network) j["network"] = "relu";
  return j;
}

// A report item bound to spec `file` at "$" (what `check --json` writes).
json bound_item(const std::string& file, const std::string& digest, const Verdict& v) {
  json item = to_json(v);
  item["name"] = "forged";
  item["binding"] = {{"spec_file", file}, {"json_path", "$"}, {"supports_digest", digest}};
  return item;
}

// ---- 1. network vs matrix chain -------------------------------------------
// W1 = [10; 11; 00; 00] (4 x 2), W2 = [0011; 0001] (2 x 4). As a network:
// neurons 1, 2 have empty I_2 columns, neurons 3, 4 empty I_1 rows, so no
// neuron reaches the output and F_I is the constants: CLOSED. As the matrix
// chain [X1, X2] = [W1, W2] (4 x 2 times 2 x 4): rows 0, 1 by columns 2, 3 is
// the lower times upper 2 x 2 product, LU(2): NOT closed.
std::vector<Support> constant_net_layers() { return {rows({"10", "11", "00", "00"}), rows({"0011", "0001"})}; }

TEST(ForgedKindConfusion, NetworkCertificateIsNoProofAboutAMatrixChain) {
  const auto layers = constant_net_layers();
  const Architecture chain(layers);  // the same supports read as X1 X2
  const Verdict truth = detect(chain);
  ASSERT_EQ(truth.closedness, Closedness::not_closed) << truth.reason;
  ASSERT_TRUE(check_certificate(chain, truth).ok);

  const NetworkAnalysis na = analyze_network(ReluNetwork(layers));
  ASSERT_EQ(na.bounded_box.verdict.closedness, Closedness::closed) << na.bounded_box.verdict.reason;
  const Verdict net_closed = na.bounded_box.verdict;
  // Control: the certificate proves what it says about the network.
  EXPECT_TRUE(check_network_certificate(net_closed.certificate, Closedness::closed, layers).ok);
  // Forged: the same certificate as a proof that the matrix chain is closed.
  const CheckResult r = check_certificate(chain, net_closed, quick());
  EXPECT_FALSE(r.ok) << "accepted a network certificate as a closedness proof of a matrix chain: " << r.reason;
  Verdict labelled = net_closed;
  EXPECT_FALSE(check_and_label(chain, labelled, quick()).ok);
}

TEST(ForgedKindConfusion, CertifyRejectsANetworkCertificateForAMatrixSpec) {
  const ScratchDir d;
  const auto layers = constant_net_layers();
  const std::string spec = d.write("chain.json", mask_spec("chain", layers, false));
  const Verdict net_closed = analyze_network(ReluNetwork(layers)).bounded_box.verdict;
  ASSERT_EQ(net_closed.closedness, Closedness::closed);
  const std::string digest = supports_digest(layers);
  const CheckResult r = certify_result(bound_item(spec, digest, net_closed), net_closed, d.path.string());
  EXPECT_FALSE(r.ok) << r.reason;
  // Control: the honest verdict of the matrix spec certifies.
  const Verdict truth = detect(Architecture(layers));
  const CheckResult ok = certify_result(bound_item(spec, digest, truth), truth, d.path.string());
  EXPECT_TRUE(ok.ok) << ok.reason;
}

TEST(ForgedKindConfusion, CertifyRejectsAMatrixCertificateForANetworkSpec) {
  const ScratchDir d;
  const auto layers = constant_net_layers();
  const std::string spec = d.write("net.json", mask_spec("net", layers, true));
  // A true certificate about the matrix chain [W1, W2] (LU(2) inside: not
  // closed), presented as the network's verdict. The network is closed.
  const Verdict chain_not_closed = detect(Architecture(layers));
  ASSERT_EQ(chain_not_closed.closedness, Closedness::not_closed);
  const std::string digest = network_digest(layers);
  const CheckResult r = certify_result(bound_item(spec, digest, chain_not_closed), chain_not_closed, d.path.string());
  EXPECT_FALSE(r.ok) << "a matrix certificate certified a network verdict: " << r.reason;
  // Control: the network's own verdict certifies.
  const Verdict net_closed = analyze_network(ReluNetwork(layers)).bounded_box.verdict;
  const CheckResult ok = certify_result(bound_item(spec, digest, net_closed), net_closed, d.path.string());
  EXPECT_TRUE(ok.ok) << ok.reason;
}


// The digest-only path (no spec file next to the report): the recorded digest
// of a matrix spec is that of a network with the same masks as layers, so
// the report item must say which of the two it is about.
TEST(ForgedKindConfusion, DigestOnlyBindingKeepsNetworkAndChainApart) {
  const auto layers = constant_net_layers();
  const std::string digest = supports_digest(layers);
  const Verdict net_closed = analyze_network(ReluNetwork(layers)).bounded_box.verdict;
  // A matrix result (no "network" record) carrying a network certificate.
  json item = to_json(net_closed);
  item["binding"] = {{"spec_file", "gone.json"}, {"json_path", "$"}, {"supports_digest", digest}};
  const CheckResult r = certify_result(item, net_closed, "/nonexistent-review-dir");
  EXPECT_FALSE(r.ok) << r.reason;
  // Control: the matrix chain's honest verdict, bound by the same digest.
  const Verdict truth = detect(Architecture(layers));
  json honest = to_json(truth);
  honest["binding"] = item["binding"];
  const CheckResult ok = certify_result(honest, truth, "/nonexistent-review-dir");
  EXPECT_TRUE(ok.ok) << ok.reason;
  // The other way: the network's digest (tagged) binds no chain certificate,
  // also when the item does not say it is a network's.
  EXPECT_NE(network_digest(layers), digest);
  json net_item = to_json(truth);
  net_item["binding"] = {{"spec_file", "gone.json"}, {"json_path", "$"}, {"supports_digest", network_digest(layers)}};
  EXPECT_FALSE(certify_result(net_item, truth, "/nonexistent-review-dir").ok);
  // Control: the network's own verdict, bound by the network digest.
  json own = to_json(net_closed);
  own["network"] = json::object();
  own["binding"] = net_item["binding"];
  const CheckResult good = certify_result(own, net_closed, "/nonexistent-review-dir");
  EXPECT_TRUE(good.ok) << good.reason;
}

// ---- 2. the domain of a network verdict ----------------------------------
// Dense 1 -> 2 -> 2 ReLU network: Cor 7.4.3 gives closedness on a bounded box;
// nothing in Ch. 7 gives it on finite data with N_2 = 2 ([LMQ21]: a dense
// one-hidden-layer net with N_2 = 2 and six data points has no optimum).
TEST(ForgedNetworkDomain, BoxTheoremIsNoProofOnFiniteData) {
  const std::vector<Support> layers = {Support::full(2, 1), Support::full(2, 2)};
  const NetworkAnalysis na = analyze_network(ReluNetwork(layers));
  ASSERT_EQ(na.bounded_box.verdict.closedness, Closedness::closed) << na.bounded_box.verdict.reason;
  ASSERT_EQ(na.finite_data.verdict.closedness, Closedness::unknown);
  const Verdict box = na.bounded_box.verdict;
  // Control: the box verdict certifies for its domain.
  EXPECT_TRUE(check_network_verdict(box, layers, NetworkDomain::bounded_box).ok);
  // Forged: the same certificate for the finite-data domain, and as the
  // overall verdict (both domains).
  EXPECT_FALSE(check_network_verdict(box, layers, NetworkDomain::finite_data).ok);
  EXPECT_FALSE(check_network_verdict(box, layers, NetworkDomain::both).ok);

  // Through certify: a report whose finite-data and overall verdicts are the
  // box verdict.
  const ScratchDir d;
  const std::string spec = d.write("dense.json", mask_spec("dense", layers, true));
  const json item = bound_item(spec, network_digest(layers), box);
  EXPECT_TRUE(certify_result(item, box, d.path.string(), "bounded_box").ok);
  EXPECT_FALSE(certify_result(item, box, d.path.string(), "finite_data").ok);
  EXPECT_FALSE(certify_result(item, box, d.path.string()).ok);  // the overall verdict
}

// Thm 7.4.2's re-check enumerates the 2^k - 1 subsets of the kept neurons:
// a certificate over many neurons must be refused up front, not make
// `certify` run for hours (the producer stops at 20 by default).
TEST(ForgedNetworkEffort, SubsetTheoremOverTooManyNeuronsIsRefusedUpFront) {
  const std::vector<Support> layers = {Support::full(25, 2), Support::full(2, 25)};
  const json c = {{"kind", "relu_network"}, {"theorem", "Thm 7.4.2"}, {"layers", supports_json(layers)},
                  {"problems", json::array()}};
  const CheckResult r = check_network_certificate(c, Closedness::closed, layers);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("25 kept neurons: more than the 24"), std::string::npos) << r.reason;
}

TEST(ForgedNetworkDomain, HonestNetworkReportsStillCertify) {
  // Scalar output (Thm 7.3.7 / Cor 7.4.4) and an L_I-not-closed network
  // (Thm 7.3.3 / 7.4.1): every domain and the overall verdict certify.
  const std::vector<std::vector<Support>> nets = {
      {rows({"10", "01", "11"}), rows({"111"})},
      {Support::upper(2), Support::lower(2)},  // L_I = lower x upper = LU(2)
  };
  for (const auto& layers : nets) {
    const NetworkAnalysis na = analyze_network(ReluNetwork(layers));
    ASSERT_TRUE(na.overall.decided()) << na.overall.reason;
    EXPECT_TRUE(check_network_verdict(na.finite_data.verdict, layers, NetworkDomain::finite_data).ok);
    EXPECT_TRUE(check_network_verdict(na.bounded_box.verdict, layers, NetworkDomain::bounded_box).ok);
    const CheckResult o = check_network_verdict(na.overall, layers, NetworkDomain::both);
    EXPECT_TRUE(o.ok) << o.reason;
  }
}

// ---- 3. the question of a verdict ------------------------------------------
// Full 2 x 1 x 2 (rank <= 1): closed. "Is the identity in L_I?" is NO; a
// "yes" backed by the closedness certificate must not pass.
TEST(ForgedQuestion, ClosednessCertificateAnswersNoMembershipQuestion) {
  const Architecture arch({Support::full(2, 1), Support::full(1, 2)});
  const Verdict closed = detect(arch);
  ASSERT_EQ(closed.closedness, Closedness::closed);
  ASSERT_TRUE(check_certificate(arch, closed).ok);  // control
  for (Question q : {Question::membership, Question::attainment}) {
    Verdict yes = closed;
    yes.question = q;
    EXPECT_FALSE(check_certificate(arch, yes).ok) << to_string(q);
    EXPECT_FALSE(check_certificate(yes).ok) << to_string(q);
  }
  // And "is [[0,1],[1,0]] in LU(2)?" -- no -- answered "no" by LU(2)'s
  // not-closed certificate is no proof either (it proves something else).
  const Verdict lu2 = detect(lu(2));
  Verdict no = lu2;
  no.question = Question::membership;
  EXPECT_FALSE(check_certificate(lu(2), no).ok);
}

// ---- 4. supports --------------------------------------------------------------
TEST(ForgedSupports, CertificateOfOtherSupportsIsRejected) {
  const Architecture full({Support::full(2, 2), Support::full(2, 2)});
  const Verdict v = detect(full);
  ASSERT_EQ(v.closedness, Closedness::closed);
  ASSERT_TRUE(check_certificate(full, v).ok);
  EXPECT_FALSE(check_certificate(lu(2), v).ok);  // repro binding_lu2_with_full_certificate
  // The same supports spelled as a family: accepted; another family size: not.
  Verdict fam = detect(lu(2));
  ASSERT_TRUE(check_certificate(lu(2), fam).ok);
  fam.certificate["factors"] = {{"lu", 2}};
  EXPECT_TRUE(check_certificate(lu(2), fam).ok) << check_certificate(lu(2), fam).reason;
  fam.certificate["factors"] = {{"lu", 3}};
  EXPECT_FALSE(check_certificate(lu(2), fam).ok);
  fam.certificate["factors"] = {{"lu", 2}, {"kronecker_chain", json::array({json::array({1, 2, 2, 1})})}};
  EXPECT_FALSE(check_certificate(lu(2), fam).ok);  // two families in one object
}

TEST(ForgedSupports, ThreeFactorCertificateForTwoFactorsAndBack) {
  // The width-one chain of exact_routes_test (closed) and LU(2) (not closed).
  const std::vector<Support> three = {rows({"110", "110", "100"}), rows({"011", "000", "110"}),
                                      rows({"010", "011", "010"})};
  json by = json::array({"width-one"});
  json c = {{"kind", "exact_closed"}, {"factors", supports_json(three)}, {"closed_by", by}};
  json block = {{"edges", json::array()}, {"entries", json::array()}};
  for (std::size_t l = 0; l < 3; ++l)
    for (const auto& [i, j] : three[l].entries()) block["edges"].push_back({l, i, j});
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 1; j < 3; ++j) block["entries"].push_back({i, j});
  c["reduction"] = {{"cec_inner", json::array()}, {"blocks", json::array({block})}};
  const Verdict v = claim(Closedness::closed, c);
  const CheckResult ok = check_certificate(Architecture(three), v, quick());
  ASSERT_TRUE(ok.ok) << ok.reason;  // control: a hand-made width-one certificate
  // Presented for the two-factor chain of its first two factors, and for a
  // four-factor chain with an identity appended.
  EXPECT_FALSE(check_certificate(Architecture({three[0], three[1]}), v, quick()).ok);
  EXPECT_FALSE(check_certificate(Architecture({three[0], three[1], three[2], Support::identity(3)}), v, quick()).ok);
  // Its factors cut to two (the certificate now speaks about two factors):
  // the reduction names level-2 edges that are not in the supports.
  Verdict cut = v;
  cut.certificate["factors"] = supports_json({three[0], three[1]});
  EXPECT_FALSE(check_certificate(Architecture({three[0], three[1]}), cut, quick()).ok);
  // A two-factor lu_pattern certificate for LU(2) x I (three factors).
  const Verdict lu2 = detect(lu(2));
  EXPECT_FALSE(check_certificate(Architecture({Support::lower(2), Support::upper(2), Support::identity(2)}), lu2).ok);
}

TEST(ForgedSupports, OrientationSwapIsRejected) {
  // [L, L] (lower times lower: every lower-triangular matrix) is closed;
  // [L, L^T] = LU(2) is not. A certificate for X Y is no proof for X Y^T.
  const Architecture ll({Support::lower(2), Support::lower(2)});
  const Verdict v = detect(ll);
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_TRUE(check_certificate(ll, v).ok);
  EXPECT_FALSE(check_certificate(lu(2), v).ok);
  // The reversed chain [U^T..]: X Y read as Y^T X^T (same closedness, other supports).
  EXPECT_FALSE(check_certificate(Architecture({Support::upper(2), Support::upper(2)}), v).ok);
}


// ---- 5. the exact routes ------------------------------------------------------
// The reduction with no complete class and one block holding every edge and
// every reachable entry (always a valid reduction).
json one_block(const std::vector<Support>& f) {
  json block = {{"edges", json::array()}, {"entries", json::array()}};
  for (std::size_t l = 0; l < f.size(); ++l)
    for (const auto& [i, j] : f[l].entries()) block["edges"].push_back({l, i, j});
  Support reach = Support::full(f.front().rows(), f.front().rows());
  std::vector<std::vector<char>> r(f.front().rows(), std::vector<char>(f.front().rows(), 0));
  for (std::size_t i = 0; i < f.front().rows(); ++i) r[i][i] = 1;
  for (const auto& s : f) {  // boolean product: which (i, j) have a path
    std::vector<std::vector<char>> n(r.size(), std::vector<char>(s.cols(), 0));
    for (std::size_t i = 0; i < r.size(); ++i)
      for (std::size_t k = 0; k < s.rows(); ++k)
        if (r[i][k])
          for (std::size_t j = 0; j < s.cols(); ++j) n[i][j] = n[i][j] || s(k, j);
    r = std::move(n);
  }
  for (std::size_t i = 0; i < r.size(); ++i)
    for (std::size_t j = 0; j < r[i].size(); ++j)
      if (r[i][j]) block["entries"].push_back({i, j});
  return {{"cec_inner", json::array()}, {"blocks", json::array({block})}};
}

json exact_closed(const std::vector<Support>& f, const std::string& route) {
  return {{"kind", "exact_closed"}, {"factors", supports_json(f)}, {"reduction", one_block(f)},
          {"closed_by", json::array({route})}};
}

std::vector<Support> lu2() { return {Support::lower(2), Support::upper(2)}; }

TEST(ForgedExactWidthOne, WidthTwoBlocksAndForgedQuotientsRejected) {
  // LU(2) with its one block: a rectangle, but level 1 has two nodes on paths.
  const CheckResult r = check_certificate(lu(2), claim(Closedness::closed, exact_closed(lu2(), "width-one")), quick());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("two or more nodes"), std::string::npos) << r.reason;
  // LU(2) x I: both inner levels have two nodes.
  const std::vector<Support> three = {Support::lower(2), Support::upper(2), Support::identity(2)};
  EXPECT_FALSE(check_certificate(Architecture(three), claim(Closedness::closed, exact_closed(three, "width-one")), quick()).ok);
  // LU(2)'s complete class {1} (S_T = {(1,1)}) with the quotient block made a
  // rectangle: by listing (1,1), which lies in S_T, ...
  json c = exact_closed(lu2(), "width-one");
  c["reduction"]["cec_inner"] = {1};
  c["reduction"]["blocks"][0]["edges"] = json::parse("[[0,0,0],[0,1,0],[1,0,0],[1,0,1]]");
  json with = c;
  with["reduction"]["blocks"][0]["entries"] = json::parse("[[0,0],[0,1],[1,0],[1,1]]");
  const CheckResult a = check_certificate(lu(2), claim(Closedness::closed, with), quick());
  EXPECT_FALSE(a.ok);
  EXPECT_NE(a.reason.find("S_T"), std::string::npos) << a.reason;
  // ... or by dropping (1,0), which the block's edges reach.
  json without = c;
  without["reduction"]["blocks"][0]["entries"] = json::parse("[[0,0],[0,1]]");
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, without), quick()).ok);
  // A non-complete class listed as complete (k = 0: |P| = 1 < min(2, 2)).
  json fake = exact_closed(lu2(), "width-one");
  fake["reduction"]["cec_inner"] = {0};
  fake["reduction"]["blocks"][0]["edges"] = json::parse("[[0,1,1],[1,1,1]]");
  fake["reduction"]["blocks"][0]["entries"] = json::array();
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, fake), quick()).ok);
  // Splitting the block in two (an edge of block 0 reaches block 1's entry).
  json split = exact_closed(lu2(), "width-one");
  split["closed_by"] = {"width-one", "width-one"};
  split["reduction"]["blocks"] = json::parse(R"([{"edges": [[0,0,0],[0,1,0],[1,0,0],[1,0,1]], "entries": [[0,0],[0,1],[1,0]]},
                                                 {"edges": [[0,1,1],[1,1,1]], "entries": [[1,1]]}])");
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, split), quick()).ok);
  // No block at all, and an edge listed twice.
  json none = exact_closed(lu2(), "width-one");
  none["reduction"]["blocks"] = json::array();
  none["closed_by"] = json::array();
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, none), quick()).ok);
  json twice = exact_closed(lu2(), "width-one");
  twice["reduction"]["blocks"][0]["edges"].push_back({0, 0, 0});
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, twice), quick()).ok);
}

TEST(ForgedExactDeterminantal, HallFailureAndNonRectangularBlocksRejected) {
  // Control: 3 x 2 x 3 full (rank <= 2), proved without a solver.
  const std::vector<Support> full = {Support::full(3, 2), Support::full(2, 3)};
  const CheckResult ok = check_certificate(Architecture(full), claim(Closedness::closed, exact_closed(full, "determinantal")), quick());
  ASSERT_TRUE(ok.ok) << ok.reason;
  EXPECT_EQ(ok.trust.level, TrustLevel::proof);
  // Hall fails (not closed, exact_routes_test): first factor full, but the
  // second's rows {0,1} and {1,2} leave the bound r + |C_k| - n = 1 for both.
  const std::vector<Support> hall = {rows({"11", "11", "11"}), rows({"110", "011"})};
  const CheckResult h = check_certificate(Architecture(hall), claim(Closedness::closed, exact_closed(hall, "determinantal")), quick());
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.reason.find("Hall"), std::string::npos) << h.reason;
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, exact_closed(lu2(), "determinantal")), quick()).ok);
  // Three factors (full): the route is for two.
  const std::vector<Support> three = {Support::full(2, 2), Support::full(2, 2), Support::full(2, 2)};
  EXPECT_FALSE(check_certificate(Architecture(three), claim(Closedness::closed, exact_closed(three, "determinantal")), quick()).ok);
  // The control's claim with the verdict flipped, or an unknown route name.
  EXPECT_FALSE(check_certificate(Architecture(full), claim(Closedness::not_closed, exact_closed(full, "determinantal")), quick()).ok);
  EXPECT_FALSE(check_certificate(Architecture(full), claim(Closedness::closed, exact_closed(full, "Determinantal")), quick()).ok);
  json two = exact_closed(full, "determinantal");
  two["closed_by"] = {"determinantal", "determinantal"};
  EXPECT_FALSE(check_certificate(Architecture(full), claim(Closedness::closed, two), quick()).ok);
}

// LU(2)'s witness [[0,1],[1,0]] with an explicit sequence (a = x00 y00,
// b = x00 y01, c = x10 y00, d = x10 y01 + x11 y11): x00 = t, y00 = t,
// y01 = 1/t, x10 = 1/t, x11 = -1/t^2, y11 = 1; and Nullstellensatz cofactors
// x10 y01 (a - 0) - x10 y00 (b - 1) - (c - 1) = 1. No solver.
json lu2_witness_sequence() {
  json c = {{"kind", "exact_not_closed"}, {"factors", supports_json(lu2())}, {"reduction", one_block(lu2())},
            {"block", 0}, {"route", "witness-sequence"}};
  c["witness"] = json::parse(R"([[0,1,"1"],[1,0,"1"]])");
  c["sequence"] = json::parse(R"([[0,0,0,[[1,"1"]]], [0,1,0,[[-1,"1"]]], [0,1,1,[[-2,"-1"]]],
                                  [1,0,0,[[1,"1"]]], [1,0,1,[[-1,"1"]]], [1,1,1,[[0,"1"]]]])");
  c["nullstellensatz"] = json::parse(R"({"cofactors": [
      {"entry": [0,0], "g": [["1", [[0,1,0,1],[1,0,1,1]]]]},
      {"entry": [0,1], "g": [["-1", [[0,1,0,1],[1,0,0,1]]]]},
      {"entry": [1,0], "g": [["-1", []]]}]})");
  return c;
}

TEST(ForgedExactWitnessSequence, GenuineSequenceIsAProofAndForgeriesFail) {
  const Verdict genuine = claim(Closedness::not_closed, lu2_witness_sequence());
  const CheckResult ok = check_certificate(lu(2), genuine, quick());
  ASSERT_TRUE(ok.ok) << ok.reason;
  EXPECT_EQ(ok.trust.level, TrustLevel::proof) << ok.trust.detail;
  auto rejected = [&](const json& c, const char* why) {
    const CheckResult r = check_certificate(lu(2), claim(Closedness::not_closed, c), quick());
    EXPECT_FALSE(r.ok) << why;
    return r.reason;
  };
  // The identity is a product: a constant sequence reaches it, the cofactors
  // of the real witness are no Nullstellensatz identity for it ...
  json member = lu2_witness_sequence();
  member["witness"] = json::parse(R"([[0,0,"1"],[1,1,"1"]])");
  member["sequence"] = json::parse(R"([[0,0,0,[[0,"1"]]], [0,1,1,[[0,"1"]]], [1,0,0,[[0,"1"]]], [1,1,1,[[0,"1"]]]])");
  EXPECT_NE(rejected(member, "member, forged cofactors").find("identity check"), std::string::npos);
  // ... and without them Z3 finds the product.
  member.erase("nullstellensatz");
  EXPECT_NE(rejected(member, "member, z3").find("IS a product"), std::string::npos);
  // Sequence forgeries: a diverging term, a term off the supports (X_1 is
  // lower: (0, 1) is no entry), a repeated entry, an exponent beyond 64.
  json diverging = lu2_witness_sequence();
  diverging["sequence"][5][3] = json::parse(R"([[-1,"1"]])");
  rejected(diverging, "diverging");
  json off = lu2_witness_sequence();
  off["sequence"].push_back(json::parse(R"([0,0,1,[[0,"1"]]])"));
  EXPECT_NE(rejected(off, "off the supports").find("not an edge"), std::string::npos);
  json repeated = lu2_witness_sequence();
  repeated["sequence"].push_back(json::parse(R"([1,1,1,[[0,"1"]]])"));
  rejected(repeated, "repeated");
  json far = lu2_witness_sequence();
  far["sequence"][0][3] = json::parse(R"([[65,"1"]])");
  rejected(far, "exponent 65");
  // Witness forgeries: an entry outside the block, a zero denominator, a
  // value the sequence does not reach.
  json outside = lu2_witness_sequence();
  outside["witness"].push_back(json::parse(R"([2,0,"1"])"));
  rejected(outside, "outside");
  json zero_den = lu2_witness_sequence();
  zero_den["witness"][0][2] = "1/0";
  rejected(zero_den, "1/0");
  json moved = lu2_witness_sequence();
  moved["witness"][0][2] = "2";
  rejected(moved, "limit differs");
  // The same numbers spelled non-canonically are the same certificate.
  json spelled = lu2_witness_sequence();
  spelled["witness"][0][2] = "2/2";
  spelled["sequence"][5][3] = json::parse(R"([[0,"3/3"]])");
  EXPECT_TRUE(check_certificate(lu(2), claim(Closedness::not_closed, spelled), quick()).ok);
  // Cofactor forgeries: a variable that is no edge of the block, exponent 0.
  json novar = lu2_witness_sequence();
  novar["nullstellensatz"]["cofactors"][2]["g"] = json::parse(R"([["-1", [[0,0,1,1]]]])");
  rejected(novar, "cofactor variable");
  json zero_exp = lu2_witness_sequence();
  zero_exp["nullstellensatz"]["cofactors"][0]["g"] = json::parse(R"([["1", [[0,1,0,0],[1,0,1,1]]]])");
  rejected(zero_exp, "cofactor exponent 0");
  // Block index out of range; the claim flipped to closed.
  json block = lu2_witness_sequence();
  block["block"] = 1;
  rejected(block, "block 1");
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, lu2_witness_sequence()), quick()).ok);
  // The certificate for LU(2) presented for the closed [L, L].
  EXPECT_FALSE(check_certificate(Architecture({Support::lower(2), Support::lower(2)}), genuine, quick()).ok);
}

// An exponent the JSON spells as 2^64 - 1 is not -1 (it wrapped in a cast to long long).
TEST(ForgedNumbers, ExponentsThatDoNotFitAreRejected) {
  json seq = lu2_witness_sequence();
  seq["sequence"][1][3][0][0] = std::numeric_limits<std::uint64_t>::max();  // was -1
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::not_closed, seq), quick()).ok);
  const Verdict v = detect(lu(2));
  ASSERT_TRUE(check_certificate(lu(2), v).ok);
  bool replaced = false;
  Verdict w = v;
  for (auto& factor : w.certificate["sequence"]["factors"])
    for (auto& term : factor)
      if (!replaced && term[3] == -1) {
        term[3] = std::numeric_limits<std::uint64_t>::max();
        replaced = true;
      }
  ASSERT_TRUE(replaced) << v.certificate.dump();
  EXPECT_FALSE(check_certificate(lu(2), w).ok);
}

TEST(ForgedNumbers, MalformedRationalsAndFieldsRejected) {
  const Verdict v = detect(lu(2));
  ASSERT_EQ(v.certificate.value("kind", ""), "lu_pattern");
  ASSERT_TRUE(check_certificate(lu(2), v).ok);
  // The target's (0,1) entry: the same value spelled "2/2" passes, others fail.
  auto with_value = [&](const json& value) {
    Verdict w = v;
    for (auto& e : w.certificate["target"]["entries"])
      if (e[0] == 0 && e[1] == 1) e[2] = value;
    return check_certificate(lu(2), w).ok;
  };
  EXPECT_TRUE(with_value("2/2"));
  for (const char* bad : {"1/0", "0/0", "+1", " 1", "1.0", "0x1", "1e0", "1/-1", "--1", "1/2/2", "", "-"})
    EXPECT_FALSE(with_value(bad)) << bad;
  EXPECT_FALSE(with_value(1));  // a number, not a string
  // Duplicated, empty and huge fields.
  Verdict dup = v;
  dup.certificate["target"]["entries"].push_back(dup.certificate["target"]["entries"][0]);
  EXPECT_FALSE(check_certificate(lu(2), dup).ok);
  Verdict noeq = v;
  noeq.certificate["non_membership"]["equations"] = json::array();
  EXPECT_FALSE(check_certificate(lu(2), noeq).ok);
  Verdict nofactors = v;
  nofactors.certificate["factors"] = json::array();
  EXPECT_FALSE(check_certificate(lu(2), nofactors).ok);
  Verdict flat = v;
  flat.certificate["residual_is_zero"] = true;  // unknown fields change nothing
  EXPECT_TRUE(check_certificate(lu(2), flat).ok);
  Verdict zero_res = v;
  zero_res.certificate["sequence"]["residual"].push_back(json::parse(R"([1, 1, "1", 0])"));
  EXPECT_FALSE(check_certificate(lu(2), zero_res).ok);
  Verdict huge = v;
  huge.certificate["non_membership"]["equations"][0]["entry"][0] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_FALSE(check_certificate(lu(2), huge).ok);
  Verdict neg = v;
  neg.certificate["non_membership"]["equations"][0]["inner"] = -1;
  EXPECT_FALSE(check_certificate(lu(2), neg).ok);
  Verdict big = v;
  big.certificate["factors"][0]["rows"] = std::uint64_t{1} << 40;
  EXPECT_FALSE(check_certificate(lu(2), big).ok);
  Verdict kind = v;
  kind.certificate["kind"] = json::array({"lu_pattern"});
  EXPECT_FALSE(check_certificate(lu(2), kind).ok);
}

// surjective-normal-forms: the replay's rules, each broken once on LU(2)
// (not surjective); rejected before any leaf reaches the solver.
TEST(ForgedExactNormalForms, IllegalMovesRejectedByTheReplay) {
  auto with_tree = [&](const json& tree) {
    json c = exact_closed(lu2(), "surjective-normal-forms");
    c["normal_forms"] = json::array({tree});
    return check_certificate(lu(2), claim(Closedness::closed, c), quick());
  };
  const json leaf = json::parse(R"({"move": "leaf", "zeros": [], "ones": []})");
  // The root must have every entry free.
  json fixed_root = leaf;
  fixed_root["ones"] = json::parse("[[0,0]]");
  EXPECT_NE(with_tree(fixed_root).reason.find("state"), std::string::npos);
  // Row 1 of X_1 (lower) has entries {0, 1}, row 0 only {0}: 1 -> 0 is not allowed.
  const json elim = json::parse(R"({"move": "branch", "entry": [1,1], "scale": "row", "zeros": [], "ones": [],
      "zero": {"move": "leaf", "zeros": [[1,1]], "ones": []},
      "one": {"move": "row_elim", "from": 1, "to": 0, "pivot": 1, "zeros": [], "ones": [[1,1]],
              "child": {"move": "leaf", "zeros": [[0,1]], "ones": [[1,1]]}}})");
  const CheckResult r = with_tree(elim);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("not allowed by the supports"), std::string::npos) << r.reason;
  // A branch that would rescale an entry already fixed to 1.
  const json rescale = json::parse(R"({"move": "branch", "entry": [0,0], "scale": "row", "zeros": [], "ones": [],
      "zero": {"move": "leaf", "zeros": [[0,0]], "ones": []},
      "one": {"move": "branch", "entry": [0,1], "scale": "row", "zeros": [], "ones": [[0,0]],
              "zero": {"move": "leaf", "zeros": [[0,1]], "ones": [[0,0]]},
              "one": {"move": "leaf", "zeros": [], "ones": [[0,0],[0,1]]}}})");
  EXPECT_NE(with_tree(rescale).reason.find("fixed to 1"), std::string::npos);
  // An elimination whose pivot is free, and a child state that is not the move's.
  const json free_pivot = json::parse(R"({"move": "row_elim", "from": 0, "to": 1, "pivot": 0, "zeros": [], "ones": [],
      "child": {"move": "leaf", "zeros": [[1,0]], "ones": []}})");
  EXPECT_NE(with_tree(free_pivot).reason.find("pivot"), std::string::npos);
  const json wrong_child = json::parse(R"({"move": "branch", "entry": [0,0], "scale": "row", "zeros": [], "ones": [],
      "zero": {"move": "leaf", "zeros": [], "ones": []},
      "one": {"move": "leaf", "zeros": [], "ones": [[0,0]]}})");
  EXPECT_NE(with_tree(wrong_child).reason.find("state"), std::string::npos);
  // An unknown move, a missing tree.
  EXPECT_FALSE(with_tree(json::parse(R"({"move": "swap", "zeros": [], "ones": []})")).ok);
  json c = exact_closed(lu2(), "surjective-normal-forms");
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, c), quick()).ok);
}

// The single-leaf tree asks the solver "every 2 x 2 matrix is an LU product": FALSE.
TEST(ForgedExactNormalForms, FalseLeafRejectedAndTrueTreeAccepted) {
  json c = exact_closed(lu2(), "surjective-normal-forms");
  c["normal_forms"] = json::array({json::parse(R"({"move": "leaf", "zeros": [], "ones": []})")});
  const CheckResult r = check_certificate(lu(2), claim(Closedness::closed, c), quick());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason.find("z3 unknown"), std::string::npos) << r.reason;  // decided, not timed out
  // Control: 1 x 1 x 1 (x y = a): branch a = 0 / a = 1, two quantifier-free leaves.
  const std::vector<Support> one = {Support::full(1, 1), Support::full(1, 1)};
  json t = exact_closed(one, "surjective-normal-forms");
  t["normal_forms"] = json::array({json::parse(R"({"move": "branch", "entry": [0,0], "scale": "row", "zeros": [], "ones": [],
      "zero": {"move": "leaf", "zeros": [[0,0]], "ones": []}, "one": {"move": "leaf", "zeros": [], "ones": [[0,0]]}})")});
  const CheckResult ok = check_certificate(Architecture(one), claim(Closedness::closed, t), quick());
  EXPECT_TRUE(ok.ok) << ok.reason;
}

// algebraic-onto: a listed minor must vanish on the block's set (separator
// re-checked by path search); LU(2)'s determinant does not (x00 y00 x11 y11).
TEST(ForgedExactAlgebraicOnto, MinorsThatDoNotVanishRejected) {
  auto with_minors = [&](const json& minors) {
    json c = exact_closed(lu2(), "algebraic-onto");
    c["onto"] = json::array({minors});
    return check_certificate(lu(2), claim(Closedness::closed, c), quick());
  };
  // Separator {level 1, node 0}: the path 1 -> 1 -> 1 avoids it.
  const CheckResult a = with_minors(json::parse(R"([{"rows": [0,1], "cols": [0,1], "separator": [[1,0]]}])"));
  EXPECT_FALSE(a.ok);
  EXPECT_NE(a.reason.find("avoids its separator"), std::string::npos) << a.reason;
  // A separator as large as the minor proves nothing.
  EXPECT_NE(with_minors(json::parse(R"([{"rows": [0,1], "cols": [0,1], "separator": [[1,0],[1,1]]}])")).reason.find("smaller"),
            std::string::npos);
  // Repeated rows, unequal sizes, more than 6 rows.
  EXPECT_FALSE(with_minors(json::parse(R"([{"rows": [0,0], "cols": [0,1], "separator": [[1,0]]}])")).ok);
  EXPECT_FALSE(with_minors(json::parse(R"([{"rows": [0], "cols": [0,1], "separator": []}])")).ok);
  EXPECT_FALSE(with_minors(json::parse(R"([{"rows": [0,1,2,3,4,5,6], "cols": [0,1,2,3,4,5,6], "separator": []}])")).ok);
  EXPECT_FALSE(with_minors(json::parse(R"({"rows": [0,1], "cols": [0,1], "separator": [[1,0]]})")).ok);
}


// A network's "not closed" rests on L_I = W2 W1 not closed (Thm 7.3.3). Its
// L_I certificate must be a matrix-chain certificate: a relu_network
// certificate in its place, for the swapped network [W2, W1], carries in
// turn a valid proof that W1 W2 is not closed -- the other product.
TEST(ForgedKindConfusion, NestedNetworkCertificateIsNoLinearCertificate) {
  const auto layers = constant_net_layers();  // F_I = constants: closed; W2 W1 = 0
  const std::vector<Support> swapped = {layers[1], layers[0]};
  const NetworkAnalysis sw = analyze_network(ReluNetwork(swapped));  // L_I of [W2, W1] is W1 W2: LU(2) inside
  ASSERT_EQ(sw.finite_data.verdict.closedness, Closedness::not_closed) << sw.finite_data.verdict.reason;
  json outer = sw.finite_data.verdict.certificate;  // theorem Thm 7.3.3, layers [W2, W1]
  ASSERT_TRUE(check_network_certificate(outer, Closedness::not_closed, swapped).ok);  // control
  json forged = outer;
  forged["layers"] = supports_json(layers);
  forged["linear_certificate"] = outer;  // a network certificate where L_I's belongs
  const CheckResult r = check_network_certificate(forged, Closedness::not_closed, layers);
  EXPECT_FALSE(r.ok) << "the constant network was certified not closed: " << r.reason;
  EXPECT_FALSE(check_certificate(claim(Closedness::not_closed, forged)).ok);
  // The genuine verdict of the network itself is closed and certifies.
  const NetworkAnalysis na = analyze_network(ReluNetwork(layers));
  EXPECT_TRUE(check_network_verdict(na.overall, layers, NetworkDomain::both).ok);
}


// Without a sequence or cofactors the witness's values go to Z3 as numerals:
// malformed ones are rejected, never read leniently, never a crash.
TEST(ForgedNumbers, MalformedWitnessValuesForTheSolverRejected) {
  json c = lu2_witness_sequence();
  c.erase("sequence");
  c.erase("nullstellensatz");
  for (const char* bad : {"1-1", "--1", "1/0", "/", "1/", "-", "1//2", "0/0"}) {
    json w = c;
    w["witness"][0][2] = bad;
    const CheckResult r = check_certificate(lu(2), claim(Closedness::not_closed, w), quick());
    EXPECT_FALSE(r.ok) << bad << ": " << r.reason;
  }
  // Control: a negative, non-canonical value of a true witness ([[0,-1/2],[1,0]]) passes.
  json ok = c;
  ok["witness"][0][2] = "-2/4";
  const CheckResult r = check_certificate(lu(2), claim(Closedness::not_closed, ok), quick());
  EXPECT_TRUE(r.ok) << r.reason;
}


// ---- detector kinds ----------------------------------------------------------
TEST(ForgedDetectorKinds, ReducedAndClassCertificatesRejectedOnLU2) {
  // "reduced": I x L x U absorbs the identity into L; the inner certificate is LU(2)'s.
  const Verdict inner = detect(lu(2));
  const std::vector<Support> ilu = {Support::identity(2), Support::lower(2), Support::upper(2)};
  json c = {{"kind", "reduced"}, {"factors", supports_json(ilu)},
            {"steps", json::array({{{"factor", 0}, {"into", "next"}}})}, {"inner", inner.certificate}};
  const CheckResult ok = check_certificate(Architecture(ilu), claim(Closedness::not_closed, c));
  ASSERT_TRUE(ok.ok) << ok.reason;  // control
  EXPECT_FALSE(check_certificate(Architecture(ilu), claim(Closedness::closed, c)).ok);
  json notperm = c;
  notperm["steps"][0]["factor"] = 1;  // L is no permutation pattern
  EXPECT_FALSE(check_certificate(Architecture(ilu), claim(Closedness::not_closed, notperm)).ok);
  json prev = c;
  prev["steps"][0]["into"] = "previous";  // factor 0 has no previous
  EXPECT_FALSE(check_certificate(Architecture(ilu), claim(Closedness::not_closed, prev)).ok);
  json deep = c;  // nested beyond the bound
  for (int k = 0; k < 4; ++k) deep = {{"kind", "reduced"}, {"factors", supports_json(ilu)}, {"steps", c["steps"]}, {"inner", deep}};
  EXPECT_FALSE(check_certificate(Architecture(ilu), claim(Closedness::not_closed, deep)).ok);
  // Thm 5.2.3 / 5.2.9 on LU(2): its classes {0} (rows {0,1}, cols {0,1}) and
  // {1} (rows {1}, cols {1}) overlap at (1,1); {0} is not complete.
  json disjoint = {{"kind", "disjoint_rank_one"}, {"factors", supports_json(lu2())},
                   {"classes", json::parse(R"([{"indices":[0],"rows":[0,1],"cols":[0,1]},{"indices":[1],"rows":[1],"cols":[1]}])")}};
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, disjoint)).ok);
  json wrong_rows = disjoint;
  wrong_rows["classes"][1]["rows"] = json::parse("[0]");  // misstated to dodge the overlap
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, wrong_rows)).ok);
  json cec = {{"kind", "cec_rectangular"}, {"factors", supports_json(lu2())},
              {"complete_classes", json::parse(R"([{"indices":[0],"rows":[0,1],"cols":[0,1]}])")},
              {"rectangles", json::parse(R"([{"k":1,"rows":[],"cols":[]}])")}};
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, cec)).ok);
  json cec2 = {{"kind", "cec_rectangular"}, {"factors", supports_json(lu2())},
               {"complete_classes", json::parse(R"([{"indices":[1],"rows":[1],"cols":[1]}])")},
               {"rectangles", json::parse(R"([{"k":0,"rows":[0],"cols":[0,1]}])")}};  // S'_0 is not a rectangle
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, cec2)).ok);
  json triv = {{"kind", "trivial"}, {"factors", supports_json(lu2())}, {"family", "full_supports"}};
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, triv)).ok);
  triv["family"] = "inner_one";
  EXPECT_FALSE(check_certificate(lu(2), claim(Closedness::closed, triv)).ok);
}

}  // namespace
}  // namespace wellposed
