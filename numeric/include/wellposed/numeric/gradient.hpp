#pragma once
// First-order baseline on fixed supports: minimize ||A - X_1 ... X_N||_F^2 over
// supp X_l <= I_l by plain gradient descent or Adam (as in thesis Fig 5.4/5.5
// and Fig 6.3). No optimality guarantee: on ill-posed supports (LU, Claim
// 3.1.1) the loss can go to 0 while the iterates diverge.
#include <cstdint>
#include <vector>

#include "wellposed/algebra/support.hpp"
#include "wellposed/numeric/dense.hpp"

namespace wellposed::numeric {

struct GradientOptions {
  std::size_t iterations = 1000;
  double learning_rate = 1e-2;
  bool adam = true;  ///< false: plain gradient descent
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  /// Random initialization N(0, init_scale^2 / nnz-per-column), seeded.
  double init_scale = 1.0;
  std::uint64_t seed = 0;
  /// Stop once the loss is at most this.
  double target_loss = 0.0;
};

struct GradientResult {
  std::vector<Matrix> factors;
  std::vector<double> loss;         ///< ||A - X_1...X_N||_F^2 before each iteration, and at the end
  std::vector<double> factor_norm;  ///< sqrt(sum_l ||X_l||_F^2), same instants
  std::size_t iterations = 0;
};

/// Throws std::invalid_argument on shape mismatch or non-finite A / init.
GradientResult gradient_descent(const Matrix& A, const std::vector<Support>& supports, const GradientOptions& options = {},
                                std::vector<Matrix> init = {});

}  // namespace wellposed::numeric
