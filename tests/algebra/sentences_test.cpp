// The decision sentences of thesis Sec. 3.2 (SEEDMAP 2.2) for small support
// chains, printed as SMT-LIB2 and decided by Z3 through its C++ API. Truth
// of a sentence is Z3's "sat" (the script has no free constants).
#include <gtest/gtest.h>
#include <z3++.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <wellposed/algebra/detail/entry_polynomials.hpp>
#include <wellposed/algebra/detail/sentences.hpp>

#include "algebra/solver_runners.hpp"

namespace wellposed {
namespace {

using testing::z3_check;

z3::check_result decide(const Formula& sentence, unsigned timeout_ms = 20000) {
  EXPECT_TRUE(sentence.is_sentence()) << sentence;
  return z3_check(to_smtlib2(sentence), timeout_ms);
}

using testing::run_qepcad;

std::size_t count_bound(const Formula& f) {
  std::size_t n = f.bound_variables().size();
  for (const Formula& c : f.children()) n += count_bound(c);
  return n;
}

TEST(MembershipSentence, AntiDiagonalIsNotAnLUProduct) {
  // [[0,1],[1,0]] = L U forces l00 u00 = 0, l00 u01 = 1, l10 u00 = 1: impossible
  // (Lemma 3.1.10's non-member).
  const Formula s = membership_sentence(lu(2), RationalMatrix::from_integers({{0, 1}, {1, 0}}));
  EXPECT_EQ(s.free_variables().size(), 0u);
  EXPECT_EQ(count_bound(s), 6u);  // sum_l |I_l|
  EXPECT_EQ(decide(s), z3::unsat);
}

TEST(MembershipSentence, AnExactRationalProductIsAMember) {
  const RationalMatrix L({{Rational(2, 3), 0, 0}, {-1, Rational(1, 5), 0}, {3, 0, Rational(-7, 2)}});
  const RationalMatrix U({{1, Rational(1, 2), 2}, {0, -3, Rational(4, 9)}, {0, 0, 5}});
  EXPECT_EQ(decide(membership_sentence(lu(3), L * U)), z3::sat);
  // The formula version with A free, instantiated at the product, is the same sentence.
  const Formula f = membership_formula(lu(2));
  Assignment a;
  const RationalMatrix A = RationalMatrix::from_integers({{1, 2}, {3, 4}});
  const auto names = target_variables(2, 2);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) a.emplace(names[i][j], A(i, j));
  EXPECT_EQ(f.free_variables().size(), 4u);
  EXPECT_EQ(f.substitute(a), membership_sentence(lu(2), A));
  EXPECT_THROW(membership_sentence(lu(2), RationalMatrix(3, 3)), std::invalid_argument);
}

TEST(NonClosednessSentence, LU2IsNotClosedEntrywise) {
  // Lemma 3.1.10: LU(2) is dense and not closed, so the sentence is TRUE.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(decide(non_closedness_sentence(lu(2), ResidualForm::entrywise), 20000), z3::sat);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("z3_seconds", std::to_string(seconds));
}

TEST(NonClosednessSentence, ScalarProductIsClosed) {
  // 1x1 factors: L_I = { x y } = R, closed, so the sentence is FALSE.
  const Architecture scalar({Support::full(1, 1), Support::full(1, 1)});
  EXPECT_EQ(decide(non_closedness_sentence(scalar, ResidualForm::entrywise)), z3::unsat);
  EXPECT_EQ(decide(non_closedness_sentence(scalar, ResidualForm::sum_of_squares)), z3::unsat);
}

TEST(NonClosednessSentence, VariableCountMatchesLemma3216) {
  // k = N_0 N_L + 1 + 2 sum_l |I_l| variables, degree d = 2L for the sum of squares.
  for (const Architecture& arch : {lu(2), lu(3), low_rank(3, 2, 1)}) {
    for (ResidualForm form : {ResidualForm::sum_of_squares, ResidualForm::entrywise}) {
      const Formula s = non_closedness_sentence(arch, form);
      EXPECT_TRUE(s.is_sentence());
      EXPECT_EQ(count_bound(s), arch.rows() * arch.cols() + 1 + 2 * arch.parameter_count());
      EXPECT_EQ(s.all_variables().size(), count_bound(s));  // every scope has its own names
    }
  }
}

TEST(NonClosednessSentence, SumOfSquaresFormIsLemma3216Verbatim) {
  const Architecture arch = lu(2);
  const Formula s = non_closedness_sentence(arch, ResidualForm::sum_of_squares);
  // exists A [ forall X: P(A,X) > 0  and  forall eps: eps <= 0 or exists X': P(A,X') - eps < 0 ].
  ASSERT_EQ(s.kind(), Formula::Kind::exists);
  const Formula& body = s.body();
  ASSERT_EQ(body.kind(), Formula::Kind::conjunction);
  ASSERT_EQ(body.children().size(), 2u);
  const Formula& not_reached = body.children()[0];
  ASSERT_EQ(not_reached.kind(), Formula::Kind::forall);
  ASSERT_EQ(not_reached.body().kind(), Formula::Kind::atom);
  EXPECT_EQ(not_reached.body().relation(), Relation::gt);
  const auto a = target_variables(2, 2);
  std::vector<std::vector<Polynomial>> A;
  for (const auto& row : a) A.emplace_back(row.begin(), row.end());
  EXPECT_EQ(not_reached.body().polynomial(), residual(entry_polynomials(arch, "x"), A));
  EXPECT_EQ(not_reached.body().polynomial().degree(), 4);
}

TEST(AttainmentSentence, ClosedChainsAttainTheirOptimum) {
  // The scalar product x y covers R and the diagonal chain covers all
  // diagonal matrices, both closed: every target attains its optimum, TRUE.
  // (For LU(2) the same sentence, TRUE for A = I and FALSE for the
  // anti-diagonal A, is out of Z3's reach: it times out at 15 s either way.)
  const Architecture scalar({Support::full(1, 1), Support::full(1, 1)});
  const Formula s = attainment_sentence(scalar, RationalMatrix::from_integers({{1}}));
  EXPECT_EQ(count_bound(s), 2 * scalar.parameter_count());  // k = 2 sum_l |I_l| (Lemma 3.2.18.1)
  EXPECT_EQ(decide(s), z3::sat);
  const Architecture diagonal({Support::diagonal(2), Support::diagonal(2)});
  EXPECT_EQ(decide(attainment_sentence(diagonal, RationalMatrix::from_integers({{1, 0}, {0, 2}}))), z3::sat);
  EXPECT_THROW(attainment_sentence(scalar, RationalMatrix(2, 2)), std::invalid_argument);
}

TEST(WellPosednessSentence, ShapeMatchesLemma3218) {
  const Architecture arch = lu(2);
  const Formula s = well_posedness_sentence(arch);
  EXPECT_TRUE(s.is_sentence());
  ASSERT_EQ(s.kind(), Formula::Kind::forall);
  EXPECT_EQ(s.bound_variables().size(), 4u);
  EXPECT_EQ(s.body().kind(), Formula::Kind::exists);
  // k = mn + 2 sum_l |I_l|
  EXPECT_EQ(count_bound(s), 4u + 2 * arch.parameter_count());
  // Instantiating A gives the attainment sentence for that A.
  const RationalMatrix A = RationalMatrix::from_integers({{0, 1}, {1, 0}});
  Assignment values;
  const auto names = target_variables(2, 2);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) values.emplace(names[i][j], A(i, j));
  EXPECT_EQ(s.body().substitute(values), attainment_sentence(arch, A));
}

