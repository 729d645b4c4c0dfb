#pragma once
// Two-factor fixed-support matrix factorization (FSMF) for tractable supports:
//   minimize ||A - X Y||_F   subject to supp X <= left (m x r), supp Y <= right (r x n)
// (library orientation; the thesis's Ch. 5 writes A ~ X Y^T with J = right^T).
//
// Solved exactly, in polynomial time, when one of two sufficient conditions holds
// (neither is necessary, SEEDMAP 3.2):
//   Thm 5.2.3 / 6.2.3: the representative rank-one supports S_P are pairwise
//     disjoint -> Algorithm 3 (one truncated SVD of A[R_P, C_P] per class P);
//   Thm 5.2.9: every S'_k = S_k \ S_T (k outside the complete classes) is a
//     rectangle and they are pairwise equal or disjoint -> Algorithm 4
//     (complete classes reproduce A on S_T exactly, Lemma 5.2.6; the rest is
//     Algorithm 3 on A restricted off S_T).
// Otherwise the solver refuses (NotTractable) and says which condition fails.
//
// Real and complex A share one implementation (templated on the scalar): the
// theorems and Algorithms 3/4 hold verbatim over C (Eckart-Young for the
// complex SVD), and the enclosures use the complex rounding model of interval.hpp.
#include <stdexcept>
#include <string>

#include "wellposed/algebra/support.hpp"
#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/interval.hpp"

namespace wellposed::numeric {

/// Thrown when neither Thm 5.2.3 nor Thm 5.2.9 applies; what() names the
/// failing classes / indices.
class NotTractable : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

template <class Scalar>
struct BasicTwoFactorResult {
  MatrixT<Scalar> X, Y;   ///< optimal factors, supp X <= left, supp Y <= right
  std::string theorem;    ///< "Thm 5.2.3" or "Thm 5.2.9"
  /// Thm 6.2.3's value ||A||^2 - sum_P sum_{j<=|P|} sigma_j^2(A[R_P,C_P]) (for
  /// Thm 5.2.9: the same formula on the reduced problem (A o S_T-bar, I^1, J^1)),
  /// evaluated in double: the optimal squared error.
  double optimal_value_sq = 0.0;
  /// Certified enclosure of the optimal (unsquared) error inf ||A - X Y||_F.
  Interval optimal_error;
  /// Certified enclosure of the achieved ||A - X Y||_F of the returned doubles.
  Interval residual;
};
using TwoFactorResult = BasicTwoFactorResult<double>;
using ComplexTwoFactorResult = BasicTwoFactorResult<Complex>;

/// Algorithms 3/4. Throws std::invalid_argument on shape mismatch or
/// non-finite A (naming the entry), NotTractable when no theorem applies.
TwoFactorResult factorize_two_factors(const Matrix& A, const Support& left, const Support& right);
ComplexTwoFactorResult factorize_two_factors(const ComplexMatrix& A, const Support& left, const Support& right);

/// Certified enclosure of ||A - X Y||_F for the given doubles (entrywise
/// inner-product bound with r + 1 terms, see interval.hpp).
Interval certified_residual(const Matrix& A, const Matrix& X, const Matrix& Y);
Interval certified_residual(const ComplexMatrix& A, const ComplexMatrix& X, const ComplexMatrix& Y);

}  // namespace wellposed::numeric
