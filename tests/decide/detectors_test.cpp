// Detectors: the named families of the seeds, agreement of the fast LU search
// with the brute force, and no contradiction between detectors.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/kronecker.hpp"
#include "wellposed/decide/lu_pattern.hpp"
#include "wellposed/decide/tractable.hpp"

namespace wellposed {
namespace {

void expect_checked(const Architecture& a, const Verdict& v) {
  ASSERT_TRUE(v.decided()) << v.reason;
  const auto res = check_certificate(a, v);
  EXPECT_TRUE(res.ok) << v.method << ": " << res.reason << "\n" << v.certificate.dump();
  EXPECT_TRUE(check_certificate(v).ok);
}

TEST(LuPattern, LuFamilyIsNotClosedForN2To6) {
  for (std::size_t n = 2; n <= 6; ++n) {
    const auto a = lu(n);
    const auto v = detect(a);
    EXPECT_EQ(v.closedness, Closedness::not_closed) << n;
    EXPECT_NE(v.method.find("lu-pattern"), std::string::npos);
    expect_checked(a, v);
  }
}

TEST(LuPattern, TwoByTwoLuIndices) {
  const auto p = find_lu_pattern(Support::lower(2), Support::upper(2));
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, (LuPattern{0, 1, 0, 1, 0, 1}));
}

TEST(LuPattern, FastSearchAgreesWithBruteForce) {
  std::mt19937_64 g(7);
  for (int t = 0; t < 600; ++t) {
    const std::size_t m = 1 + g() % 5, n = 1 + g() % 5, r = 1 + g() % 4;
    const double dl = 0.2 + 0.7 * static_cast<double>(g() % 100) / 100, dr = 0.2 + 0.7 * static_cast<double>(g() % 100) / 100;
    const auto L = Support::random(m, r, dl, g()), R = Support::random(r, n, dr, g());
    const auto fast = find_lu_pattern(L, R);
    const auto slow = find_lu_pattern_brute_force(L, R);
    ASSERT_EQ(fast.has_value(), slow.has_value()) << L << "\n" << R;
    if (fast) {
      EXPECT_TRUE(is_lu_pattern(L, R, *fast));
    }
  }
}

TEST(Tractable, NamedClosedFamilies) {
  std::vector<Architecture> closed{hodlr(1), hodlr(2), hodlr(3), butterfly(4), butterfly(8), butterfly(16),
                                   monarch(8, 8, 2, 4), monarch(12, 6, 3, 2), low_rank(5, 4, 2), low_rank(3, 3, 3)};
  for (const auto& a : closed) {
    const auto v = detect(a);
    EXPECT_EQ(v.closedness, Closedness::closed) << a.name() << ": " << v.reason;
    expect_checked(a, v);
  }
}

TEST(Tractable, HodlrSatisfiesThm523) {
  for (std::size_t N = 1; N <= 3; ++N) {
    const auto a = hodlr(N);
    const auto v = detect_disjoint_rank_one(a.factor(0), a.factor(1));
    EXPECT_EQ(v.closedness, Closedness::closed);
    expect_checked(a, v);
  }
}

TEST(Kronecker, ButterflyAndMonarchAreChainable) {
  for (const auto& a : {butterfly(8), butterfly(32), monarch(8, 8, 2, 4)}) {
    const auto v = detect_kronecker_chain(a);
    EXPECT_EQ(v.closedness, Closedness::closed) << v.reason;
    expect_checked(a, v);
  }
}

TEST(Kronecker, KaleidoscopeNotClaimedClosedByChainability) {
  for (std::size_t n : {4u, 8u, 16u}) {
    const auto a = kaleidoscope(n);
    EXPECT_EQ(detect_kronecker_chain(a).closedness, Closedness::unknown) << n;
    const auto v = detect(a);
    EXPECT_EQ(v.method.find("chainable"), std::string::npos) << v.method;
    if (v.decided()) expect_checked(a, v);
  }
}

TEST(Kronecker, RedundantChainIsReducedInTheCertificate) {
  // (1,2,2,2),(2,2,2,1): q = 1*2/2 = 1 ... use a redundant low-rank-like pair instead:
  // (1,4,4,1),(1,4,4,1) is 4-chainable with q = 4 > min(b1, c2) = 4? no; (1,2,4,1),(1,4,2,1): q = 4 > 2.
  const KChain c{{1, 2, 4, 1}, {1, 4, 2, 1}};
  ASSERT_TRUE(is_redundant(c));
  const auto a = kronecker_chain_architecture(c);
  const auto v = detect_kronecker_chain(a);
  ASSERT_EQ(v.closedness, Closedness::closed);
  EXPECT_EQ(v.certificate["reduced_chain"].size(), 1u);
  expect_checked(a, v);
}

TEST(Trivial, Families) {
  const auto full3 = Architecture({Support::full(2, 3), Support::full(3, 4), Support::full(4, 2)});
  EXPECT_EQ(detect_trivial(full3).certificate["family"], "full_supports");
  expect_checked(full3, detect_trivial(full3));
  const auto vec = Architecture({Support::from_rows({"101"}), Support::lower(3), Support::upper(3)});
  EXPECT_EQ(detect_trivial(vec).certificate["family"], "vector_end");
  expect_checked(vec, detect_trivial(vec));
  const auto inner = Architecture({Support::lower(3), Support::from_rows({"1", "0", "1"}), Support::from_rows({"11"})});
  EXPECT_EQ(detect_trivial(inner).certificate["family"], "inner_one");
  const auto zero = Architecture({Support::lower(3), Support::zero(3, 3)});
  EXPECT_EQ(detect_trivial(zero).certificate["family"], "zero_factor");
  const auto one = Architecture({Support::lower(3)});
  EXPECT_EQ(detect(one).closedness, Closedness::closed);
  EXPECT_EQ(detect_trivial(lu(3)).closedness, Closedness::unknown);
}

TEST(Reduction, PermutationFactorsAreAbsorbed) {
  // P L U with P a permutation pattern: the same set as (P L) U, still LU-type.
  const auto P = Support::from_rows({"010", "001", "100"});
  const auto a = Architecture({P, Support::lower(3), Support::upper(3), Support::identity(3)});
  const auto red = absorb_permutation_factors(a.factors());
  ASSERT_EQ(red.factors.size(), 2u);
  const auto v = detect(a);
  EXPECT_EQ(v.closedness, Closedness::not_closed) << v.reason;
  EXPECT_EQ(v.certificate["kind"], "reduced");
  expect_checked(a, v);
  // A longer chain that does not reduce to two factors: no claim.
  const auto b = Architecture({Support::lower(3), Support::upper(3), Support::lower(3)});
  EXPECT_EQ(detect(b).closedness, Closedness::unknown);
}

// No contradictions on >= 1,000 seeded random small pairs; every certificate checks.
TEST(Consistency, RandomSmallPairsNoContradiction) {
  std::mt19937_64 g(2024);
  int closed = 0, not_closed = 0, unknown = 0;
  for (int t = 0; t < 1500; ++t) {
    const std::size_t m = 1 + g() % 4, n = 1 + g() % 4, r = 1 + g() % 4;
    const double dl = static_cast<double>(g() % 101) / 100, dr = static_cast<double>(g() % 101) / 100;
    const Architecture a({Support::random(m, r, dl, g()), Support::random(r, n, dr, g())});
    bool c = false, nc = false;
    for (const auto& v : run_all_detectors(a)) {
      c = c || v.closedness == Closedness::closed;
      nc = nc || v.closedness == Closedness::not_closed;
      if (v.decided()) {
        const auto res = check_certificate(a, v);
        ASSERT_TRUE(res.ok) << v.method << ": " << res.reason << "\n" << a.factor(0) << "\n" << a.factor(1);
      }
    }
    ASSERT_FALSE(c && nc) << a.factor(0) << "\n" << a.factor(1);
    const auto d = detect(a).closedness;
    EXPECT_EQ(d, c ? Closedness::closed : nc ? Closedness::not_closed : Closedness::unknown);
    (c ? closed : nc ? not_closed : unknown)++;
  }
  EXPECT_GT(closed, 0);
  EXPECT_GT(not_closed, 0);
  RecordProperty("closed", closed);
  RecordProperty("not_closed", not_closed);
  RecordProperty("unknown", unknown);
}

// Closedness is invariant under row/column/inner permutations and transposition.
TEST(Consistency, VerdictsInvariantUnderSymmetries) {
  std::mt19937_64 g(99);
  auto permuted = [&](const Support& s, const std::vector<std::size_t>& pr, const std::vector<std::size_t>& pc) {
    Support o(s.rows(), s.cols());
    for (auto [i, j] : s.entries()) o.set(pr[i], pc[j]);
    return o;
  };
  for (int t = 0; t < 400; ++t) {
    const std::size_t m = 2 + g() % 3, n = 2 + g() % 3, r = 1 + g() % 3;
    const auto L = Support::random(m, r, 0.6, g()), R = Support::random(r, n, 0.6, g());
    std::vector<std::size_t> pm(m), pn(n), pr(r);
    std::iota(pm.begin(), pm.end(), 0);
    std::iota(pn.begin(), pn.end(), 0);
    std::iota(pr.begin(), pr.end(), 0);
    std::shuffle(pm.begin(), pm.end(), g);
    std::shuffle(pn.begin(), pn.end(), g);
    std::shuffle(pr.begin(), pr.end(), g);
    const auto v0 = detect(Architecture({L, R})).closedness;
    const auto v1 = detect(Architecture({permuted(L, pm, pr), permuted(R, pr, pn)})).closedness;
    const auto v2 = detect(Architecture({R.transpose(), L.transpose()})).closedness;
    EXPECT_EQ(v0, v1);
    EXPECT_EQ(v0, v2);
  }
}

}  // namespace
}  // namespace wellposed

namespace wellposed {
namespace {

// Every pair with m = n = r = 2 is decided by the detectors; exactly the 8
// labelled LU-type pairs (one orbit) are not closed (docs/census.md).
TEST(Census, AllTwoByTwoPairsDecided) {
  int not_closed = 0;
  for (unsigned code = 0; code < 256; ++code) {
    Support L(2, 2), R(2, 2);
    for (unsigned b = 0; b < 4; ++b) {
      if ((code >> b) & 1u) L.set(b / 2, b % 2);
      if ((code >> (4 + b)) & 1u) R.set(b / 2, b % 2);
    }
    const Architecture a({L, R});
    const auto v = detect(a);
    ASSERT_TRUE(v.decided()) << L << "\n" << R;
    ASSERT_TRUE(check_certificate(a, v).ok);
    not_closed += v.closedness == Closedness::not_closed;
  }
  EXPECT_EQ(not_closed, 8);
}

}  // namespace
}  // namespace wellposed
