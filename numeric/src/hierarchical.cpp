#include "wellposed/numeric/hierarchical.hpp"
#include "wellposed/numeric/residual.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <tuple>

#ifdef __linux__
#include <sys/mman.h>
#endif
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <stdexcept>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/QR>

#include "hierarchical_internal.hpp"

namespace wellposed::numeric {

using namespace hier;

std::vector<std::size_t> split_order_left_to_right(std::size_t num_factors) {
  std::vector<std::size_t> o(num_factors > 0 ? num_factors - 1 : 0);
  std::iota(o.begin(), o.end(), std::size_t{1});
  return o;
}

std::vector<std::size_t> split_order_balanced(std::size_t num_factors) {
  std::vector<std::size_t> o;
  // Preorder over intervals [l, r] of factor indices (1-based).
  std::vector<std::pair<std::size_t, std::size_t>> stack;
  if (num_factors >= 2) stack.push_back({1, num_factors});
  while (!stack.empty()) {
    auto [l, r] = stack.back();
    stack.pop_back();
    if (l >= r) continue;
    const std::size_t s = (l + r - 1) / 2;  // split between s and s + 1
    o.push_back(s);
    stack.push_back({s + 1, r});
    stack.push_back({l, s});
  }
  return o;
}

std::vector<std::size_t> split_order_peel(std::size_t num_factors, std::size_t k) {
  if (k == 0) throw std::invalid_argument("split_order_peel: k must be at least 1");
  std::vector<std::size_t> o;
  std::vector<bool> used(num_factors + 1, false);
  for (std::size_t s = num_factors; s > k;) {
    s -= k;
    o.push_back(s);
    used[s] = true;
  }
  for (std::size_t s = 1; s < num_factors; ++s)
    if (!used[s]) o.push_back(s);
  return o;
}

namespace {

// The dense-product enclosure is now the column-blocked chain multiply of
// residual.cpp (same bound, derived there; memory O(rows x block)).
template <class Sc>
Interval direct_residual_impl(const MatrixT<Sc>& A, const std::vector<BasicKFactor<Sc>>& factors,
                              ResidualCost* cost = nullptr) {
  return chain_residual(A, factors, cost);
}

template <class Sc>
BasicHierarchicalResult<Sc> factorize_hierarchical_impl(const MatrixT<Sc>& A, const KChain& chain_in, const HierarchicalOptions& opt) {
  constexpr bool real = std::is_same_v<Sc, double>;
  using Factor = BasicKFactor<Sc>;
  validate_chain(chain_in);
  KChain chain = chain_in;
  for (std::size_t l = 0; l + 1 < chain.size(); ++l)
    if (redundant(chain[l], chain[l + 1]) && opt.redundancy == RedundancyPolicy::refuse) {
      std::ostringstream os;
      os << "factorize_hierarchical: (theta_" << l + 1 << ", theta_" << l + 2 << ") = (" << chain[l].to_string() << ", "
         << chain[l + 1].to_string() << ") is redundant: q = " << *chainable(chain[l], chain[l + 1]) << " > min(b1, c2) = "
         << std::min(chain[l].b, chain[l + 1].c) << " (Def 6.3.20); use RedundancyPolicy::reduce (Lemma 6.3.22)";
      throw std::invalid_argument(os.str());
    }
  if (is_redundant(chain)) chain = reduce_redundant(chain);
  const std::size_t N = chain.size();
  const KPattern whole = chain_product(chain);
  if (static_cast<std::size_t>(A.rows()) != whole.rows() || static_cast<std::size_t>(A.cols()) != whole.cols()) {
    std::ostringstream os;
    os << "factorize_hierarchical: A is " << A.rows() << " x " << A.cols() << " but the chain's product "
       << whole.to_string() << " is " << whole.rows() << " x " << whole.cols();
    throw std::invalid_argument(os.str());
  }
  PhaseTimer timer;

  BasicHierarchicalResult<Sc> res;
  res.chain = chain;
  res.order = opt.order.empty() ? split_order_left_to_right(N) : opt.order;
  {
    std::vector<std::size_t> sorted = res.order;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != split_order_left_to_right(N)) {
      std::ostringstream os;
      os << "factorize_hierarchical: the split order must be a permutation of 1.." << N - 1 << " (chain of " << N
         << " factors" << (N != chain_in.size() ? ", after the redundancy reduction of Lemma 6.3.22" : "") << ")";
      throw std::invalid_argument(os.str());
    }
  }
  if (N >= 2) res.qs = *chain_qs(chain);
  // Every entry of A is read by the Gram pass of a streamed first split, which
  // flags a non-finite class; the entry is then located by require_finite
  // below (after the split). Otherwise check A first (one pass).
  bool streamed_first = false;
  if constexpr (real)
    if (N >= 2 && opt.stream_splits) {
      const std::size_t s0 = res.order[0] - 1;
      streamed_first = stream_layout(Source{A.data(), true, static_cast<std::size_t>(A.rows()), whole}, interval_pattern(chain, 0, s0),
                                     interval_pattern(chain, s0 + 1, N - 1), res.qs[s0])
                           .has_value();
    }
  if (!streamed_first) require_finite(A, "factorize_hierarchical: A");
  auto& enc = res.enclosure;
  enc.split_errors.assign(N >= 1 ? N - 1 : 0, std::nullopt);
  const Interval off_sq = uncovered_sq(A, whole);
  timer.lap("checks", 0);

