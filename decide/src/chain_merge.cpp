// "merge" pre-reduction (issue 24 item 5). For consecutive factors X_l, X_{l+1}
// (supports I_l, I_{l+1}) let K = supp(I_l I_{l+1}) (boolean product). If
//     {X_l X_{l+1} : supp X_l <= I_l, supp X_{l+1} <= I_{l+1}} = R^K      (*)
// (every matrix supported on K is such a product, and nothing else is),
// then, the other factors' variables being independent of these,
//     L(I_1, ..., I_L) = L(I_1, ..., I_{l-1}, K, I_{l+2}, ..., I_L)
// as SETS: the two chains are closed or not closed together, with the same
// witnesses (the outer sizes are unchanged). The decision goes on with the
// shorter chain; a chain of one factor is a coordinate subspace, closed.
// Before each step, entries on no complete path are removed
// (trim_to_paths): they occur in no entry of the product, so the set is
// unchanged (reductions.hpp (2), "useless variables").
//
// (*) holds in three cases, each proved here and re-derived by the checker:
//  "columns": every column j of I_l has at most one entry, in row k(j). Then
//    row k of X_l X_{l+1} is sum_{j : k(j) = k} x_{kj} X_{l+1}[j, :]; the rows
//    use disjoint variables, and row k ranges over every vector supported on
//    K[k, :] = union_j supp I_{l+1}[j, :] (put x_{kj} = 1 and give each
//    coordinate of the target to one j whose row contains it).
//  "rows": every row j of I_{l+1} has at most one entry, in column c(j): the
//    transpose of "columns" (column c of the product is
//    sum_{j : c(j) = c} X_l[:, j] x_{jc}, disjoint variables per column).
//  "pinned": on the pair's own rows, inner indices and columns (those with
//    entries) K is the whole rectangle m' x n', the pinned-determinantal
//    theorem (pinned_determinantal.cpp; with nothing pinned it is the
//    determinantal route of reductions.hpp) gives {X_l X_{l+1}} = {rank <= r'},
//    and r' >= min(m', n'), so that set is all of R^{m' x n'} = R^K.
//  "peeled": a sequence of peel steps, then one of the cases above (or an
//    empty product) on what is left. Step "col" (i, k): column k of X_l is
//    the single entry (i, k) and supp I_{l+1}[k, :] contains K[i, :]. Then
//    row i of the product can be ANY vector on K[i, :]: put X_l[i, k] = 1,
//    X_l[i, k'] = 0 (k' != k) and X_{l+1}[k, :] = that vector; X_{l+1}[k, :]
//    occurs in no other row (column k of X_l has no other entry). The other
//    rows do not use index k, so they are the products of the pair with row i
//    of I_l and row k of I_{l+1} removed, whose K equals K on those rows:
//    if that pair gives every matrix on its K (induction), the pair gives
//    every matrix on K. Step "row" (j, k) is the transpose (row k of X_{l+1}
//    is the single entry (k, j), supp I_l[:, k] contains K[:, j]; remove
//    column k of I_l and column j of I_{l+1}). Example (chain case 20 of the
//    frontier suite): X_1 = [[a, b], [0, c], [0, d]], X_2 = [[e, f], [0, g]]:
//    peel "col" (0, k = 1): row 0 = a (e, f) + b (0, g) is any vector on
//    K[0, :]; what is left, (c, d)^T g, has single-entry rows: base "rows".
//    Steps "inner-col" (j, k) and "inner-row" (i, k) (issue 24 item 5) use up
//    inner index k: remove column k of I_l and row k of I_{l+1} (the rest
//    (A', B') has product pattern K'). "inner-col": column j of I_{l+1} is
//    the single entry (k, j), and C_k x (R_k \ {j}) is inside K', where
//    C_k = supp I_l[:, k], R_k = supp I_{l+1}[k, :]. Then the pair gives every
//    matrix on K = K' u (C_k x {j}) if (A', B') gives every matrix on K'.
//    PROOF. Every product X Y has column j = X[:, k] y_kj (supported on C_k)
//    and other columns X'Y' + X[:, k] Y[k, others], supported on
//    K' u C_k x (R_k \ {j}) = K' (hypothesis), and column j of K' is empty
//    (its only path went through k): so K = K' u (C_k x {j}). Conversely, for
//    M supported on K put X[:, k] = M[:, j] (allowed: supported on C_k),
//    y_kj = 1, Y[k, c] = 0 for c != j, and X', Y' with X'Y' = M restricted to
//    the columns != j (supported on K', by the induction hypothesis); then
//    X Y = M. "inner-row" (i, k) is the transpose: row i of I_l is the single
//    entry (i, k), (C_k \ {i}) x R_k is inside K', and row i of the product
//    is x_ik Y[k, :], any vector on R_k (put Y[k, :] = M[i, :], x_ik = 1,
//    X[a, k] = 0 for a != i). Unlike "col" / "row", the partner need not
//    cover anything: the used-up index k carries no other entry of M.
//    Example (random 4x4 r=4 suite, frontier case
//    0111,1111,1111,1111 ; 0111,1110,0101,0111): column 0 of X_2 is the single
//    entry (1, 0); removing inner index 1 leaves a 4x3 times 3x3 pair whose
//    pattern is the whole 4x3 rectangle and which the pinned theorem fills
//    (row 0 pinned to inner index 3): the set is all of R^{4x4}, closed (the
//    quantified routes time out at 240 s on it).
//    Steps "group-cols" (G, C) and "group-rows" (G, R) (issue 24 item 5):
//    C a set of columns, G the inner indices k whose rows supp I_{l+1}[k, :]
//    lie inside C. If the sub-pair (I_l[:, G], I_{l+1}[G, C]) gives every
//    matrix on its own pattern K_G (the pinned case above, r' >= min(m', n'))
//    and K_G = K[:, C] (K restricted to the columns C), remove G (columns G
//    of I_l, rows G of I_{l+1}) and the columns C of I_{l+1}: if the rest gives
//    every matrix on its pattern, which is K[:, not C] (G meets no column
//    outside C), the pair gives every matrix on K.
//    PROOF. For M supported on K: choose the rest's factors with product
//    M[:, not C] (induction) and entries 0 in the columns C (they are removed,
//    so allowed), and the group's factors with product M[:, C] (supported on
//    K[:, C] = K_G, filled). The two products live on disjoint columns and
//    use disjoint inner indices, so X Y = M. "group-rows" is the transpose
//    (G the inner indices whose columns of I_l lie inside the rows R, the
//    sub-pair fills K[R, :], remove G and the rows R of I_l). This is the
//    complete-class quotient of [T] Lemma 5.2.6 (seeds/000: L = V + L' with V
//    the span of a complete class) for a group that fills its columns
//    without being complete. Example (random 4x4 r=4 frontier pair
//    1111,1110,1111,0111 ; 1110,0110,1010,1010): rows 2, 3 of X_2 are
//    {0, 2}; (X_1[:, {2,3}], full 2x2) fills 4 x {0, 2} (pinned: row 1 on
//    inner index 2), and what is left, X_1[:, {0,1}] times the column 1 of
//    X_2, has single-entry rows: the set is all of R^{4x3} (column 3 of X_2
//    is empty).
// The first two generalize the permutation / diagonal factors absorbed by
// the detectors (a factor whose columns, or the next one's rows, are
// single entries "merges" rows of the other factor); they are the scaling
// argument of [T] Lemma 5.2.6 (seeds/000: a complete class spans its whole
// rectangle) for rank-one pieces with disjoint variables.
// Example (random chain suite, case 7): 110,100,110 ; 011,100,001 ;
// 111,011,011: trimmed, X_2 has rows {1,2}, {0} and columns with one entry
// each, so X_2 X_3 is any matrix on K = 111,111,000 and the chain is the
// two-factor pair (110,100,110 ; 111,111,000), which the routes decide at once.
#include "chain_merge.hpp"

