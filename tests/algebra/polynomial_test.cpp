// Exact polynomials (ring laws, canonical form) and the entry polynomials
// (3.3) of a support chain in the library orientation A = X_1 ... X_L.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include <wellposed/algebra/architecture.hpp>
#include <wellposed/algebra/detail/entry_polynomials.hpp>
#include <wellposed/algebra/polynomial.hpp>
#include <wellposed/algebra/rational_matrix.hpp>

namespace wellposed {
namespace {

Rational random_rational(std::mt19937_64& rng, int range = 5) {
  std::uniform_int_distribution<int> num(-range, range), den(1, range);
  return Rational(num(rng), den(rng));
}

// A random polynomial: up to `terms` terms, each a random rational times a
// random product of the variables with exponents 0..2.
Polynomial random_polynomial(std::mt19937_64& rng, const std::vector<Variable>& vars, int terms = 5) {
  std::uniform_int_distribution<unsigned> exp(0, 2);
  std::uniform_int_distribution<int> count(0, terms);
  Polynomial p;
  for (int t = count(rng); t > 0; --t) {
    Polynomial m = random_rational(rng);
    for (const Variable& v : vars) m *= Polynomial(v).pow(exp(rng));
    p += m;
  }
  return p;
}

Assignment random_point(std::mt19937_64& rng, const std::vector<Variable>& vars) {
  Assignment a;
  for (const Variable& v : vars) a.emplace(v, random_rational(rng, 7));
  return a;
}

std::vector<Variable> xyzw() {
  return {Variable::named("x"), Variable::named("y"), Variable::named("z"), Variable::named("w")};
}

TEST(Variable, InterningGivesOneHandlePerNameAcrossThreads) {
  std::vector<std::vector<Variable>> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &seen] {
      for (int k = 0; k < 200; ++k) seen[t].push_back(Variable::named("thread_var_" + std::to_string(k)));
    });
  for (auto& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(seen[0][17].name(), "thread_var_17");
  EXPECT_THROW(Variable::named(""), std::invalid_argument);
}

TEST(Variable, OrderIsByNameNotCreationOrder) {
  const Variable b = Variable::named("order_b"), a = Variable::named("order_a");
  EXPECT_LT(a, b);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, Variable::named("order_a"));
}

TEST(Polynomial, RingLawsOnRandomPolynomials) {
  std::mt19937_64 rng(20240611);
  const auto vars = xyzw();
  for (int trial = 0; trial < 200; ++trial) {
    const Polynomial p = random_polynomial(rng, vars), q = random_polynomial(rng, vars),
                     r = random_polynomial(rng, vars);
    EXPECT_EQ(p + q, q + p);
    EXPECT_EQ(p * q, q * p);
    EXPECT_EQ((p + q) + r, p + (q + r));
    EXPECT_EQ((p * q) * r, p * (q * r));
    EXPECT_EQ(p * (q + r), p * q + p * r);
    EXPECT_EQ((p + q).pow(2), p.pow(2) + 2 * p * q + q.pow(2));
    EXPECT_EQ((p + q) * (p - q), p * p - q * q);
    EXPECT_TRUE((p - p).is_zero());
    EXPECT_EQ(p + Polynomial(), p);
    EXPECT_EQ(p * 1, p);
    EXPECT_TRUE((p * 0).is_zero());
    EXPECT_EQ(-(-p), p);
    EXPECT_EQ(p.pow(3), p * p * p);
    EXPECT_EQ(p.pow(0), Polynomial(1));
    if (!p.is_zero() && !q.is_zero()) {
      EXPECT_EQ((p * q).degree(), p.degree() + q.degree());
    }
  }
}

