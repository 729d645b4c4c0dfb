#pragma once
// Private: the dense small-block kernels shared by the two-factor solver and
// the hierarchical factorization. Every bound here follows the rounding model
// of interval.hpp.
#include <cstddef>

#include <Eigen/Eigenvalues>

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
/// S = double or Complex (every transpose below is then the conjugate
/// transpose, every inner-product bound uses inner_terms<S>, interval.hpp);
/// explicitly instantiated for both.
template <class S>
void truncated_block(const MatrixT<S>& B, std::size_t q, Balance balance, MatrixT<S>& H, MatrixT<S>& K,
                     ResidualAccumulator& acc, Interval* tail_sq);

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
template <class S>
double spectral_norm_upper(const MatrixT<S>& M);
template <class S>
Interval certified_tail_squared(const MatrixT<S>& B, std::size_t q, const MatrixT<S>& U);

/// Step (1)-(3) of certified_tail_squared from quantities already computed:
/// row_sq[i] = fl(||C^_i||^2) (a c-term sum), dots(i, j) = fl(<C^_i, C^_j>) for
/// i < j, where C^ = fl(U^T B) with each entry a b-term inner product, and
/// bnorm_sq an enclosure of ||B||_F^2.
template <class S>
Interval certified_tail_from_rotated(std::size_t b, std::size_t c, std::size_t q, const Interval& bnorm_sq, const MatrixT<S>& U,
                                     const double* row_sq, const MatrixT<S>& dots);

/// Rank-1 approximation of a 2 x c block with rows x, y (contiguous), the fast
/// path of the square dyadic butterfly: closed-form 2 x 2 rotation from the
/// Gram matrix, no heap allocation beyond two 2 x 2 matrices when certifying.
/// balance: left_orthonormal or sqrt_sigma. Writes h[0..1] (the 2 x 1 H) and
/// k[0..c) (the 1 x c K); scratch has c doubles. Accumulates ||B - h k||_F into
/// acc; if tail_sq is non-null stores an enclosure of sigma_2(B)^2.
void two_row_rank_one(const double* x, const double* y, std::size_t c, Balance balance, double* h, double* k,
                      double* scratch, ResidualAccumulator& acc, Interval* tail_sq);

/// Per-thread scratch of gram_truncated_block (sized on first use, reused:
/// no heap allocation per block once warm).
struct GramWorkspace {
  Matrix G, T, M, H, K, P;
  Eigen::SelfAdjointEigenSolver<Matrix> eig;
  // Subspace iteration (gram_top_eigenvectors): X the orthonormal block, Y = G X,
  // W / Z the Ritz vectors and G W (k x p), S the p x p Rayleigh quotient.
  Matrix X, Y, W, Z, S;
  Eigen::VectorXd theta;
  Eigen::SelfAdjointEigenSolver<Matrix> eig_small;
  std::size_t iterations = 0;  ///< of the last gram_top_eigenvectors call (tests, tuning)
};

/// Block size p of the partial eigen-solve for the top r eigenvectors: r plus
/// oversampling (the residual of Ritz vector j decays like (lambda_{p+1} /
/// lambda_j)^iteration, so the oversampling also covers a tie lambda_r = lambda_{r+1}).
std::size_t gram_partial_block(std::size_t k, std::size_t r);

/// Whether gram_truncated_block takes the partial eigen-solve for a k x k Gram
/// matrix and rank q (without certification): only where it is cheaper than
/// the full eigen-solve (thresholds measured, issue 5).
bool gram_partial_pays(std::size_t k, std::size_t q);

/// Top r eigenpairs of the symmetric positive semi-definite k x k G (full
/// storage, 1 <= r <= k) by block subspace (orthogonal) iteration with
/// Rayleigh-Ritz on p columns (r <= p <= k; gram_partial_block(k, r) in
/// gram_truncated_block), O(k^2 p) per iteration,
/// started from a fixed pseudo-random block (deterministic: the same G gives
/// the same result on every call and thread). Stops when every one of the top
/// r Ritz pairs has ||G w_j - theta_j w_j||_2 <= tol theta_1 with
/// tol = 8 sqrt(k) u (the backward error of a full symmetric eigen-solve is of
/// this order; by Davis-Kahan the angle of w_j to its eigenvector is then at
/// most tol theta_1 / gap_j). Returns false when this does not happen within
/// max_iterations (a cluster of eigenvalues straddling p): callers then take
/// the full eigen-solve. On true: ws.W's first r columns are orthonormal
/// (to rounding) Ritz vectors ordered by decreasing Ritz value ws.theta(j).
/// Not a certificate: nothing certified may depend on the result (the
/// residual of the factors is measured from the stored doubles).
bool gram_top_eigenvectors(const Matrix& G, std::size_t r, std::size_t p, GramWorkspace& ws, std::size_t max_iterations);

