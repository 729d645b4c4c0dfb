#pragma once
// Bridges between exact supports and Eigen matrices, with the input checks
// every numeric routine runs first (STYLE items 7 and 8).
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "wellposed/algebra/support.hpp"
#include "wellposed/numeric/interval.hpp"

namespace wellposed::numeric {

using Matrix = Eigen::MatrixXd;
/// Complex input / output of the factorizations (same algorithms, one
/// implementation templated on the scalar; rounding model: interval.hpp).
using ComplexMatrix = Eigen::MatrixXcd;
template <class S>
using MatrixT = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

/// The 0/1 matrix of a support.
Matrix to_dense(const Support& s);
/// The entries whose absolute value exceeds `tol` (tol = 0: the exact support).
Support support_of(const Matrix& x, double tol = 0.0);
/// True iff every entry of x outside s is exactly zero (and the shapes agree).
bool respects(const Matrix& x, const Support& s);
/// Throws std::invalid_argument naming `what` and the first (row, col) that is NaN or +-Inf.
void require_finite(const Matrix& x, const std::string& what);
/// Complex: names the entry and whether its real or imaginary part is NaN / +-Inf.
void require_finite(const ComplexMatrix& x, const std::string& what);
/// X_1 X_2 ... X_L (library orientation); throws naming the first pair whose
/// inner dimensions differ.
Matrix chain_product(const std::vector<Matrix>& factors);
ComplexMatrix chain_product(const std::vector<ComplexMatrix>& factors);

}  // namespace wellposed::numeric
