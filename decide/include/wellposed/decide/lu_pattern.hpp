#pragma once
// The LU-type pattern detector (thesis Thm 4.3.1, Lemma 7.5.5, Sec. 7.5.3).
//
// SUFFICIENT for non-closedness, never for closedness: when it fires, the
// product set L_I of the two-factor support pair is not closed (so some target
// has no best approximation); when it does not fire nothing is proven (it
// misses every other configuration, so frequencies are lower bounds).
//
// Library orientation: the pair is (left, right), left m x r, right r x n,
// A = X_1 X_2 (thesis X Y^T with left = I, right = J^T). With
// S_k = supp left[:,k] x supp right[k,:] (Def 5.2.1), the pattern is
//   i1 != i2, j1 != j2, k != l such that (i1,j1), (i1,j2), (i2,j1) lie in S_k
//   and in no other S_p, and (i2,j2) lies in S_k and in S_l.
//
// Witness (Lemma 7.5.5, made explicit): A = e_{i1} e_{j2}^T + e_{i2} e_{j1}^T.
//  * A is a limit: X_1(t)[i1,k] = t, X_1(t)[i2,k] = 1/t, X_2(t)[k,j1] = t,
//    X_2(t)[k,j2] = 1/t, X_1(t)[i2,l] = -1/t^2, X_2(t)[l,j2] = 1, else 0;
//    then X_1(t) X_2(t) = A + t^2 e_{i1} e_{j1}^T exactly (residual -> 0 as t -> 0+).
//  * A is not a product: since (i1,j1), (i1,j2), (i2,j1) lie only in S_k,
//    every feasible product has (X_1X_2)[i,j] = X_1[i,k] X_2[k,j] there, so
//    A = X_1 X_2 would need X_1[i1,k]X_2[k,j1] = 0, X_1[i1,k]X_2[k,j2] = 1 and
//    X_1[i2,k]X_2[k,j1] = 1; the last two force X_1[i1,k] != 0 != X_2[k,j1],
//    contradicting the first.
// Thm 4.3.1 also gives, for the same pattern, a target with a spurious local
// valley and one with a spurious local minimum (global minimum 0 attained in
// both); lu_landscape_witnesses() writes them as loadable data.
//
// L > 2 factors: this detector alone proves nothing (an LU pattern in two
// adjacent factors of a longer chain is not known to make the chain
// non-closed); detect() applies it only after the exact reduction of
// detectors.hpp has brought the chain down to two factors.
#include <cstddef>
#include <optional>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/support.hpp"
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// Zero-based indices of an LU-type pattern (see the header comment).
struct LuPattern {
  std::size_t i1 = 0, i2 = 0, j1 = 0, j2 = 0, k = 0, l = 0;
  bool operator==(const LuPattern&) const = default;
};

/// The first LU-type pattern, or nullopt. Cost O(min(m,n) * m * n * r / 64)
/// word operations plus the O(m n r) counting product (Sec. 7.5.3's
/// bookkeeping version, word-parallel): it runs on the transposed pair when
/// m > n so that the quadratic index is the smaller dimension.
/// Throws std::invalid_argument if left.cols() != right.rows().
std::optional<LuPattern> find_lu_pattern(const Support& left, const Support& right);

/// The O(m^2 n^2 r) brute force of the definition; a reference for tests.
std::optional<LuPattern> find_lu_pattern_brute_force(const Support& left, const Support& right);

/// True iff `p` satisfies the pattern's conditions for (left, right).
bool is_lu_pattern(const Support& left, const Support& right, const LuPattern& p);

/// The certificate of kind "lu_pattern" (schema in certificate.hpp).
nlohmann::json lu_pattern_certificate(const Support& left, const Support& right, const LuPattern& p);

/// Thm 4.3.1's two landscape witnesses for the pattern, as data:
/// {"spurious_valley": {...}, "spurious_minimum": {...}} (schema in certificate.hpp).
nlohmann::json lu_landscape_witnesses(const Support& left, const Support& right, const LuPattern& p);

/// not_closed with the certificate when a pattern exists; unknown otherwise.
Verdict detect_lu_pattern(const Support& left, const Support& right);

}  // namespace wellposed
