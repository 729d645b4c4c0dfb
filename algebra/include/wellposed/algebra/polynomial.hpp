#pragma once
// Exact sparse multivariate polynomials over Q, the language of the
// first-order sentences of thesis Sec. 3.2 (entry polynomials (3.3), the
// residual P(A, X) of Lemma 3.2.16).
//
// Guarantees:
//  * Arithmetic is exact (GMP rationals); no operation rounds.
//  * Canonical form: zero coefficients are never stored and monomials are kept
//    in one deterministic order (graded lexicographic, variables ordered by
//    name, see MonomialOrder). Hence two polynomials are mathematically equal
//    iff operator== says so, and then they print identically, independently
//    of the order in which variables were created or terms were added.
#include <compare>
#include <concepts>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/multiprecision/gmp.hpp>

namespace wellposed {

/// Exact rationals (GMP mpq_t through Boost.Multiprecision).
using Rational = boost::multiprecision::mpq_rational;
/// Exact integers (GMP mpz_t).
using Integer = boost::multiprecision::mpz_int;

/// A named real variable. Names are interned in one process-wide table, so a
/// Variable is a pointer-sized handle: Variable::named("x") twice gives equal
/// handles, in any thread (interning is mutex-protected; name() needs no lock
/// because interned strings never move and are never freed).
///
/// Ordering (operator<=>) is by name, not by creation order, so every
/// container keyed by Variable iterates in the same order in every run.
class Variable {
 public:
  /// The variable called `name`. Throws std::invalid_argument for an empty
  /// name. Any other characters are allowed; printers that need restricted
  /// alphabets (SMT-LIB2, QEPCAD) rename on output.
  static Variable named(std::string_view name);

  const std::string& name() const { return *name_; }

  friend bool operator==(const Variable& a, const Variable& b) { return a.name_ == b.name_; }
  friend std::strong_ordering operator<=>(const Variable& a, const Variable& b) {
    if (a.name_ == b.name_) return std::strong_ordering::equal;
    return a.name_->compare(*b.name_) < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  }
  std::size_t hash() const { return std::hash<const void*>{}(name_); }

 private:
  explicit Variable(const std::string* name) : name_(name) {}
  const std::string* name_;
};

std::ostream& operator<<(std::ostream& os, const Variable& v);

/// A power product x_1^{e_1} ... x_k^{e_k}, all e_i >= 1, variables sorted by
/// name. The empty product is the monomial 1.
class Monomial {
 public:
  Monomial() = default;
  explicit Monomial(Variable v, unsigned exponent = 1);

  const std::vector<std::pair<Variable, unsigned>>& powers() const { return powers_; }
  unsigned degree() const { return degree_; }
  unsigned degree(const Variable& v) const;
  bool is_one() const { return powers_.empty(); }
  Monomial operator*(const Monomial& o) const;
  bool operator==(const Monomial& o) const { return powers_ == o.powers_; }
  /// "x^2*y", or "1" for the empty product.
  std::string to_string() const;

 private:
  std::vector<std::pair<Variable, unsigned>> powers_;
  unsigned degree_ = 0;
};

/// Graded lexicographic order, largest first: higher total degree first; at
/// equal degree, compare exponents variable by variable in name order (the
/// variable with the smallest name is the most significant). For x < y by
/// name: x^2, x y, y^2, x, y, 1.
struct MonomialOrder {
  bool operator()(const Monomial& a, const Monomial& b) const;
};

/// A point: values of (some) variables.
using Assignment = std::map<Variable, Rational>;

class Polynomial {
 public:
  using Terms = std::map<Monomial, Rational, MonomialOrder>;

  /// The zero polynomial.
  Polynomial() = default;
  Polynomial(const Rational& c);  // NOLINT: constants convert implicitly
  template <std::integral I>
  Polynomial(I c) : Polynomial(Rational(c)) {}  // NOLINT
  Polynomial(const Variable& v);  // NOLINT
  Polynomial(const Monomial& m, const Rational& c = Rational(1));

  // --- structure ----------------------------------------------------------
  /// Terms in MonomialOrder (largest first); never holds a zero coefficient.
  const Terms& terms() const { return terms_; }
  std::size_t num_terms() const { return terms_.size(); }
  bool is_zero() const { return terms_.empty(); }
  /// True for constants, including zero.
  bool is_constant() const;
  /// The coefficient of the monomial 1 (0 if absent).
  Rational constant_term() const;
  Rational coefficient(const Monomial& m) const;
  /// Total degree; -1 for the zero polynomial (so deg(p q) = deg p + deg q
  /// holds whenever both are non-zero, and zero is told apart from constants).
  int degree() const;
  /// Degree in one variable; 0 if v does not occur (also for zero).
  unsigned degree(const Variable& v) const;
  /// The variables that occur with a non-zero coefficient, sorted by name.
  std::set<Variable> variables() const;
  /// The positive least common multiple of the coefficients' denominators
  /// (1 for zero). Multiplying by it yields integer coefficients and keeps
  /// the sign of every value, which the QEPCAD printer relies on.
  Integer denominator_lcm() const;

  // --- arithmetic (exact) -------------------------------------------------
  Polynomial& operator+=(const Polynomial& o);
  Polynomial& operator-=(const Polynomial& o);
  Polynomial& operator*=(const Polynomial& o);
  Polynomial& operator*=(const Rational& c);
  Polynomial operator-() const;
  /// p^e by repeated squaring; p^0 = 1 (also for p = 0).
  Polynomial pow(unsigned e) const;

  // --- evaluation and substitution ---------------------------------------
  /// The exact value at `point`. Throws std::invalid_argument naming the
  /// first (by name) variable of the polynomial that `point` lacks; extra
  /// entries of `point` are ignored.
  Rational evaluate(const Assignment& point) const;
  /// Replace the variables that `values` assigns by their values; the others
  /// stay symbolic (partial evaluation).
  Polynomial substitute(const Assignment& values) const;
  /// Replace variables by polynomials, simultaneously (x -> y, y -> x swaps).
  Polynomial substitute(const std::map<Variable, Polynomial>& images) const;
  /// Rename variables (a special case of substitute, kept for clarity).
  Polynomial rename(const std::map<Variable, Variable>& renaming) const;

  bool operator==(const Polynomial& o) const { return terms_ == o.terms_; }

  /// Human-readable, canonical: "3*x^2*y - 1/2*x + 1"; "0" for zero.
  std::string to_string() const;

 private:
  friend Polynomial operator*(const Polynomial& a, const Polynomial& b);
  void add_term(const Monomial& m, const Rational& c);
  Terms terms_;
};

// Namespace-level (not hidden friends) so that mixed operands such as
// Variable * Variable, Rational * Variable or 2 * p convert to Polynomial.
// One overload per operator keeps integer and rational scalars unambiguous;
// multiplication by a constant takes a fast path inside.
Polynomial operator+(const Polynomial& a, const Polynomial& b);
Polynomial operator-(const Polynomial& a, const Polynomial& b);
Polynomial operator*(const Polynomial& a, const Polynomial& b);

inline Polynomial pow(const Polynomial& p, unsigned e) { return p.pow(e); }

std::ostream& operator<<(std::ostream& os, const Polynomial& p);
std::ostream& operator<<(std::ostream& os, const Monomial& m);

}  // namespace wellposed

template <>
struct std::hash<wellposed::Variable> {
  std::size_t operator()(const wellposed::Variable& v) const noexcept { return v.hash(); }
};
