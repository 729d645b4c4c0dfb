#include "wellposed/numeric/gradient.hpp"

#include <cmath>
#include <random>
#include <sstream>
#include <stdexcept>

namespace wellposed::numeric {

GradientResult gradient_descent(const Matrix& A, const std::vector<Support>& supports, const GradientOptions& opt,
                                std::vector<Matrix> init) {
  if (supports.empty()) throw std::invalid_argument("gradient_descent: no supports");
  if (static_cast<std::size_t>(A.rows()) != supports.front().rows() || static_cast<std::size_t>(A.cols()) != supports.back().cols())
    throw std::invalid_argument("gradient_descent: A is " + std::to_string(A.rows()) + " x " + std::to_string(A.cols()) +
                                " but the supports give " + std::to_string(supports.front().rows()) + " x " +
                                std::to_string(supports.back().cols()));
  for (std::size_t l = 0; l + 1 < supports.size(); ++l)
    if (supports[l].cols() != supports[l + 1].rows())
      throw std::invalid_argument("gradient_descent: supports " + std::to_string(l + 1) + " and " + std::to_string(l + 2) +
                                  " have mismatched inner dimensions");
  require_finite(A, "gradient_descent: A");
  const std::size_t N = supports.size();
  std::vector<Matrix> masks;
  for (const auto& s : supports) masks.push_back(to_dense(s));
  GradientResult res;
  if (init.empty()) {
    std::mt19937_64 gen(opt.seed);
    std::normal_distribution<double> nd(0.0, 1.0);
    for (std::size_t l = 0; l < N; ++l) {
      Matrix x(masks[l].rows(), masks[l].cols());
      for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const double per_col = std::max(1.0, masks[l].col(j).sum());
        for (Eigen::Index i = 0; i < x.rows(); ++i) x(i, j) = nd(gen) * opt.init_scale / std::sqrt(per_col);
      }
      res.factors.push_back(x.cwiseProduct(masks[l]));
    }
  } else {
    if (init.size() != N) throw std::invalid_argument("gradient_descent: init has the wrong number of factors");
    for (std::size_t l = 0; l < N; ++l) {
      if (init[l].rows() != masks[l].rows() || init[l].cols() != masks[l].cols())
        throw std::invalid_argument("gradient_descent: init factor " + std::to_string(l + 1) + " has the wrong shape");
      require_finite(init[l], "gradient_descent: init factor " + std::to_string(l + 1));
      res.factors.push_back(init[l].cwiseProduct(masks[l]));
    }
  }
  std::vector<Matrix> m1, m2;
  for (const auto& x : res.factors) {
    m1.push_back(Matrix::Zero(x.rows(), x.cols()));
    m2.push_back(Matrix::Zero(x.rows(), x.cols()));
  }
  auto& X = res.factors;
  std::vector<Matrix> prefix(N + 1), suffix(N + 1);
  for (std::size_t it = 0;; ++it) {
    // prefix[l] = X_1..X_l (prefix[0] = I), suffix[l] = X_{l+1}..X_N.
    prefix[0] = Matrix::Identity(A.rows(), A.rows());
    for (std::size_t l = 0; l < N; ++l) prefix[l + 1] = prefix[l] * X[l];
    suffix[N] = Matrix::Identity(A.cols(), A.cols());
    for (std::size_t l = N; l-- > 0;) suffix[l] = X[l] * suffix[l + 1];
    const Matrix R = prefix[N] - A;
    const double loss = R.squaredNorm();
    double nrm = 0.0;
    for (const auto& x : X) nrm += x.squaredNorm();
    res.loss.push_back(loss);
    res.factor_norm.push_back(std::sqrt(nrm));
    if (it == opt.iterations || loss <= opt.target_loss || !std::isfinite(loss)) {
      res.iterations = it;
      break;
    }
    const double t = static_cast<double>(it + 1);
    for (std::size_t l = 0; l < N; ++l) {
      const Matrix g = (2.0 * prefix[l].transpose() * R * suffix[l + 1].transpose()).cwiseProduct(masks[l]);
      if (opt.adam) {
        m1[l] = opt.beta1 * m1[l] + (1 - opt.beta1) * g;
        m2[l] = opt.beta2 * m2[l] + (1 - opt.beta2) * g.cwiseProduct(g);
        const Matrix mh = m1[l] / (1 - std::pow(opt.beta1, t));
        const Matrix vh = m2[l] / (1 - std::pow(opt.beta2, t));
        X[l] -= opt.learning_rate * mh.cwiseQuotient((vh.cwiseSqrt().array() + opt.epsilon).matrix());
      } else {
        X[l] -= opt.learning_rate * g;
      }
    }
  }
  return res;
}

}  // namespace wellposed::numeric
