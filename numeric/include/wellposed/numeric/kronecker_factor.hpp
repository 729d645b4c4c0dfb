#pragma once
// KFactor: a matrix supported on S_theta = I_a (x) 1_{b x c} (x) I_d (Def 6.3.1),
// stored compactly: only its abcd = ||theta||_0 possible non-zeros.
//
// Entry (alpha, beta, gamma, delta) sits at row alpha b d + beta d + delta and
// column alpha c d + gamma d + delta (the KPattern convention) and is stored at
// values[((alpha b + beta) c + gamma) d + delta]. No m x n mask or dense matrix
// is ever built, so a 8192 x 8192 butterfly factor costs 2 * 8192 doubles.
#include <cstddef>
#include <vector>

#include "wellposed/algebra/kpattern.hpp"
#include "wellposed/numeric/dense.hpp"

namespace wellposed::numeric {

struct KFactor {
  KPattern theta;
  std::vector<double> values;

  KFactor() = default;
  /// The zero factor on S_theta.
  explicit KFactor(const KPattern& t) : theta(t), values(t.nnz(), 0.0) {}

  std::size_t rows() const { return theta.rows(); }
  std::size_t cols() const { return theta.cols(); }
  /// Storage offset of entry (i, j) of the m x n matrix; only meaningful when
  /// (i, j) lies in S_theta (same alpha and delta), see in_support.
  std::size_t offset(std::size_t i, std::size_t j) const;
  bool in_support(std::size_t i, std::size_t j) const;
  /// Entry (i, j) (zero outside the support).
  double operator()(std::size_t i, std::size_t j) const;
  Matrix to_dense() const;
  /// The factor from a dense matrix; throws std::invalid_argument naming the
  /// first entry outside S_theta that is non-zero.
  static KFactor from_dense(const KPattern& t, const Matrix& x);
  /// X * y (y has cols() rows), in O(nnz * y.cols()).
  Matrix apply(const Matrix& y) const;
  /// |X| * y.
  Matrix apply_abs(const Matrix& y) const;
};

/// X_1 X_2 ... X_N as a dense matrix, evaluated right to left with apply().
Matrix chain_product(const std::vector<KFactor>& factors);

}  // namespace wellposed::numeric
