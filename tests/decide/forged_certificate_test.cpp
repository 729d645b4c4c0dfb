// Forged certificates (issue 21, tests/data/forged/, copied from the review's
// reproducers): each must be rejected by the library checker with a reason
// naming the check that failed, and a valid certificate of the same shape
// must still pass (so the rejection is the arithmetic check, not a parse error).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/network.hpp"

namespace wellposed {
namespace {

using json = nlohmann::json;

// tests/data/forged/<name>: next to this file when __FILE__ is absolute,
// else found from the working directory upwards (ctest runs in build/tests).
std::filesystem::path data_file(const char* name) {
  const auto rel = std::filesystem::path("tests") / "data" / "forged" / name;
  const auto here = std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "forged" / name;
  if (here.is_absolute() && std::filesystem::exists(here)) return here;
  for (auto dir = std::filesystem::current_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / rel)) return dir / rel;
    if (dir == dir.parent_path()) break;
  }
  return here;
}

json load(const char* name) {
  const auto path = data_file(name);
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

Verdict verdict_of(const json& report) { return verdict_from_json(report); }

TEST(ForgedCertificate, OverflowingExponentSpanRejected) {
  const Verdict v = verdict_of(load("forged_overflow.json"));
  ASSERT_EQ(v.closedness, Closedness::not_closed);
  const CheckResult r = check_certificate(v);
  EXPECT_FALSE(r.ok) << r.reason;
  EXPECT_NE(r.reason.find("exponent check"), std::string::npos) << r.reason;
  // The architecture the forgery is about (2x1 times 1x2, full: rank <= 1) is closed,
  // and its own certificate passes.
  const Architecture arch({Support::full(2, 1), Support::full(1, 2)});
  const Verdict d = detect(arch);
  ASSERT_EQ(d.closedness, Closedness::closed);
  EXPECT_TRUE(check_certificate(arch, d).ok);
  EXPECT_FALSE(check_certificate(arch, v).ok);
}

TEST(ForgedCertificate, ExponentsJustOutsideTheBoundRejectedInside) {
  // A valid LU(2) certificate keeps passing; moving one exponent to 65 fails the exponent check.
  const Verdict v = detect(lu(2));
  ASSERT_EQ(v.closedness, Closedness::not_closed);
  ASSERT_TRUE(check_certificate(lu(2), v).ok);
  Verdict w = v;
  auto& terms = w.certificate["sequence"]["factors"][0];
  ASSERT_FALSE(terms.empty());
  terms[0][3] = 65;
  const CheckResult r = check_certificate(lu(2), w);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("exponent check"), std::string::npos) << r.reason;
}

TEST(ForgedCertificate, ForgedLinearCertificateInsideNetworkRejected) {
  const json report = load("forged_overflow_network.json");
  const Verdict v = verdict_of(report);
  const CheckResult r = check_network_certificate(v.certificate, v.closedness);
  EXPECT_FALSE(r.ok) << r.reason;
  EXPECT_NE(r.reason.find("the L_I certificate fails"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("exponent check"), std::string::npos) << r.reason;
}

TEST(ForgedCertificate, KroneckerWrapAroundParametersRejected) {
  const Verdict v = verdict_of(load("kronecker_wraparound_params.json"));
  ASSERT_EQ(v.closedness, Closedness::closed);
  const CheckResult r = check_certificate(v);
  EXPECT_FALSE(r.ok) << r.reason;
  EXPECT_NE(r.reason.find("overflows 64 bits (size check)"), std::string::npos) << r.reason;
  // The same masks with honest parameters (3, 1, 1, 1): identity = I_3 (x) 1_{1x1} (x) I_1.
  Verdict honest = v;
  honest.certificate["chain"] = json::array({json::array({3, 1, 1, 1}), json::array({3, 1, 1, 1})});
  const CheckResult ok = check_certificate(honest);
  EXPECT_TRUE(ok.ok) << ok.reason;
}

TEST(ForgedCertificate, HugeSupportDimensionsRejectedBeforeAllocation) {
  // A zero-row support has no mask strings bounding its column count.
  Verdict v;
  v.closedness = Closedness::closed;
  v.certificate = {{"kind", "trivial"}, {"family", "full_supports"},
                   {"factors", json::array({{{"rows", 0}, {"cols", std::uint64_t{1} << 62}, {"mask", json::array()}}})}};
  const CheckResult r = check_certificate(v);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("size check"), std::string::npos) << r.reason;
  v.certificate["factors"][0]["cols"] = 3;  // the same with an honest size: a 0 x 3 support is full
  EXPECT_TRUE(check_certificate(v).ok) << check_certificate(v).reason;
}

}  // namespace
}  // namespace wellposed