  if (N == 1) {
    res.factors.push_back(Factor(whole));
    auto& f = res.factors.back();
    for (Eigen::Index j = 0; j < A.cols(); ++j)
      for (Eigen::Index i = 0; i < A.rows(); ++i)
        if (f.in_support(static_cast<std::size_t>(i), static_cast<std::size_t>(j)))
          f.values[f.offset(static_cast<std::size_t>(i), static_cast<std::size_t>(j))] = A(i, j);
    enc.residual = sqrt(off_sq);  // the projection is exact: residual = uncovered mass
    enc.lower_bound = enc.residual;
    enc.residual_method = "projection";
    enc.ratio_upper = 1.0;
    return res;
  }

  std::vector<Node<Sc>> nodes(1);
  nodes[0].l = 0;
  nodes[0].r = N - 1;
  nodes[0].theta = whole;
  nodes[0].is_root = true;

  std::vector<double> terms;  // upper bounds of the telescoping terms
  // Bound on ||Left * D * Right||_F for D supported on theta_[l, r], with the
  // nodes [0, left_end) on the left and [right_begin, end) on the right.
  auto neighbour_factor = [&](std::size_t left_end, std::size_t right_begin, std::size_t l, std::size_t r) {
    double f = 1.0;
    std::size_t cur_r = r;
    for (std::size_t k = right_begin; k < nodes.size(); ++k) {
      f = mul_up(f, cached_spectral_bound(nodes[k], interval_pattern(chain, l, cur_r), false));
      cur_r = nodes[k].r;
    }
    std::size_t cur_l = l;
    for (std::size_t k = left_end; k-- > 0;) {
      f = mul_up(f, cached_spectral_bound(nodes[k], interval_pattern(chain, cur_l, cur_r), true));
      cur_l = nodes[k].l;
    }
    return f;
  };
  auto orth_step = [&](std::size_t k, bool column) {  // Algorithm 9 on (nodes[k], nodes[k+1])
    ResidualAccumulator acc;
    auto [Xt, Yt] = orthonormalize_impl(nodes[k].f, nodes[k + 1].f, column, &acc);
    nodes[k].f = std::move(Xt);
    nodes[k + 1].f = std::move(Yt);
    nodes[k].mu_cache.clear();
    nodes[k + 1].mu_cache.clear();
    nodes[k].col_orth = column;
    nodes[k].row_orth = false;
    nodes[k + 1].row_orth = !column;
    nodes[k + 1].col_orth = false;
    ++res.orthonormalizations;
    terms.push_back(mul_up(neighbour_factor(k, k + 2, nodes[k].l, nodes[k + 1].r), acc.norm().hi));
  };

