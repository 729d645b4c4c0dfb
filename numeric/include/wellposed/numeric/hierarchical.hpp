#pragma once
// Hierarchical Kronecker-sparse ("deformable butterfly") factorization,
// thesis Sec. 6.4-6.5: A ~ X_1 X_2 ... X_N with supp X_l <= S_{theta_l} for a
// chainable chain Theta (Def 6.3.10) and a split order sigma.
//
// Algorithm 7: split the node [l, r] containing s = sigma_k by Algorithm 5 on
//   the supports (S_{theta_l * ... * theta_s}, S_{theta_{s+1} * ... * theta_r}).
// Algorithm 8: the same, after the orthonormalizations of Algorithm 9 make every
//   node left of the split q-column-orthonormal and every node right of it
//   q-row-orthonormal. Guarantee (Thm 6.5.9, any sigma): in exact arithmetic
//   ||A - X_1...X_N||_F <= sum_k 2^{N-1-k} E_{sigma_k}(A); for sigma = id also
//   Thm 6.5.14.
//
// Every split is a batch of small dense problems: by Lemma 6.4.1 the classes of
// a q-chainable pair are explicit, |P| = q, |R_P| = b_1, |C_P| = c_2, so the split
// costs one b_1 x c_2 truncated SVD per class and never builds an m x n mask.
// Classes are processed in parallel (OpenMP).
//
// Real (double) and complex (std::complex<double>) inputs share one
// implementation, templated on the scalar. Complex inputs take the general
// gathered path (one Jacobi SVD per class, Householder QR for Algorithm 9);
// the streamed / closed-form fast paths are double-only. All enclosures hold
// for both under the rounding model of interval.hpp (complex part included).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/interval.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::numeric {

enum class HierarchicalAlgorithm { alg7, alg8 };
enum class RedundancyPolicy { reduce, refuse };

/// sigma = (1, ..., N-1): factorize from left to right (Fig 6.2a).
std::vector<std::size_t> split_order_left_to_right(std::size_t num_factors);
/// Split every interval in its middle, preorder (Fig 6.2b).
std::vector<std::size_t> split_order_balanced(std::size_t num_factors);
/// "Peel from the right" by k factors: s = N - k, N - 2k, ... (> 0), then the
/// remaining split points in increasing order. For the square dyadic chain
/// the first split then cuts A into 2^k-column groups whose classes are the
/// row residues mod 2^k: it streams over A's column-major layout once, costs
/// O(2^k) flops per entry and leaves a node of |A| / 2^k entries (the others
/// are small); left to right instead leaves |A| / 2 and balanced needs rank-1
/// SVDs of sqrt(n) x sqrt(n) blocks. Thm 6.5.9 holds for every sigma.
std::vector<std::size_t> split_order_peel(std::size_t num_factors, std::size_t k);

