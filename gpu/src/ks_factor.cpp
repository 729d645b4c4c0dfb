#include "wellposed/gpu/ks_factor.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace wellposed::gpu {
namespace {

template <class Mat>
void require_shape(const KPattern& p, const Mat& dense, const char* where) {
  if (static_cast<std::size_t>(dense.rows()) != p.rows() || static_cast<std::size_t>(dense.cols()) != p.cols()) {
    std::ostringstream os;
    os << where << ": matrix is " << dense.rows() << " x " << dense.cols() << " but pattern " << p.to_string()
       << " needs rows = a b d = " << p.rows() << " and cols = a c d = " << p.cols();
    throw std::invalid_argument(os.str());
  }
}

/// Copies the support entries of `dense` into a factor; throws at the first
/// entry outside S_p with |value| > tol (NaN counts as exceeding).
template <class T, class Mat>
KsFactor<T> gather(const KPattern& p, const Mat& dense, double tol, const char* where) {
  p.validate();
  require_shape(p, dense, where);
  KsFactor<T> f(p);
  const std::size_t bd = p.b * p.d, cd = p.c * p.d;
  for (Eigen::Index j = 0; j < dense.cols(); ++j) {
    for (Eigen::Index i = 0; i < dense.rows(); ++i) {
      const auto ui = static_cast<std::size_t>(i), uj = static_cast<std::size_t>(j);
      const std::size_t alpha = ui / bd, beta = (ui % bd) / p.d, delta = ui % p.d;
      const std::size_t alpha2 = uj / cd, gamma = (uj % cd) / p.d, delta2 = uj % p.d;
      const double v = static_cast<double>(dense(i, j));
      if (alpha == alpha2 && delta == delta2) {
        f.at(alpha, delta, beta, gamma) = static_cast<T>(dense(i, j));
      } else if (!(std::abs(v) <= tol)) {
        std::ostringstream os;
        os << where << ": entry (" << i << ", " << j << ") = " << v << " lies outside the support of pattern "
           << p.to_string() << " (tolerance " << tol << ")";
        throw std::invalid_argument(os.str());
      }
    }
  }
  return f;
}

}  // namespace

template <class T>
KsFactor<T>::KsFactor(const KPattern& p) : pattern_(p) {
  p.validate();
  values_.assign(p.nnz(), T(0));
}

template <class T>
KsFactor<T>::KsFactor(const KPattern& p, std::vector<T> values) : pattern_(p), values_(std::move(values)) {
  p.validate();
  if (values_.size() != p.nnz()) {
    std::ostringstream os;
    os << "KsFactor: " << values_.size() << " values given but pattern " << p.to_string()
       << " has a b c d = " << p.nnz() << " entries";
    throw std::invalid_argument(os.str());
  }
}

template <class T>
KsFactor<T> KsFactor<T>::from_dense(const KPattern& p, const MatX<T>& dense, double tol) {
  return gather<T>(p, dense, tol, "KsFactor::from_dense");
}

template <class T>
KsFactor<T> KsFactor<T>::from_numeric(const KPattern& p, const numeric::Matrix& dense, double tol) {
  return gather<T>(p, dense, tol, "KsFactor::from_numeric");
}

template <class T>
KsFactor<T> KsFactor<T>::from_kfactor(const numeric::KFactor& f) {
  const KPattern& p = f.theta;
  p.validate();
  if (f.values.size() != p.nnz()) {
    std::ostringstream os;
    os << "KsFactor::from_kfactor: " << f.values.size() << " values but pattern " << p.to_string() << " has "
       << p.nnz() << " entries";
    throw std::invalid_argument(os.str());
  }
  KsFactor<T> k(p);
  // numeric: ((alpha b + beta) c + gamma) d + delta; here: ((alpha d + delta) b + beta) c + gamma.
  for (std::size_t alpha = 0; alpha < p.a; ++alpha)
    for (std::size_t beta = 0; beta < p.b; ++beta)
      for (std::size_t gamma = 0; gamma < p.c; ++gamma) {
        const double* src = f.values.data() + ((alpha * p.b + beta) * p.c + gamma) * p.d;
        for (std::size_t delta = 0; delta < p.d; ++delta) k.at(alpha, delta, beta, gamma) = static_cast<T>(src[delta]);
      }
  return k;
}

template <class T>
numeric::KFactor KsFactor<T>::to_kfactor() const {
  const KPattern& p = pattern_;
  numeric::KFactor f(p);
  for (std::size_t alpha = 0; alpha < p.a; ++alpha)
    for (std::size_t beta = 0; beta < p.b; ++beta)
      for (std::size_t gamma = 0; gamma < p.c; ++gamma) {
        double* dst = f.values.data() + ((alpha * p.b + beta) * p.c + gamma) * p.d;
        for (std::size_t delta = 0; delta < p.d; ++delta) dst[delta] = static_cast<double>(at(alpha, delta, beta, gamma));
      }
  return f;
}