TEST(WellPosednessSentence, ScalarProductIsWellPosed) {
  const Architecture scalar({Support::full(1, 1), Support::full(1, 1)});
  EXPECT_EQ(decide(well_posedness_sentence(scalar)), z3::sat);
}

// QEPCAD B, when installed, agrees with Z3 on the sentences it can handle
// (17-variable LU(2) non-closedness is beyond it: no answer in 300 s).
TEST(SentencesInQepcad, DecidesScalarAndLU2Sentences) {
  if (std::system("command -v qepcad > /dev/null 2>&1") != 0) GTEST_SKIP() << "qepcad is not on PATH";
  const Architecture scalar({Support::full(1, 1), Support::full(1, 1)});
  EXPECT_EQ(run_qepcad(to_qepcad(non_closedness_sentence(scalar, ResidualForm::sum_of_squares))), "FALSE");
  EXPECT_EQ(run_qepcad(to_qepcad(well_posedness_sentence(scalar))), "TRUE");
  EXPECT_EQ(run_qepcad(to_qepcad(membership_sentence(lu(2), RationalMatrix::from_integers({{0, 1}, {1, 0}})))),
            "FALSE");
  EXPECT_EQ(run_qepcad(to_qepcad(membership_sentence(lu(2), RationalMatrix::from_integers({{1, 2}, {3, 4}})))),
            "TRUE");
}

}  // namespace
}  // namespace wellposed
