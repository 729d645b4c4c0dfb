#pragma once
// First-order formulas over the reals (the language of thesis Def. 3.2.11):
// atoms p rel 0 with p a rational polynomial, Boolean connectives, and
// quantifiers over real variables. The sentences of Lemmas 3.2.16 and 3.2.18
// (see sentences.hpp) are built from these and handed to a decision
// procedure through one of the printers below:
//   * to_smtlib2: SMT-LIB2 for Z3 (4.8.12 tested) and cvc5;
//   * to_qepcad:  QEPCAD B input (prenex, integer coefficients, safe names).
//
// A Formula is immutable and shares its sub-trees (copying is O(1)).
// Builders normalize lightly, never changing the meaning: nested and/or are
// flattened, true/false operands are folded, double negations removed, and a
// quantifier over an empty variable list is its body.
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "wellposed/algebra/polynomial.hpp"

namespace wellposed {

/// The relation of an atom p rel 0.
enum class Relation { eq, ne, lt, le, gt, ge };

/// not (p rel 0) == p negate(rel) 0.
Relation negate(Relation r);
/// Whether s rel 0 holds for a value with that sign (-1, 0 or 1).
bool holds(Relation r, int sign);
/// "=", "!=", "<", "<=", ">", ">=".
std::string to_string(Relation r);

class Formula {
 public:
  enum class Kind { truth, falsity, atom, negation, conjunction, disjunction, exists, forall };

  /// The formula `true`.
  Formula();
  static Formula truth();
  static Formula falsity();
  /// p rel 0. A constant p folds to true/false.
  static Formula atom(Polynomial p, Relation r);
  static Formula negation(const Formula& f);
  /// The conjunction of all operands (true for none).
  static Formula conjunction(const std::vector<Formula>& operands);
  /// The disjunction of all operands (false for none).
  static Formula disjunction(const std::vector<Formula>& operands);
  /// exists vars. body (duplicates in vars are dropped; no vars: body).
  static Formula exists(const std::vector<Variable>& vars, const Formula& body);
  static Formula forall(const std::vector<Variable>& vars, const Formula& body);

  // --- structure ----------------------------------------------------------
  Kind kind() const;
  /// The polynomial of an atom (throws std::logic_error for other kinds).
  const Polynomial& polynomial() const;
  Relation relation() const;
  /// Operands of negation (one), conjunction, disjunction; the body of a
  /// quantifier (one). Empty for atoms and constants.
  const std::vector<Formula>& children() const;
  /// The variables bound by a quantifier node (empty otherwise).
  const std::vector<Variable>& bound_variables() const;
  /// The body of a quantifier or the operand of a negation.
  const Formula& body() const;

  /// Variables with a free occurrence.
  std::set<Variable> free_variables() const;
  /// Every variable that occurs (free or bound), plus every bound one.
  std::set<Variable> all_variables() const;
  bool is_quantifier_free() const;
  /// No free variables.
  bool is_sentence() const { return free_variables().empty(); }
  /// Number of nodes (a size measure for tests and logs).
  std::size_t size() const;

  // --- semantics ----------------------------------------------------------
  /// Exact truth value of a quantifier-free formula at a rational point.
  /// Throws std::logic_error for a formula with a quantifier, and
  /// std::invalid_argument naming a free variable that `point` lacks.
  bool evaluate(const Assignment& point) const;
  /// Replace free occurrences of the assigned variables by their values
  /// (bound occurrences are untouched: quantifiers shadow).
  Formula substitute(const Assignment& values) const;
  /// Negation normal form: negations pushed down to the atoms and absorbed
  /// (not (p > 0) -> p <= 0; not exists -> forall not). Equivalent to *this.
  Formula negation_normal_form() const;

  /// Structural equality (same tree after the builders' normalization).
  bool operator==(const Formula& o) const;

  /// Human-readable, fully parenthesized: "exists x, y: (x*y - 1 = 0 and x > 0)".
  std::string to_string() const;

