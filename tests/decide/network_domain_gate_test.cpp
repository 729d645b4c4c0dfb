// A network verdict is about a DOMAIN (network.hpp): finite data sets, the
// bounded box [-B, B]^d, or both (the overall verdict). Cor 7.4.3 and Thm
// 7.4.2 prove closedness on the box only. Every place a network verdict is
// accepted applies the same domain rule (network_common::domain_refusal):
// the gate of analyze_network (gate.hpp), check_network_verdict, and
// check_certificate(Verdict) of a verdict that does not say its domain, read
// as both -- before, the gate and check_certificate(Verdict) checked the
// certificate but not the domain (a lone report entry "closed" with a
// Cor 7.4.3 certificate was "certificate VALID").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../decide/src/gate.hpp"

#include "wellposed/algebra/network.hpp"
#include "wellposed/decide/binding.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {
namespace {

NetworkOptions detectors_only() {
  NetworkOptions o;
  o.exact_deciders = std::vector<NamedExactDecider>{};
  return o;
}

// relu-dense: N_0 = 6, N_1 = 8, N_2 = 3, dense: closed on the box (Cor 7.4.3),
// no finite-data answer (N_2 >= 2).
const std::vector<Support> kDense{Support::full(8, 6), Support::full(3, 8)};

Verdict box_verdict() {
  const NetworkAnalysis a = analyze_network(ReluNetwork(kDense), detectors_only());
  return a.bounded_box.verdict;
}

TEST(NetworkDomainGate, AnalyzeNetworkKeepsTheBoxAnswerAndGivesNoFiniteDataOne) {
  const NetworkAnalysis a = analyze_network(ReluNetwork(kDense), detectors_only());
  ASSERT_EQ(a.bounded_box.verdict.closedness, Closedness::closed) << a.bounded_box.verdict.reason;
  EXPECT_EQ(a.bounded_box.verdict.certificate["theorem"], "Cor 7.4.3");
  EXPECT_FALSE(a.bounded_box.check.empty());  // it passed its (domain-aware) gate
  EXPECT_EQ(a.finite_data.verdict.closedness, Closedness::unknown);
  EXPECT_EQ(a.overall.closedness, Closedness::unknown);
}

TEST(NetworkDomainGate, ABoxOnlyCertificateFailsTheGateForFiniteDataAndPassesForTheBox) {
  const Verdict box = box_verdict();
  ASSERT_EQ(box.closedness, Closedness::closed);
  Verdict as_box = box;
  const detail::GateResult ok = detail::gate(as_box, kDense, NetworkDomain::bounded_box, 60);
  EXPECT_TRUE(ok.passed) << ok.account;
  EXPECT_EQ(as_box.closedness, Closedness::closed);
  for (const NetworkDomain d : {NetworkDomain::finite_data, NetworkDomain::both}) {
    Verdict v = box;  // what a prover bug would hand the gate as the finite-data (or overall) answer
    const detail::GateResult g = detail::gate(v, kDense, d, 60);
    EXPECT_FALSE(g.passed);
    EXPECT_NE(g.account.find("bounded box only"), std::string::npos) << g.account;
    EXPECT_EQ(v.closedness, Closedness::unknown);  // it does not leave as an answer
    EXPECT_TRUE(v.certificate.is_null());
    EXPECT_NE(v.reason.find("bounded box only"), std::string::npos) << v.reason;
  }
}

TEST(NetworkDomainGate, AVerdictWithoutADomainIsReadAsBothDomains) {
  const Verdict box = box_verdict();
  const CheckResult r = check_certificate(box);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("bounded box only"), std::string::npos) << r.reason;
  // The certificate itself is sound for the box: the explicit-domain checks say so.
  EXPECT_TRUE(check_network_verdict(box, kDense, NetworkDomain::bounded_box).ok);
  EXPECT_FALSE(check_network_verdict(box, kDense, NetworkDomain::finite_data).ok);
  // A theorem covering both domains (N_2 = 1: Thm 7.3.7) is accepted without a domain.
  const std::vector<Support> scalar{Support::full(4, 3), Support::full(1, 4)};
  const NetworkAnalysis s = analyze_network(ReluNetwork(scalar), detectors_only());
  ASSERT_EQ(s.overall.closedness, Closedness::closed) << s.overall.reason;
  const CheckResult rs = check_certificate(s.overall);
  EXPECT_TRUE(rs.ok) << rs.reason;
}

TEST(NetworkDomainGate, ALoneReportEntryWithABoxOnlyCertificateIsNotCertified) {
  const Verdict box = box_verdict();
  // A report entry bound to nothing (no spec, no digest, no "network" record):
  // `wellposed certify` checks it as a verdict about its certificate's supports.
  const nlohmann::json item = {{"name", "lone"}, {"verdict", "closed"}, {"certificate", box.certificate}};
  const CheckResult r = certify_result(item, box, ".");
  EXPECT_FALSE(r.ok) << r.reason;
  EXPECT_NE(r.reason.find("bounded box only"), std::string::npos) << r.reason;
  // With the domain the report states, the box verdict is certified.
  nlohmann::json net_item = item;
  net_item["network"] = nlohmann::json::object();
  const CheckResult rb = certify_result(net_item, box, ".", "bounded_box");
  EXPECT_TRUE(rb.ok) << rb.reason;
}

}  // namespace
}  // namespace wellposed
