#pragma once
// Exact decisions with Z3, made fast by reductions (issue 3): membership
// A in L_I, closedness of L_I (any L >= 2), attainment for an instance (A, I).
//
// Every answer is yes / no / unknown (closed / not_closed / unknown) with the
// method that decided and re-checkable evidence. A Z3 time-out or "unknown"
// is UNKNOWN with the reason, never an answer; every witness Z3 returns is
// re-checked in exact rationals before it is believed.
//
// Closedness routes, in order, per block of reduce_for_closedness():
//   0. "determinantal" (two factors): one factor full and Hall's condition
//      on the other's supports => the block's set is {rank <= r}, closed
//      (proof at reductions.hpp, determinantal_route). SUFFICIENT; no solver.
//   0b. "width-one" (any L): an inner level where every path passes through
//      one node => the block's set is {u w^T} = the rank <= 1 matrices on its
//      rows x columns, closed (proof at exact.cpp, width_one_level). SUFFICIENT;
//      no solver.
//   0c. "pinned-determinantal" (two factors): the determinantal route with
//      the rows of one factor full except |T| rows, pinned to |T| inner
//      indices whose partner rows are full (Rado's theorem in the quotient;
//      proof at pinned_determinantal.cpp) => {rank <= r}, closed. SUFFICIENT;
//      no solver; re-derived by checker_pinned.cpp.
//   0d. "merge" (any L, whole chain, after 0-0c when a block is still open):
//      two consecutive factors whose products are exactly the coordinate
//      space R^K (a factor with single-entry columns, the next one with
//      single-entry rows, a pair the pinned theorem makes all of its
//      rectangle, or one of these after "peeling" rows / columns that a
//      single-entry column / row makes free; or "inner-col" / "inner-row" /
//      "group-cols" / "group-rows" peels, issue 24 item 5) are replaced by K; the shorter chain has the SAME set and
//      is decided (detectors, then these routes); a single factor is a
//      linear space, closed. EXACT (both answers); proof at chain_merge.cpp,
//      re-derived by checker_merge.cpp, which then checks the shorter
//      chain's certificate.
//   1. "asymptotic-cone" (two factors): one quantifier-free query, UNSAT =>
//      the block is closed (reductions.hpp, asymptotic_cone_formula). SUFFICIENT.
//   1b'. "surjective-normal-forms": where the exact Jacobian rank at a random
//      point is full, a tree of normal forms under the block's row / column
//      operations and scalings (normal_form.hpp) whose leaves ("forall few
//      free entries exists X") are all TRUE => the block is the whole
//      coordinate space, closed. SUFFICIENT. Tried before 1b.
//   1b. "surjective": where the exact Jacobian rank at a random point is full,
//      "forall a exists X: P(X) = a" (one alternation) TRUE => the block is the
//      whole coordinate space, closed. SUFFICIENT.
//   1c. "algebraic-onto" (run after 2a): S lies in the zero set D of its vanishing
//      minors (rank bounds through vertex separators); "forall a in D
//      exists X", split into one sentence per 0/1 pattern on a spanning
//      forest of the mask (scaling invariance), all TRUE => S = D, closed.
//      SUFFICIENT (proof at reductions.hpp, algebraic_onto_sentences).
//   2a. "tangent-sequence" (two factors): for inner indices k, l of
//      different rank-one supports that share rows and columns, the explicit
//      sequence X[:,k] = u/t + u', Y[k,:] = v + t v', X[:,l] = -u/t + w,
//      Y[l,:] = v + t v'' (the 1/t terms cancel; exact Laurent arithmetic)
//      converges to a = u(v' - v'')^T + (u' + w)v^T (+ fixed other columns);
//      "a not in S" by one quantifier-free UNSAT => not closed. The
//      certificate carries the sequence; the checker multiplies it out
//      exactly instead of re-running a quantified query. SUFFICIENT.
//   2b. "witness-sequence": the 0/1 targets of route 2 (same order, same
//      membership queries, cached for route 2); "A not in S" by a
//      quantifier-free UNSAT, then "A in cl S" by an explicit Laurent
//      sequence X_l(t) = sum_e t^e C_{l,e} found by ONE quantifier-free query
//      (negative powers of t of the product = 0, constant term = A; proof
//      and windows at exact.cpp, solve_sequence_ansatz). Both => not closed;
//      the checker multiplies the sequence out exactly (no quantified query).
//      Generalizes 2a (any blow-up U with U X_2 = 0, not one rank-one pair).
//      SUFFICIENT.
//   2. "witness-search": targets A with entries 0/1 on growing supports (the
//      scaling reduction (4b) makes 0/1 natural); "A not in S" by a
//      quantifier-free UNSAT, then "A in cl S" by the one-alternation
//      sentence (forall eps exists X). Both => not closed. SUFFICIENT.
//   3. "sentence": Lemma 3.2.16 for the block (entrywise residual, target
//      scaled to 0/1 on a spanning forest, factors gauge-fixed). EXACT, slow.
// Certificates: kinds "exact_closed" and "exact_not_closed" (exact_checker.hpp).
// Budget: every quantified closedness query runs in a forked child process
// killed at the end of its share (Z3 4.8.12's nlqsat can ignore the
// watchdog's interrupt for minutes), so decide_closedness_exact returns
// within o.seconds. The child only runs z3_check and writes to a pipe; if it
// cannot (e.g. a lock held by another thread at the fork), it is killed at
// the deadline and the query is unknown. The checker (exact_checker.hpp)
// runs its re-check queries under the same kind of hard deadline (the one
// shared utility, decide/src/deadline_solve.hpp). Set WELLPOSED_TRACE_EXACT
// to print one line per closedness query (route, budget, time, answer) on
// stderr, and one per re-check query ("[check] ...").
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/decide/verdict.hpp"

