// Route 0c "pinned-determinantal" (issue 24 item 5): a solver-free proof that
// a two-factor block's set is the rank variety {rank <= r}, for supports
// where neither factor is full (so the determinantal route 0 does not apply).
//
// THEOREM. Let the block have rows [m], inner indices [r], columns [n], its
// mask all of [m] x [n], r <= n, supports I_1 (m x r) and I_2 (r x n) with
// C_k = supp I_2[k, :]. Let T be the rows i of I_1 that are not full
// (supp I_1[i, :] != [r]). Suppose there is a set P of inner indices with
//   (a) |P| >= |T|;
//   (b) every k in P has C_k = [n] and I_1[i, k] = 1 for every i in T;
//   (c) for every non-empty K of inner indices outside P:
//         max_{k in K} (r - n + |C_k| - |P|) >= |K|.            (Hall)
// Then S = {X Y : supp X <= I_1, supp Y <= I_2} = {M in R^{m x n} : rank M <= r},
// which is closed (the zero set of the (r+1)-minors; rank is lower
// semicontinuous).
//
// PROOF. S is inside {rank <= r} (X has r columns). Conversely let
// rank M <= r and W an r-dimensional subspace of R^n containing the row
// space of M (r <= n). U = span{M[i, :] : i in T} lies in W and has
// dimension <= |T| <= |P|: choose |P| linearly independent vectors
// (y_k)_{k in P} of W whose span Q contains U (a basis of U, extended inside
// W; |P| <= r = dim W). Each y_k is allowed as row k of Y since C_k = [n]
// (b). Let pi: W -> W/Q (dimension r - |P|). For k not in P,
// V_k = W cap R^{C_k} has dim V_k >= r + |C_k| - n (two subspaces of R^n),
// so dim pi(V_k) >= r + |C_k| - n - |P|, and for every K outside P,
// dim sum_{k in K} pi(V_k) >= max_{k in K} dim pi(V_k) >= |K| by (c). By
// Rado's theorem on independent transversals (R. Rado 1942: subspaces V_k
// have linearly independent v_k in V_k iff dim sum_{k in K} V_k >= |K| for
// every K) there are y_k in V_k (k not in P) whose images pi(y_k) are
// independent. Then (y_k)_{k in [r]} is a basis of W (independent modulo Q,
// plus a basis of Q), and Y with these rows has supp Y <= I_2. Let X[i, :] be
// the coordinates of M[i, :] (in W) in this basis: for i not in T the row
// I_1[i, :] is full, so any coordinates are allowed; for i in T,
// M[i, :] in U <= Q, so its coordinates are zero outside P, and P is inside
// supp I_1[i, :] by (b). So M = X Y is in S.
//
// With T and P empty this is the determinantal route (reductions.hpp,
// determinantal_route; its Hall condition is (c)); the transpose (side
// "cols": the columns of I_2 that are not full, |R_k| = m for k in P,
// ambient m) is the same theorem for M^T = Y^T X^T. It extends the Hall /
// Rado argument of that route and of [T] Lemma 5.2.6 ("a complete class
// spans all of R^{R_P x C_P}", seeds/000, Def 5.2.5) to factors with a few
// sparse rows whose values are "pinned" to a sub-basis. Example (random 4x4
// r=3 suite, case 95): I_1 = 111,111,111,010, I_2 = 1111,1111,0111: T = {3},
// P = {1}, bounds for k = 0, 2: 2, 1 >= 1, 2: S = {rank <= 3}, closed, which
// the quantified routes could not settle within 60 s.
#include "pinned_determinantal.hpp"

#include <algorithm>
#include <vector>

namespace wellposed::detail {

namespace {

using idx = std::size_t;

// Hall's condition (c) for the inner indices outside P: with the bounds
// sorted ascending, the worst K of size s is the s smallest, whose max is
// the s-th smallest bound; so (c) holds iff bound_(s) >= s for every s.
bool hall_outside(const std::vector<long long>& bounds_outside) {
  std::vector<long long> b = bounds_outside;
  std::sort(b.begin(), b.end());
  for (idx s = 0; s < b.size(); ++s)
    if (b[s] < static_cast<long long>(s + 1)) return false;
  return true;
}

}  // namespace

std::optional<nlohmann::json> pinned_determinantal_route(const MaskedChain& b, std::string& why) {
  if (b.num_factors() != 2) return std::nullopt;
  const Support& I1 = b.factors[0];
  const Support& I2 = b.factors[1];
  const idx m = I1.rows(), r = I1.cols(), n = I2.cols();
  if (r == 0 || r > 16 || b.mask.nnz() != m * n) return std::nullopt;
  for (int side = 0; side < 2; ++side) {
    // side 0: rows of I_1 / row supports C_k of I_2 (ambient n);
    // side 1: columns of I_2 / column supports R_k of I_1 (ambient m).
    const idx own = side == 0 ? m : n, ambient = side == 0 ? n : m;
    if (r > ambient) continue;
    auto has = [&](idx t, idx k) { return side == 0 ? I1.test(t, k) : I2.test(k, t); };
    auto size = [&](idx k) { return side == 0 ? I2.row_count(k) : I1.col_count(k); };
    std::vector<idx> T;
    for (idx t = 0; t < own; ++t) {
      idx cnt = 0;
      for (idx k = 0; k < r; ++k) cnt += has(t, k) ? 1 : 0;
      if (cnt != r) T.push_back(t);
    }
    std::vector<idx> cand;  // (b): C_k (R_k) everything, and in every row (column) of T
    for (idx k = 0; k < r; ++k) {
      if (size(k) != ambient) continue;
      if (std::all_of(T.begin(), T.end(), [&](idx t) { return has(t, k); })) cand.push_back(k);
    }
    if (cand.size() < T.size()) continue;
    // P: the candidates' subsets of size |T|, |T| + 1, ... (at most 4096 tried).
    idx tried = 0;
    for (idx p = T.size(); p <= cand.size() && tried < 4096; ++p) {
      std::vector<bool> pick(cand.size(), false);
      std::fill(pick.begin(), pick.begin() + static_cast<std::ptrdiff_t>(p), true);
      do {
        ++tried;
        std::vector<bool> inP(r, false);
        for (idx q = 0; q < cand.size(); ++q)
          if (pick[q]) inP[cand[q]] = true;
        std::vector<long long> bounds;
        for (idx k = 0; k < r; ++k)
          if (!inP[k])
            bounds.push_back(static_cast<long long>(r + size(k)) - static_cast<long long>(ambient) -
                             static_cast<long long>(p));
        if (hall_outside(bounds)) {
          nlohmann::json pinned = nlohmann::json::array();
          std::string list;
          for (idx k = 0; k < r; ++k)
            if (inP[k]) {
              pinned.push_back(b.original_index[1][k]);
              list += (list.empty() ? "" : ",") + std::to_string(b.original_index[1][k]);
            }
          why = std::string(side == 0 ? "rows" : "columns") + " of " + (side == 0 ? "I_1" : "I_2") +
                " full except " + std::to_string(T.size()) + ", pinned to inner {" + list +
                "}, Hall's condition on the rest: the set is {rank <= " + std::to_string(r) + "}";
          return nlohmann::json{{"side", side == 0 ? "rows" : "cols"}, {"pinned", pinned}};
        }
      } while (tried < 4096 && std::prev_permutation(pick.begin(), pick.end()));
    }
  }
  return std::nullopt;
}

}  // namespace wellposed::detail
