#pragma once
// Certified ||A - X_1 ... X_N||_F for a chain of KFactors, through the chain
// multiply: column block by column block (memory O(rows x block)), cost
// proportional to ||Theta||_0 n (issue 19 item 5), no cap on the size.
#include <cstddef>
#include <vector>

#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/interval.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::numeric {

/// What one enclosure cost.
struct ResidualCost {
  std::size_t multiply_adds = 0;  ///< of the product pass(es), chain_residual_work each
  bool abs_pass = false;          ///< the |X_1|...|X_N| pass was needed (see below)
  double seconds = 0.0;
};

/// Enclosure of ||A - X_1 ... X_N||_F (Frobenius norm of the exact difference
/// of A and the product of the stored doubles). One pass computes the product
/// P^ column block by column block and sums the squares of A - P^; the
/// rounding bound needs ||  |X_1| ... |X_N|  ||_F, first bounded from the
/// factors' spectral norms (O(||Theta||_0)); only when that bound would widen
/// the interval by more than 1e-3 of the residual (and 1e-10 of ||A||_F) is
/// the |X| product computed exactly in a second pass. Derivation in
/// numeric/src/residual.cpp. Throws std::invalid_argument on shape mismatch.
Interval chain_residual(const Matrix& A, const std::vector<KFactor>& factors, ResidualCost* cost = nullptr);
Interval chain_residual(const ComplexMatrix& A, const std::vector<ComplexKFactor>& factors,
                        ResidualCost* cost = nullptr);

/// Multiply-adds of one product pass of chain_residual for this chain (the
/// kernel's loop bounds; exact-zero terms are skipped).
std::size_t chain_residual_work(const KChain& chain);

}  // namespace wellposed::numeric
