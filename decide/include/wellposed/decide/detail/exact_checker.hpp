#pragma once
// Independent checker of the exact route's certificates (kinds
// "exact_closed", "exact_not_closed"; exact.hpp). Shares no logic with the
// prover: it parses the certificate, re-derives every claim about supports
// from the masks, builds its own Z3 expressions from the certificate's
// edges, and RE-RUNS the solver (it never trusts a prover's flag). The one
// piece of code it shares with the prover is a process-isolation utility
// (decide/src/deadline_solve.hpp): each re-run query runs in a forked child
// killed at the re-check deadline, because Z3 4.8.12's nlqsat can ignore an
// interrupt; what the query is and how its answer is read are this
// checker's own. The many small queries of one certificate (normal-form
// leaves, algebraic-onto patterns) run as one batch under that deadline in a
// few children that each build and solve one query after the other
// (run_batch_with_hard_deadline; issue 24 item 5): a fork per query cost
// 0.1-0.15 s per leaf, mostly copy-on-write faults, against leaves the
// prover decides in 0.005 s, so trees of 30-60 leaves ran past the 30 s
// re-check budget under load. Same queries, same tactic, every leaf still
// re-decided; only a child's complete record of "sat" is a TRUE answer.
//
// What it verifies:
//  * reduction: every listed complete class is complete (re-derived from the
//    masks: |P| >= min(|R_P|, |C_P|)), so L_I = V(S_T) + S' (reductions.hpp
//    (1)); the blocks' entries are disjoint and outside S_T; every block edge
//    is an architecture edge outside the complete classes; every edge occurs
//    (reachability in the masks) only in entries of S_T or of its own block,
//    and every other edge only in entries of S_T. Hence S' is the product of
//    the blocks' sets (reductions.hpp (2), (3)).
//  * exact_not_closed with a witness a on block b (routes "witness-search",
//    "sentence" with a re-checked witness): "exists X_b: P_b(X_b) = a" is
//    UNSAT and "forall eps > 0 exists X_b: |P_b(X_b) - a| < eps" is TRUE,
//    both re-decided by Z3. Routes "tangent-sequence" and "witness-sequence"
//    (any certificate with a "sequence"): the same UNSAT, and the
//    certificate's Laurent sequence multiplied out exactly (no negative
//    power of t, limit a) instead of the closure sentence. Without a
//    witness (route "sentence"), the block's Lemma 3.2.16 sentence is
//    re-decided TRUE.
//  * exact_closed: per block, by the route the certificate names
//    ("closed_by"):
//    - "determinantal": re-derived from the block's edges without a solver
//      (all of rows x cols, one factor full, Hall's condition on the other).
//    - "width-one": an inner level with at most one node on paths,
//      re-derived from the block's edges without a solver.
//    - "asymptotic-cone" (two factors): the cone query re-decided UNSAT.
//    - "surjective": "forall a exists X: P(X) = a" re-decided TRUE (the block
//      is the whole coordinate space).
//    - "surjective-normal-forms" (normal_form.hpp): the certificate's tree
//      ("normal_forms") is replayed from the root with this checker's own
//      code -- every row / column operation re-derived from the supports,
//      every branch and elimination re-checked for legality and for the
//      states it produces -- and every leaf "forall free entries exists X:
//      P(X) = the leaf's form" is re-decided TRUE by Z3 (quantifier-free
//      when nothing is free). Then the block is the whole coordinate space.
//    - "algebraic-onto": each listed minor ("onto") re-proved to vanish on
//      the block's set (its separator re-checked by path search), and for
//      each 0/1 pattern on this checker's own spanning forest "forall a in
//      the minors' zero set exists X: P(X) = a" re-decided TRUE.
//    - "sentence": the block's Lemma 3.2.16 sentence re-decided FALSE.
//  * "a is not in the block's set" without a solver where the certificate
//    carries "nullstellensatz" cofactors (nullstellensatz.hpp): the identity
//    sum g_ij (P_ij - a_ij) = 1 is expanded exactly (issue 21).
// What it trusts: Z3's unsat / sat answers on these re-built queries (each
// also re-decided by the second solver when one is configured,
// CertificateCheckOptions::second_solver), and
// the theorems quoted in reductions.hpp and normal_form.hpp. A solver
// time-out, a query process killed at the deadline or one that ends without
// an answer (the budget below) fails the check.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

// The re-check budget and the second solver are fields of
// CertificateCheckOptions (checker.hpp), passed with each check (issue 18
// item 4: no process-global setters).

/// Checks a certificate of kind "exact_closed" / "exact_not_closed" against
/// the claimed answer and the chain's supports. Called by check_certificate.
CheckResult check_exact_certificate(const nlohmann::json& certificate, Closedness claimed,
                                    const std::vector<Support>& factors, const CertificateCheckOptions& o = {});

}  // namespace wellposed
