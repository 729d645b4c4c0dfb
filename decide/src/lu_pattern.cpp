#include "wellposed/decide/lu_pattern.hpp"

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "prover_json.hpp"
#include "wellposed/decide/explain.hpp"

namespace wellposed {

namespace {

using detail::Rational;
using detail::Term;

void check_pair(const Support& left, const Support& right) {
  if (left.cols() != right.rows()) {
    std::ostringstream os;
    os << "LU-pattern detector: left is " << left.rows() << "x" << left.cols() << ", right is " << right.rows()
       << "x" << right.cols() << "; the inner dimensions must agree";
    throw std::invalid_argument(os.str());
  }
}

// The search on (left, right) with the quadratic loop over rows.
std::optional<LuPattern> search(const Support& left, const Support& right) {
  const std::size_t m = left.rows(), n = right.cols(), r = left.cols();
  const std::size_t words = (n + 63) / 64;
  // cnt[i][j] = #{p : (i,j) in S_p}; keep its two useful level sets as bit rows.
  const auto cnt = left.counting_product(right);
  std::vector<std::uint64_t> ones(m * words, 0), many(m * words, 0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const auto c = cnt[i * n + j];
      if (c == 1) ones[i * words + (j >> 6)] |= std::uint64_t{1} << (j & 63);
      if (c >= 2) many[i * words + (j >> 6)] |= std::uint64_t{1} << (j & 63);
    }
  const Support leftT = left.transpose();
  std::vector<std::uint64_t> U(words);
  for (std::size_t k = 0; k < r; ++k) {
    const auto C = right.row_bits(k);
    const auto R = leftT.row_indices(k);
    if (R.size() < 2) continue;
    for (auto i1 : R) {
      // U = {j in C : (i1, j) lies only in S_k}: candidates for j1 and j2.
      bool any = false;
      for (std::size_t w = 0; w < words; ++w) {
        U[w] = C[w] & ones[i1 * words + w];
        any = any || U[w];
      }
      if (!any) continue;
      for (auto i2 : R) {
        if (i2 == i1) continue;
        // j1 in U with (i2, j1) only in S_k; j2 in U with (i2, j2) also elsewhere.
        std::size_t j1 = n, j2 = n;
        for (std::size_t w = 0; w < words && (j1 == n || j2 == n); ++w) {
          const auto a = U[w] & ones[i2 * words + w];
          const auto b = U[w] & many[i2 * words + w];
          if (a && j1 == n) j1 = w * 64 + static_cast<std::size_t>(__builtin_ctzll(a));
          if (b && j2 == n) j2 = w * 64 + static_cast<std::size_t>(__builtin_ctzll(b));
        }
        if (j1 == n || j2 == n) continue;
        for (std::size_t l = 0; l < r; ++l)
          if (l != k && left(i2, l) && right(l, j2)) return LuPattern{i1, i2, j1, j2, k, l};
      }
    }
  }
  return std::nullopt;
}

std::vector<std::size_t> inner_of(const Support& left, const Support& right, std::size_t i, std::size_t j) {
  std::vector<std::size_t> out;
  for (std::size_t p = 0; p < left.cols(); ++p)
    if (left(i, p) && right(p, j)) out.push_back(p);
  return out;
}

}  // namespace

bool is_lu_pattern(const Support& left, const Support& right, const LuPattern& p) {
  check_pair(left, right);
  const std::size_t m = left.rows(), n = right.cols(), r = left.cols();
  if (p.i1 >= m || p.i2 >= m || p.j1 >= n || p.j2 >= n || p.k >= r || p.l >= r) return false;
  if (p.i1 == p.i2 || p.j1 == p.j2 || p.k == p.l) return false;
  const std::vector<std::size_t> only_k{p.k};
  if (inner_of(left, right, p.i1, p.j1) != only_k) return false;
  if (inner_of(left, right, p.i1, p.j2) != only_k) return false;
  if (inner_of(left, right, p.i2, p.j1) != only_k) return false;
  return left(p.i2, p.k) && right(p.k, p.j2) && left(p.i2, p.l) && right(p.l, p.j2);
}

std::optional<LuPattern> find_lu_pattern(const Support& left, const Support& right) {
  check_pair(left, right);
  if (left.rows() <= right.cols()) return search(left, right);
  // Transposed pair (right^T, left^T): its (i1', i2', j1', j2') maps back to
  // i1 = j1', i2 = j2', j1 = i1', j2 = i2' (the conditions are symmetric).
  auto t = search(right.transpose(), left.transpose());
  if (!t) return std::nullopt;
  return LuPattern{t->j1, t->j2, t->i1, t->i2, t->k, t->l};
}

std::optional<LuPattern> find_lu_pattern_brute_force(const Support& left, const Support& right) {
  check_pair(left, right);
  const std::size_t m = left.rows(), n = right.cols(), r = left.cols();
  for (std::size_t k = 0; k < r; ++k)
    for (std::size_t l = 0; l < r; ++l)
      for (std::size_t i1 = 0; i1 < m; ++i1)
        for (std::size_t i2 = 0; i2 < m; ++i2)
          for (std::size_t j1 = 0; j1 < n; ++j1)
            for (std::size_t j2 = 0; j2 < n; ++j2) {
              LuPattern p{i1, i2, j1, j2, k, l};
              if (is_lu_pattern(left, right, p)) return p;
            }
  return std::nullopt;
}

nlohmann::json lu_pattern_certificate(const Support& left, const Support& right, const LuPattern& p) {
  if (!is_lu_pattern(left, right, p)) throw std::invalid_argument("lu_pattern_certificate: not an LU-type pattern");
  const std::size_t m = left.rows(), n = right.cols();
  const Rational one(1);
  nlohmann::json c;
  c["kind"] = "lu_pattern";
  c["theorem"] = "Thm 4.3.1 / Lemma 7.5.5: A = e_i1 e_j2^T + e_i2 e_j1^T lies in cl(L_I) \\ L_I";
  c["factors"] = detail::factors_json({left, right});
  c["indices"] = {{"i1", p.i1}, {"i2", p.i2}, {"j1", p.j1}, {"j2", p.j2}, {"k", p.k}, {"l", p.l}};
  c["target"] = detail::sparse_json(m, n, {{p.i1, p.j2, one}, {p.i2, p.j1, one}});
  std::vector<Term> X1{{p.i1, p.k, one, 1}, {p.i2, p.k, one, -1}, {p.i2, p.l, Rational(-1), -2}};
  std::vector<Term> X2{{p.k, p.j1, one, 1}, {p.k, p.j2, one, -1}, {p.l, p.j2, one, 0}};
  c["sequence"] = {{"parameter", "t"},
                   {"limit", "t -> 0+"},
                   {"factors", nlohmann::json::array({detail::terms_json(X1), detail::terms_json(X2)})},
                   {"residual", detail::terms_json({{p.i1, p.j1, one, 2}})}};
  nlohmann::json eqs = nlohmann::json::array();
  eqs.push_back({{"entry", {p.i1, p.j1}}, {"inner", p.k}, {"value", "0"}});
  eqs.push_back({{"entry", {p.i1, p.j2}}, {"inner", p.k}, {"value", "1"}});
  eqs.push_back({{"entry", {p.i2, p.j1}}, {"inner", p.k}, {"value", "1"}});
  c["non_membership"] = {
      {"equations", eqs},
      {"argument",
       "each listed entry lies in the rank-one support S_inner only, so (X_1 X_2)[i,j] = X_1[i,inner] X_2[inner,j] "
       "there; x_a y_b = 0, x_a y_c != 0 and x_d y_b != 0 are inconsistent"}};
  c["landscape"] = lu_landscape_witnesses(left, right, p);
  return c;
}

nlohmann::json lu_landscape_witnesses(const Support& left, const Support& right, const LuPattern& p) {
  // Thm 4.3.1's proof with i1 = j1 = 1, i2 = j2 = 2, k = 1, l = 2 mapped back:
  // thesis X'[a,b] -> X_1[i_a, k_b], thesis Y'[a,b] -> X_2[k_b, j_a].
  const std::size_t m = left.rows(), n = right.cols();
  auto factors = [&](const std::vector<Term>& x, const std::vector<Term>& y) {
    return nlohmann::json::array({detail::terms_json(x), detail::terms_json(y)});
  };
  const Rational one(1), zero(0);
  nlohmann::json w;
  // (1) A' = [[1,1],[1,0]]: optimum X' = [[1,0],[1,1]], Y' = [[1,0],[1,-1]];
  // point in the spurious valley S_3 (sigma = 5): X' = [[1,0],[-5,1]], Y' = [[-1/5,0],[1,5]], loss 36/25.
  w["spurious_valley"] = {
      {"theorem", "Thm 4.3.1 (1) via Lemma 4.1.10: sublevel sets S_sigma, sigma = sum_{p != k} X_1[i2,p] X_2[p,j2]"},
      {"target", detail::sparse_json(m, n, {{p.i1, p.j1, one}, {p.i1, p.j2, one}, {p.i2, p.j1, one}})},
      {"optimum",
       {{"factors", factors({{p.i1, p.k, one, 0}, {p.i2, p.k, one, 0}, {p.i2, p.l, one, 0}},
                            {{p.k, p.j1, one, 0}, {p.k, p.j2, one, 0}, {p.l, p.j2, Rational(-1), 0}})},
        {"loss", "0"}}},
      {"valley_point",
       {{"factors", factors({{p.i1, p.k, one, 0}, {p.i2, p.k, Rational(-5), 0}, {p.i2, p.l, one, 0}},
                            {{p.k, p.j1, Rational(-1, 5), 0}, {p.k, p.j2, one, 0}, {p.l, p.j2, Rational(5), 0}})},
        {"loss", "36/25"},
        {"sigma", "5"}}},
      {"sigma_levels", {{"S1", "-1"}, {"S2", "1"}, {"S3", "5"}}},
      {"g", "g(-1) = 0, g(1) = 2, g(5) = 72/(28+sqrt(640)) ~ 1.3509 (eq. 4.4)"}};
  // (2) A' = diag(b, a), a = 2 > b = 1: spurious local minimum X'[2,1] = a, Y'[2,1] = 1, loss b^2.
  const Rational a(2), b(1);
  w["spurious_minimum"] = {
      {"theorem", "Thm 4.3.1 (2): A' = diag(b, a), a > b > 0"},
      {"target", detail::sparse_json(m, n, {{p.i1, p.j1, b}, {p.i2, p.j2, a}})},
      {"optimum",
       {{"factors", factors({{p.i1, p.k, b, 0}, {p.i2, p.l, a, 0}}, {{p.k, p.j1, one, 0}, {p.l, p.j2, one, 0}})},
        {"loss", "0"}}},
      {"local_minimum", {{"factors", factors({{p.i2, p.k, a, 0}}, {{p.k, p.j2, one, 0}})}, {"loss", "1"}}}};
  (void)zero;
  return w;
}

Verdict detect_lu_pattern(const Support& left, const Support& right) {
  const auto t0 = std::chrono::steady_clock::now();
  Verdict v;
  v.method = "lu-pattern (Thm 4.3.1, Lemma 7.5.5)";
  if (auto p = find_lu_pattern(left, right)) {
    v.closedness = Closedness::not_closed;
    std::ostringstream os;
    os << "LU-type pattern i1=" << p->i1 << " i2=" << p->i2 << " j1=" << p->j1 << " j2=" << p->j2 << " k=" << p->k
       << " l=" << p->l << " (zero-based): e_i1 e_j2^T + e_i2 e_j1^T is a limit of products but not a product";
    v.reason = os.str();
    v.certificate = lu_pattern_certificate(left, right, *p);
  } else {
    v.reason = "no LU-type pattern (the detector is only sufficient for non-closedness)";
  }
  v.explanation = explain(v);
  v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return v;
}

}  // namespace wellposed
