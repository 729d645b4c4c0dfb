#include "wellposed/numeric/kronecker_factor.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace wellposed::numeric {

template <class S>
std::size_t BasicKFactor<S>::offset(std::size_t i, std::size_t j) const {
  const auto& t = theta;
  const std::size_t alpha = i / (t.b * t.d), beta = (i / t.d) % t.b, delta = i % t.d;
  const std::size_t gam = (j / t.d) % t.c;
  return ((alpha * t.b + beta) * t.c + gam) * t.d + delta;
}

template <class S>
bool BasicKFactor<S>::in_support(std::size_t i, std::size_t j) const {
  const auto& t = theta;
  return i / (t.b * t.d) == j / (t.c * t.d) && i % t.d == j % t.d;
}

template <class S>
S BasicKFactor<S>::operator()(std::size_t i, std::size_t j) const { return in_support(i, j) ? values[offset(i, j)] : S(0); }

template <class S>
MatrixT<S> BasicKFactor<S>::to_dense() const {
  Dense x = Dense::Zero(static_cast<Eigen::Index>(rows()), static_cast<Eigen::Index>(cols()));
  const auto& t = theta;
  for (std::size_t al = 0; al < t.a; ++al)
    for (std::size_t be = 0; be < t.b; ++be)
      for (std::size_t ga = 0; ga < t.c; ++ga)
        for (std::size_t de = 0; de < t.d; ++de)
          x(static_cast<Eigen::Index>(al * t.b * t.d + be * t.d + de), static_cast<Eigen::Index>(al * t.c * t.d + ga * t.d + de)) =
              values[((al * t.b + be) * t.c + ga) * t.d + de];
  return x;
}

template <class S>
BasicKFactor<S> BasicKFactor<S>::from_dense(const KPattern& t, const Dense& x) {
  t.validate();
  if (static_cast<std::size_t>(x.rows()) != t.rows() || static_cast<std::size_t>(x.cols()) != t.cols()) {
    std::ostringstream os;
    os << "KFactor::from_dense: matrix is " << x.rows() << " x " << x.cols() << " but pattern " << t.to_string() << " is "
       << t.rows() << " x " << t.cols();
    throw std::invalid_argument(os.str());
  }
  BasicKFactor f(t);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const auto ui = static_cast<std::size_t>(i), uj = static_cast<std::size_t>(j);
      if (f.in_support(ui, uj))
        f.values[f.offset(ui, uj)] = x(i, j);
      else if (x(i, j) != S(0)) {
        std::ostringstream os;
        os << "KFactor::from_dense: entry (" << i << ", " << j << ") = " << x(i, j) << " lies outside S_" << t.to_string();
        throw std::invalid_argument(os.str());
      }
    }
  return f;
}

namespace {
template <bool Abs, class S, class Y>
MatrixT<typename Y::Scalar> apply_impl(const BasicKFactor<S>& f, const Y& y) {
  using Out = MatrixT<typename Y::Scalar>;
  if (static_cast<std::size_t>(y.rows()) != f.cols()) {
    std::ostringstream os;
    os << "KFactor::apply: factor has " << f.cols() << " columns, operand has " << y.rows() << " rows";
    throw std::invalid_argument(os.str());
  }
  const auto& t = f.theta;
  Out out = Out::Zero(static_cast<Eigen::Index>(f.rows()), y.cols());
  const auto a = static_cast<std::ptrdiff_t>(t.a);
#pragma omp parallel for schedule(static) if (f.values.size() * static_cast<std::size_t>(y.cols()) > (1u << 16))
  for (std::ptrdiff_t al = 0; al < a; ++al)
    for (std::size_t be = 0; be < t.b; ++be)
      for (std::size_t ga = 0; ga < t.c; ++ga)
        for (std::size_t de = 0; de < t.d; ++de) {
          const S x = f.values[((static_cast<std::size_t>(al) * t.b + be) * t.c + ga) * t.d + de];
          if (x == S(0)) continue;
          const auto i = static_cast<Eigen::Index>(static_cast<std::size_t>(al) * t.b * t.d + be * t.d + de);
          const auto j = static_cast<Eigen::Index>(static_cast<std::size_t>(al) * t.c * t.d + ga * t.d + de);
          if constexpr (Abs)
            out.row(i) += mag_up(x) * y.row(j).cwiseAbs();
          else
            out.row(i) += x * y.row(j);
        }
  return out;
}
}  // namespace

template <class S>
MatrixT<S> BasicKFactor<S>::apply(const Dense& y) const { return apply_impl<false>(*this, y); }
template <class S>
Matrix BasicKFactor<S>::apply_abs(const Matrix& y) const { return apply_impl<true>(*this, y); }

template struct BasicKFactor<double>;
template struct BasicKFactor<Complex>;

namespace {
template <class S>
MatrixT<S> chain_product_impl(const std::vector<BasicKFactor<S>>& factors) {
  if (factors.empty()) throw std::invalid_argument("chain_product: no factors");
  MatrixT<S> p = factors.back().to_dense();
  for (std::size_t l = factors.size() - 1; l-- > 0;) p = factors[l].apply(p);
  return p;
}
}  // namespace

Matrix chain_product(const std::vector<KFactor>& factors) { return chain_product_impl(factors); }
ComplexMatrix chain_product(const std::vector<ComplexKFactor>& factors) { return chain_product_impl(factors); }

}  // namespace wellposed::numeric
