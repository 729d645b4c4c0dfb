#include "wellposed/numeric/dense.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace wellposed::numeric {

Matrix to_dense(const Support& s) {
  Matrix m = Matrix::Zero(static_cast<Eigen::Index>(s.rows()), static_cast<Eigen::Index>(s.cols()));
  for (std::size_t i = 0; i < s.rows(); ++i)
    for (auto j : s.row_indices(i)) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = 1.0;
  return m;
}

Support support_of(const Matrix& x, double tol) {
  Support s(static_cast<std::size_t>(x.rows()), static_cast<std::size_t>(x.cols()));
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (std::abs(x(i, j)) > tol) s.set(static_cast<std::size_t>(i), static_cast<std::size_t>(j));
  return s;
}

bool respects(const Matrix& x, const Support& s) {
  if (static_cast<std::size_t>(x.rows()) != s.rows() || static_cast<std::size_t>(x.cols()) != s.cols()) return false;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (x(i, j) != 0.0 && !s(static_cast<std::size_t>(i), static_cast<std::size_t>(j))) return false;
  return true;
}

void require_finite(const Matrix& x, const std::string& what) {
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      if (!std::isfinite(x(i, j))) {
        std::ostringstream os;
        os << what << ": entry (" << i << ", " << j << ") is " << x(i, j) << "; only finite values are accepted";
        throw std::invalid_argument(os.str());
      }
}

void require_finite(const ComplexMatrix& x, const std::string& what) {
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const Complex z = x(i, j);
      const bool re = std::isfinite(z.real()), im = std::isfinite(z.imag());
      if (!re || !im) {
        std::ostringstream os;
        os << what << ": entry (" << i << ", " << j << ") = " << z.real() << (z.imag() < 0 ? " - " : " + ")
           << std::abs(z.imag()) << "i has a non-finite " << (re ? "imaginary" : "real")
           << " part; only finite values are accepted";
        throw std::invalid_argument(os.str());
      }
    }
}

namespace {
template <class S>
MatrixT<S> chain_product_impl(const std::vector<MatrixT<S>>& factors) {
  if (factors.empty()) throw std::invalid_argument("chain_product: no factors");
  MatrixT<S> p = factors.front();
  for (std::size_t l = 1; l < factors.size(); ++l) {
    if (p.cols() != factors[l].rows()) {
      std::ostringstream os;
      os << "chain_product: factor " << l << " has " << factors[l - 1].cols() << " columns but factor " << l + 1
         << " has " << factors[l].rows() << " rows";
      throw std::invalid_argument(os.str());
    }
    p = p * factors[l];
  }
  return p;
}
}  // namespace

Matrix chain_product(const std::vector<Matrix>& factors) { return chain_product_impl<double>(factors); }
ComplexMatrix chain_product(const std::vector<ComplexMatrix>& factors) { return chain_product_impl<Complex>(factors); }

}  // namespace wellposed::numeric
