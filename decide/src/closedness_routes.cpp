#include "wellposed/decide/detail/reductions.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>

#include "wellposed/algebra/detail/entry_polynomials.hpp"
#include "wellposed/algebra/rank_one.hpp"

#include "sentence_parts.hpp"

// The closedness routes' building blocks of reductions.hpp (Jacobian rank,
// asymptotic cone, determinantal route, vanishing minors and the
// algebraic-onto sentences); split from reductions.cpp (issue 18 item 8).
namespace wellposed {

namespace {
using idx = std::size_t;
using namespace sentence_parts;
}  // namespace

namespace {

// Rank of a rational matrix (rows of equal length), by exact elimination.
std::size_t exact_rank(std::vector<std::vector<Rational>> J) {
  const idx n = J.empty() ? 0 : J.front().size();
  std::size_t rank = 0;
  for (idx c = 0; c < n && rank < J.size(); ++c) {
    idx piv = rank;
    while (piv < J.size() && J[piv][c] == 0) ++piv;
    if (piv == J.size()) continue;
    std::swap(J[piv], J[rank]);
    for (idx r = 0; r < J.size(); ++r)
      if (r != rank && J[r][c] != 0) {
        const Rational f = J[r][c] / J[rank][c];
        for (idx k = c; k < n; ++k) J[r][k] -= f * J[rank][k];
      }
    ++rank;
  }
  return rank;
}

// A seeded rational point with every coordinate non-zero (+-1..9 over 1..5).
Assignment random_nonzero_point(const std::vector<Variable>& vars, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  Assignment pt;
  for (const auto& v : vars) {
    const long long num = static_cast<long long>(g() % 9) + 1;
    pt[v] = Rational(g() % 2 ? num : -num, static_cast<long long>(g() % 5) + 1);
  }
  return pt;
}

}  // namespace

std::size_t jacobian_rank_at_random_point(const MaskedChain& chain, std::uint64_t seed) {
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  const auto vars = x.variables();
  // The largest rank over three seeded points with NON-ZERO coordinates: a
  // zero coordinate is a special point where the rank may drop (one did on
  // a 3x3 benchmark block, hiding a route). Still a lower bound on dim S.
  std::size_t best = 0;
  for (std::uint64_t k = 0; k < 3; ++k) {
    const Assignment pt = random_nonzero_point(vars, seed + k);
    // Entry polynomials are multilinear, so dP/dv = P(v = 1) - P(v = 0) at the point.
    std::vector<std::vector<Rational>> J;
    for (auto [i, j] : chain.mask.entries()) {
      std::vector<Rational> row;
      for (const auto& v : vars) {
        Assignment p1 = pt, p0 = pt;
        p1[v] = 1;
        p0[v] = 0;
        row.push_back(x.at(i, j).evaluate(p1) - x.at(i, j).evaluate(p0));
      }
      J.push_back(std::move(row));
    }
    best = std::max(best, exact_rank(std::move(J)));
  }
  return best;
}

Formula asymptotic_cone_formula(const MaskedChain& chain, ConeNormalization n) {
  if (chain.num_factors() != 2)
    throw std::invalid_argument("asymptotic_cone_formula: needs two factors, the chain has " +
                                std::to_string(chain.num_factors()));
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  const auto classes = rank_one_classes(chain.factors[0], chain.factors[1]);
  std::vector<Formula> parts;
  for (auto [i, j] : chain.mask.entries()) parts.push_back(eq(x.at(i, j)));
  std::vector<Formula> some_one;
  Polynomial squares;
  for (const auto& P : classes) {
    if (P.rows.empty() || P.cols.empty()) continue;
    for (idx i : P.rows)
      for (idx j : P.cols) {
        Polynomial z;
        for (idx k : P.indices) z += x.factors[0].entry(i, k) * x.factors[1].entry(k, j);
        if (n == ConeNormalization::some_entry_one)
          some_one.push_back(eq(z, Polynomial(1)));
        else
          squares += z * z;
      }
  }
  if (n == ConeNormalization::some_entry_one)
    parts.push_back(Formula::disjunction(some_one));
  else
    parts.push_back(eq(squares, Polynomial(1)));
  return Formula::exists(x.variables(), Formula::conjunction(parts));
}

bool determinantal_route(const MaskedChain& chain, std::string& why) {
  if (chain.num_factors() != 2) return false;
  const Support& I1 = chain.factors[0];
  const Support& I2 = chain.factors[1];
  const idx m = I1.rows(), r = I1.cols(), n = I2.cols();
  if (chain.mask.nnz() != m * n || r == 0 || r > m || r > n || r > 16) return false;
  // side 0: I_1 full, sets C_k (size n); side 1: I_2 full, sets R_k (size m).
  for (int side = 0; side < 2; ++side) {
    const Support& full = side == 0 ? I1 : I2;
    if (full.nnz() != full.rows() * full.cols()) continue;
    const idx ambient = side == 0 ? n : m;
    std::vector<long long> bound(r);
    for (idx k = 0; k < r; ++k) {
      const idx size = side == 0 ? I2.row_count(k) : I1.col_count(k);
      bound[k] = static_cast<long long>(r + size) - static_cast<long long>(ambient);
    }
    bool hall = true;
    for (std::uint32_t K = 1; K < (1u << r) && hall; ++K) {
      long long best = -1;
      for (idx k = 0; k < r; ++k)
        if (K >> k & 1u) best = std::max(best, bound[k]);
      hall = best >= static_cast<long long>(__builtin_popcount(K));
    }
    if (hall) {
      why = std::string(side == 0 ? "I_1" : "I_2") + " full, Hall condition on the " +
            (side == 0 ? "row supports of I_2" : "column supports of I_1") + ": the set is {rank <= " +
            std::to_string(r) + "}";
      return true;
    }
  }
  return false;
}

// ------------------------------------------------------ algebraic-onto route
namespace {

// Laplace expansion along the first row (sizes <= 5 here).
template <class T>
T determinant(const std::vector<std::vector<T>>& m) {
  const idx n = m.size();
  if (n == 0) return T(1);
  if (n == 1) return m[0][0];
  T out(0);
  for (idx c = 0; c < n; ++c) {
    if (m[0][c] == T(0)) continue;
    std::vector<std::vector<T>> sub;
    for (idx r = 1; r < n; ++r) {
      std::vector<T> row;
      for (idx k = 0; k < n; ++k)
        if (k != c) row.push_back(m[r][k]);
      sub.push_back(std::move(row));
    }
    T term = m[0][c] * determinant(sub);
    if (c % 2 == 0) out += term;
    else out -= term;
  }
  return out;
}

std::vector<idx> level_sizes(const MaskedChain& chain) {
  std::vector<idx> d{chain.rows()};
  for (const auto& f : chain.factors) d.push_back(f.cols());
  return d;
}

// Does some path from a row in R reach a column in C avoiding the nodes
// `blocked[level][index]`?
bool connects(const MaskedChain& chain, const std::vector<idx>& R, const std::vector<idx>& C,
              const std::vector<std::vector<char>>& blocked) {
  std::vector<char> cur(chain.rows(), 0);
  for (idx i : R)
    if (!blocked[0][i]) cur[i] = 1;
  for (idx l = 0; l < chain.num_factors(); ++l) {
    std::vector<char> next(chain.factors[l].cols(), 0);
    for (auto [a, b] : chain.factors[l].entries())
      if (cur[a] && !blocked[l + 1][b]) next[b] = 1;
    cur = std::move(next);
  }
  return std::any_of(C.begin(), C.end(), [&](idx j) { return cur[j] != 0; });
}

// A separator of fewer than `limit` nodes, by brute force over node sets in
// order of size; false when none exists (or the graph is too large).
bool find_separator(const MaskedChain& chain, const std::vector<idx>& R, const std::vector<idx>& C, idx limit,
                    std::vector<std::pair<idx, idx>>& out) {
  const auto sizes = level_sizes(chain);
  std::vector<std::pair<idx, idx>> nodes;
  for (idx l = 0; l < sizes.size(); ++l)
    for (idx k = 0; k < sizes[l]; ++k) nodes.emplace_back(l, k);
  if (nodes.size() > 24) return false;
  std::vector<std::vector<char>> blocked;
  for (idx n : sizes) blocked.emplace_back(n, 0);
  for (idx size = 0; size < limit; ++size) {
    std::vector<idx> comb(size);
    std::iota(comb.begin(), comb.end(), idx{0});
    while (true) {
      for (idx k : comb) blocked[nodes[k].first][nodes[k].second] = 1;
      const bool sep = !connects(chain, R, C, blocked);
      for (idx k : comb) blocked[nodes[k].first][nodes[k].second] = 0;
      if (sep) {
        out.clear();
        for (idx k : comb) out.push_back(nodes[k]);
        return true;
      }
      idx k = size;
      while (k > 0 && comb[k - 1] == nodes.size() - size + (k - 1)) --k;
      if (k == 0) break;
      ++comb[k - 1];
      for (idx t = k; t < size; ++t) comb[t] = comb[t - 1] + 1;
    }
  }
  return false;
}

// All s-subsets of {0..n-1}.
std::vector<std::vector<idx>> subsets(idx n, idx s) {
  std::vector<std::vector<idx>> out;
  if (s > n) return out;
  std::vector<idx> comb(s);
  std::iota(comb.begin(), comb.end(), idx{0});
  while (true) {
    out.push_back(comb);
    idx k = s;
    while (k > 0 && comb[k - 1] == n - s + (k - 1)) --k;
    if (k == 0) break;
    ++comb[k - 1];
    for (idx t = k; t < s; ++t) comb[t] = comb[t - 1] + 1;
  }
  return out;
}

// The minor's polynomial det a[R, C] for a target matrix A (Polynomial or
// Rational entries; zeros off the mask).
template <class T>
T minor_value(const VanishingMinor& m, const std::vector<std::vector<T>>& A) {
  std::vector<std::vector<T>> sub;
  for (idx i : m.rows) {
    std::vector<T> row;
    for (idx j : m.cols) row.push_back(A[i][j]);
    sub.push_back(std::move(row));
  }
  return determinant(sub);
}

}  // namespace

nlohmann::json VanishingMinor::to_json(const MaskedChain& chain) const {
  nlohmann::json r = nlohmann::json::array(), c = nlohmann::json::array(), s = nlohmann::json::array();
  for (idx i : rows) r.push_back(chain.original_index.front()[i]);
  for (idx j : cols) c.push_back(chain.original_index.back()[j]);
  for (auto [l, k] : separator) s.push_back({l, chain.original_index[l][k]});
  return {{"rows", r}, {"cols", c}, {"separator", s}};
}

std::vector<VanishingMinor> vanishing_minors(const MaskedChain& chain, std::size_t max_size) {
  std::vector<VanishingMinor> out;
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  const idx top = std::min({max_size, chain.rows(), chain.cols()});
  for (idx s = 2; s <= top; ++s)
    for (const auto& R : subsets(chain.rows(), s))
      for (const auto& C : subsets(chain.cols(), s)) {
        bool ok = true;
        for (idx i : R)
          for (idx j : C)
            if (!chain.mask(i, j) && !x.at(i, j).is_zero()) ok = false;
        if (!ok) continue;
        // det a[R, C] is a non-zero polynomial iff some permutation avoids the zeros.
        std::vector<idx> perm(s);
        std::iota(perm.begin(), perm.end(), idx{0});
        bool matching = false;
        do {
          bool all = true;
          for (idx k = 0; k < s && all; ++k) all = chain.mask(R[k], C[perm[k]]);
          matching = all;
        } while (!matching && std::next_permutation(perm.begin(), perm.end()));
        if (!matching) continue;
        VanishingMinor m{R, C, {}};
        if (find_separator(chain, R, C, s, m.separator)) out.push_back(std::move(m));
      }
  return out;
}

std::vector<Formula> algebraic_onto_sentences(const MaskedChain& chain, const std::vector<VanishingMinor>& minors,
                                              const MaskedSentenceOptions& o) {
  const auto av = target_variables(chain.rows(), chain.cols());
  const auto forest = spanning_forest(chain.mask);
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  if (forest.size() > 20) throw std::invalid_argument("algebraic_onto_sentences: spanning forest too large");
  std::vector<Formula> out;
  for (std::uint32_t pattern = 0; pattern < (1u << forest.size()); ++pattern) {
    std::vector<std::vector<Polynomial>> A(chain.rows(), std::vector<Polynomial>(chain.cols()));
    for (auto [i, j] : chain.mask.entries()) A[i][j] = av[i][j];
    std::set<std::pair<idx, idx>> fixed;
    for (idx e = 0; e < forest.size(); ++e) {
      A[forest[e].first][forest[e].second] = Polynomial(Rational(static_cast<long long>(pattern >> e & 1u)));
      fixed.insert(forest[e]);
    }
    std::vector<Variable> free;
    for (auto [i, j] : chain.mask.entries())
      if (!fixed.count({i, j})) free.push_back(av[i][j]);
    std::vector<Formula> hyp;
    bool vacuous = false;
    for (const auto& m : minors) {
      const Polynomial d = minor_value(m, A);
      if (d.is_zero()) continue;
      if (d.is_constant()) vacuous = true;  // a non-zero constant: no a of this pattern is in D
      hyp.push_back(eq(d));
    }
    if (vacuous) continue;
    Formula body = reaches(chain, x, A);
    if (o.gauge) body = gauge_formula(chain, x) && body;
    Formula f = Formula::exists(x.variables(), body);
    if (!hyp.empty()) f = implies(Formula::conjunction(hyp), f);
    out.push_back(free.empty() ? f : Formula::forall(free, f));
  }
  return out;
}

std::size_t onto_tangent_dimension(const MaskedChain& chain, const std::vector<VanishingMinor>& minors,
                                   std::uint64_t seed) {
  const EntryPolynomials x = entry_polynomials(chain.architecture(), "x");
  const auto E = chain.mask.entries();
  // The smallest tangent dimension over three seeded points with non-zero
  // coordinates (at a special point it can only be larger).
  std::size_t best = E.size();
  for (std::uint64_t k = 0; k < 3; ++k) {
    const RationalMatrix P = x.evaluate(random_nonzero_point(x.variables(), seed + k));
    std::vector<std::vector<Rational>> a(chain.rows(), std::vector<Rational>(chain.cols()));
    for (auto [i, j] : E) a[i][j] = P(i, j);
    // A minor is multilinear in the entries: d/da_ij = det(a_ij = 1) - det(a_ij = 0).
    std::vector<std::vector<Rational>> grad;
    for (const auto& m : minors) {
      std::vector<Rational> row;
      for (auto [i, j] : E) {
        auto a1 = a, a0 = a;
        a1[i][j] = 1;
        a0[i][j] = 0;
        row.push_back(minor_value(m, a1) - minor_value(m, a0));
      }
      grad.push_back(std::move(row));
    }
    best = std::min(best, E.size() - exact_rank(std::move(grad)));
  }
  return best;
}

}  // namespace wellposed
