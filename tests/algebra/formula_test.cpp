// First-order formulas over the reals: structure, exact evaluation, prenex
// form, and the two printers checked against real solvers (the Z3 C++ API
// on the SMT-LIB2 text; the qepcad binary, when installed, on QEPCAD input).
#include <gtest/gtest.h>
#include <z3++.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <unistd.h>

#include <wellposed/algebra/formula.hpp>

#include "algebra/solver_runners.hpp"

namespace wellposed {
namespace {

// --- helpers (solvers) --------------------------------------------------------

using testing::qepcad_installed;
using testing::run_qepcad;
using testing::z3_check;

// --- helpers (random formulas) ---------------------------------------------------

Rational random_rational(std::mt19937_64& rng, int range = 4) {
  std::uniform_int_distribution<int> num(-range, range), den(1, range);
  return Rational(num(rng), den(rng));
}

Polynomial random_polynomial(std::mt19937_64& rng, const std::vector<Variable>& vars) {
  std::uniform_int_distribution<unsigned> exp(0, 2);
  std::uniform_int_distribution<int> count(1, 3);
  Polynomial p = random_rational(rng);
  for (int t = count(rng); t > 0; --t) {
    Polynomial m = random_rational(rng);
    for (const Variable& v : vars) m *= Polynomial(v).pow(exp(rng));
    p += m;
  }
  return p;
}

// A random quantifier-free formula; equality atoms are made true at `point`
// half of the time, so that both truth values occur.
Formula random_qf(std::mt19937_64& rng, const std::vector<Variable>& vars, const Assignment& point, int depth) {
  std::uniform_int_distribution<int> pick(0, depth > 0 ? 5 : 1);
  std::uniform_int_distribution<int> rel(0, 5), arity(2, 3);
  switch (pick(rng)) {
    case 0:
    case 1: {
      Polynomial p = random_polynomial(rng, vars);
      const auto r = static_cast<Relation>(rel(rng));
      if ((r == Relation::eq || r == Relation::ne || r == Relation::le) && rng() % 2) p -= p.evaluate(point);
      return Formula::atom(p, r);
    }
    case 2: return !random_qf(rng, vars, point, depth - 1);
    case 3: return implies(random_qf(rng, vars, point, depth - 1), random_qf(rng, vars, point, depth - 1));
    default: {
      std::vector<Formula> ops;
      for (int k = arity(rng); k > 0; --k) ops.push_back(random_qf(rng, vars, point, depth - 1));
      return rng() % 2 ? Formula::conjunction(ops) : Formula::disjunction(ops);
    }
  }
}

// --- structure -----------------------------------------------------------------------

TEST(Formula, FreeVariablesRespectQuantifierScopes) {
  const Variable x = Variable::named("x"), y = Variable::named("y"), z = Variable::named("z");
  // exists x: x y = 1  and  x > z : x is bound on the left, free on the right.
  const Formula f = exists({x}, eq(Polynomial(x) * y, 1)) && gt(x, z);
  EXPECT_EQ(f.free_variables(), (std::set<Variable>{x, y, z}));
  EXPECT_EQ(forall({x, y, z}, f).free_variables(), std::set<Variable>{});
  EXPECT_TRUE(forall({x, y, z}, f).is_sentence());
  EXPECT_EQ(exists({y}, f).free_variables(), (std::set<Variable>{x, z}));
  EXPECT_FALSE(f.is_quantifier_free());
  EXPECT_TRUE(gt(x, z).is_quantifier_free());
  EXPECT_EQ(f.all_variables(), (std::set<Variable>{x, y, z}));
}

TEST(Formula, BuildersFoldConstantsAndFlatten) {
  const Variable x = Variable::named("x");
  EXPECT_EQ(eq(Polynomial(3), 3).kind(), Formula::Kind::truth);
  EXPECT_EQ(gt(Polynomial(-1)).kind(), Formula::Kind::falsity);
  EXPECT_EQ((gt(x) && Formula::truth()), gt(x));
  EXPECT_EQ((gt(x) || Formula::truth()).kind(), Formula::Kind::truth);
  EXPECT_EQ(((gt(x) && lt(x, 5)) && ne(x, 1)).children().size(), 3u);
  EXPECT_EQ(!gt(x), le(x));  // negation absorbed into the atom
  EXPECT_EQ(!!exists({x}, gt(x)), exists({x}, gt(x)));
  EXPECT_EQ(exists({}, gt(x)), gt(x));
  EXPECT_EQ(Formula::conjunction({}).kind(), Formula::Kind::truth);
  EXPECT_EQ(Formula::disjunction({}).kind(), Formula::Kind::falsity);
}

TEST(Formula, ExactEvaluationOfQuantifierFreeFormulas) {
  const Variable x = Variable::named("x"), y = Variable::named("y");
  const Formula f = (eq(Polynomial(x) * x, 2) || gt(Polynomial(x) * y, Rational(1, 3))) && ne(y, 0);
  EXPECT_TRUE(f.evaluate({{x, Rational(1, 2)}, {y, Rational(1)}}));    // xy = 1/2 > 1/3
  EXPECT_FALSE(f.evaluate({{x, Rational(1, 2)}, {y, Rational(2, 3)}}));  // xy = 1/3, not >
  EXPECT_FALSE(f.evaluate({{x, Rational(1)}, {y, Rational(0)}}));
  EXPECT_TRUE(implies(gt(x), gt(x, -1)).evaluate({{x, Rational(-5)}}));
  EXPECT_THROW((void)exists({x}, gt(x)).evaluate({}), std::logic_error);
  EXPECT_THROW((void)f.evaluate({{x, Rational(1)}}), std::invalid_argument);
  // Substituting every free variable leaves a constant.
  EXPECT_EQ(f.substitute({{x, Rational(1, 2)}, {y, Rational(1)}}).kind(), Formula::Kind::truth);
  // Substitution does not touch bound occurrences.
  EXPECT_EQ(exists({x}, gt(x, y)).substitute({{x, Rational(7)}}), exists({x}, gt(x, y)));
}

TEST(Formula, NegationNormalFormIsEquivalentOnRandomPoints) {
  std::mt19937_64 rng(5);
  const std::vector<Variable> vars = {Variable::named("p"), Variable::named("q")};
  for (int trial = 0; trial < 200; ++trial) {
    Assignment point;
    for (const Variable& v : vars) point.emplace(v, random_rational(rng));
    const Formula f = random_qf(rng, vars, point, 3);
    const Formula g = f.negation_normal_form();
    EXPECT_EQ(f.evaluate(point), g.evaluate(point)) << f;
    EXPECT_EQ((!f).evaluate(point), !f.evaluate(point));
  }
}

TEST(Formula, PrenexFormRenamesBoundVariablesApart) {
  const Variable x = Variable::named("x"), y = Variable::named("y");
  // x occurs free and bound twice; the prenex form must keep them apart.
  const Formula f = gt(x) && (exists({x}, eq(Polynomial(x) * x, y)) || !exists({x}, lt(x, y)));
  const PrenexForm p = to_prenex(f);
  ASSERT_EQ(p.prefix.size(), 2u);
  EXPECT_EQ(p.prefix[0].first, Quantifier::exists);
  EXPECT_EQ(p.prefix[1].first, Quantifier::forall);  // not exists -> forall not
  EXPECT_NE(p.prefix[0].second, x);
  EXPECT_NE(p.prefix[1].second, x);
  EXPECT_NE(p.prefix[0].second, p.prefix[1].second);
  EXPECT_TRUE(p.matrix.is_quantifier_free());
  EXPECT_EQ(p.to_formula().free_variables(), f.free_variables());
  // Equivalent: forall x, y: f <-> prenex(f), decided by Z3.
  const Formula same = forall({x, y}, iff(f, p.to_formula()));
  EXPECT_EQ(z3_check(to_smtlib2(same)), z3::sat);
}

// --- SMT-LIB2 -------------------------------------------------------------------------

TEST(SmtLib2, PrintsRationalsAndDeclarations) {
  const Variable x = Variable::named("x"), y = Variable::named("y");
  const Formula f = eq(Rational(1, 2) * Polynomial(x) * y - Rational(2, 3) * x - 3);
  EXPECT_EQ(to_smtlib2(f),
            "(declare-const x Real)\n(declare-const y Real)\n"
            "(assert (= (+ (* (/ 1 2) x y) (* (- (/ 2 3)) x) (- 3)) 0))\n(check-sat)\n");
  // A sentence gets the logic and no declarations.
  EXPECT_EQ(to_smtlib2(exists({x}, gt(x))), "(set-logic NRA)\n(assert (exists ((x Real)) (> x 0)))\n(check-sat)\n");
}

TEST(SmtLib2, UnsafeNamesAreQuotedAndStillParse) {
  const Variable a = Variable::named("and"), b = Variable::named("has space"), c = Variable::named("1st|bar");
  const Formula f = gt(Polynomial(a) + b + c, 1) && lt(a, 0);
  const std::string s = to_smtlib2(f);
  EXPECT_NE(s.find("|and|"), std::string::npos) << s;
  EXPECT_NE(s.find("|has space|"), std::string::npos) << s;
  EXPECT_NE(s.find("|1st_bar|"), std::string::npos) << s;
  EXPECT_EQ(z3_check(s), z3::sat);
  EXPECT_EQ(z3_check(to_smtlib2(f && gt(a, 0))), z3::unsat);
}

TEST(SmtLib2, Z3AgreesWithTheExactEvaluatorOnRandomFormulasAndPoints) {
  std::mt19937_64 rng(11);
  const std::vector<Variable> vars = {Variable::named("u"), Variable::named("v"), Variable::named("w")};
  int true_count = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Assignment point;
    std::vector<Formula> pin;
    for (const Variable& v : vars) {
      point.emplace(v, random_rational(rng));
      pin.push_back(eq(v, point.at(v)));
    }
    const Formula f = random_qf(rng, vars, point, 3);
    const bool expected = f.evaluate(point);
    true_count += expected;
    const Formula pinned = f && Formula::conjunction(pin);
    EXPECT_EQ(z3_check(to_smtlib2(pinned)), expected ? z3::sat : z3::unsat) << f;
  }
  // Both truth values were exercised.
  EXPECT_GT(true_count, 3);
  EXPECT_LT(true_count, 37);
}

TEST(SmtLib2, SentencesAreDecidedCorrectlyByZ3) {
  const Variable x = Variable::named("x"), y = Variable::named("y");
  EXPECT_EQ(z3_check(to_smtlib2(exists({x}, eq(Polynomial(x) * x, 2)))), z3::sat);
  EXPECT_EQ(z3_check(to_smtlib2(forall({x}, gt(Polynomial(x) * x)))), z3::unsat);
  // forall x exists y: y^2 = x  is false (x = -1);  forall x exists y: y^3 = x is true.
  EXPECT_EQ(z3_check(to_smtlib2(forall({x}, exists({y}, eq(Polynomial(y).pow(2), x))))), z3::unsat);
  EXPECT_EQ(z3_check(to_smtlib2(forall({x}, exists({y}, eq(Polynomial(y).pow(3), x))))), z3::sat);
}

// --- QEPCAD B -------------------------------------------------------------------------

TEST(Qepcad, InputFollowsQepcadGrammar) {
  const Variable x = Variable::named("x"), a = Variable::named("a_0_1");
  const Formula f = exists({x}, eq(Rational(1, 2) * Polynomial(a) * x - Rational(1, 3)) && !lt(x, a));
  EXPECT_EQ(to_qepcad(f, {.description = "test", .finish = true}),
            "[ test; names: a01 = a_0_1 ]\n(a01,x)\n1\n(E x)[ 3 a01 x - 2 = 0 /\\ -a01 + x >= 0 ].\nfinish\n");
  // No variable at all: a dummy existential one.
  EXPECT_EQ(to_qepcad(Formula::falsity(), {.description = "f", .finish = false}), "[ f ]\n(x)\n0\n(E x)[ 1 = 0 ].\n");
}

TEST(Qepcad, DecidesTinySentences) {
  if (!qepcad_installed()) GTEST_SKIP() << "qepcad is not on PATH";
  const Variable x = Variable::named("x"), y = Variable::named("y_1"), a = Variable::named("a");
  EXPECT_EQ(run_qepcad(to_qepcad(exists({x}, eq(Polynomial(x) * x, 2)))), "TRUE");
  EXPECT_EQ(run_qepcad(to_qepcad(forall({x}, gt(Polynomial(x) * x)))), "FALSE");
  // Rational coefficients, an underscore name and nested quantifiers with a
  // reused bound name: forall x exists y: 1/2 y^3 = x  and  exists x: x^2 < 1/4.
  const Formula nested = forall({x}, exists({y}, eq(Rational(1, 2) * Polynomial(y).pow(3), x))) &&
                         exists({x}, lt(Polynomial(x) * x, Rational(1, 4)));
  EXPECT_EQ(run_qepcad(to_qepcad(nested)), "TRUE");
  // A free variable: exists x: a x = 1  <=>  a /= 0.
  EXPECT_EQ(run_qepcad(to_qepcad(exists({x}, eq(Polynomial(a) * x, 1)))), "a /= 0");
}

}  // namespace
}  // namespace wellposed
