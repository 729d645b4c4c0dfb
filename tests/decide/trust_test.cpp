// Trust labels and solver-free evidence (issue 21): Nullstellensatz
// certificates computed by Singular and re-checked by exact expansion, the
// label each certificate kind earns, and require_trust.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <unistd.h>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/detectors.hpp"
#include "wellposed/decide/detail/exact_checker.hpp"
#include "wellposed/decide/detail/nullstellensatz.hpp"
#include "wellposed/decide/detail/reductions.hpp"

namespace wellposed {
namespace {

using json = nlohmann::json;

bool have_singular() { return std::system("command -v Singular > /dev/null 2>&1") == 0; }

TEST(Nullstellensatz, LuTwoByTwoSystemHasCofactorsThatSumToOne) {
  if (!have_singular()) GTEST_SKIP() << "Singular not installed (scripts/setup installs it)";
  // x11 y11 = 0, x11 y12 = 1, x21 y11 = 1: the anti-diagonal is not an LU product.
  const Variable a = Variable::named("a"), b = Variable::named("b"), c = Variable::named("c"), d = Variable::named("d");
  const std::vector<Polynomial> f{a * c, a * d - 1, b * c - 1};
  const NullstellensatzResult r = nullstellensatz(f);
  ASSERT_TRUE(r.found()) << r.reason;
  ASSERT_EQ(r.cofactors.size(), 3u);
  Polynomial sum;
  for (std::size_t i = 0; i < 3; ++i) sum += r.cofactors[i] * f[i];
  EXPECT_EQ(sum, Polynomial(1));
  EXPECT_NE(r.engine.find("Singular"), std::string::npos) << r.engine;
}

TEST(Nullstellensatz, FeasibleSystemHasNone) {
  if (!have_singular()) GTEST_SKIP() << "Singular not installed";
  const Variable a = Variable::named("a"), b = Variable::named("b");
  // x^2 + 1 = 0 has complex solutions: no certificate, although no real one exists.
  const NullstellensatzResult r = nullstellensatz({a * a + 1, a * b - 1});
  EXPECT_FALSE(r.found());
  EXPECT_NE(r.reason.find("complex solution"), std::string::npos) << r.reason;
}

// The 4x4 bench case of exact_test.cpp (WitnessOfTheFourByFourBenchCase...):
// its witness-search certificate with Singular's cofactors attached.
json four_by_four_certificate(const Architecture& a) {
  const ClosednessReduction red = reduce_for_closedness(a);
  const MaskedChain& b = red.blocks.at(0);
  const std::set<std::pair<std::size_t, std::size_t>> ones{{0, 1}, {1, 3}, {3, 0}};
  json w = json::array();
  for (auto [i, j] : b.mask.entries())
    w.push_back({b.original_index.front()[i], b.original_index.back()[j], ones.count({i, j}) ? "1" : "0"});
  return {{"kind", "exact_not_closed"}, {"reduction", red.to_json()}, {"block", 0},
          {"route", "witness-search"}, {"witness", w}, {"check_seconds", 20.0}};
}

TEST(Nullstellensatz, NonMembershipIsCheckedWithoutASolverAndTamperingIsCaught) {
  if (!have_singular()) GTEST_SKIP() << "Singular not installed";
  const Architecture a({Support::from_rows({"001", "111", "011", "011"}),
                        Support::from_rows({"1110", "1111", "0111"})});
  json cert = four_by_four_certificate(a);
  std::string why;
  ASSERT_TRUE(attach_nullstellensatz(cert, {}, &why)) << why;
  const CheckResult c = check_exact_certificate(cert, Closedness::not_closed, a.factors());
  ASSERT_TRUE(c.ok) << c.reason;
  EXPECT_NE(c.reason.find("Nullstellensatz identity"), std::string::npos) << c.reason;
  // The closure half is still a quantified Z3 query: one solver unless a second one is configured.
  EXPECT_NE(c.trust.detail.find("non-membership: Nullstellensatz"), std::string::npos) << c.trust.detail;
  if (SecondSolverOptions::from_environment().script.empty()) EXPECT_EQ(c.trust.level, TrustLevel::one_solver);
  // A changed coefficient breaks the identity: rejected, naming the check.
  json bad = cert;
  auto& g = bad["nullstellensatz"]["cofactors"][0]["g"][0][0];
  g = g.get<std::string>() == "1" ? "2" : "1";
  const CheckResult t = check_exact_certificate(bad, Closedness::not_closed, a.factors());
  EXPECT_FALSE(t.ok);
  EXPECT_NE(t.reason.find("identity check"), std::string::npos) << t.reason;
  // A cofactor over a variable that is not an edge of the block is rejected too.
  json alien = cert;
  alien["nullstellensatz"]["cofactors"][0]["g"].push_back({"1", {{5, 0, 0, 1}}});
  EXPECT_FALSE(check_exact_certificate(alien, Closedness::not_closed, a.factors()).ok);
  // A member as the witness (A = 0) has no Nullstellensatz certificate.
  json member = four_by_four_certificate(a);
  for (auto& e : member["witness"]) e[2] = "0";
  EXPECT_FALSE(attach_nullstellensatz(member, {}, &why));
}

// The second solver's answers are compared with Z3's, query by query. A
// stand-in "solver" (a shell script printing fixed answers) makes both
// outcomes testable without Node.js: agreement labels the result
// two-solvers, a contrary answer rejects the certificate.
class StandInSecondSolver : public ::testing::Test {
 protected:
  std::string script = ::testing::TempDir() + "wellposed_second_solver_stand_in_" + std::to_string(::getpid()) + ".sh";
  void answer(const std::string& lines) {
    std::FILE* f = std::fopen(script.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "cat > /dev/null\nprintf 'version stand-in 0\\n%s'\n", lines.c_str());
    std::fclose(f);
    options.second_solver = {script, "/bin/sh", 10.0};
  }
  void TearDown() override { std::remove(script.c_str()); }
  CertificateCheckOptions options;
};

TEST_F(StandInSecondSolver, AgreementLabelsTwoSolversAndDisagreementRejects) {
  const Architecture a({Support::from_rows({"001", "111", "011", "011"}),
                        Support::from_rows({"1110", "1111", "0111"})});
  const json cert = four_by_four_certificate(a);  // no cofactors: non-membership (unsat) and closure (sat) by Z3
  answer("unsat\\nsat\\n");
  const CheckResult ok = check_exact_certificate(cert, Closedness::not_closed, a.factors(), options);
  ASSERT_TRUE(ok.ok) << ok.reason;
  EXPECT_EQ(ok.trust.level, TrustLevel::two_solvers) << ok.trust.detail;
  EXPECT_NE(ok.trust.solvers.find("stand-in 0"), std::string::npos) << ok.trust.solvers;
  answer("unsat\\nunsat\\n");
  const CheckResult bad = check_exact_certificate(cert, Closedness::not_closed, a.factors(), options);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.reason.find("the solvers disagree"), std::string::npos) << bad.reason;
  answer("unsat\\nunknown\\n");  // no answer is no confirmation, not a rejection
  const CheckResult one = check_exact_certificate(cert, Closedness::not_closed, a.factors(), options);
  ASSERT_TRUE(one.ok) << one.reason;
  EXPECT_EQ(one.trust.level, TrustLevel::one_solver);
}

TEST(TrustLabel, DetectorCertificatesAreProofs) {
  for (const Architecture& a : {lu(3), Architecture({Support::full(2, 1), Support::full(1, 2)})}) {
    Verdict v = detect(a);
    ASSERT_TRUE(v.decided());
    const CheckResult r = check_and_label(a, v);
    ASSERT_TRUE(r.ok) << r.reason;
    EXPECT_EQ(r.trust.level, TrustLevel::proof);
    EXPECT_EQ(v.trust.level, TrustLevel::proof);
    // The label survives the JSON round trip.
    EXPECT_EQ(verdict_from_json(to_json(v)).trust.level, TrustLevel::proof);
  }
}

TEST(TrustLabel, RequireTrustWithholdsWeakerVerdictsOnly) {
  Verdict v = detect(lu(2));
  ASSERT_TRUE(check_and_label(lu(2), v).ok);
  EXPECT_EQ(require_trust(v, TrustLevel::proof).closedness, Closedness::not_closed);
  Verdict weak = v;
  weak.trust = Trust{TrustLevel::one_solver, "z3 4.8.12 (libz3)", ""};
  const Verdict w = require_trust(weak, TrustLevel::two_solvers);
  EXPECT_EQ(w.closedness, Closedness::unknown);
  EXPECT_NE(w.reason.find("one-solver"), std::string::npos) << w.reason;
  EXPECT_TRUE(w.certificate.is_null());
  EXPECT_EQ(require_trust(weak, TrustLevel::one_solver).closedness, Closedness::not_closed);
  EXPECT_EQ(trust_level_from_string("two-solvers"), TrustLevel::two_solvers);
  EXPECT_FALSE(trust_level_from_string("two solvers").has_value());
}

}  // namespace
}  // namespace wellposed
