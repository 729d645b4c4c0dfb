#pragma once
// The Z3 backend: decides the (existential closure of a) first-order formula
// over the reals with Z3's C++ API, under a wall-clock and a memory budget.
//
// Guarantees:
//  * A time-out, a memory-out, an interruption or a Z3 "unknown" is returned
//    as SolverAnswer::unknown with Z3's reason; never as sat or unsat.
//  * The translation is exact: rational coefficients become Z3 rational
//    numerals; no floating point is involved.
//  * Models are returned only for the variables of the leading existential
//    block (the free variables, and those of a leading "exists" which are
//    turned into free constants); a value that is an irrational algebraic
//    number is reported in `irrational` (with a decimal approximation), never
//    rounded into `model`. Callers re-check every witness in exact rationals:
//    Z3 4.8.x has known soundness bugs on quantified nonlinear arithmetic.
//
// Tactic per query shape (measured on LU(2), see bench/RESULTS.md, "Exact
// decisions"): quantifier-free -> qfnra-nlsat; quantified -> nlqsat.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "wellposed/algebra/formula.hpp"
#include "wellposed/algebra/polynomial.hpp"

namespace wellposed {

enum class SolverAnswer { sat, unsat, unknown };
std::string to_string(SolverAnswer a);

/// How Z3 is asked.
enum class Z3Tactic {
  automatic,  ///< qfnra-nlsat when quantifier-free, nlqsat otherwise
  nlsat,      ///< the qfnra-nlsat tactic (quantifier-free only)
  nlqsat,     ///< the nlqsat tactic (quantified NRA)
  qsat,       ///< the generic qsat tactic
  qe,         ///< quantifier elimination (qe), then qfnra-nlsat
  smt,        ///< Z3's default solver (logic NRA / QF_NRA)
};
std::string to_string(Z3Tactic t);

struct Z3Budget {
  /// Wall-clock limit in seconds (enforced by Z3's timeout and by a watchdog
  /// that interrupts the context). <= 0 means "already out of time".
  double seconds = 10.0;
  /// Z3's process-wide memory_max_size in MiB (0: leave as is). Z3 keeps one
  /// value per process; the last call's value wins.
  std::size_t memory_mib = 4096;
};

struct Z3Result {
  SolverAnswer answer = SolverAnswer::unknown;
  /// For unknown: Z3's reason ("timeout", "canceled", "(incomplete ...)", an
  /// exception message). For sat/unsat: empty.
  std::string reason;
  /// Rational values of the leading existential variables (sat only).
  Assignment model;
  /// Variables whose model value is an irrational algebraic number, with a
  /// 20-digit decimal approximation (sat only).
  std::map<Variable, std::string> irrational;
  double seconds = 0.0;
  std::string tactic;  ///< the tactic that ran
};

/// Is the existential closure of f true? sat = some assignment of the free
/// variables makes f true (for a sentence: f is TRUE); unsat = f is FALSE
/// for every assignment.
Z3Result z3_check(const Formula& f, const Z3Budget& budget, Z3Tactic tactic = Z3Tactic::automatic);


}  // namespace wellposed
