#pragma once
// Kronecker-sparse (deformable butterfly) chains => closed (thesis Sec. 6.3-6.5).
//
// SUFFICIENT for closedness; returns closed or unknown. Proof for any number
// of factors L >= 2: let every mask I_l be exactly S_{theta_l} (Def 6.3.1) with
// Theta = (theta_1, ..., theta_L) chainable (Defs 6.3.7, 6.3.10).
//  * Lemma 6.3.22: while a consecutive pair is redundant (q > min(b_l, c_{l+1}),
//    Def 6.3.20), replacing it by theta_l * theta_{l+1} keeps chainability and
//    the product set B^Theta; the loop ends with a chainable, non-redundant
//    chain (or a single pattern, whose B is a coordinate subspace: closed).
//  * Cor 6.5.12: for a chainable non-redundant chain,
//    B^Theta = intersection over l of M_l, M_l = { A : supp A <= S_{1,L},
//    rank A[R_P, C_P] <= q_l for every class P of (S_{1,l}, S_{l+1,L}) };
//    each M_l is closed (a coordinate subspace cut by rank bounds), so B^Theta is.
//  For L = 2 this is Lemma 6.4.1 + Thm 6.2.3 (pairwise disjoint-or-identical
//  rank-one supports). A non-chainable chain (e.g. Kaleidoscope) gets unknown
//  from this detector: non-chainability proves nothing either way.
// A mask can match several patterns (the identity is (n,1,1,1) and
// (1,1,1,n)); the detector searches all combinations for a chainable one.
// Certificate kind "kronecker_chainable" (schema in certificate.hpp).
#include <optional>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// A chainable choice of Kronecker patterns, one per factor, whose masks equal
/// the factors exactly; nullopt if some factor is not Kronecker-sparse or no
/// combination is chainable. Cost: product of the candidate counts per factor
/// is avoided by a left-to-right reachability pass (O(L * c^2), c candidates).
/// A family built from a chain (Architecture::structural_chain) is searched
/// on its parameters only (kronecker_patterns_of(KPattern), at most 256
/// candidates per factor): no mask is built, e.g. butterfly n = 2^16 in O(L).
std::optional<KChain> chainable_kronecker_chain(const Architecture& arch);

/// closed with certificate "kronecker_chainable", or unknown. For a family the
/// certificate's "factors" is {"kronecker_chain": [...]}, its parameters.
Verdict detect_kronecker_chain(const Architecture& arch);

}  // namespace wellposed