template <class T>
std::vector<KsFactor<T>> ks_chain_from_kfactors(const std::vector<numeric::KFactor>& chain) {
  std::vector<KsFactor<T>> out;
  out.reserve(chain.size());
  for (std::size_t l = 0; l < chain.size(); ++l) {
    if (l > 0 && chain[l - 1].cols() != chain[l].rows()) {
      std::ostringstream os;
      os << "ks_chain_from_kfactors: factor " << l - 1 << " has " << chain[l - 1].cols() << " columns but factor " << l
         << " has " << chain[l].rows() << " rows";
      throw std::invalid_argument(os.str());
    }
    out.push_back(KsFactor<T>::from_kfactor(chain[l]));
  }
  return out;
}

template <class T>
std::vector<numeric::KFactor> ks_chain_to_kfactors(const std::vector<KsFactor<T>>& chain) {
  std::vector<numeric::KFactor> out;
  out.reserve(chain.size());
  for (const auto& k : chain) out.push_back(k.to_kfactor());
  return out;
}

template <class T>
MatX<T> KsFactor<T>::to_dense() const {
  const KPattern& p = pattern_;
  MatX<T> m = MatX<T>::Zero(static_cast<Eigen::Index>(p.rows()), static_cast<Eigen::Index>(p.cols()));
  for (std::size_t alpha = 0; alpha < p.a; ++alpha)
    for (std::size_t delta = 0; delta < p.d; ++delta)
      for (std::size_t beta = 0; beta < p.b; ++beta)
        for (std::size_t gamma = 0; gamma < p.c; ++gamma)
          m(static_cast<Eigen::Index>((alpha * p.b + beta) * p.d + delta),
            static_cast<Eigen::Index>((alpha * p.c + gamma) * p.d + delta)) = at(alpha, delta, beta, gamma);
  return m;
}

template <class T>
numeric::Matrix KsFactor<T>::to_numeric() const {
  return to_dense().template cast<double>();
}

template <class T>
std::vector<KsFactor<T>> ks_chain_from_numeric(const KChain& patterns, const std::vector<numeric::Matrix>& factors,
                                               double tol) {
  if (patterns.size() != factors.size()) {
    std::ostringstream os;
    os << "ks_chain_from_numeric: " << patterns.size() << " patterns but " << factors.size() << " factors";
    throw std::invalid_argument(os.str());
  }
  std::vector<KsFactor<T>> out;
  out.reserve(patterns.size());
  for (std::size_t l = 0; l < patterns.size(); ++l) {
    if (l > 0 && factors[l - 1].cols() != factors[l].rows()) {
      std::ostringstream os;
      os << "ks_chain_from_numeric: factor " << l - 1 << " has " << factors[l - 1].cols()
         << " columns but factor " << l << " has " << factors[l].rows() << " rows";
      throw std::invalid_argument(os.str());
    }
    out.push_back(gather<T>(patterns[l], factors[l], tol, "ks_chain_from_numeric"));
  }
  return out;
}

template <class T>
std::vector<numeric::Matrix> ks_chain_to_numeric(const std::vector<KsFactor<T>>& chain) {
  std::vector<numeric::Matrix> out;
  out.reserve(chain.size());
  for (const auto& f : chain) out.push_back(f.to_numeric());
  return out;
}

template class KsFactor<float>;
template class KsFactor<double>;
template std::vector<KsFactor<float>> ks_chain_from_numeric<float>(const KChain&, const std::vector<numeric::Matrix>&,
                                                                   double);
template std::vector<KsFactor<double>> ks_chain_from_numeric<double>(const KChain&,
                                                                     const std::vector<numeric::Matrix>&, double);
template std::vector<KsFactor<float>> ks_chain_from_kfactors<float>(const std::vector<numeric::KFactor>&);
template std::vector<KsFactor<double>> ks_chain_from_kfactors<double>(const std::vector<numeric::KFactor>&);
template std::vector<numeric::KFactor> ks_chain_to_kfactors<float>(const std::vector<KsFactor<float>>&);
template std::vector<numeric::KFactor> ks_chain_to_kfactors<double>(const std::vector<KsFactor<double>>&);
template std::vector<numeric::Matrix> ks_chain_to_numeric<float>(const std::vector<KsFactor<float>>&);
template std::vector<numeric::Matrix> ks_chain_to_numeric<double>(const std::vector<KsFactor<double>>&);

}  // namespace wellposed::gpu
