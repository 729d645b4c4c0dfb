#pragma once
// All polynomial-time closedness detectors, and the exact reduction that lets
// the two-factor detectors speak about longer chains.
//
// Every detector returns closed / not_closed with a certificate, or unknown;
// each states in its header whether it is sufficient, necessary or exact:
//   detect_trivial             SUFFICIENT for closed (this file)
//   detect_kronecker_chain     SUFFICIENT for closed (kronecker.hpp)
//   detect_disjoint_rank_one   SUFFICIENT for closed (tractable.hpp, L = 2)
//   detect_cec_rectangular     SUFFICIENT for closed (tractable.hpp, L = 2)
//   detect_lu_pattern          SUFFICIENT for not closed (lu_pattern.hpp, L = 2)
// None is complete: unknown means "not proven", never "no".
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// Trivial families => closed (SUFFICIENT). With N_0, ..., N_L the dimensions:
///  * "zero_factor": some I_l is empty, so L_I = {0}.
///  * "single_factor": L = 1, L_I = {A : supp A <= I_1}, a coordinate subspace.
///  * "vector_end": N_0 = 1 (or N_L = 1). Induction on l: the row vectors
///    x X_2...X_l form exactly the coordinate subspace on the Boolean product
///    support (every target coordinate j can be fed by one k with I_{l+1}[k,j]),
///    a linear subspace, closed.
///  * "inner_one": some 0 < l < L has N_l = 1. Then A = u v^T with u, v ranging
///    over coordinate subspaces (previous case on each side), i.e. exactly the
///    matrices of rank <= 1 supported on R x C: an algebraic set, closed.
///  * "full_supports": every I_l full. The products are exactly the matrices of
///    rank <= min_l N_l (pad a rank factorization with identities): closed.
/// Certificate kind "trivial" with field "family".
Verdict detect_trivial(const Architecture& arch);

/// True iff s is square with exactly one entry in each row and each column
/// (the support of P_pi: generalized permutation factors D P_pi).
bool is_permutation_pattern(const Support& s);

/// Exact reduction (Lemma, proved here): if I_l is a permutation pattern P_pi,
/// every feasible X_l is D P_pi with D diagonal (zeros allowed). For l < L,
/// { X_l X_{l+1} } = { Z : supp Z <= P_pi I_{l+1} } (row-permuted mask): the
/// map X_{l+1} -> P_pi X_{l+1} is a bijection onto that set and D only shrinks
/// supports, with D = Id reaching everything. For l = L, likewise
/// { X_{L-1} X_L } = { Z : supp Z <= I_{L-1} P_pi }. Hence L_I = L_{I'} with
/// the factor absorbed into its neighbour: the SAME set, so closedness and
/// every witness transfer both ways. Applied while L > 1 and some factor is a
/// permutation pattern (identity factors included).
struct PermutationReduction {
  std::vector<Support> factors;  ///< the reduced chain (never empty)
  nlohmann::json steps;          ///< [{"factor": l, "into": "next"|"previous"}], l relative to the current chain
};
PermutationReduction absorb_permutation_factors(const std::vector<Support>& factors);

/// Every detector that applies, each run on its own (for consistency tests
/// and the census): trivial and Kronecker on the chain; for chains that reduce
/// to two factors, Thm 5.2.3, Thm 5.2.9 and the LU pattern on the reduced
/// pair (their certificates then wrap the reduction, kind "reduced").
std::vector<Verdict> run_all_detectors(const Architecture& arch);

/// The first decided verdict in the order trivial, Kronecker chain,
/// [reduction], Thm 5.2.3, Thm 5.2.9, LU pattern; unknown (with the reasons
/// tried) if none applies. Polynomial time.
Verdict detect(const Architecture& arch);

}  // namespace wellposed