TEST(Polynomial, EvaluationIsARingHomomorphism) {
  std::mt19937_64 rng(7);
  const auto vars = xyzw();
  for (int trial = 0; trial < 200; ++trial) {
    const Polynomial p = random_polynomial(rng, vars), q = random_polynomial(rng, vars);
    const Assignment a = random_point(rng, vars);
    const Rational c = random_rational(rng);
    EXPECT_EQ((p + q).evaluate(a), p.evaluate(a) + q.evaluate(a));
    EXPECT_EQ((p * q).evaluate(a), p.evaluate(a) * q.evaluate(a));
    EXPECT_EQ((-p).evaluate(a), -p.evaluate(a));
    EXPECT_EQ((c * p).evaluate(a), c * p.evaluate(a));
    EXPECT_EQ(Polynomial(c).evaluate(a), c);
    // Partial substitution then evaluation of the rest is full evaluation.
    Assignment first_two{{vars[0], a.at(vars[0])}, {vars[1], a.at(vars[1])}};
    const Polynomial partial = p.substitute(first_two);
    EXPECT_EQ(partial.degree(vars[0]), 0u);
    EXPECT_EQ(partial.evaluate(a), p.evaluate(a));
  }
}

TEST(Polynomial, CanonicalFormPrintsIdenticallyWhateverTheConstructionOrder) {
  // Create the variables in reverse name order: printing must not depend on it.
  const Variable v = Variable::named("canon_v"), u = Variable::named("canon_u");
  const Polynomial a = (Polynomial(u) + v).pow(2);
  const Polynomial b = Polynomial(v) * v + 2 * Polynomial(v) * u + Polynomial(u) * u;
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.to_string(), b.to_string());
  EXPECT_EQ(a.to_string(), "canon_u^2 + 2*canon_u*canon_v + canon_v^2");
  const Polynomial c = Rational(1, 2) * u - 3 * Polynomial(u).pow(2) * v + 1 - Polynomial(v);
  EXPECT_EQ(c.to_string(), "-3*canon_u^2*canon_v + 1/2*canon_u - canon_v + 1");
  EXPECT_EQ(Polynomial().to_string(), "0");
  EXPECT_EQ(Polynomial(Rational(-2, 3)).to_string(), "-2/3");
}

TEST(Polynomial, StructureQueries) {
  const Variable x = Variable::named("x"), y = Variable::named("y");
  const Polynomial p = Polynomial(x).pow(3) * y - Rational(1, 6) * y + 4;
  EXPECT_EQ(p.degree(), 4);
  EXPECT_EQ(p.degree(x), 3u);
  EXPECT_EQ(p.degree(y), 1u);
  EXPECT_EQ(p.num_terms(), 3u);
  EXPECT_EQ(p.variables(), (std::set<Variable>{x, y}));
  EXPECT_EQ(p.constant_term(), 4);
  EXPECT_EQ(p.denominator_lcm(), 6);
  EXPECT_FALSE(p.is_constant());
  EXPECT_TRUE(Polynomial(Rational(5)).is_constant());
  EXPECT_TRUE(Polynomial().is_constant());
  EXPECT_TRUE(Polynomial().is_zero());
  EXPECT_EQ(Polynomial().degree(), -1);
  EXPECT_EQ(Polynomial(3).degree(), 0);
  // x -> y, y -> x simultaneously.
  EXPECT_EQ(p.rename({{x, y}, {y, x}}), Polynomial(y).pow(3) * x - Rational(1, 6) * x + 4);
}

TEST(Polynomial, EvaluationNamesTheMissingVariable) {
  const Variable x = Variable::named("x"), missing = Variable::named("missing_variable_q");
  const Polynomial p = Polynomial(x) * missing;
  try {
    (void)p.evaluate({{x, Rational(1)}});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("missing_variable_q"), std::string::npos) << e.what();
  }
}

TEST(RationalMatrix, ProductAndShapes) {
  const RationalMatrix a({{Rational(1, 2), 0}, {1, 2}});
  const RationalMatrix b = RationalMatrix::from_integers({{2, 0}, {0, 1}});
  EXPECT_EQ(a * b, RationalMatrix({{1, 0}, {2, 2}}));
  EXPECT_EQ(a * RationalMatrix::identity(2), a);
  EXPECT_EQ(a.at(0, 0), Rational(1, 2));
  EXPECT_THROW((void)a.at(2, 0), std::out_of_range);
  EXPECT_THROW(a * RationalMatrix(3, 1), std::invalid_argument);
  EXPECT_THROW(RationalMatrix::from_integers({{1, 2}, {3}}), std::invalid_argument);
  EXPECT_EQ(a.to_string(), "[[1/2, 0], [1, 2]]");
}

