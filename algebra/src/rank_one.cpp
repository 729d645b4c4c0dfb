#include "wellposed/algebra/rank_one.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

namespace wellposed {

namespace {
void check_pair(const Support& left, const Support& right) {
  if (left.cols() != right.rows()) {
    std::ostringstream os;
    os << "rank-one supports: left is " << left.rows() << "x" << left.cols() << " and right is " << right.rows()
       << "x" << right.cols() << "; the inner dimensions must agree";
    throw std::invalid_argument(os.str());
  }
}
}  // namespace

Support rank_one_support(const Support& left, const Support& right, std::size_t k) {
  check_pair(left, right);
  if (k >= left.cols()) throw std::out_of_range("rank_one_support: k = " + std::to_string(k) + " >= r");
  Support s(left.rows(), right.cols());
  const auto cols = right.row_indices(k);
  for (auto i : left.col_indices(k))
    for (auto j : cols) s.set(i, j);
  return s;
}

std::vector<Support> rank_one_supports(const Support& left, const Support& right) {
  std::vector<Support> out;
  for (std::size_t k = 0; k < left.cols(); ++k) out.push_back(rank_one_support(left, right, k));
  return out;
}

bool RankOneClass::complete() const { return indices.size() >= std::min(rows.size(), cols.size()); }

Support RankOneClass::support(std::size_t m, std::size_t n) const {
  Support s(m, n);
  for (auto i : rows)
    for (auto j : cols) s.set(i, j);
  return s;
}

std::vector<RankOneClass> rank_one_classes(const Support& left, const Support& right) {
  check_pair(left, right);
  const Support leftT = left.transpose();  // row k of leftT = column k of left
  std::map<std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>>, std::size_t> key_to_class;
  std::vector<RankOneClass> classes;
  for (std::size_t k = 0; k < left.cols(); ++k) {
    auto key = std::make_pair(leftT.row_bits(k), right.row_bits(k));
    auto [it, inserted] = key_to_class.emplace(std::move(key), classes.size());
    if (inserted) classes.push_back({{}, leftT.row_indices(k), right.row_indices(k)});
    classes[it->second].indices.push_back(k);
  }
  return classes;
}

bool classes_pairwise_disjoint(const std::vector<RankOneClass>& classes, std::size_t m, std::size_t n) {
  // Disjoint rectangles: mark every cell once; a second mark means overlap.
  Support seen(m, n);
  for (const auto& P : classes)
    for (auto i : P.rows)
      for (auto j : P.cols) {
        if (seen(i, j)) return false;
        seen.set(i, j);
      }
  return true;
}

CecTaxonomy cec_taxonomy(const Support& left, const Support& right) {
  check_pair(left, right);
  const std::size_t m = left.rows(), n = right.cols(), r = left.cols();
  CecTaxonomy t;
  t.classes = rank_one_classes(left, right);
  t.S_T = Support(m, n);
  std::vector<bool> in_T(r, false);
  for (std::size_t p = 0; p < t.classes.size(); ++p) {
    const auto& P = t.classes[p];
    if (!P.complete()) continue;
    t.complete_class.push_back(p);
    for (auto k : P.indices) in_T[k] = true;
    t.S_T = t.S_T | P.support(m, n);
  }
  for (std::size_t k = 0; k < r; ++k) (in_T[k] ? t.T : t.T_bar).push_back(k);

  t.all_rectangular = true;
  for (auto k : t.T_bar) {
    Support sp = rank_one_support(left, right, k).minus(t.S_T);
    std::vector<std::size_t> R, C;
    for (std::size_t i = 0; i < m; ++i)
      if (sp.row_count(i)) R.push_back(i);
    for (std::size_t j = 0; j < n; ++j)
      if (sp.col_count(j)) C.push_back(j);
    // S'_k is a rectangle iff it has |R| |C| entries (it always lies in R x C).
    const bool rect = sp.nnz() == R.size() * C.size();
    t.all_rectangular = t.all_rectangular && rect;
    t.S_prime.push_back(std::move(sp));
    t.rectangular.push_back(rect);
    t.R.push_back(std::move(R));
    t.C.push_back(std::move(C));
  }
  t.thm_5_2_9_hypothesis = t.all_rectangular;
  for (std::size_t a = 0; a < t.T_bar.size() && t.thm_5_2_9_hypothesis; ++a)
    for (std::size_t b = a + 1; b < t.T_bar.size(); ++b) {
      const auto& x = t.S_prime[a];
      const auto& y = t.S_prime[b];
      if (x != y && (x & y).nnz() != 0) {
        t.thm_5_2_9_hypothesis = false;
        break;
      }
    }

  t.left_T = t.left_1 = t.left_2 = Support(m, r);
  t.right_T = t.right_1 = t.right_2 = Support(r, n);
  for (auto k : t.T) {
    for (auto i : left.col_indices(k)) t.left_T.set(i, k);
    for (auto j : right.row_indices(k)) t.right_T.set(k, j);
  }
  for (std::size_t a = 0; a < t.T_bar.size(); ++a) {
    const auto k = t.T_bar[a];
    const auto& R = t.R[a];
    const auto& C = t.C[a];
    for (auto i : left.col_indices(k))
      (std::binary_search(R.begin(), R.end(), i) ? t.left_1 : t.left_2).set(i, k);
    for (auto j : right.row_indices(k))
      (std::binary_search(C.begin(), C.end(), j) ? t.right_1 : t.right_2).set(k, j);
  }
  return t;
}

}  // namespace wellposed