  // Storage of split nodes is reused for later nodes (first-touch page faults
  // of fresh memory cost more than the split itself on a VM): a spare vector is
  // taken when its capacity is at most 4x the need, so for sigma = id the
  // nodes ping-pong between two buffers and no returned factor keeps much slack.
  std::vector<std::vector<Sc>> spare;
  auto recycled_factor = [&](const KPattern& t) {
    const std::size_t n = t.nnz();
    std::size_t best = spare.size();
    for (std::size_t k = 0; k < spare.size(); ++k)
      if (spare[k].capacity() >= n && spare[k].capacity() <= 4 * n &&
          (best == spare.size() || spare[k].capacity() < spare[best].capacity()))
        best = k;
    if (best == spare.size()) return zero_factor<Sc>(t);
    Factor f;
    f.theta = t;
    f.values = std::move(spare[best]);
    spare.erase(spare.begin() + static_cast<std::ptrdiff_t>(best));
    f.values.assign(n, Sc(0));
    return f;
  };

  for (std::size_t step = 0; step + 1 < N; ++step) {
    if (opt.progress) opt.progress(step, N - 1);
    const std::size_t s0 = res.order[step] - 1;  // split between theta_{s0} and theta_{s0+1} (0-based)
    std::size_t j = 0;
    while (!(nodes[j].l <= s0 && s0 < nodes[j].r)) ++j;
    detail::Balance balance = detail::Balance::sqrt_sigma;
    if (opt.algorithm == HierarchicalAlgorithm::alg8) {
      // Algorithm 8: orthonormalize towards the node to split. A step whose
      // left (column pass) or right (row pass) member is already orthonormal
      // is the identity in exact arithmetic and is skipped.
      for (std::size_t k = 0; k < j; ++k)
        if (!nodes[k].col_orth) orth_step(k, true);
      for (std::size_t k = nodes.size() - 1; k > j; --k)
        if (!nodes[k].row_orth) orth_step(k - 1, false);
      const bool next_right = step + 2 < N ? res.order[step + 1] - 1 > s0 : true;
      balance = next_right ? detail::Balance::left_orthonormal : detail::Balance::right_orthonormal;
    }
    timer.lap("orthonorm.", step);
    Node<Sc>& nd = nodes[j];
    Node<Sc> left, right;
    left.l = nd.l;
    left.r = s0;
    right.l = s0 + 1;
    right.r = nd.r;
    left.theta = interval_pattern(chain, left.l, left.r);
    right.theta = interval_pattern(chain, right.l, right.r);
    left.f = recycled_factor(left.theta);
    right.f = recycled_factor(right.theta);
    SourceT<Sc> src;
    if (nd.is_root)
      src = SourceT<Sc>{A.data(), true, static_cast<std::size_t>(A.rows()), whole};
    else
      src = SourceT<Sc>{nd.f.values.data(), false, nd.f.rows(), nd.theta};
    const bool certify = step == 0;
    timer.lap("alloc", step);
    const SplitOutput out = run_split(src, left.theta, right.theta, res.qs[s0], balance, certify, &left.f, &right.f, opt.stream_splits,
                                       opt.partial_eigensolves);
    if (out.nonfinite) require_finite(A, "factorize_hierarchical: A");  // throws naming the entry when A has one
    timer.lap("split", step);
    left.col_orth = balance == detail::Balance::left_orthonormal;
    right.row_orth = balance == detail::Balance::right_orthonormal;
    Interval dnorm = out.acc.norm();
    if (nd.is_root) {
      dnorm = sqrt(square(dnorm) + off_sq);
      enc.split_errors[s0] = sqrt(off_sq + out.tail);
      // The split's own factors are feasible for Def 6.5.6, so E_{s}(A) <= their
      // achieved error: a first-order-tight upper end even where the tail
      // enclosure came from a Gram matrix (half the digits, see block_kernels.hpp).
      enc.split_errors[s0]->hi = std::max(enc.split_errors[s0]->lo, std::min(enc.split_errors[s0]->hi, dnorm.hi));
    }
    if (!nd.is_root) spare.push_back(std::move(nd.f.values));
    nodes[j] = std::move(left);
    nodes.insert(nodes.begin() + static_cast<std::ptrdiff_t>(j) + 1, std::move(right));
    terms.push_back(mul_up(neighbour_factor(j, j + 2, nodes[j].l, nodes[j + 1].r), dnorm.hi));
    timer.lap("bound", step);
  }
  spare.clear();
  for (auto& nd : nodes) {
    nd.f.values.shrink_to_fit();
    res.factors.push_back(std::move(nd.f));
  }

