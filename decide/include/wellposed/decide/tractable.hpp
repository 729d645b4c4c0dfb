#pragma once
// Tractable two-factor supports => closed (thesis Sec. 5.2, Thm 6.2.3).
//
// Both detectors are SUFFICIENT for closedness, never for non-closedness
// (neither hypothesis is necessary, thesis L2654); they return closed or
// unknown. Library orientation: (left, right), left m x r, right r x n.
//
// * Thm 5.2.3 / Thm 6.2.3: if the representative rank-one supports S_P of the
//   classes P (Def 5.2.2) are pairwise disjoint, then
//   L_I = { sum_P B_P : supp B_P <= R_P x C_P, rank B_P <= |P| }, a direct sum
//   over disjoint coordinate blocks of closed rank-constraint sets: closed.
//   (Equivalently: Alg 3 attains the optimum for every A; Prop 3.1.6.)
//   Certificate: the partition into classes with their rectangles R_P x C_P.
// * Thm 5.2.9: with T the union of the complete classes (CEC, Def 5.2.5) and
//   S'_k = S_k \ S_T for k notin T, if every S'_k is a rectangle R_k x C_k
//   (Def 5.2.7) and these rectangles are pairwise equal or disjoint, the
//   optimum of every A is attained (the reduced pair (I^1, J^1) satisfies
//   Thm 5.2.3 and optima transfer, Cor 5.5.3), hence L_I is closed
//   (Prop 3.1.6). Certificate: the complete classes and the rectangles.
#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// Thm 5.2.3: closed (certificate kind "disjoint_rank_one") or unknown.
/// Throws std::invalid_argument if left.cols() != right.rows().
Verdict detect_disjoint_rank_one(const Support& left, const Support& right);

/// Thm 5.2.9: closed (certificate kind "cec_rectangular") or unknown.
Verdict detect_cec_rectangular(const Support& left, const Support& right);

}  // namespace wellposed
