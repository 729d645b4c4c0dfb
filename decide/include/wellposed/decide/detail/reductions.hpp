#pragma once
// Exact reductions applied before any sentence is built (issue 3).
//
// The object reduced is a MASKED CHAIN: supports I_1..I_L (A = X_1...X_L)
// and a mask M of the product's entries; its set is
//   S(I, M) = { (X_1 ... X_L) restricted to the entries of M : supp X_l <= I_l }
// (a subset of R^M). An Architecture is the masked chain with the full mask.
// Every reduction below maps the problem to masked chains ("blocks") with
//   L_I closed  <=>  every block's set is closed,
// and a point of cl(S_B) \ S_B of one block lifts (zeros elsewhere) to a point
// of cl(L_I) \ L_I. Proofs are in the doc comments; tests compare reduced and
// unreduced decisions on small cases (tests/decide/reduction_test.cpp).
//
// (1) CEC quotient (L = 2 only; Def 5.2.5, Lemma 5.2.6). Let T be the union
//     of the complete classes and V the coordinate subspace on S_T. Each
//     complete class spans exactly V_P = {Z : supp Z <= R_P x C_P}, so
//     L_I = V + L' with L' the products over the other inner indices, and
//     L_I = pi^{-1}(pi(L_I)) for pi = "forget the entries of S_T" (L_I + V =
//     L_I). pi is a continuous open surjection, so L_I is closed iff
//     pi(L_I) = pi(L') = S(I', complement of S_T) is closed (complements:
//     R^{mn} \ L_I = pi^{-1}(R^M \ pi(L_I)), and pi maps open sets to open
//     sets and is onto). Rank-one classes are thereby merged (Def 5.2.2): a
//     complete class is removed as a whole, a class with |P| > min(|R_P|,
//     |C_P|) is complete.
// (2) Useless variables. A variable X_l[a, b] occurs exactly in the entries
//     (i, j) with a path i -> a at levels < l and b -> j at levels > l
//     (entry polynomials (3.3)). If none of those is in M, setting it to zero
//     changes no masked entry, so the set is the same with I_l[a, b] removed.
//     Rows i (columns j) of the product with no entry in M are dropped
//     (coordinates not in R^M), and inner indices with no variable left.
// (3) Independent blocks. Join two masked entries when one variable occurs
//     in both; the classes ("blocks") use pairwise disjoint sets of variables
//     (a variable occurs only in entries of its block). So S is the Cartesian
//     product of the blocks' sets over a partition of the coordinates; a
//     product of non-empty sets is closed iff each factor is (projections of
//     limits are limits; 0 lies in each).
// (4) Scaling invariance (used when sentences are built, see
//     ReductionOptions): for invertible diagonal D_0..D_L,
//     X_l -> D_{l-1}^{-1} X_l D_l keeps supports and maps the product
//     A -> D_0^{-1} A D_L. Hence (a) for a fixed target only one point per
//     inner scaling orbit is needed: with a pivot entry X_l[p_k, k] per inner
//     index k, the constraint X_l[p_k,k] (X_l[p_k,k] - 1) = 0 is met by some
//     point of every orbit (scale column k by 1/X_l[p_k,k] when non-zero);
//     (b) S is invariant under A -> D A D', so a witness of non-closedness
//     may be taken with A = 0 or 1 on the edges of a spanning forest of the
//     bipartite graph (rows, columns, M): root each tree, scale the row or
//     column across each edge, in order from the root, to make that entry 1
//     (or leave it 0).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/algebra/formula.hpp"
#include "wellposed/algebra/rational_matrix.hpp"
#include "wellposed/algebra/support.hpp"
#include "wellposed/algebra/detail/sentences.hpp"
#include "wellposed/decide/exact.hpp"  // ReductionOptions, MaskedSentenceOptions
#include "wellposed/decide/verdict.hpp"