TEST(EntryPolynomials, LU2EqualsTheHandWrittenProduct) {
  // lu(2): X_1 = L lower, X_2 = U upper, A = L U.
  const EntryPolynomials p = entry_polynomials(lu(2));
  const Polynomial l00 = Variable::named("x1_0_0"), l10 = Variable::named("x1_1_0"), l11 = Variable::named("x1_1_1");
  const Polynomial u00 = Variable::named("x2_0_0"), u01 = Variable::named("x2_0_1"), u11 = Variable::named("x2_1_1");
  ASSERT_EQ(p.rows(), 2u);
  ASSERT_EQ(p.cols(), 2u);
  EXPECT_EQ(p.at(0, 0), l00 * u00);
  EXPECT_EQ(p.at(0, 1), l00 * u01);
  EXPECT_EQ(p.at(1, 0), l10 * u00);
  EXPECT_EQ(p.at(1, 1), l10 * u01 + l11 * u11);
  // Only in-support entries are variables: sum_l |I_l| = 3 + 3.
  EXPECT_EQ(p.variables().size(), 6u);
  EXPECT_FALSE(p.factors[0].has(0, 1));
  EXPECT_TRUE(p.factors[0].entry(0, 1).is_zero());
  EXPECT_EQ(p.factors[1].at(0, 1).name(), "x2_0_1");
  EXPECT_THROW((void)p.factors[1].at(1, 0), std::out_of_range);
}

TEST(EntryPolynomials, EvaluationEqualsTheExactMatrixProductOnRandomSupports) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 30; ++trial) {
    std::uniform_int_distribution<std::size_t> dim(1, 4);
    const std::vector<std::size_t> n = {dim(rng), dim(rng), dim(rng), dim(rng)};
    std::vector<Support> supports;
    for (std::size_t l = 0; l < 3; ++l) supports.push_back(Support::random(n[l], n[l + 1], 0.6, rng()));
    const Architecture arch(supports);
    const EntryPolynomials p = entry_polynomials(arch, "x");
    ASSERT_EQ(p.variables().size(), arch.parameter_count());

    std::vector<RationalMatrix> values;
    for (std::size_t l = 0; l < 3; ++l) {
      RationalMatrix m(n[l], n[l + 1]);
      for (std::size_t r = 0; r < n[l]; ++r)
        for (std::size_t c = 0; c < n[l + 1]; ++c) m(r, c) = random_rational(rng);
      values.push_back(m.masked(supports[l]));
    }
    const RationalMatrix product = values[0] * values[1] * values[2];
    EXPECT_EQ(p.evaluate(p.assignment(values)), product) << "trial " << trial;
    // Every P_ij is multilinear with coefficients 1 and degree L (or zero).
    for (const auto& row : p.entries)
      for (const Polynomial& q : row) {
        if (q.is_zero()) continue;
        EXPECT_EQ(q.degree(), 3);
        for (const auto& [m, c] : q.terms()) EXPECT_EQ(c, 1);
      }
    // The residual vanishes exactly at the product and is positive elsewhere.
    EXPECT_EQ(residual(p, product).evaluate(p.assignment(values)), 0);
    RationalMatrix off = product;
    off(0, 0) += 1;
    EXPECT_EQ(residual(p, off).evaluate(p.assignment(values)), 1);
  }
}

TEST(EntryPolynomials, ResidualHasDegreeTwoL) {
  const EntryPolynomials p = entry_polynomials(lu(2));
  const Polynomial r = residual(p, RationalMatrix::from_integers({{0, 1}, {1, 0}}));
  EXPECT_EQ(r.degree(), 4);  // d = 2L (Lemma 3.2.16)
  EXPECT_THROW(residual(p, RationalMatrix(3, 2)), std::invalid_argument);
}

}  // namespace
}  // namespace wellposed
