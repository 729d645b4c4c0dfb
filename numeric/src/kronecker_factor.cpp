#include "wellposed/numeric/kronecker_factor.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace wellposed::numeric {

std::size_t KFactor::offset(std::size_t i, std::size_t j) const {
  const auto& t = theta;
  const std::size_t alpha = i / (t.b * t.d), beta = (i / t.d) % t.b, delta = i % t.d;
  const std::size_t gam = (j / t.d) % t.c;
  return ((alpha * t.b + beta) * t.c + gam) * t.d + delta;
}

bool KFactor::in_support(std::size_t i, std::size_t j) const {
  const auto& t = theta;
  return i / (t.b * t.d) == j / (t.c * t.d) && i % t.d == j % t.d;
}

double KFactor::operator()(std::size_t i, std::size_t j) const { return in_support(i, j) ? values[offset(i, j)] : 0.0; }

Matrix KFactor::to_dense() const {
  Matrix x = Matrix::Zero(static_cast<Eigen::Index>(rows()), static_cast<Eigen::Index>(cols()));
  const auto& t = theta;
  for (std::size_t al = 0; al < t.a; ++al)
    for (std::size_t be = 0; be < t.b; ++be)
      for (std::size_t ga = 0; ga < t.c; ++ga)
        for (std::size_t de = 0; de < t.d; ++de)
          x(static_cast<Eigen::Index>(al * t.b * t.d + be * t.d + de), static_cast<Eigen::Index>(al * t.c * t.d + ga * t.d + de)) =
              values[((al * t.b + be) * t.c + ga) * t.d + de];
  return x;
}

KFactor KFactor::from_dense(const KPattern& t, const Matrix& x) {
  t.validate();
  if (static_cast<std::size_t>(x.rows()) != t.rows() || static_cast<std::size_t>(x.cols()) != t.cols()) {
    std::ostringstream os;
    os << "KFactor::from_dense: matrix is " << x.rows() << " x " << x.cols() << " but pattern " << t.to_string() << " is "
       << t.rows() << " x " << t.cols();
    throw std::invalid_argument(os.str());
  }
  KFactor f(t);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const auto ui = static_cast<std::size_t>(i), uj = static_cast<std::size_t>(j);
      if (f.in_support(ui, uj))
        f.values[f.offset(ui, uj)] = x(i, j);
      else if (x(i, j) != 0.0) {
        std::ostringstream os;
        os << "KFactor::from_dense: entry (" << i << ", " << j << ") = " << x(i, j) << " lies outside S_" << t.to_string();
        throw std::invalid_argument(os.str());
      }
    }
  return f;
}

namespace {
template <bool Abs>
Matrix apply_impl(const KFactor& f, const Matrix& y) {
  if (static_cast<std::size_t>(y.rows()) != f.cols()) {
    std::ostringstream os;
    os << "KFactor::apply: factor has " << f.cols() << " columns, operand has " << y.rows() << " rows";
    throw std::invalid_argument(os.str());
  }
  const auto& t = f.theta;
  Matrix out = Matrix::Zero(static_cast<Eigen::Index>(f.rows()), y.cols());
  const auto a = static_cast<std::ptrdiff_t>(t.a);
#pragma omp parallel for schedule(static) if (f.values.size() * static_cast<std::size_t>(y.cols()) > (1u << 16))
  for (std::ptrdiff_t al = 0; al < a; ++al)
    for (std::size_t be = 0; be < t.b; ++be)
      for (std::size_t ga = 0; ga < t.c; ++ga)
        for (std::size_t de = 0; de < t.d; ++de) {
          double v = f.values[((static_cast<std::size_t>(al) * t.b + be) * t.c + ga) * t.d + de];
          if constexpr (Abs) v = std::abs(v);
          if (v == 0.0) continue;
          const auto i = static_cast<Eigen::Index>(static_cast<std::size_t>(al) * t.b * t.d + be * t.d + de);
          const auto j = static_cast<Eigen::Index>(static_cast<std::size_t>(al) * t.c * t.d + ga * t.d + de);
          if constexpr (Abs)
            out.row(i) += v * y.row(j).cwiseAbs();
          else
            out.row(i) += v * y.row(j);
        }
  return out;
}
}  // namespace

Matrix KFactor::apply(const Matrix& y) const { return apply_impl<false>(*this, y); }
Matrix KFactor::apply_abs(const Matrix& y) const { return apply_impl<true>(*this, y); }

Matrix chain_product(const std::vector<KFactor>& factors) {
  if (factors.empty()) throw std::invalid_argument("chain_product: no factors");
  Matrix p = factors.back().to_dense();
  for (std::size_t l = factors.size() - 1; l-- > 0;) p = factors[l].apply(p);
  return p;
}

}  // namespace wellposed::numeric
