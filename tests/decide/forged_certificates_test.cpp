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
  const std::string digest = supports_digest(layers);
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
  const json item = bound_item(spec, supports_digest(layers), box);
  EXPECT_TRUE(certify_result(item, box, d.path.string(), "bounded_box").ok);
  EXPECT_FALSE(certify_result(item, box, d.path.string(), "finite_data").ok);
  EXPECT_FALSE(certify_result(item, box, d.path.string()).ok);  // the overall verdict
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

}  // namespace
}  // namespace wellposed