  timer.lap("move out", N);
  // --- enclosure -------------------------------------------------------------
  if (opt.all_split_errors)
    for (std::size_t s = 1; s < N; ++s)
      if (!enc.split_errors[s - 1]) enc.split_errors[s - 1] = split_error_impl(A, chain, s);
  enc.lower_bound = {0.0, 0.0};
  for (const auto& e : enc.split_errors)
    if (e) enc.lower_bound = {std::max(enc.lower_bound.lo, e->lo), std::max(enc.lower_bound.hi, e->hi)};
  double tele = 0.0;
  for (double t : terms) tele = round_up(tele + t);
  enc.residual = {enc.lower_bound.lo, std::max(tele, enc.lower_bound.lo)};
  enc.residual_method = "telescoping";
  if (opt.tight_residual ||
      (opt.direct_residual_max_work > 0 && chain_residual_work(chain) <= opt.direct_residual_max_work)) {
    ResidualCost cost;
    const Interval d = direct_residual_impl(A, res.factors, &cost);
    enc.residual = intersect(enc.residual, d);
    enc.residual_method = "telescoping+direct";
    enc.residual_work = cost.multiply_adds;
    enc.residual_seconds = cost.seconds;
  }
  // The returned factors are feasible, so the residual is at least E^Theta(A) >= lower_bound.
  enc.residual.lo = std::max(enc.residual.lo, enc.lower_bound.lo);
  const bool all = std::all_of(enc.split_errors.begin(), enc.split_errors.end(), [](const auto& e) { return e.has_value(); });
  if (all) {
    Interval sum{0.0, 0.0};
    for (std::size_t k = 1; k < N; ++k) sum = sum + std::ldexp(1.0, static_cast<int>(N - 1 - k)) * *enc.split_errors[res.order[k - 1] - 1];
    enc.apriori_6_5_9 = sum;
    if (res.order == split_order_left_to_right(N)) {
      Interval s2 = std::pow(3.0, static_cast<double>(N) - 2.0) * square(*enc.split_errors[0]);
      for (std::size_t k = 2; k < N; ++k) s2 = s2 + (2.0 * std::pow(3.0, static_cast<double>(N - 1 - k))) * square(*enc.split_errors[k - 1]);
      enc.apriori_6_5_14 = sqrt(s2);
    }
  }
  enc.ratio_upper = enc.lower_bound.lo > 0.0 ? round_up(enc.residual.hi / enc.lower_bound.lo) : inf;
  return res;
}

}  // namespace

HierarchicalResult factorize_hierarchical(const Matrix& A, const KChain& chain, const HierarchicalOptions& options) {
  return factorize_hierarchical_impl(A, chain, options);
}
ComplexHierarchicalResult factorize_hierarchical(const ComplexMatrix& A, const KChain& chain, const HierarchicalOptions& options) {
  return factorize_hierarchical_impl(A, chain, options);
}

}  // namespace wellposed::numeric