/// The default iteration cap of gram_top_eigenvectors in gram_truncated_block.
std::size_t gram_partial_max_iterations(std::size_t k, std::size_t p);

/// Best rank-min(q, k) approximation B ~ H K of a row-major b x c block
/// (k = min(b, c) the small side) through the k x k Gram matrix of the small
/// side and a small symmetric eigen-solve: O(b c k) for the Gram, O(b c q) for
/// the factors, O(k^3) for the eigen-solve and the certificate, instead of a
/// Jacobi SVD of the whole block. Meant for tall / wide blocks (k << max(b, c)),
/// where it costs what the shape needs, and for any block with k > 32 (a
/// Jacobi SVD there costs about 10x more, issue 5). Accuracy of H, K: the singular
/// subspace comes from the Gram matrix (angle ~ u kappa^2 for a block of
/// exact rank q with condition kappa), so callers use it only for large
/// blocks; the certified quantities do not depend on that accuracy:
///  - ||B - H K||_F is accumulated into acc entrywise from the stored doubles;
///  - if tail_sq is non-null, *tail_sq encloses tau_q(B)^2 = sum_{j>q} sigma_j^2(B)
///    by certified_tail_from_gram.
/// Without certification (tail_sq null) and where gram_partial_pays(k, q), the
/// top min(q, k) eigenvectors come from gram_top_eigenvectors (O(k^2 p) per
/// iteration instead of O(k^3)), falling back to the full eigen-solve when it
/// does not converge; partial = false forces the full eigen-solve (tests).
/// The certifying path always uses the full eigen-solve: certified_tail_from_gram
/// needs a complete orthonormal basis.
/// Writes ws.H (b x q) and ws.K (q x c).
void gram_truncated_block(const double* B, std::size_t b, std::size_t c, std::size_t q, Balance balance, GramWorkspace& ws,
                          ResidualAccumulator& acc, Interval* tail_sq, bool partial = true);

/// Enclosure of tau_q(B)^2 for a b x c block B from G^ = fl(Gram of the small
/// side) (k x k, each entry an n-term inner product, n = the long side; only its
/// lower triangle is read) and any numerically orthogonal k x k U whose columns
/// are ordered by decreasing eigenvalue. Proof:
///  (1) ||G^ - G||_F <= gamma_n ||B||_F^2 + k n eta  (|G^ - G| <= gamma_n |B|^T |B|
///      entrywise, ||(|B|^T |B|)||_F <= ||B||_F^2), G the exact Gram (PSD);
///  (2) M^ = fl(U^T fl(G^ U)): ||M^ - U^T G^ U||_F <= gamma_k (||U||_F ||T^||_F +
///      ||U||_F^2 ||G^||_F) + underflow, ||U||_F^2 <= k (1 + eta), ||U||_2^2 <= 1 + eta,
///      so eps >= sqrt(2) ||S - U^T G U||_F for S the symmetric matrix with
///      M^'s lower triangle (the sqrt(2) covers the mirrored upper triangle);
///  (3) Ky Fan on S: sum of its k - q smallest eigenvalues lies in
///      [sum of the k - q smallest S_ii - min(q, k - q) ||offdiag S||_F,
///       sum of the k - q smallest S_ii];
///      Hoffman-Wielandt: moving to U^T G U changes it by <= sqrt(k - q) eps;
///  (4) Ostrowski (eta = ||U^T U - I||_2 < 1/2): lambda_j(U^T G U) = theta_j lambda_j(G),
///      theta_j in [1 - eta, 1 + eta], lambda_j(G) >= 0.
Interval certified_tail_from_gram(std::size_t k, std::size_t n, std::size_t q, const Interval& bnorm_sq, const Matrix& Ghat,
                                  const Matrix& U, GramWorkspace& ws);

/// Upper bound of ||U^T U - I||_2 (U^H U for complex; through the Frobenius
/// norm, rounding included).
template <class S>
double orthogonality_defect(const MatrixT<S>& U);

/// Enclosure of ||B||_F^2 (complex: a sum of 2 |B| real squares).
template <class S>
Interval squared_norm_enclosure(const MatrixT<S>& B);

}  // namespace wellposed::numeric::detail
