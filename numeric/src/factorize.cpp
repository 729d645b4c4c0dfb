#include "wellposed/numeric/factorize.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "wellposed/numeric/residual.hpp"
#include "wellposed/numeric/two_factor.hpp"

namespace wellposed::numeric {

namespace {

KPattern interval_pattern(const KChain& chain, std::size_t l, std::size_t r) {
  return chain_product(KChain(chain.begin() + static_cast<std::ptrdiff_t>(l), chain.begin() + static_cast<std::ptrdiff_t>(r) + 1));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class S>
BasicKFactor<S> compact(const Support& s, const MatrixT<S>& X) {
  if (const auto p = recognize_kronecker(s)) return BasicKFactor<S>::from_dense(*p, X);
  // General support: the full pattern (1, rows, cols, 1) = row-major dense.
  const KPattern full{1, static_cast<std::size_t>(X.rows()), static_cast<std::size_t>(X.cols()), 1};
  return BasicKFactor<S>::from_dense(full, X);
}

template <class S>
BasicFactorization<S> factorize_impl(const MatrixT<S>& A, const Architecture& arch, const FactorizeOptions& o) {
  BasicFactorization<S> res;
  if (static_cast<std::size_t>(A.rows()) != arch.rows() || static_cast<std::size_t>(A.cols()) != arch.cols()) {
    std::ostringstream os;
    os << "factorize: A is " << A.rows() << " x " << A.cols() << " but '" << arch.name() << "' describes "
       << arch.rows() << " x " << arch.cols() << " products";
    throw std::invalid_argument(os.str());
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto chain_in = arch.kronecker_chain();
  if (chain_in && chain_in->size() >= 2 && is_chainable(*chain_in)) {
    const KChain chain = is_redundant(*chain_in) ? reduce_redundant(*chain_in) : *chain_in;
    HierarchicalOptions ho;
    ho.algorithm = o.algorithm;
    ho.all_split_errors = o.all_split_errors;
    ho.progress = o.progress;
    ho.order = resolve_split_order(o, chain.size());
    res.factorization_work = chain.size() >= 2 ? factorization_work(chain, ho.order) : 0;
    // The residual runs inside factorize_hierarchical (after the enclosure of
    // the splits); its cost is chain_residual_work(chain) multiply-adds.
    ho.direct_residual_max_work = 0;
    if (o.residual == ResidualMode::tight) ho.tight_residual = true;
    if (o.residual == ResidualMode::automatic)
      ho.direct_residual_max_work = std::max<std::size_t>(res.factorization_work, std::size_t{1} << 24);
    auto r = factorize_hierarchical(A, *chain_in, ho);
    res.method = o.algorithm == HierarchicalAlgorithm::alg8 ? "hierarchical, Algorithm 8 (orthonormalized, Algorithm 9)"
                                                            : "hierarchical, Algorithm 7";
    res.chain = r.chain;
    res.order = r.order;
    res.factors = std::move(r.factors);
    res.enclosure = r.enclosure;
    res.factor_seconds = seconds_since(t0) - r.enclosure.residual_seconds;
    return res;
  }
  if (arch.num_factors() == 2) {
    const auto r = factorize_two_factors(A, arch.factor(0), arch.factor(1));  // NotTractable names the failing classes
    res.method = "two factors, optimal block SVDs (" + r.theorem + ")";
    res.factors = {compact(arch.factor(0), r.X), compact(arch.factor(1), r.Y)};
    for (const auto& f : res.factors) res.chain.push_back(f.theta);
    res.enclosure.residual = r.residual;
    res.enclosure.residual_method = "direct";
    res.enclosure.lower_bound = r.optimal_error;
    res.enclosure.ratio_upper =
        r.optimal_error.lo > 0.0 ? round_up(r.residual.hi / r.optimal_error.lo) : std::numeric_limits<double>::infinity();
    res.optimal_error = r.optimal_error;
    res.factor_seconds = seconds_since(t0);
    return res;
  }
  std::ostringstream os;
  os << "factorize: no certified factorization method for '" << arch.name() << "' (" << arch.num_factors()
     << " factors): it needs a chainable Kronecker chain (Def 6.3.10)";
  if (chain_in && !is_chainable(*chain_in)) os << " (its Kronecker chain " << to_string(*chain_in) << " is not chainable)";
  os << " or a tractable two-factor pair (Thm 5.2.3 / 5.2.9)";
  throw InfeasibleRequest(os.str());
}

}  // namespace

std::vector<std::size_t> resolve_split_order(const FactorizeOptions& o, std::size_t N) {
  if (!o.custom_order.empty()) {
    std::vector<std::size_t> sorted = o.custom_order;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != split_order_left_to_right(N)) {
      std::ostringstream os;
      os << "factorize: the split order must be a permutation of 1.." << (N > 0 ? N - 1 : 0) << " for a chain of " << N
         << " factors";
      throw InfeasibleRequest(os.str());
    }
    return o.custom_order;
  }
  switch (o.order) {
    case SplitOrder::left_to_right: return split_order_left_to_right(N);
    case SplitOrder::right_to_left: {
      auto v = split_order_left_to_right(N);
      std::reverse(v.begin(), v.end());
      return v;
    }
    case SplitOrder::balanced: return split_order_balanced(N);
    case SplitOrder::peel:
      if (o.peel_k == 0 || o.peel_k >= N) throw InfeasibleRequest("factorize: peel k = " + std::to_string(o.peel_k) +
                                                                  " must lie in [1, " + std::to_string(N - 1) + "]");
      return split_order_peel(N, o.peel_k);
    case SplitOrder::automatic: break;
  }
  return N >= 4 ? split_order_peel(N, 3) : split_order_left_to_right(N);
}

std::size_t factorization_work(const KChain& chain, const std::vector<std::size_t>& order) {
  struct Node {
    std::size_t l, r;
  };
  std::vector<Node> nodes{{0, chain.size() - 1}};
  const KPattern whole = chain_product(chain);
  std::size_t work = whole.rows() * whole.cols();  // one pass over A
  for (std::size_t s : order) {
    const std::size_t s0 = s - 1;
    std::size_t j = 0;
    while (j < nodes.size() && !(nodes[j].l <= s0 && s0 < nodes[j].r)) ++j;
    if (j == nodes.size()) break;
    const Node nd = nodes[j];
    const KPattern L = interval_pattern(chain, nd.l, s0), R = interval_pattern(chain, s0 + 1, nd.r);
    const std::size_t entries = (nd.l == 0 && nd.r == chain.size() - 1) ? whole.rows() * whole.cols()
                                                                         : interval_pattern(chain, nd.l, nd.r).nnz();
    work += entries * std::min(L.b, R.c);
    nodes[j] = {nd.l, s0};
    nodes.insert(nodes.begin() + static_cast<std::ptrdiff_t>(j) + 1, Node{s0 + 1, nd.r});
  }
  return work;
}

Factorization factorize(const Matrix& A, const Architecture& architecture, const FactorizeOptions& options) {
  return factorize_impl(A, architecture, options);
}
ComplexFactorization factorize(const ComplexMatrix& A, const Architecture& architecture, const FactorizeOptions& options) {
  return factorize_impl(A, architecture, options);
}

}  // namespace wellposed::numeric
