#pragma once
// numeric::factorize: one call from a target matrix and an architecture to a
// compact factor chain with its certified enclosure (issue 19 item 3). The
// library chooses the method:
//  - a chainable Kronecker chain of >= 2 factors (butterfly, Monarch, low rank,
//    Fig 6.4 chains, ...): hierarchical factorization, Algorithm 7 or 8 (with
//    Algorithm 9), any split order (Thm 6.5.9 holds for every sigma);
//  - two factors whose pair satisfies Thm 5.2.3 or 5.2.9: the optimal
//    block-SVD solver (Algorithms 3 / 4);
//  - anything else: InfeasibleRequest naming why.
// Every factor is returned as a KFactor: a factor whose support is not
// Kronecker-sparse (a general two-factor support) is stored as the full
// pattern (1, rows, cols, 1), i.e. densely, with zeros off its support.
#include <functional>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/numeric/hierarchical.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::numeric {

/// No certified method applies to the request (or it is malformed): what()
/// says which and why. Callers report it as bad input.
class InfeasibleRequest : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class SplitOrder {
  automatic,      ///< peel from the right by 3 (split_order_peel) for >= 4 factors, else left to right
  left_to_right,  ///< Fig 6.2a
  right_to_left,
  balanced,       ///< Fig 6.2b
  peel,           ///< split_order_peel(N, peel_k)
};

enum class ResidualMode {
  /// The tight chain-multiply residual (residual.hpp) when its estimated cost
  /// is at most the factorization's own (factorization_work), else the
  /// telescoping bound only.
  automatic,
  tight,        ///< always the tight residual
  telescoping,  ///< never (only the telescoping bound of the splits)
};

struct FactorizeOptions {
  HierarchicalAlgorithm algorithm = HierarchicalAlgorithm::alg8;
  SplitOrder order = SplitOrder::automatic;
  std::size_t peel_k = 3;
  /// Non-empty: this sigma (1-based split points), overriding `order`.
  std::vector<std::size_t> custom_order;
  ResidualMode residual = ResidualMode::automatic;
  /// Compute every E_s(A) (a-priori bounds of Thms 6.5.9 / 6.5.14 and the
  /// best lower bound max_s E_s, Lemma 6.5.7): one batch of full block SVDs of
  /// A per s, several times the factorization itself. false (default): only
  /// E_{sigma_1}(A), free with the first split (still a certified lower bound).
  bool all_split_errors = false;
  /// Optional progress callback (issue 23 item 3), passed to the
  /// hierarchical algorithm: (splits done, total splits). Must not throw.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

template <class Scalar>
struct BasicFactorization {
  std::string method;  ///< e.g. "hierarchical, Algorithm 8", "two factors, optimal (Thm 5.2.3)"
  std::vector<BasicKFactor<Scalar>> factors;  ///< X_1 ... X_L, A ~ X_1 X_2 ... X_L
  KChain chain;                      ///< their patterns
  std::vector<std::size_t> order;    ///< sigma (hierarchical only)
  /// residual, lower_bound (best achievable error; two factors: the optimum
  /// itself), a-priori bounds, ratio_upper, residual cost.
  ErrorEnclosure enclosure;
  /// Two factors: enclosure of the optimal error inf ||A - X Y||_F.
  std::optional<Interval> optimal_error;
  double factor_seconds = 0.0;  ///< wall time of the factorization (residual excluded)
  std::size_t factorization_work = 0;  ///< the cost model's estimate (see ResidualMode)
};
using Factorization = BasicFactorization<double>;
using ComplexFactorization = BasicFactorization<Complex>;

/// Throws InfeasibleRequest (no method; a bad order), std::invalid_argument
/// (shape mismatch, non-finite A naming the entry; NotTractable for a
/// two-factor pair that satisfies neither theorem).
Factorization factorize(const Matrix& A, const Architecture& architecture, const FactorizeOptions& options = {});
ComplexFactorization factorize(const ComplexMatrix& A, const Architecture& architecture,
                               const FactorizeOptions& options = {});

/// The split order `options` asks for, for a chain (after the redundancy
/// reduction of Lemma 6.3.22) of `num_factors` factors.
std::vector<std::size_t> resolve_split_order(const FactorizeOptions& options, std::size_t num_factors);

/// Cost model of ResidualMode::automatic: multiply-adds of the hierarchical
/// factorization, sum over its splits of |node| * min(b_1, c_2) (a node of
/// |node| entries is cut into classes R_P x C_P with |R_P| = b_1, |C_P| = c_2,
/// Lemma 6.4.1, each needing at least a rank-q SVD of b_1 c_2 min(b_1, c_2)
/// flops), plus one pass over A.
std::size_t factorization_work(const KChain& chain, const std::vector<std::size_t>& order);

}  // namespace wellposed::numeric
