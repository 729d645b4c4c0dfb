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

/// Scalar: double (KFactor) or std::complex<double> (ComplexKFactor); one
/// implementation, explicitly instantiated for both in kronecker_factor.cpp.
template <class Scalar>
struct BasicKFactor {
  using Dense = MatrixT<Scalar>;
  KPattern theta;
  std::vector<Scalar> values;

  BasicKFactor() = default;
  /// The zero factor on S_theta.
  explicit BasicKFactor(const KPattern& t) : theta(t), values(t.nnz(), Scalar(0)) {}

  std::size_t rows() const { return theta.rows(); }
  std::size_t cols() const { return theta.cols(); }
  /// Storage offset of entry (i, j) of the m x n matrix; only meaningful when
  /// (i, j) lies in S_theta (same alpha and delta), see in_support.
  std::size_t offset(std::size_t i, std::size_t j) const;
  bool in_support(std::size_t i, std::size_t j) const;
  /// Entry (i, j) (zero outside the support).
  Scalar operator()(std::size_t i, std::size_t j) const;
  Dense to_dense() const;
  /// The factor from a dense matrix; throws std::invalid_argument naming the
  /// first entry outside S_theta that is non-zero.
  static BasicKFactor from_dense(const KPattern& t, const Dense& x);
  /// X * y (y has cols() rows), in O(nnz * y.cols()).
  Dense apply(const Dense& y) const;
  /// |X| * y for real y >= 0 (complex factors: with mag_up(x) = |Re x| + |Im x|
  /// >= |x| in place of |x|, an entrywise upper bound; see interval.hpp).
  Matrix apply_abs(const Matrix& y) const;
};

using KFactor = BasicKFactor<double>;
using ComplexKFactor = BasicKFactor<Complex>;

/// X_1 X_2 ... X_N as a dense matrix, evaluated right to left with apply().
Matrix chain_product(const std::vector<KFactor>& factors);
ComplexMatrix chain_product(const std::vector<ComplexKFactor>& factors);

}  // namespace wellposed::numeric
