// The independent checker: accepts what the provers produce, rejects
// deliberately corrupted certificates.
#include <gtest/gtest.h>

#include "decide/certificate_edit.hpp"

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/lu_pattern.hpp"
#include "wellposed/decide/tractable.hpp"

namespace wellposed {
namespace {

using json = nlohmann::json;


class LuCertificate : public ::testing::Test {
 protected:
  Architecture arch = lu(4);
  Verdict v = detect(lu(4));
  void expect_rejected(const json& c, const char* what) {
    const auto res = check_certificate(arch, with_certificate(v, c));
    EXPECT_FALSE(res.ok) << what;
    EXPECT_FALSE(res.reason.empty());
  }
};

TEST_F(LuCertificate, Accepted) {
  ASSERT_EQ(v.closedness, Closedness::not_closed);
  const auto res = check_certificate(arch, v);
  EXPECT_TRUE(res.ok) << res.reason;
  // The certificate survives a JSON round trip (a user can save and reload it).
  const auto back = verdict_from_json(json::parse(to_json(v).dump()));
  EXPECT_TRUE(check_certificate(arch, back).ok);
}

TEST_F(LuCertificate, WrongIndexRejected) {
  auto c = v.certificate;
  c["indices"]["i1"] = c["indices"]["i2"];
  expect_rejected(c, "i1 = i2");
  c = v.certificate;
  c["indices"]["k"] = 3;
  expect_rejected(c, "wrong k");
  c = v.certificate;
  c["non_membership"]["equations"][0]["inner"] = 1;
  expect_rejected(c, "wrong inner index in an equation");
  c = v.certificate;
  c["non_membership"]["equations"][1]["entry"] = json::array({2, 3});
  expect_rejected(c, "equation on an entry held by several S_p");
}

TEST_F(LuCertificate, AlteredSequenceRejected) {
  auto c = v.certificate;
  c["sequence"]["factors"][0][0][2] = "2";  // X_1[i1,k] = 2t
  expect_rejected(c, "coefficient changed");
  c = v.certificate;
  c["sequence"]["factors"][1][1][3] = -2;  // exponent changed
  expect_rejected(c, "exponent changed");
  c = v.certificate;
  c["sequence"]["residual"][0][3] = 0;  // residual no longer vanishing
  expect_rejected(c, "residual does not vanish");
  c = v.certificate;
  c["sequence"]["residual"] = json::array();
  expect_rejected(c, "residual dropped");
  c = v.certificate;
  c["sequence"]["factors"][0].push_back(json::array({0, 3, "1", 0}));  // X_1[0,3]: outside the lower mask
  expect_rejected(c, "entry outside the support");
}

TEST_F(LuCertificate, AlteredTargetOrClaimRejected) {
  auto c = v.certificate;
  c["target"]["entries"].push_back(json::array({0, 0, "1"}));
  expect_rejected(c, "target changed");
  c = v.certificate;
  c["non_membership"]["equations"][0]["value"] = "1";
  expect_rejected(c, "equation value changed");
  c = v.certificate;
  c["landscape"]["spurious_valley"]["valley_point"]["loss"] = "1";
  expect_rejected(c, "landscape loss changed");
  c = v.certificate;
  c["target"]["entries"][0][2] = "1/0";
  expect_rejected(c, "zero denominator");
  c = v.certificate;
  c["factors"][0]["mask"][0] = "1111";
  expect_rejected(c, "supports are not the architecture's");
  Verdict w = v;
  w.closedness = Closedness::closed;
  EXPECT_FALSE(check_certificate(arch, w).ok);
  w.closedness = Closedness::unknown;
  EXPECT_FALSE(check_certificate(arch, w).ok);
  EXPECT_FALSE(check_certificate(arch, with_certificate(v, json::object())).ok);
  EXPECT_FALSE(check_certificate(arch, with_certificate(v, json("garbage"))).ok);
}

TEST_F(LuCertificate, LandscapeWitnessesAreLoadableData) {
  const auto& w = v.certificate["landscape"];
  EXPECT_EQ(w["spurious_valley"]["valley_point"]["loss"], "36/25");
  EXPECT_EQ(w["spurious_minimum"]["local_minimum"]["loss"], "1");
  EXPECT_EQ(w["spurious_minimum"]["optimum"]["loss"], "0");
}

TEST(TractableCertificate, OverlappingPartitionRejected) {
  const auto a = hodlr(2);
  const auto v = detect_disjoint_rank_one(a.factor(0), a.factor(1));
  ASSERT_TRUE(check_certificate(a, v).ok);
  auto c = v.certificate;
  // Put the first index of class 1 into class 0 as well.
  c["classes"][0]["indices"].push_back(c["classes"][1]["indices"][0]);
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
  c = v.certificate;
  c["classes"].erase(c["classes"].size() - 1);  // no longer covers [r]
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
  c = v.certificate;
  c["classes"][0]["rows"].push_back(3);
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
}

TEST(TractableCertificate, OverlappingRectanglesRejected) {
  // LU(2) is not Thm 5.2.3: a forged "disjoint" certificate must fail.
  const auto a = lu(2);
  const auto v = detect_disjoint_rank_one(a.factor(0), a.factor(1));
  ASSERT_EQ(v.closedness, Closedness::unknown);
  Verdict forged;
  forged.closedness = Closedness::closed;
  forged.certificate = {{"kind", "disjoint_rank_one"},
                        {"factors", json::array({{{"rows", 2}, {"cols", 2}, {"mask", {"10", "11"}}},
                                                 {{"rows", 2}, {"cols", 2}, {"mask", {"11", "01"}}}})},
                        {"classes", json::array({{{"indices", {0}}, {"rows", {0, 1}}, {"cols", {0, 1}}},
                                                 {{"indices", {1}}, {"rows", {1}}, {"cols", {1}}}})}};
  const auto res = check_certificate(a, forged);
  EXPECT_FALSE(res.ok);
  EXPECT_NE(res.reason.find("overlap"), std::string::npos) << res.reason;
}

TEST(TractableCertificate, CecRectangularAcceptedAndCorruptionRejected) {
  // A complete class {0,1} on rows {0,1} x cols {0,1}, plus k = 2 with
  // S_2 = {0,1} x {0,1,2}: S'_2 = {0,1} x {2} is a rectangle, but S_2 overlaps
  // S_T, so Thm 5.2.3 does not apply.
  const auto L = Support::from_rows({"111", "111", "000"});
  const auto R = Support::from_rows({"110", "110", "111"});
  EXPECT_EQ(detect_disjoint_rank_one(L, R).closedness, Closedness::unknown);
  const Architecture a({L, R});
  const auto v = detect_cec_rectangular(L, R);
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  EXPECT_TRUE(check_certificate(a, v).ok) << check_certificate(a, v).reason;
  auto c = v.certificate;
  c["rectangles"][0]["rows"] = json::array({0});
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
  c = v.certificate;
  c["complete_classes"][0]["indices"] = json::array({0});
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
}

TEST(KroneckerCertificate, CorruptionRejected) {
  const auto a = butterfly(8);
  const auto v = detect(a);
  ASSERT_EQ(v.certificate["kind"], "kronecker_chainable");
  ASSERT_TRUE(check_certificate(a, v).ok);
  auto c = v.certificate;
  c["chain"][0] = json::array({2, 2, 2, 2});
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
  c = v.certificate;
  c["q"][0] = 3;
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
  // The Kaleidoscope chain is not chainable: a forged certificate fails.
  const auto k = kaleidoscope(4);
  Verdict f = v;
  f.certificate["factors"] = json::array();
  for (const auto& s : k.factors()) f.certificate["factors"].push_back({{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}});
  f.certificate["chain"] = json::array({{1, 2, 2, 2}, {2, 2, 2, 1}, {2, 2, 2, 1}, {1, 2, 2, 2}});
  f.certificate.erase("q");
  f.certificate.erase("reduced_chain");
  const auto res = check_certificate(k, f);
  EXPECT_FALSE(res.ok);
  EXPECT_NE(res.reason.find("not chainable"), std::string::npos) << res.reason;
}

TEST(TrivialCertificate, WrongFamilyRejected) {
  const auto a = lu(3);
  Verdict f;
  f.closedness = Closedness::closed;
  f.certificate = detect_trivial(low_rank(3, 3, 2)).certificate;
  EXPECT_FALSE(check_certificate(a, f).ok);  // supports differ
  f.certificate["factors"] = json::array();
  for (const auto& s : a.factors()) f.certificate["factors"].push_back({{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}});
  EXPECT_FALSE(check_certificate(a, f).ok);  // LU(3) supports are not full
}

TEST(ReducedCertificate, AlteredStepRejected) {
  const auto P = Support::from_rows({"01", "10"});
  const Architecture a({P, Support::lower(2), Support::upper(2)});
  const auto v = detect(a);
  ASSERT_EQ(v.certificate["kind"], "reduced");
  ASSERT_TRUE(check_certificate(a, v).ok);
  auto c = v.certificate;
  c["steps"][0]["factor"] = 1;  // the lower factor is not a permutation pattern
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
  c = v.certificate;
  c["steps"][0]["into"] = "sideways";
  EXPECT_FALSE(check_certificate(a, with_certificate(v, c)).ok);
}

}  // namespace
}  // namespace wellposed