 private:
  struct Node;
  explicit Formula(std::shared_ptr<const Node> n) : node_(std::move(n)) {}
  static Formula quantifier(Kind k, const std::vector<Variable>& vars, const Formula& body);
  std::shared_ptr<const Node> node_;
};

// --- convenience builders: lhs rel rhs, i.e. atom(lhs - rhs, rel) ----------
Formula eq(const Polynomial& lhs, const Polynomial& rhs = Polynomial());
Formula ne(const Polynomial& lhs, const Polynomial& rhs = Polynomial());
Formula lt(const Polynomial& lhs, const Polynomial& rhs = Polynomial());
Formula le(const Polynomial& lhs, const Polynomial& rhs = Polynomial());
Formula gt(const Polynomial& lhs, const Polynomial& rhs = Polynomial());
Formula ge(const Polynomial& lhs, const Polynomial& rhs = Polynomial());

Formula operator&&(const Formula& a, const Formula& b);
Formula operator||(const Formula& a, const Formula& b);
Formula operator!(const Formula& a);
/// a -> b, desugared to (not a) or b.
Formula implies(const Formula& a, const Formula& b);
/// a <-> b, desugared to (a -> b) and (b -> a).
Formula iff(const Formula& a, const Formula& b);
inline Formula exists(const std::vector<Variable>& vars, const Formula& body) { return Formula::exists(vars, body); }
inline Formula forall(const std::vector<Variable>& vars, const Formula& body) { return Formula::forall(vars, body); }

std::ostream& operator<<(std::ostream& os, const Formula& f);

// --- prenex form --------------------------------------------------------------

enum class Quantifier { exists, forall };

struct PrenexForm {
  /// Outermost first.
  std::vector<std::pair<Quantifier, Variable>> prefix;
  /// Quantifier-free, in negation normal form.
  Formula matrix;
  /// Q_1 v_1 ... Q_k v_k. matrix as a Formula.
  Formula to_formula() const;
};

/// An equivalent prenex formula whose quantified variables are pairwise
/// distinct and distinct from the free variables: a bound variable that
/// clashes is renamed to a fresh `<name>_<k>` (smallest k >= 1 unused in f).
/// Quantifiers are pulled out of the negation normal form left to right, so
/// the prefix keeps the order in which the blocks appear (for the sentence of
/// Lemma 3.2.16: exists A, forall X, forall eps, exists X').
PrenexForm to_prenex(const Formula& f);

// --- printers -------------------------------------------------------------------

struct SmtLib2Options {
  /// Emit (set-logic NRA) when the formula is a sentence. Z3 then uses its
  /// quantified non-linear real arithmetic procedure (nlqsat). Formulas with
  /// free variables get no logic (solvers pick one).
  bool set_logic = true;
  /// Emit (check-sat) at the end.
  bool check_sat = true;
  /// A comment placed in the header (each line prefixed by "; ").
  std::string comment;
};

/// SMT-LIB2 script: (set-logic NRA) for sentences, (declare-const v Real) for
/// each free variable (so check-sat answers "is the existential closure
/// true?": sat iff some point satisfies f), (assert f), (check-sat).
/// Rationals are printed as (/ p q), negatives as (- x), powers as repeated
/// products; names that are not plain SMT-LIB simple symbols (or clash with
/// reserved words) are printed as |quoted| symbols, with '|' and '\' replaced,
/// and made unique. Accepted by Z3 4.8.12 and cvc5 1.0.
std::string to_smtlib2(const Formula& f, const SmtLib2Options& options = {});
/// Only the term (assert body) of f, with the same naming as to_smtlib2 uses
/// for a formula over the same variables.
std::string smtlib2_term(const Formula& f);

struct QepcadOptions {
  /// Free text for QEPCAD's informal description (brackets are removed).
  std::string description = "wellposed";
  /// Append the "finish" command (QEPCAD then prints the equivalent
  /// quantifier-free formula: TRUE/FALSE for a sentence).
  bool finish = true;
};

/// QEPCAD B input: "[ description; name map ]", the variable list (free
/// variables first, by name, then the prenex prefix order), the number of
/// free variables, "(E x)(A y)[ matrix ].", and "finish".
/// Guarantees, checked against QEPCAD B 1.74:
///  * the formula is converted with to_prenex (bound variables renamed apart);
///  * variable names become alphanumeric, letter first, unique (the map from
///    QEPCAD names to the original names is in the description);
///  * each atom p rel 0 is multiplied by the positive LCM of its
///    coefficients' denominators, so coefficients are integers and the
///    relation is unchanged;
///  * products are juxtaposition ("2 x y^2"; QEPCAD rejects '*'), every
///    connective's operands are bracketed, negations are pushed into atoms
///    (QEPCAD's "~" only accepts a bracketed operand), true/false become
///    0 = 0 / 1 = 0 (QEPCAD has no TRUE literal in input);
///  * a formula without any variable gets one dummy existential variable,
///    since QEPCAD needs a non-empty variable list.
std::string to_qepcad(const Formula& f, const QepcadOptions& options = {});

}  // namespace wellposed