namespace wellposed {

/// A masked chain with its place in the original architecture.
struct MaskedChain {
  std::vector<Support> factors;  ///< I_1..I_L (re-indexed), never empty
  Support mask;                  ///< N_0 x N_L: the entries that count
  /// original_index[l][k]: original index of the block's index k at level l
  /// (l = 0: rows of A, l = L: columns of A, else inner dimension l).
  std::vector<std::vector<std::size_t>> original_index;

  std::size_t num_factors() const { return factors.size(); }
  std::size_t rows() const { return mask.rows(); }
  std::size_t cols() const { return mask.cols(); }
  std::size_t parameter_count() const;
  /// The chain as an Architecture (its products, before masking).
  Architecture architecture() const;
  /// Certificate form: {"edges": [[l, r, c], ...] (original indices, l
  /// zero-based factor), "entries": [[i, j], ...] (original indices)}.
  nlohmann::json to_json() const;
};

/// The masked chain of an architecture with the full mask.
MaskedChain as_masked_chain(const Architecture& arch);

// ReductionOptions: wellposed/decide/exact.hpp (a field of ExactOptions).

struct ClosednessReduction {
  /// L_I is closed iff every block's set is closed (no blocks: L_I is a
  /// linear subspace, closed).
  std::vector<MaskedChain> blocks;
  /// Inner indices (original, zero-based) of the complete classes removed by (1).
  std::vector<std::size_t> cec_inner;
  /// What was done, for reports.
  std::vector<std::string> steps;
  /// {"cec_inner": [...], "blocks": [MaskedChain::to_json(), ...]}.
  nlohmann::json to_json() const;
};

ClosednessReduction reduce_for_closedness(const Architecture& arch, const ReductionOptions& options = {});

/// (2) and (3) applied to one masked chain (used after (1), and on its own).
std::vector<MaskedChain> drop_useless_and_split(const MaskedChain& chain, bool split = true);

/// (4a): one pivot per inner index with a variable: {factor l (0-based), row, col}.
struct Pivot {
  std::size_t factor, row, col;
};
std::vector<Pivot> scaling_pivots(const MaskedChain& chain);
/// (4b): the edges (i, j) of a spanning forest of the bipartite graph of the mask.
std::vector<std::pair<std::size_t, std::size_t>> spanning_forest(const Support& mask);

// --- sentences about one masked chain (variables as in sentences.hpp) ------

// MaskedSentenceOptions: wellposed/decide/exact.hpp (a field of ExactOptions).

/// exists X: P_ij(X) = A_ij for (i, j) in the mask. A is N_0 x N_L of the chain.
Formula masked_membership_sentence(const MaskedChain& chain, const RationalMatrix& A,
                                   const MaskedSentenceOptions& o = {});
/// forall eps > 0 exists X: |P_ij(X) - A_ij| < eps on the mask: A in cl(S).
Formula masked_closure_sentence(const MaskedChain& chain, const RationalMatrix& A,
                                const MaskedSentenceOptions& o = {});
/// Lemma 3.2.16 for the masked set, entrywise residual: TRUE iff S not closed.
Formula masked_non_closedness_sentence(const MaskedChain& chain, const MaskedSentenceOptions& o = {});

/// forall a on the mask exists X: P_ij(X) = a_ij: TRUE iff S is the whole
/// coordinate space R^M, which is closed. (SUFFICIENT for closedness.)
Formula surjectivity_sentence(const MaskedChain& chain, const MaskedSentenceOptions& o = {});

/// forall (the entries with no fixed value) exists X: P_ij(X) = a_ij on the
/// mask, where fixed[p] (p: position in mask.entries()) gives a_ij when set.
/// With nothing fixed it is surjectivity_sentence; with everything fixed a
/// quantifier-free membership query. Used for the leaves of normal_form.hpp.
Formula partial_surjectivity_sentence(const MaskedChain& chain, const std::vector<std::optional<Rational>>& fixed,
                                      const MaskedSentenceOptions& o = {});

/// The largest rank of the Jacobian of the masked entry map at three seeded
/// random rational points with non-zero coordinates (exact): a lower bound on
/// dim S, equal to it unless every point is special. Used as a FILTER only
/// (rank < |M| makes surjectivity very unlikely; it proves nothing).
std::size_t jacobian_rank_at_random_point(const MaskedChain& chain, std::uint64_t seed = 1);

/// Normalization of the asymptotic-cone query.
enum class ConeNormalization { some_entry_one, sum_of_squares };

/// The quantifier-free closedness test (two factors only; throws
/// std::invalid_argument otherwise). With the chain's inner indices grouped
/// into rank-one classes P (same column support of I_1 and row support of
/// I_2, Def 5.2.2), z_P = X_1[:, P] X_2[P, :] ranges over the closed cone M_P
/// of rank <= |P| matrices on R_P x C_P, and S = pi(sum_P M_P) (pi: keep the
/// masked entries). The formula is
///   exists X: pi(sum_P z_P) = 0 and (not all z_P = 0),
/// the latter written as "some entry of some z_P is 1" (cones are closed
/// under scaling) or "sum of squares of all z_P entries = 1".
///
/// Criterion (proved here): if the formula is FALSE, S is closed.
/// Proof. Let y_n = pi(sum_P z_P^n) -> y with z_P^n in M_P. If the z^n are
/// bounded, a subsequence converges to z with z_P in M_P (closed), and
/// y = pi(sum z_P) in S. Otherwise t_n = max_P |z_P^n| -> infinity along a
/// subsequence; w_P^n = z_P^n / t_n lies in M_P (a cone), has max norm 1, and
/// pi(sum_P w_P^n) = y_n / t_n -> 0; a further subsequence converges to w
/// with w_P in M_P, max_P |w_P| = 1 and pi(sum_P w_P) = 0: the formula is
/// TRUE, a contradiction. (SUFFICIENT only: TRUE proves nothing.)
Formula asymptotic_cone_formula(const MaskedChain& chain, ConeNormalization n = ConeNormalization::some_entry_one);

/// The "determinantal" closedness route (two factors; SUFFICIENT). Returns
/// true, with `why` saying which side is full, when the block's set is
/// exactly D_r = {M : rank M <= r} on its full mask, which is closed (rank is
/// lower semicontinuous: {rank <= r} is the zero set of the (r+1)-minors).
///
/// Hypotheses (checked here, re-derived by the checker): the mask is every
/// entry of the block (m x n); one factor is full, say I_1 = [m] x [r]; every
/// inner index k has C_k = supp I_2[k, :] (R_k for the transposed case);
/// r <= min(m, n); and for every non-empty K of inner indices
///     max_{k in K} (r - n + |C_k|) >= |K|.                     (Hall)
/// Proof (I_1 full; the other case is the transpose). S = {X Y} is contained
/// in D_r. Conversely let rank M <= r and W be an r-dimensional subspace of
/// R^n containing the row space of M (r <= n). V_k = W cap R^{C_k} has
/// dim V_k >= r + |C_k| - n, so dim(sum_{k in K} V_k) >= max_{k in K} dim V_k
/// >= |K| for every K. By Rado's theorem on independent transversals (the
/// linear matroid on a basis of each V_k; Hall's condition in rank form) there
/// are linearly independent y_k in V_k, k = 1..r: the rows of a Y with
/// supp Y <= I_2 and row space W. Then M = X Y for X = the coordinates of
/// M's rows in that basis, and X is allowed because I_1 is full. So S = D_r.
/// (Extends Lemma 5.2.6's "a class with |P| >= min(|R_P|,|C_P|) spans all of
/// R^{R_P x C_P}" from one class to a full factor meeting several supports.)
bool determinantal_route(const MaskedChain& chain, std::string& why);

/// A minor of the block's target that vanishes on the whole block set S
/// (the "algebraic-onto" route, below). Block-local indices.
struct VanishingMinor {
  std::vector<std::size_t> rows, cols;  ///< |rows| = |cols| = s
  /// Nodes {level, index} (level 0: rows of A, level L: columns of A, else
  /// inner level) that every path of the chain from `rows` to `cols` meets;
  /// fewer than s of them.
  std::vector<std::pair<std::size_t, std::size_t>> separator;
  /// Certificate form with original indices: {"rows", "cols", "separator": [[level, index], ...]}.
  nlohmann::json to_json(const MaskedChain& chain) const;
};

/// Rank bound through a vertex separator (proved here). Let P(X) be the
/// chain's full product (all N_0 x N_L entries, before masking), R rows and
/// C columns, and S a set of nodes of the layered graph of the supports such
/// that every path from a row in R to a column in C meets S. Splitting each
/// path at its FIRST node in S,
///   P[R, C] = sum_{s in S} F[R, s] G[s, C]
/// (F: path sums from R to s with no earlier node in S; G: path sums from s
/// to C), every path counted once; so rank P[R, C] <= |S| for EVERY X. If
/// |R| = |C| > |S| and every entry of R x C outside the mask has no path
/// (its entry polynomial is 0), det a[R, C] (zeros off the mask) vanishes on
/// S. By Menger and Lindstrom-Gessel-Viennot the least separator is the
/// generic rank, so these minors are all the rank conditions of the supports.
///
/// Returns every square (R, C) with 2 <= s <= max_size, off-mask entries of
/// R x C path-free, det a[R, C] not the zero polynomial (a perfect matching
/// inside the mask) and a separator of size < s (brute force over node sets;
/// none is searched when the graph has more than 24 nodes).
std::vector<VanishingMinor> vanishing_minors(const MaskedChain& chain, std::size_t max_size = 5);

/// The "algebraic-onto" closedness route (SUFFICIENT). Let D = {a in R^M :
/// det a[R, C] = 0 for the given minors}; D is closed (a zero set) and D
/// contains S (vanishing_minors). If moreover every a in D is a product, S =
/// D is closed. "forall a in D exists X" is split into 2^|F| sentences, one
/// per 0/1 pattern on the edges F of a spanning forest of the mask:
///   forall a_rest: (minors(a) = 0) => exists X: gauge(X) and P_ij(X) = a_ij,
/// with a_e fixed to the pattern on F. Proof that the split is equivalent:
/// S and D are invariant under a -> D_0 a D_L for invertible diagonal D_0,
/// D_L (S: (4) in this file's header; D: a minor is multiplied by non-zero
/// diagonal entries), and every a is such an image of an a' that is 0 or 1 on
/// F ((4b)). The gauge restricts the existential only (sound, (4a)). With no
/// minors this is surjectivity onto R^M, case by case.
std::vector<Formula> algebraic_onto_sentences(const MaskedChain& chain, const std::vector<VanishingMinor>& minors,
                                              const MaskedSentenceOptions& o = {});

/// A filter (not a proof) for the route above: the dimension of the tangent
/// space of D (nnz minus the rank of the minors' gradients) at the image of
/// a seeded random rational point. When it exceeds
/// jacobian_rank_at_random_point, D is very likely larger than S and the
/// route would fail.
std::size_t onto_tangent_dimension(const MaskedChain& chain, const std::vector<VanishingMinor>& minors,
                                   std::uint64_t seed = 1);

/// Baseline (a) of the benchmark, the unreduced sentence the reductions above
/// are measured against: the seed's sentence (Lemma 3.2.16, entrywise
/// residual) for the whole architecture. Verdict with method "plain-sentence"
/// and certificate kind "exact_sentence" (not for the checker: for timing
/// only). Defined in decide/src/exact.cpp.
Verdict decide_closedness_plain_sentence(const Architecture& arch, double seconds,
                                          ResidualForm form = ResidualForm::entrywise);

}  // namespace wellposed
