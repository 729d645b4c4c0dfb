#pragma once
// Rank-one supports of a two-factor support pair and their equivalence
// classes (thesis Defs 5.2.1, 5.2.2, 5.2.5, 5.2.7, 5.2.8; Def 6.2.1-6.2.2).
//
// Library orientation: the pair is (left, right) with left = I_1 of size m x r
// and right = I_2 of size r x n, A = X_1 X_2. In the thesis's X Y^T form this
// is left = I, right = J^T, and S_k = supp I[:,k] x supp J[:,k]. Everything
// here is exact combinatorics: no tolerance is involved.
#include <cstddef>
#include <vector>

#include "wellposed/algebra/support.hpp"

namespace wellposed {

/// Def 5.2.1: S_k = supp left[:, k] x supp right[k, :], an m x n support.
Support rank_one_support(const Support& left, const Support& right, std::size_t k);
std::vector<Support> rank_one_supports(const Support& left, const Support& right);

/// One class P of Def 5.2.2: the inner indices k sharing (left[:,k], right[k,:]),
/// with R_P = supp left[:,k] and C_P = supp right[k,:].
struct RankOneClass {
  std::vector<std::size_t> indices;  ///< P, increasing
  std::vector<std::size_t> rows;     ///< R_P, increasing
  std::vector<std::size_t> cols;     ///< C_P, increasing
  std::size_t size() const { return indices.size(); }
  /// Def 5.2.5: P is complete (a CEC) iff |P| >= min(|R_P|, |C_P|). Then the
  /// class spans every matrix supported on R_P x C_P (rank <= min(|R_P|,|C_P|)),
  /// i.e. a linear subspace (Lemma 5.2.6).
  bool complete() const;
  /// S_P = R_P x C_P as an m x n support.
  Support support(std::size_t m, std::size_t n) const;
};

/// The partition P of [r] (Def 5.2.2), classes ordered by their smallest index.
std::vector<RankOneClass> rank_one_classes(const Support& left, const Support& right);

/// True iff the representative supports S_P are pairwise disjoint: the
/// hypothesis of Thm 5.2.3 (equivalently of Thm 6.2.3: the S_k are pairwise
/// disjoint or identical).
bool classes_pairwise_disjoint(const std::vector<RankOneClass>& classes, std::size_t m, std::size_t n);

/// The decomposition of Defs 5.2.5, 5.2.7 and 5.2.8.
struct CecTaxonomy {
  std::vector<RankOneClass> classes;        ///< P
  std::vector<std::size_t> complete_class;  ///< positions in `classes` of the CECs (P*)
  std::vector<std::size_t> T;               ///< union of the CECs, increasing
  std::vector<std::size_t> T_bar;           ///< [r] \ T, increasing
  Support S_T;                              ///< union of S_P over CECs (m x n)
  /// For k in T_bar (same order): S'_k = S_k \ S_T, whether it is a rectangle
  /// R_k x C_k (Def 5.2.7), and R_k, C_k (the rows and columns S'_k touches;
  /// they form S'_k exactly iff rectangular[k]).
  std::vector<Support> S_prime;
  std::vector<bool> rectangular;
  std::vector<std::vector<std::size_t>> R, C;
  bool all_rectangular = false;
  /// True iff all S'_k are rectangular and pairwise equal or disjoint:
  /// the hypothesis of Thm 5.2.9.
  bool thm_5_2_9_hypothesis = false;
  /// Def 5.2.8 in library orientation (left parts m x r, right parts r x n):
  /// *_T keep the inner indices of T; *_1 keep (i,k), k notin T, i in R_k
  /// (resp. (k,j), j in C_k); *_2 the rest of the non-T entries.
  Support left_T, left_1, left_2, right_T, right_1, right_2;
};

CecTaxonomy cec_taxonomy(const Support& left, const Support& right);

}  // namespace wellposed
