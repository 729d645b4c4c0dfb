#pragma once
// The "surjective-normal-forms" closedness route (issue 3): S = R^M proved
// through the block's symmetry group, by a tree of normal forms.
//
// Setting: a masked chain (reductions.hpp) X_1 ... X_L with mask M; S is the
// set of masked products, a subset of R^M.
//
// Allowed moves (linear maps of R^M that map S onto S):
//  * Row scaling a -> D a, column scaling a -> a D (D invertible diagonal):
//    X_1 -> D X_1, X_L -> X_L D keep the supports.
//  * Row operation "row i += t row k" (k != i, any real t), ALLOWED when
//    (R1) supp row k of I_1 is contained in supp row i of I_1, and
//    (R2) for every column j with (i, j) in M and (k, j) not in M, the
//         entry (k, j) has no path (its entry polynomial is 0).
//    On R^M it is a[i, j] += t a[k, j] for (i, j), (k, j) in M (other
//    entries unchanged). Proof that it maps S into S: X_1' = (I + t e_i e_k^T)
//    X_1 has supp X_1' in I_1 by (R1) (row i gains row k's support), and
//    X_1' X_2 ... X_L = (I + t e_i e_k^T) P(X), whose masked entries are
//    exactly the map above by (R2) (P[k, j] = 0 when (k, j) is not in M).
//    Its inverse is the same move with -t, so it maps S onto S. The matrices
//    G with G[i, k] != 0 only when (R1) holds form an incidence algebra of a
//    preorder (closed under products, containing I): these moves generate
//    its invertible elements' action, but only the elementary moves are used.
//  * Column operation "col j += t col l" (l != j): the same with the columns
//    of I_L: (C1) supp col l of I_L contained in supp col j of I_L,
//    (C2) for every i with (i, j) in M and (i, l) not in M, (i, l) has no path.
//
// Tree of normal forms. A node holds a state per masked entry in {0, 1,
// free}; its CLAIM is "every a in R^M with the fixed entries equal to their
// state (free entries arbitrary) lies in S". The root has every entry free:
// its claim is S = R^M. A node's claim follows from its children's:
//  (i) branch on a free entry e = (i, j): child "zero" has e = 0, child
//      "one" has e = 1. Legal when row i (or column j: the side is recorded)
//      has no entry fixed to 1. Proof: given a, if a_e = 0 it satisfies the
//      zero child's state; else scale row i (column j) by 1/a_e: fixed 0s
//      stay 0, no fixed 1 is in that row (column), free entries stay free,
//      and e becomes 1: the image a' satisfies the one child's state, so
//      a' in S and a = D^{-1} a' in S (scalings map S onto S).
//  (ii) eliminate with a row operation k -> i (allowed as above) and a pivot
//      column j0 with (k, j0) fixed to 1 and (i, j0) free: child = state with
//      (i, j0) = 0. Legal when every entry (i, j) fixed to 0 or 1 has
//      (k, j) not in M or fixed to 0. Proof: given a, t = -a[i, j0] gives
//      a' with a'[i, j0] = 0, every fixed entry unchanged (a[k, j] = 0 or
//      absent for them), free entries whatever they become; so a' satisfies
//      the child's state, a' in S, a = (move with -t)(a') in S. Columns alike.
//  (iii) leaf: the claim itself, "forall free a exists X: P(X) = a on M",
//      decided by Z3 (quantifier-free when nothing is free). The factors may
//      be gauge-fixed (reductions.hpp (4a); restricting the existential is
//      sound for a TRUE claim).
// Every leaf TRUE => the root's claim: S = R^M, closed. SUFFICIENT only: a
// FALSE leaf says S != R^M (not "not closed"), a Z3 time-out says unknown.
//
// The tree is chosen by a search over states (fewest free entries at the
// leaves, few leaves); certificates carry it with original indices and are
// replayed by the checker (checker_exact.cpp), which re-derives (R1), (R2),
// (C1), (C2) from the block's edges, re-checks every move and state, and
// re-decides every leaf with its own Z3 queries.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wellposed/algebra/formula.hpp"
#include "wellposed/decide/detail/reductions.hpp"

namespace wellposed {

enum class EntryState : std::uint8_t { zero = 0, one = 1, free = 2 };

/// The allowed elementary operations of a block (block-local indices):
/// row_op[k][i] = "row i += t row k" is allowed ((R1), (R2)), col_op[l][j]
/// = "col j += t col l" is allowed ((C1), (C2)); the diagonal is false.
struct NormalFormMoves {
  std::vector<std::vector<bool>> row_op, col_op;
};
NormalFormMoves normal_form_moves(const MaskedChain& chain);

struct NormalFormNode {
  enum class Move { leaf, branch, row_elim, col_elim };
  Move move = Move::leaf;
  /// One state per entry of chain.mask.entries(), in that order.
  std::vector<EntryState> state;
  /// branch: the entry (position in mask.entries()) and the scaled side.
  /// row_elim: `entry` = (to, pivot col) set to 0, `from`/`to` rows;
  /// col_elim: `entry` = (pivot row, to) set to 0, `from`/`to` columns.
  std::size_t entry = 0, from = 0, to = 0;
  bool scale_row = true;
  std::vector<NormalFormNode> children;  ///< branch: {zero, one}; elim: {child}
};

struct NormalFormTree {
  NormalFormNode root;
  std::size_t leaves = 0;
  std::size_t max_free = 0;  ///< the most free entries at one leaf
};

// NormalFormOptions: wellposed/decide/exact.hpp (a field of ExactOptions).

/// Builds a tree by a memoized search over states minimizing the sum of leaf
/// costs. Returns false, with `why`, when the best tree found has more than
/// max_leaves leaves (the tree is still returned in `out`).
bool build_normal_form_tree(const MaskedChain& chain, const NormalFormOptions& o, NormalFormTree& out,
                            std::string& why);

/// The leaves in depth-first order (zero child before one child).
std::vector<const NormalFormNode*> normal_form_leaves(const NormalFormTree& t);

/// A leaf's claim: forall free a exists X: [gauge(X) and] P_ij(X) = a_ij on
/// the mask, fixed entries 0/1 (quantifier-free when nothing is free).
Formula normal_form_leaf_sentence(const MaskedChain& chain, const std::vector<EntryState>& state,
                                  const MaskedSentenceOptions& o = {});

/// Certificate form (original indices): a node is
///   {"zeros": [[i, j], ...], "ones": [[i, j], ...], "move": "leaf"}
///   {..., "move": "branch", "entry": [i, j], "scale": "row"|"col", "zero": node, "one": node}
///   {..., "move": "row_elim", "from": k, "to": i, "pivot": j0, "child": node}
///   {..., "move": "col_elim", "from": l, "to": j, "pivot": i0, "child": node}
/// (row_elim sets (i, j0) to 0 with the pivot (k, j0) = 1; col_elim sets
/// (i0, j) to 0 with the pivot (i0, l) = 1).
nlohmann::json normal_form_tree_json(const MaskedChain& chain, const NormalFormTree& t);

}  // namespace wellposed