// This header declares what a user calls and the options a user sets; the
// routes themselves (detail/reductions.hpp, detail/normal_form.hpp,
// detail/z3_backend.hpp) are machinery and are not included. RationalMatrix
// (wellposed/algebra/rational_matrix.hpp, exact GMP rationals) is only
// declared here: a program calling decide_membership / decide_attainment
// includes that header itself, and the umbrella stays free of GMP (issue 18
// item 5: compile time of wellposed/wellposed.hpp).

namespace wellposed {

class RationalMatrix;

/// Exact reductions (1)-(3) of detail/reductions.hpp, each on/off.
struct ReductionOptions {
  bool cec_quotient = true;      ///< (1), L = 2 only
  bool drop_useless = true;      ///< (2)
  bool split_blocks = true;      ///< (3)
};

/// Symmetry reductions (4a)/(4b) of the masked sentences (detail/reductions.hpp).
struct MaskedSentenceOptions {
  bool gauge = true;          ///< (4a) pivot constraints on the factors
  bool scale_target = true;   ///< (4b) target 0/1 on a spanning forest (non-closedness)
};

/// The tree search of the surjective-normal-forms route (detail/normal_form.hpp).
struct NormalFormOptions {
  /// 256 since issue 24 item 5 (was 64): a larger tree is still cheap to
  /// query, and one FALSE leaf proves the block is not the whole coordinate
  /// space, which frees the time of routes 1b and 1c for the witness routes.
  std::size_t max_leaves = 256;
  /// The search memoizes at most this many states; beyond, new states are leaves.
  std::size_t max_states = 200000;
  /// Leaf cost weight: cost(leaf with f free entries) = weight^f.
  double free_weight = 4.0;
};

struct ExactOptions {
  double seconds = 10.0;          ///< wall-clock budget of the whole decision
  std::size_t memory_mib = 4096;  ///< Z3's memory limit
  ReductionOptions reductions;
  MaskedSentenceOptions sentences;
  bool cone_route = true;
  bool witness_search = true;
  bool full_sentence = true;
  /// Route "merge" (issue 24): replace two consecutive factors whose
  /// products are exactly a coordinate space by that support (chain_merge.cpp).
  bool merge_chains = true;
  /// Share of the time left after route 1 that route 2 may use.
  double witness_share = 0.5;
  /// Largest support of a 0/1 witness tried.
  std::size_t witness_max_support = 5;
  /// Time limit of one witness query (non-membership, closure).
  double witness_query_seconds = 2.0;
  /// Route 1b' (surjective-normal-forms): on/off, its tree search, and the
  /// share of the whole budget its leaf queries may use together.
  bool normal_forms = true;
  NormalFormOptions normal_form;
  double normal_form_share = 0.4;
  /// A tree with more leaves than this gives each leaf query at most
  /// normal_form_leaf_seconds (issue 24 item 5): one slow leaf of a large
  /// tree then costs seconds, not the route's whole share.
  std::size_t normal_form_capped_above = 64;
  double normal_form_leaf_seconds = 2.0;
  /// Route 1c (algebraic-onto) runs 2^|forest| sentences; skipped beyond this forest size.
  std::size_t onto_max_forest = 9;
  /// Refuse (unknown) beyond this many parameters: the sentences are
  /// doubly exponential in it.
  std::size_t max_parameters = 80;
};

/// The answers of membership and attainment are Verdicts (verdict.hpp) with
/// question membership / attainment: answer::yes, answer::no or unknown.
using ExactAnswer [[deprecated("use Verdict (question membership / attainment)")]] = Verdict;

/// A in L_I? yes: certificate {"kind": "membership", "factors", "target",
/// "witness": [[[r, c, "v"], ...] per factor]} whose product was re-checked
/// to equal A exactly; no: {"kind": "non_membership", "factors", "target",
/// "smtlib2": the (reduced) sentence Z3 found unsat, re-decidable by cvc5}.
/// A model with irrational algebraic values gives unknown.
Verdict decide_membership(const Architecture& arch, const RationalMatrix& A, const ExactOptions& o = {});

/// Attainment for the instance (A, I) (Lemma 3.2.18.1): is min_X ||A - X_1...X_L||_F attained?
/// yes when A in L_I (membership, minimum 0) or L_I is closed (Prop 3.1.6,
/// via analyze's detectors or this file's closedness decision); otherwise the
/// sentence exists X* forall X: P(A,X*) <= P(A,X) with the remaining budget.
Verdict decide_attainment(const Architecture& arch, const RationalMatrix& A, const ExactOptions& o = {});

/// Closedness of L_I by the routes above: a table of named routes (name,
/// certificate kind, applicability from the options, time slice of the
/// remaining budget, the route itself) tried in order by one short loop. The
/// verdict's method names the route that decided each block ("exact: <route>"
/// for not closed, "exact: <route> xN, ..." for closed); certificates are
/// checked by check_certificate.
Verdict decide_closedness_exact(const Architecture& arch, const ExactOptions& o = {});

/// Not closed from a candidate witness A (route 2b, "witness-sequence"):
/// for a block of reduce_for_closedness() on which A's restriction a is NOT
/// in the block's set (quantifier-free UNSAT) and IS the limit of an explicit
/// Laurent sequence of products (one quantifier-free query per window), the
/// verdict not_closed with an "exact_not_closed" certificate carrying a and
/// the sequence (the checker multiplies it out exactly). Otherwise unknown --
/// never "closed": a failed candidate proves nothing. For a suspected
/// witness, e.g. one found by hand; decide_closedness_exact searches 0/1
/// targets itself.
Verdict prove_not_closed_with_target(const Architecture& arch, const RationalMatrix& A, const ExactOptions& o = {});

/// The routes' names in the order decide_closedness_exact tries them.
std::vector<std::string> exact_closedness_routes();

// decide_closedness_plain_sentence (the benchmark's unreduced baseline, for
// timing only) is declared in wellposed/decide/detail/reductions.hpp.

/// Nothing to do: analyze() runs the exact route by default (analyze.hpp,
/// z3_exact_decider). Kept so that old callers still compile.
[[deprecated("analyze() runs the exact route by default")]] void register_z3_decider();

}  // namespace wellposed
