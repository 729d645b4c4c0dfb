#pragma once
// Compact storage of one Kronecker-sparse factor (thesis Def 6.3.1): the a d
// blocks V_{alpha,delta} (b x c, row-major) stored one after the other, block
// (alpha, delta) at offset (alpha d + delta) b c. That is exactly abcd =
// ||theta||_0 numbers (Lemma 6.3.4), each block contiguous, and the order in
// which every kernel of ks_multiply reads them.
#include <cstddef>
#include <span>
#include <vector>

#include <Eigen/Dense>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::gpu {

template <class T>
using MatX = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;  // batch_first operand (n x B)
template <class T>
using RowMatX = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;  // batch_last operand

/// T is float or double (explicitly instantiated for both).
template <class T>
class KsFactor {
 public:
  KsFactor() = default;
  /// All-zero factor of pattern p; throws std::invalid_argument if p has a 0 entry.
  explicit KsFactor(const KPattern& p);
  /// Takes the compact values; throws std::invalid_argument unless values.size() == p.nnz().
  KsFactor(const KPattern& p, std::vector<T> values);

  /// The factor whose dense matrix is `dense`. Throws std::invalid_argument if
  /// the shape is not rows(p) x cols(p), or if an entry outside S_p has
  /// |value| > tol (naming the first such (row, col) and value): silently
  /// dropping it would change the product.
  static KsFactor from_dense(const KPattern& p, const MatX<T>& dense, double tol = 0.0);
  /// The same from the numeric layer's factors (Eigen::MatrixXd, library
  /// orientation A = X_1 ... X_N); values are rounded to T.
  static KsFactor from_numeric(const KPattern& p, const numeric::Matrix& dense, double tol = 0.0);

  /// From the numeric layer's compact factor (the one Kronecker-sparse type
  /// every layer stores, kronecker_factor.hpp) without any dense detour: the
  /// abcd values are permuted from the KFactor order (alpha, beta, gamma,
  /// delta) into this kernel order (alpha, delta, beta, gamma), O(abcd), and
  /// rounded to T.
  static KsFactor from_kfactor(const numeric::KFactor& f);
  /// Back to a numeric::KFactor, O(abcd).
  numeric::KFactor to_kfactor() const;

  /// Dense only on request; O(rows x cols) to allocate, O(abcd) to fill.
  MatX<T> to_dense() const;
  numeric::Matrix to_numeric() const;

  const KPattern& pattern() const { return pattern_; }
  std::span<const T> values() const { return values_; }
  std::span<T> values() { return values_; }
  /// Entry beta, gamma of block (alpha, delta) = K[(alpha b + beta) d + delta, (alpha c + gamma) d + delta].
  T& at(std::size_t alpha, std::size_t delta, std::size_t beta, std::size_t gamma) {
    return values_[((alpha * pattern_.d + delta) * pattern_.b + beta) * pattern_.c + gamma];
  }
  T at(std::size_t alpha, std::size_t delta, std::size_t beta, std::size_t gamma) const {
    return values_[((alpha * pattern_.d + delta) * pattern_.b + beta) * pattern_.c + gamma];
  }

 private:
  KPattern pattern_{};
  std::vector<T> values_ = std::vector<T>(1, T(0));
};

/// Factors X_1, ..., X_N of the numeric layer with their patterns, in
/// compact storage. Throws std::invalid_argument if the lengths differ, a
/// factor does not fit its pattern (see from_dense) or consecutive sizes do
/// not chain (cols(X_l) != rows(X_{l+1}), (6.9)).
template <class T>
std::vector<KsFactor<T>> ks_chain_from_numeric(const KChain& patterns, const std::vector<numeric::Matrix>& factors,
                                               double tol = 0.0);
/// A chain of numeric::KFactors in kernel storage (no dense matrix), checking
/// that consecutive sizes chain; and back.
template <class T>
std::vector<KsFactor<T>> ks_chain_from_kfactors(const std::vector<numeric::KFactor>& chain);
template <class T>
std::vector<numeric::KFactor> ks_chain_to_kfactors(const std::vector<KsFactor<T>>& chain);
/// Back to the numeric layer's dense factors.
template <class T>
std::vector<numeric::Matrix> ks_chain_to_numeric(const std::vector<KsFactor<T>>& chain);

extern template class KsFactor<float>;
extern template class KsFactor<double>;

}  // namespace wellposed::gpu