struct HierarchicalOptions {
  HierarchicalAlgorithm algorithm = HierarchicalAlgorithm::alg8;
  /// sigma as 1-based split points s in [1, N-1] (split between theta_s and
  /// theta_{s+1}); a permutation of 1..N-1. Empty: left to right.
  std::vector<std::size_t> order;
  RedundancyPolicy redundancy = RedundancyPolicy::reduce;
  /// Compute E_s(A) for every split s (needed for the a-priori bounds; costs one
  /// batch of full block SVDs of A per s). When false only E_{sigma_1}(A) is
  /// computed, for free, during the first split.
  bool all_split_errors = true;
  /// Also enclose the residual through the chain multiply (chain_residual,
  /// residual.hpp: tight, relative width ~ N u) when its cost
  /// chain_residual_work(chain) (multiply-adds) does not exceed this; 0
  /// disables (unless tight_residual).
  std::size_t direct_residual_max_work = std::size_t{1} << 24;
  /// Always compute the tight residual, whatever its cost (issue 19 item 5).
  bool tight_residual = false;
  /// Splits of a peel order (split_order_peel) read their node in its own
  /// layout, without gathering copies (issue 5). false forces the per-class
  /// gathered path everywhere: same factorization up to rounding and signs
  /// (a cross-check for tests; slower).
  bool stream_splits = true;
  /// Uncertified splits (every split after the first) take the top q
  /// eigenvectors of a large block's Gram matrix from a partial eigen-solve
  /// (subspace iteration, O(k^2 q) per iteration for a k x k Gram matrix
  /// instead of O(k^3); falls back to the full eigen-solve when it does not
  /// converge), issue 5. false forces the full eigen-solve everywhere: the same
  /// factorization up to rounding, signs and the choice of basis inside tied
  /// eigenvalues (a cross-check for tests; slower). Certified quantities do not
  /// depend on this: residuals are measured from the stored factors, and the
  /// certifying first split always uses the full eigen-solve.
  bool partial_eigensolves = true;
  /// Optional progress callback (issue 23 item 3): (splits done, N - 1)
  /// before each split and once at the end. Calling thread; must not throw.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

/// Certified error enclosure of one factorization. Every Interval contains
/// the exact real it names (rounding model: interval.hpp).
struct ErrorEnclosure {
  /// E_s(A) = min ||A - X Y||_F, supp X <= S_{theta_1*...*theta_s},
  /// supp Y <= S_{theta_{s+1}*...*theta_N} (Def 6.5.6, closed form (6.54)),
  /// indexed by s - 1; nullopt where not computed.
  std::vector<std::optional<Interval>> split_errors;
  /// max_s E_s(A) <= E^Theta(A) = inf ||A - X_1...X_N||_F (Lemma 6.5.7).
  Interval lower_bound;
  /// ||A - X_1...X_N||_F of the returned doubles.
  Interval residual;
  std::string residual_method;  ///< "telescoping", "direct" or "telescoping+direct"
  /// Cost of the chain-multiply residual when it ran (multiply-adds, wall seconds).
  std::size_t residual_work = 0;
  double residual_seconds = 0.0;
  /// RHS of Thm 6.5.9, sum_k 2^{N-1-k} E_{sigma_k}(A) (when all E_s are known).
  std::optional<Interval> apriori_6_5_9;
  /// RHS of Thm 6.5.14 (sigma = id only), sqrt(3^{N-2} E_1^2 + 2 sum_{k>=2} 3^{N-1-k} E_k^2).
  std::optional<Interval> apriori_6_5_14;
  /// Proven: residual <= ratio_upper * E^Theta(A) (residual.hi / lower_bound.lo;
  /// +inf when the lower bound is 0).
  double ratio_upper = 0.0;
};

template <class Scalar>
struct BasicHierarchicalResult {
  KChain chain;                        ///< the chain factorized (after reduction)
  std::vector<std::size_t> order;      ///< sigma used (1-based)
  std::vector<std::size_t> qs;         ///< q_1..q_{N-1}
  std::vector<BasicKFactor<Scalar>> factors;  ///< X_1..X_N, X_l on S_{chain[l]}
  ErrorEnclosure enclosure;
  std::size_t orthonormalizations = 0; ///< Algorithm 9 steps actually executed
};
using HierarchicalResult = BasicHierarchicalResult<double>;
using ComplexHierarchicalResult = BasicHierarchicalResult<Complex>;

/// Algorithm 7 / 8. Throws std::invalid_argument for a non-chainable chain
/// (naming the pair), a refused redundant chain (naming the pair and q >
/// min(b_1, c_2)), a bad order, wrong-shaped or non-finite A (naming the
/// entry; complex: and whether its real or imaginary part is bad).
HierarchicalResult factorize_hierarchical(const Matrix& A, const KChain& chain, const HierarchicalOptions& options = {});
ComplexHierarchicalResult factorize_hierarchical(const ComplexMatrix& A, const KChain& chain,
                                                 const HierarchicalOptions& options = {});

/// Certified enclosure of E_s(A) (1-based s) by closed form (6.54): the
/// uncovered mass of A plus, per class P of the split, the tail
/// sum_{j > q_s} sigma_j^2(A[R_P, C_P]).
Interval split_error(const Matrix& A, const KChain& chain, std::size_t s);
Interval split_error(const ComplexMatrix& A, const KChain& chain, std::size_t s);

/// Certified enclosure of ||A - X_1 ... X_N||_F by dense multiplication:
/// |fl(X_1...X_N) - X_1...X_N| <= ((1 + gamma_k)^{N-1} - 1) |X_1|...|X_N|, k the
/// largest inner dimension, then the subtraction from A.
Interval direct_residual(const Matrix& A, const std::vector<KFactor>& factors);
Interval direct_residual(const ComplexMatrix& A, const std::vector<ComplexKFactor>& factors);

/// Algorithm 9 on a chainable non-redundant pair (theta_X, theta_Y): returns
/// (X~, Y~) with X~ Y~ = X Y (up to rounding) and X~ q-column-orthonormal
/// (`column` = true) or Y~ q-row-orthonormal (false).
std::pair<KFactor, KFactor> orthonormalize_pair(const KFactor& X, const KFactor& Y, bool column);
/// Complex: unitary version (X~ has orthonormal columns in C^b, X~^H X~ = I).
std::pair<ComplexKFactor, ComplexKFactor> orthonormalize_pair(const ComplexKFactor& X, const ComplexKFactor& Y, bool column);

}  // namespace wellposed::numeric