#include <algorithm>

#include "pinned_determinantal.hpp"
#include "wellposed/decide/detail/reductions.hpp"

namespace wellposed::detail {

namespace {

using idx = std::size_t;

Support bool_product(const Support& A, const Support& B) {
  Support K(A.rows(), B.cols());
  for (idx i = 0; i < A.rows(); ++i)
    for (idx k = 0; k < A.cols(); ++k)
      if (A(i, k))
        for (idx j = 0; j < B.cols(); ++j)
          if (B(k, j)) K.set(i, j);
  return K;
}

// The "pinned" case of (*) for the pair (A, B): nullopt, or the pin part.
std::optional<nlohmann::json> pinned_pair(const Support& A, const Support& B) {
  std::vector<idx> rows, inner, cols;
  for (idx i = 0; i < A.rows(); ++i)
    if (A.row_count(i) > 0) rows.push_back(i);
  for (idx k = 0; k < A.cols(); ++k)
    if (A.col_count(k) > 0 && B.row_count(k) > 0) inner.push_back(k);
  for (idx j = 0; j < B.cols(); ++j)
    if (B.col_count(j) > 0) cols.push_back(j);
  const idx m = rows.size(), r = inner.size(), n = cols.size();
  if (m == 0 || n == 0 || r == 0 || r < std::min(m, n)) return std::nullopt;
  MaskedChain c;
  c.factors = {Support(m, r), Support(r, n)};
  for (idx a = 0; a < m; ++a)
    for (idx k = 0; k < r; ++k)
      if (A(rows[a], inner[k])) c.factors[0].set(a, k);
  for (idx k = 0; k < r; ++k)
    for (idx b = 0; b < n; ++b)
      if (B(inner[k], cols[b])) c.factors[1].set(k, b);
  c.mask = bool_product(c.factors[0], c.factors[1]);
  if (c.mask.nnz() != m * n) return std::nullopt;
  c.original_index = {rows, inner, cols};
  std::string why;
  return pinned_determinantal_route(c, why);
}

// The "peeled" case of (*) (see the file comment): peel steps, then a base
// case, searched depth-first (at most `budget` calls). Each step zeroes
// entries of copies of A and B; K is always the ORIGINAL pair's product.
bool peel_search(Support A, Support B, nlohmann::json& peel, nlohmann::json& base, int& budget) {
  if (--budget < 0) return false;
  const Support K = bool_product(A, B);
  if (K.nnz() == 0) {
    base = {{"base", "empty"}};
    return true;
  }
  bool cols_single = true, rows_single = true;
  for (idx j = 0; j < A.cols(); ++j) cols_single = cols_single && A.col_count(j) <= 1;
  for (idx j = 0; j < B.rows(); ++j) rows_single = rows_single && B.row_count(j) <= 1;
  if (cols_single || rows_single) {
    base = {{"base", cols_single ? "columns" : "rows"}};
    return true;
  }
  if (std::optional<nlohmann::json> pin = pinned_pair(A, B)) {
    base = {{"base", "pinned"}, {"pin", *pin}};
    return true;
  }
  for (idx k = 0; k < A.cols(); ++k) {
    // "col": column k of A is the single entry (i, k), and row k of B covers K[i, :].
    if (A.col_count(k) == 1 && B.row_count(k) > 0) {
      const idx i = A.col_indices(k).front();
      bool covers = true;
      for (idx c = 0; c < K.cols(); ++c) covers = covers && (!K(i, c) || B(k, c));
      if (covers) {
        Support A2 = A, B2 = B;
        for (idx q = 0; q < A2.cols(); ++q) A2.set(i, q, false);
        for (idx c = 0; c < B2.cols(); ++c) B2.set(k, c, false);
        peel.push_back({"col", i, k});
        if (peel_search(A2, B2, peel, base, budget)) return true;
        peel.erase(peel.end() - 1);
      }
    }
    // "row": row k of B is the single entry (k, j), and column k of A covers K[:, j].
    if (B.row_count(k) == 1 && A.col_count(k) > 0) {
      const idx j = B.row_indices(k).front();
      bool covers = true;
      for (idx a = 0; a < K.rows(); ++a) covers = covers && (!K(a, j) || A(a, k));
      if (covers) {
        Support A2 = A, B2 = B;
        for (idx a = 0; a < A2.rows(); ++a) A2.set(a, k, false);
        for (idx q = 0; q < B2.rows(); ++q) B2.set(q, j, false);
        peel.push_back({"row", j, k});
        if (peel_search(A2, B2, peel, base, budget)) return true;
        peel.erase(peel.end() - 1);
      }
    }
  }
  // "inner-col" / "inner-row" (issue 24 item 5, proof in the file comment):
  // a single-entry column of B / row of A uses up inner index k entirely.
  for (idx k = 0; k < A.cols(); ++k) {
    if (A.col_count(k) == 0 || B.row_count(k) == 0) continue;
    Support A2 = A, B2 = B;
    for (idx a = 0; a < A2.rows(); ++a) A2.set(a, k, false);
    for (idx c = 0; c < B2.cols(); ++c) B2.set(k, c, false);
    const Support K2 = bool_product(A2, B2);
    // "inner-col": column t of B is the single entry (k, t), and C_k x
    // (R_k \ {t}) lies inside K2; "inner-row": row t of A is the single entry
    // (t, k), and (C_k \ {t}) x R_k lies inside K2. True when the search
    // below the peel succeeds.
    const auto try_peel = [&](const char* kind, bool col, idx t) {
      if (col ? (B.col_count(t) != 1 || !B(k, t)) : (A.row_count(t) != 1 || !A(t, k))) return false;
      for (idx a = 0; a < A.rows(); ++a)
        for (idx c = 0; c < B.cols(); ++c)
          if ((col ? c != t : a != t) && A(a, k) && B(k, c) && !K2(a, c)) return false;
      peel.push_back({kind, t, k});
      if (peel_search(A2, B2, peel, base, budget)) return true;
      peel.erase(peel.end() - 1);
      return false;
    };
    for (idx j = 0; j < B.cols(); ++j)
      if (try_peel("inner-col", true, j)) return true;
    for (idx i = 0; i < A.rows(); ++i)
      if (try_peel("inner-row", false, i)) return true;
  }
  // "group-cols" / "group-rows" (issue 24 item 5, proof in the file comment):
  // for a proper set C of columns (rows), G = the inner indices whose row of B
  // (column of A) lies inside C; the pair restricted to G fills K[:, C]
  // (K[C, :]) by the pinned theorem; then G and C are removed.
  for (int side = 0; side < 2; ++side) {
    const idx outer = side == 0 ? B.cols() : A.rows();
    if (outer < 2 || outer > 12) continue;
    for (unsigned mask = 1; mask + 1 < (1u << outer); ++mask) {
      std::vector<bool> inC(outer);
      for (idx c = 0; c < outer; ++c) inC[c] = (mask >> c & 1u) != 0;
      Support GA(A.rows(), A.cols()), GB(B.rows(), B.cols());  // the group's sub-pair
      Support A2 = A, B2 = B;                                   // the rest
      nlohmann::json G = nlohmann::json::array(), C = nlohmann::json::array();
      for (idx k = 0; k < A.cols(); ++k) {
        if (A.col_count(k) == 0 || B.row_count(k) == 0) continue;
        bool inside = true;
        if (side == 0) {
          for (idx c = 0; c < B.cols(); ++c) inside = inside && (!B(k, c) || inC[c]);
        } else {
          for (idx a = 0; a < A.rows(); ++a) inside = inside && (!A(a, k) || inC[a]);
        }
        if (!inside) continue;
        G.push_back(k);
        for (idx a = 0; a < A.rows(); ++a)
          if (A(a, k)) GA.set(a, k), A2.set(a, k, false);
        for (idx c = 0; c < B.cols(); ++c)
          if (B(k, c)) GB.set(k, c), B2.set(k, c, false);
      }
      if (G.empty()) continue;
      for (idx c = 0; c < outer; ++c) {
        if (!inC[c]) continue;
        C.push_back(c);
        if (side == 0)
          for (idx q = 0; q < B2.rows(); ++q) B2.set(q, c, false);
        else
          for (idx q = 0; q < A2.cols(); ++q) A2.set(c, q, false);
      }
      // The group's pattern must be all of K on C.
      const Support KG = bool_product(GA, GB);
      bool equal = true;
      for (idx a = 0; a < K.rows() && equal; ++a)
        for (idx c = 0; c < K.cols() && equal; ++c)
          if ((side == 0 ? inC[c] : inC[a]) && K(a, c) != KG(a, c)) equal = false;
      if (!equal) continue;
      std::optional<nlohmann::json> pin = pinned_pair(GA, GB);
      if (!pin) continue;
      peel.push_back({side == 0 ? "group-cols" : "group-rows", G, C, *pin});
      if (peel_search(A2, B2, peel, base, budget)) return true;
      peel.erase(peel.end() - 1);
    }
  }
  return false;
}

}  // namespace

std::vector<Support> trim_to_paths(const std::vector<Support>& f) {
  const idx L = f.size();
  if (L == 0) return f;
  // fw[l][a]: node a of level l is reached from some row; bw: reaches some column.
  std::vector<std::vector<bool>> fw(L + 1), bw(L + 1);
  fw[0].assign(f[0].rows(), true);
  for (idx l = 0; l < L; ++l) {
    fw[l + 1].assign(f[l].cols(), false);
    for (auto [a, b] : f[l].entries())
      if (fw[l][a]) fw[l + 1][b] = true;
  }
  bw[L].assign(f[L - 1].cols(), true);
  for (idx l = L; l-- > 0;) {
    bw[l].assign(f[l].rows(), false);
    for (auto [a, b] : f[l].entries())
      if (bw[l + 1][b]) bw[l][a] = true;
  }
  std::vector<Support> out;
  for (idx l = 0; l < L; ++l) {
    Support s(f[l].rows(), f[l].cols());
    for (auto [a, b] : f[l].entries())
      if (fw[l][a] && bw[l + 1][b]) s.set(a, b);
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<ChainMerge> merge_chain(const std::vector<Support>& factors) {
  ChainMerge m;
  m.factors = factors;
  m.steps = nlohmann::json::array();
  while (m.factors.size() >= 2) {
    m.factors = trim_to_paths(m.factors);
    bool merged = false;
    for (idx l = 0; l + 1 < m.factors.size() && !merged; ++l) {
      const Support& A = m.factors[l];
      const Support& B = m.factors[l + 1];
      nlohmann::json step = {{"level", l}};
      bool cols_single = true, rows_single = true;
      for (idx j = 0; j < A.cols(); ++j) cols_single = cols_single && A.col_count(j) <= 1;
      for (idx j = 0; j < B.rows(); ++j) rows_single = rows_single && B.row_count(j) <= 1;
      if (cols_single) step["by"] = "columns";
      else if (rows_single) step["by"] = "rows";
      else if (std::optional<nlohmann::json> pin = pinned_pair(A, B)) {
        step["by"] = "pinned";
        step["pin"] = std::move(*pin);
      } else {
        nlohmann::json peel = nlohmann::json::array(), base;
        int budget = 2000;
        if (!peel_search(A, B, peel, base, budget) || peel.empty()) continue;
        step["by"] = "peeled";
        step["peel"] = std::move(peel);
        for (auto& [key, value] : base.items()) step[key] = value;
      }
      const Support K = bool_product(A, B);
      m.factors.erase(m.factors.begin() + static_cast<std::ptrdiff_t>(l),
                      m.factors.begin() + static_cast<std::ptrdiff_t>(l) + 2);
      m.factors.insert(m.factors.begin() + static_cast<std::ptrdiff_t>(l), K);
      m.steps.push_back(std::move(step));
      merged = true;
    }
    if (!merged) break;
  }
  if (m.steps.empty()) return std::nullopt;
  m.factors = trim_to_paths(m.factors);
  return m;
}

}  // namespace wellposed::detail
