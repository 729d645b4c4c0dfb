// Families stay structural, certificates compact (issue 18 item 6, issue 20
// B2/B7): detectors and the checker work from a family's parameters, never
// its dense masks; other masks are bit-packed; the old certificate form is
// still accepted; forged or overflowing family parameters are rejected.
#include <gtest/gtest.h>

#include "decide/certificate_edit.hpp"

#include <random>

#include "algebra/random_patterns.hpp"
#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/analyze.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/kronecker.hpp"

namespace wellposed {
namespace {

using json = nlohmann::json;


// The old form: every mask as rows of '0'/'1'.
json old_form(const std::vector<Support>& f) {
  json a = json::array();
  for (const auto& s : f) a.push_back({{"rows", s.rows()}, {"cols", s.cols()}, {"mask", s.to_rows()}});
  return a;
}

// Analysis and check of butterfly n = 2^16 never build a mask: with a limit
// of 0 bytes any attempt would throw MaterializationRefused.
TEST(FamilyAnalysis, ButterflyOf65536IsDecidedAndCheckedWithoutMasks) {
  Architecture b = butterfly(std::size_t{1} << 16);
  b.set_max_materialize_bytes(0);
  const Verdict v = detect(b);
  ASSERT_EQ(v.closedness, Closedness::closed) << v.reason;
  EXPECT_EQ(v.certificate["kind"], "kronecker_chainable");
  ASSERT_TRUE(v.certificate["factors"].contains("kronecker_chain"));
  EXPECT_EQ(v.certificate["factors"]["kronecker_chain"].size(), 16u);
  const auto res = check_certificate(b, v);
  EXPECT_TRUE(res.ok) << res.reason;
  EXPECT_TRUE(check_certificate(v).ok);  // certify: the architecture read from the certificate
  EXPECT_LT(to_json(v).dump().size(), 4096u);
  const Analysis an = analyze(b);
  EXPECT_EQ(an.verdict.closedness, Closedness::closed);
  EXPECT_FALSE(b.materialized());
  // Every detector run on its own stays structural too.
  for (const auto& d : run_all_detectors(b))
    if (d.decided()) {
      EXPECT_TRUE(check_certificate(b, d).ok) << d.method;
    }
  EXPECT_FALSE(b.materialized());
}

TEST(FamilyAnalysis, OtherFamiliesStayStructural) {
  Architecture m = monarch(std::size_t{1} << 20, std::size_t{1} << 20, 1024, 1024);
  Architecture r = low_rank(std::size_t{1} << 30, std::size_t{1} << 30, 7);
  Architecture k = kaleidoscope(std::size_t{1} << 16);
  for (Architecture* a : {&m, &r, &k}) {
    a->set_max_materialize_bytes(0);
    const Verdict v = detect(*a);
    if (a == &k) {
      EXPECT_EQ(v.closedness, Closedness::unknown);  // not chainable (Table 6.1)
      EXPECT_NE(v.reason.find("skipped"), std::string::npos) << v.reason;
    } else {
      ASSERT_EQ(v.closedness, Closedness::closed) << a->name() << ": " << v.reason;
      EXPECT_EQ(v.certificate["kind"], a == &r ? "trivial" : "kronecker_chainable");
      EXPECT_TRUE(check_certificate(*a, v).ok) << check_certificate(*a, v).reason;
    }
    EXPECT_FALSE(a->materialized()) << a->name();
  }
}

// On random chains the structural detector and the mask-based one agree, and
// both certificates pass; the chains include identity factors, whose
// equivalent patterns the structural search enumerates from the parameters.
TEST(FamilyAnalysis, StructuralAndMaskDetectorsAgree) {
  std::mt19937_64 g(2026);
  int closed = 0;
  for (int trial = 0; trial < 120; ++trial) {
    KChain c = testing::random_chain(g, 2 + g() % 3);
    if (trial % 3 == 0) {  // put an identity (a', 1, 1, d') somewhere, written one of its ways
      const std::size_t l = g() % (c.size() + 1);
      const std::size_t n = l < c.size() ? c[l].rows() : c.back().cols();
      const auto ways = kronecker_patterns_of(KPattern{n, 1, 1, 1});
      c.insert(c.begin() + static_cast<long>(l), ways[g() % ways.size()]);
    }
    const Architecture s = kronecker_chain_architecture(c);
    const Architecture d(s.factors());
    const Architecture fresh = kronecker_chain_architecture(c);
    const Verdict vs = detect_kronecker_chain(fresh), vd = detect_kronecker_chain(d);
    EXPECT_FALSE(fresh.materialized());
    ASSERT_EQ(vs.closedness, vd.closedness) << to_string(c);
    if (!vs.decided()) continue;
    ++closed;
    EXPECT_TRUE(check_certificate(fresh, vs).ok) << check_certificate(fresh, vs).reason;
    EXPECT_TRUE(check_certificate(d, vs).ok) << "family certificate against the masks";
    EXPECT_TRUE(check_certificate(fresh, vd).ok) << "mask certificate against the family";
    EXPECT_TRUE(check_certificate(d, vd).ok);
  }
  EXPECT_GT(closed, 40);
}

// Masks too large to read are bit-packed; both forms are accepted, in both directions.
TEST(CompactCertificates, BitPackedMasksRoundTripAndOldFormStillAccepted) {
  const Architecture dense(butterfly(64).factors());  // 64 x 64 masks: over the readable size
  const Verdict v = detect(dense);
  ASSERT_EQ(v.closedness, Closedness::closed);
  const auto& f = v.certificate["factors"];
  ASSERT_TRUE(f.is_array());
  ASSERT_TRUE(f[0].contains("bits"));
  EXPECT_EQ(Support::from_base64(64, 64, f[0]["bits"].get<std::string>()), dense.factor(0));
  EXPECT_TRUE(check_certificate(dense, v).ok);
  EXPECT_TRUE(check_certificate(v).ok);
  const auto back = verdict_from_json(json::parse(to_json(v).dump()));
  EXPECT_TRUE(check_certificate(dense, back).ok);

  // The old form (rows of '0'/'1') of the same certificate, against masks and against the family.
  json c = v.certificate;
  c["factors"] = old_form(dense.factors());
  EXPECT_TRUE(check_certificate(dense, with_certificate(v, c)).ok);
  Architecture fam = butterfly(64);
  EXPECT_TRUE(check_certificate(fam, with_certificate(v, c)).ok);
  EXPECT_TRUE(check_certificate(with_certificate(v, c)).ok);
  // A family certificate is accepted against the explicit masks.
  EXPECT_TRUE(check_certificate(dense, detect(fam)).ok);

  // One flipped bit, a truncated string, both forms at once: rejected.
  c = v.certificate;
  std::string bits = c["factors"][2]["bits"];
  bits[5] = bits[5] == 'A' ? 'B' : 'A';
  c["factors"][2]["bits"] = bits;
  EXPECT_FALSE(check_certificate(dense, with_certificate(v, c)).ok);
  c = v.certificate;
  c["factors"][2]["bits"] = bits.substr(0, bits.size() - 4);
  EXPECT_FALSE(check_certificate(with_certificate(v, c)).ok);
  c = v.certificate;
  c["factors"][2]["mask"] = dense.factor(2).to_rows();
  EXPECT_FALSE(check_certificate(dense, with_certificate(v, c)).ok);
}

// A certificate whose family parameters differ from the architecture's is rejected.
TEST(CompactCertificates, FamilyParametersThatDisagreeAreRejected) {
  const Architecture b = butterfly(64);
  const Verdict v = detect(b);
  ASSERT_TRUE(check_certificate(b, v).ok);
  json c = v.certificate;
  c["factors"]["kronecker_chain"][0] = {2, 2, 2, 16};  // same size, another mask
  c["chain"][0] = {2, 2, 2, 16};
  EXPECT_FALSE(check_certificate(b, with_certificate(v, c)).ok);
  // Another butterfly's certificate.
  EXPECT_FALSE(check_certificate(b, detect(butterfly(32))).ok);
  // The stated chain differs from the factors' chain (sizes agree).
  c = v.certificate;
  std::swap(c["chain"][0], c["chain"][5]);
  EXPECT_FALSE(check_certificate(b, with_certificate(v, c)).ok);
  // A family certificate against other explicit masks.
  std::vector<Support> f = b.factors();
  f[3].set(0, 1, !f[3](0, 1));
  EXPECT_FALSE(check_certificate(Architecture(f), v).ok);
  // An identity written another way is the same mask: accepted.
  // (1,2,2,2), (4,1,1,1), (2,2,2,1) is chainable once the identity is read as (2,1,1,2).
  const Architecture id = kronecker_chain_architecture({{1, 2, 2, 2}, {4, 1, 1, 1}, {2, 2, 2, 1}});
  const Verdict vi = detect_kronecker_chain(id);
  ASSERT_TRUE(vi.decided());
  EXPECT_EQ(vi.certificate["chain"][1], json({2, 1, 1, 2}));
  c = vi.certificate;
  c["factors"]["kronecker_chain"][1] = {1, 1, 1, 4};
  EXPECT_TRUE(check_certificate(id, with_certificate(vi, c)).ok) << check_certificate(id, with_certificate(vi, c)).reason;
  // LU: {"lu": n} must name the architecture's n.
  const Architecture l = lu(40);
  const Verdict vl = detect(l);
  ASSERT_EQ(vl.closedness, Closedness::not_closed);
  ASSERT_EQ(vl.certificate["factors"], json({{"lu", 40}}));
  EXPECT_TRUE(check_certificate(l, vl).ok) << check_certificate(l, vl).reason;
  EXPECT_TRUE(check_certificate(Architecture(l.factors()), vl).ok);
  c = vl.certificate;
  c["factors"]["lu"] = 41;
  EXPECT_FALSE(check_certificate(l, with_certificate(vl, c)).ok);
}

// Overflowing or malformed family parameters are a failed check, never a crash.
TEST(CompactCertificates, OverflowingFamilyParametersAreRejected) {
  const Verdict v = detect(butterfly(16));
  const std::size_t big = std::size_t{1} << 62;
  for (const json& factors :
       {json{{"kronecker_chain", {{big, 2, 2, 1}, {1, 2, 2, big}}}}, json{{"kronecker_chain", {{1, 2, 2, 0}}}},
        json{{"kronecker_chain", {{1, 2, 2, big}, {big, 2, 2, 1}}}}, json{{"kronecker_chain", json::array()}},
        json{{"lu", big}}, json{{"lu", 0}}, json{{"lu", -3}}, json{{"kronecker_chain", {{1, 2, 2}}}},
        json{{"lu", 4}, {"kronecker_chain", {{1, 2, 2, 2}}}},
        json::array({{{"rows", big}, {"cols", big}, {"bits", "AAAA"}}}),
        json::array({{{"rows", 0}, {"cols", 3}, {"bits", ""}}})}) {
    json c = v.certificate;
    c["factors"] = factors;
    c["chain"] = factors.is_object() && factors.contains("kronecker_chain") ? factors["kronecker_chain"] : c["chain"];
    EXPECT_FALSE(check_certificate(with_certificate(v, c)).ok) << factors.dump();
    EXPECT_FALSE(check_certificate(butterfly(16), with_certificate(v, c)).ok) << factors.dump();
  }
  json c = v.certificate;
  c["chain"] = {{big, 2, 2, 1}, {1, 2, 2, big}};
  EXPECT_FALSE(check_certificate(butterfly(16), with_certificate(v, c)).ok);
}

}  // namespace
}  // namespace wellposed
