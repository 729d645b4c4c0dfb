#pragma once
// Shared helpers of the gpu tests: random Kronecker-sparse factors, a dense
// reference in long double, and the error bound every test checks,
//   |y - y_ref| <= (gamma_k(u) + gamma_k(u_ref)) * (|op(K)| |x|)   entrywise,
// gamma_k(u) = k u / (1 - k u) (Higham, Accuracy and Stability, Lemma 3.1 /
// Thm 3.5 for a dot product of length k), k = inner length of the product
// (c for K X, b for K^T X), u the unit roundoff of T and u_ref that of the
// long double reference.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/ks_index.hpp"

namespace wellposed::gpu::test {

template <class T>
double unit_roundoff() {
  return std::numeric_limits<T>::epsilon() / 2.0;
}
inline double gamma_k(double k, double u) { return k * u / (1.0 - k * u); }

template <class T>
KsFactor<T> random_factor(const KPattern& p, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(p.nnz());
  for (auto& e : v) e = static_cast<T>(dist(rng));
  return KsFactor<T>(p, std::move(v));
}

template <class T>
std::vector<T> random_vector(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(n);
  for (auto& e : v) e = static_cast<T>(dist(rng));
  return v;
}

using LMat = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

/// Operand stored in `layout` as an rows x batch long double matrix.
template <class T>
LMat to_matrix(const std::vector<T>& v, std::size_t rows, std::size_t batch, BatchLayout layout) {
  LMat m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(batch));
  for (std::size_t j = 0; j < rows; ++j)
    for (std::size_t s = 0; s < batch; ++s)
      m(Eigen::Index(j), Eigen::Index(s)) =
          static_cast<long double>(v[static_cast<std::size_t>(ks_elem_offset(layout, index_t(j), index_t(s), index_t(rows), index_t(batch)))]);
  return m;
}

template <class T>
LMat dense_op(const KsFactor<T>& k, Op op) {
  LMat d = k.to_dense().template cast<long double>();
  return op == Op::none ? d : LMat(d.transpose());
}

/// Max over entries of |y - ref| / bound (<= 1 means the bound holds); a
/// zero bound with a non-zero difference gives +inf.
inline double bound_ratio(const LMat& y, const LMat& ref, const LMat& bound) {
  double worst = 0;
  for (Eigen::Index i = 0; i < y.rows(); ++i)
    for (Eigen::Index j = 0; j < y.cols(); ++j) {
      const long double diff = std::abs(y(i, j) - ref(i, j));
      if (!(diff == diff)) return std::numeric_limits<double>::infinity();  // NaN
      if (diff == 0) continue;
      worst = std::max(worst, double(bound(i, j) > 0 ? diff / bound(i, j) : std::numeric_limits<long double>::infinity()));
    }
  return worst;
}

}  // namespace wellposed::gpu::test
