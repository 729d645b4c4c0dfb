// The three check_certificate overloads share ONE dispatch on the
// certificate's kind (decide/src/checker.cpp, dispatch_check): a certificate
// gets the same answer whichever way it is handed in -- alone with the chain's
// supports, with a verdict and its architecture, or with a verdict alone
// (supports taken from the certificate) -- except where an overload refuses
// by design (a relu_network certificate proves nothing about a matrix chain).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "decide/certificate_edit.hpp"

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/network.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/lu_pattern.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {
namespace {

using json = nlohmann::json;

struct Three {
  CheckResult alone, with_arch, verdict_only;
};

Three check_three_ways(const Architecture& arch, const Verdict& v) {
  return {check_certificate(v.certificate, v.closedness, arch.factors()), check_certificate(arch, v),
          check_certificate(v)};
}

TEST(CertificateDispatch, EveryOverloadAcceptsAProversCertificate) {
  const Architecture arch = lu(4);
  const Verdict v = detect(arch);
  ASSERT_EQ(v.closedness, Closedness::not_closed) << v.reason;
  const Three r = check_three_ways(arch, v);
  EXPECT_TRUE(r.alone.ok) << r.alone.reason;
  EXPECT_TRUE(r.with_arch.ok) << r.with_arch.reason;
  EXPECT_TRUE(r.verdict_only.ok) << r.verdict_only.reason;
  EXPECT_EQ(r.alone.reason, r.with_arch.reason);
  EXPECT_EQ(r.alone.reason, r.verdict_only.reason);
}

TEST(CertificateDispatch, EveryOverloadRejectsTheSameAlterationWithTheSameReason) {
  const Architecture arch = lu(4);
  const Verdict good = detect(arch);
  auto c = good.certificate;
  c["indices"]["k"] = 3;
  const Three r = check_three_ways(arch, with_certificate(good, c));
  EXPECT_FALSE(r.alone.ok);
  EXPECT_FALSE(r.with_arch.ok);
  EXPECT_FALSE(r.verdict_only.ok);
  EXPECT_FALSE(r.alone.reason.empty());
  EXPECT_EQ(r.alone.reason, r.with_arch.reason);
  EXPECT_EQ(r.alone.reason, r.verdict_only.reason);
  // The opposite claim with the prover's own certificate: rejected everywhere.
  Verdict flipped = good;
  flipped.closedness = Closedness::closed;
  const Three f = check_three_ways(arch, flipped);
  EXPECT_FALSE(f.alone.ok);
  EXPECT_FALSE(f.with_arch.ok);
  EXPECT_FALSE(f.verdict_only.ok);
}

TEST(CertificateDispatch, AnotherArchitectureIsRejectedByTheOverloadsThatCompare) {
  const Verdict v = detect(lu(4));
  const Architecture other = lu(5);
  EXPECT_FALSE(check_certificate(other, v).ok);
  EXPECT_FALSE(check_certificate(v.certificate, v.closedness, other.factors()).ok);
}

TEST(CertificateDispatch, MalformedFactorsOfAVerdictAloneAreAFailedCheckNamingThem) {
  Verdict v = detect(lu(4));
  v.certificate["factors"] = json::array();
  const CheckResult r = check_certificate(v);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("factors"), std::string::npos) << r.reason;
  v.certificate.erase("factors");
  EXPECT_FALSE(check_certificate(v).ok);
}

TEST(CertificateDispatch, NetworkCertificatesGoToTheNetworkCheckerExceptAboutAChain) {
  const std::vector<Support> layers{Support::full(4, 3), Support::full(1, 4)};
  const ReluNetwork net(layers);
  NetworkOptions o;
  o.exact_deciders = std::vector<NamedExactDecider>{};
  const NetworkAnalysis a = analyze_network(net, o);
  const Verdict& v = a.overall;
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  ASSERT_EQ(v.certificate["kind"], "relu_network");
  const CheckResult alone = check_certificate(v.certificate, v.closedness, layers);
  EXPECT_TRUE(alone.ok) << alone.reason;
  const CheckResult verdict_only = check_certificate(v);
  EXPECT_TRUE(verdict_only.ok) << verdict_only.reason;
  EXPECT_EQ(alone.reason, verdict_only.reason);
  // The network checker compares the layers it is given.
  const CheckResult other = check_certificate(v.certificate, v.closedness, {Support::full(4, 3), Support::full(2, 4)});
  EXPECT_FALSE(other.ok);
  EXPECT_NE(other.reason.find("layers"), std::string::npos) << other.reason;
  // About the matrix chain of the same masks: refused by design.
  const CheckResult chain = check_certificate(net.linear_architecture(), v);
  EXPECT_FALSE(chain.ok);
  EXPECT_NE(chain.reason.find("matrix chain"), std::string::npos) << chain.reason;
}

}  // namespace
}  // namespace wellposed
