#pragma once
// Independent checker of the exact route's certificates (kinds
// "exact_closed", "exact_not_closed"; exact.hpp). Shares no code with the
// prover: it parses the certificate, re-derives every claim about supports
// from the masks, builds its own Z3 expressions from the certificate's
// edges, and RE-RUNS the solver (it never trusts a prover's flag).
//
// What it verifies:
//  * reduction: every listed complete class is complete (re-derived from the
//    masks: |P| >= min(|R_P|, |C_P|)), so L_I = V(S_T) + S' (reductions.hpp
//    (1)); the blocks' entries are disjoint and outside S_T; every block edge
//    is an architecture edge outside the complete classes; every edge occurs
//    (reachability in the masks) only in entries of S_T or of its own block,
//    and every other edge only in entries of S_T. Hence S' is the product of
//    the blocks' sets (reductions.hpp (2), (3)).
//  * exact_not_closed with a witness a on block b: "exists X_b: P_b(X_b) = a"
//    is UNSAT and "forall eps > 0 exists X_b: |P_b(X_b) - a| < eps" is TRUE,
//    both re-decided by Z3; without a witness, the block's Lemma 3.2.16
//    sentence is re-decided TRUE.
//  * exact_closed: per block, the asymptotic-cone query (two factors) is
//    re-decided UNSAT, or "forall a exists X: P(X) = a" TRUE (the block is the
//    whole coordinate space), or the block's Lemma 3.2.16 sentence FALSE.
// What it trusts: Z3's unsat / sat answers on these re-built queries, and
// the theorems quoted in reductions.hpp. A solver time-out (the budget below)
// fails the check.
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/checker.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// The re-check budget: total seconds the checker allows all re-run solver
/// queries of ONE certificate together (default 60). A certificate may ask for
/// less with "check_seconds" (the analysis budget left for its check; never
/// more than this cap). A re-run that does not finish within what is left is a
/// failed check: "certificate not verified", never a pass.
void set_exact_checker_query_seconds(double seconds);

/// Checks a certificate of kind "exact_closed" / "exact_not_closed" against
/// the claimed answer and the chain's supports. Called by check_certificate.
CheckResult check_exact_certificate(const nlohmann::json& certificate, Closedness claimed,
                                    const std::vector<Support>& factors);

}  // namespace wellposed
