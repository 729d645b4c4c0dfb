#pragma once
// Private: the dense small-block kernels shared by the two-factor solver and
// the hierarchical factorization. Every bound here follows the rounding model
// of interval.hpp.
#include <cstddef>

#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/interval.hpp"

namespace wellposed::numeric::detail {

/// How a rank-q block approximation B ~ H K is split between H and K.
enum class Balance {
  left_orthonormal,   ///< H = U_q (orthonormal columns), K = H^T B
  right_orthonormal,  ///< K = V_q^T (orthonormal rows), H = B K^T
  sqrt_sigma          ///< H = U_q S^{1/2}, K = S^{1/2} V_q^T (thesis Sec. 6.6 experiments)
};

/// Best rank-min(q, rank) approximation of B (Eckart-Young via a full Jacobi SVD
/// of the block, oriented so that the small side gives the square factor U).
/// Accumulates ||B - H K||_F into acc (stored doubles, certified).
/// If tail_sq is non-null, also stores an enclosure of tau_q(B)^2 =
/// sum_{j > q} sigma_j(B)^2, see certified_tail_squared.
void truncated_block(const Matrix& B, std::size_t q, Balance balance, Matrix& H, Matrix& K, ResidualAccumulator& acc,
                     Interval* tail_sq);

/// Enclosure of tau_q(B)^2 = sum_{j>q} sigma_j^2(B) for B b x c with b <= c,
/// given any numerically orthogonal b x b matrix U whose columns are ordered by
/// decreasing singular value (the computed left singular vectors). Proof:
///  (1) eta >= ||U^T U - I||_2 is computed with rounding bounds; for eta < 1,
///      Ostrowski's theorem gives lambda_j(U^T G U) = theta_j lambda_j(G) with
///      theta_j in [1 - eta, 1 + eta], G = B B^T.
///  (2) C = U^T B is evaluated as C^ with ||C^ - C||_F <= gamma_b ||U||_F ||B||_F = delta;
///      tau_q is 1-Lipschitz in the Frobenius norm (a distance to the rank-q set).
///  (3) For C^ (exact doubles): with D = diag(C^ C^T), O the off-diagonal part,
///      Ky Fan / Lidskii give sum_{j>q} lambda_j(C^ C^T) in
///      [sum of the b-q smallest D_ii - q ||O||_F,  sum_{i>q} D_ii].
double spectral_norm_upper(const Matrix& M);
Interval certified_tail_squared(const Matrix& B, std::size_t q, const Matrix& U);

/// Step (1)-(3) of certified_tail_squared from quantities already computed:
/// row_sq[i] = fl(||C^_i||^2) (a c-term sum), dots(i, j) = fl(<C^_i, C^_j>) for
/// i < j, where C^ = fl(U^T B) with each entry a b-term inner product, and
/// bnorm_sq an enclosure of ||B||_F^2.
Interval certified_tail_from_rotated(std::size_t b, std::size_t c, std::size_t q, const Interval& bnorm_sq, const Matrix& U,
                                     const double* row_sq, const Matrix& dots);

/// Rank-1 approximation of a 2 x c block with rows x, y (contiguous), the fast
/// path of the square dyadic butterfly: closed-form 2 x 2 rotation from the
/// Gram matrix, no heap allocation beyond two 2 x 2 matrices when certifying.
/// balance: left_orthonormal or sqrt_sigma. Writes h[0..1] (the 2 x 1 H) and
/// k[0..c) (the 1 x c K); scratch has c doubles. Accumulates ||B - h k||_F into
/// acc; if tail_sq is non-null stores an enclosure of sigma_2(B)^2.
void two_row_rank_one(const double* x, const double* y, std::size_t c, Balance balance, double* h, double* k,
                      double* scratch, ResidualAccumulator& acc, Interval* tail_sq);

/// Enclosure of ||B||_F^2.
Interval squared_norm_enclosure(const Matrix& B);

}  // namespace wellposed::numeric::detail
