// Certified pieces of the enclosure: the uncovered mass of A, the split
// errors E_s(A) by the closed form (6.54), chain validation; the direct
// residual is residual.cpp's chain multiply.
#include "hierarchical_internal.hpp"

#include "wellposed/numeric/residual.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <tuple>

#ifdef __linux__
#include <sys/mman.h>
#endif
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <stdexcept>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/QR>

#include "wellposed/numeric/residual.hpp"

namespace wellposed::numeric::hier {

// ||A o (1 - S_theta)||_F^2 for the dense root.
template <class S>
Interval uncovered_sq(const MatrixT<S>& A, const KPattern& t) {
  if (t.a == 1 && t.d == 1) return {0.0, 0.0};
  const KFactor probe(KPattern{t.a, t.b, t.c, t.d});
  double s = 0.0;
  std::size_t n = 0;
  for (Eigen::Index j = 0; j < A.cols(); ++j)
    for (Eigen::Index i = 0; i < A.rows(); ++i)
      if (!probe.in_support(static_cast<std::size_t>(i), static_cast<std::size_t>(j))) {
        s += Eigen::numext::abs2(A(i, j));
        ++n;
      }
  return nonneg_sum_enclosure(s, square_terms<S>(std::max<std::size_t>(n, 1)));
}

template Interval uncovered_sq<double>(const MatrixT<double>&, const KPattern&);
template Interval uncovered_sq<Complex>(const MatrixT<Complex>&, const KPattern&);

template <class Sc>
Interval split_error_impl(const MatrixT<Sc>& A, const KChain& chain, std::size_t s) {
  validate_chain(chain);
  if (s < 1 || s >= chain.size())
    throw std::invalid_argument("split_error: s = " + std::to_string(s) + " must lie in [1, " + std::to_string(chain.size() - 1) + "]");
  const KPattern whole = chain_product(chain);
  if (static_cast<std::size_t>(A.rows()) != whole.rows() || static_cast<std::size_t>(A.cols()) != whole.cols())
    throw std::invalid_argument("split_error: A is " + std::to_string(A.rows()) + " x " + std::to_string(A.cols()) +
                                ", the chain needs " + std::to_string(whole.rows()) + " x " + std::to_string(whole.cols()));
  require_finite(A, "split_error: A");
  const KPattern L = interval_pattern(chain, 0, s - 1), R = interval_pattern(chain, s, chain.size() - 1);
  const std::size_t q = *chainable(L, R);
  SourceT<Sc> src{A.data(), true, static_cast<std::size_t>(A.rows()), whole};
  const SplitOutput out = run_split<Sc>(src, L, R, q, detail::Balance::left_orthonormal, true, nullptr, nullptr);
  const Interval off = uncovered_sq(A, whole);
  Interval e = sqrt(off + out.tail);
  // The split's rank-q factors are feasible: E_s(A) <= their achieved error, which
  // keeps the upper end first-order tight where the tail came from a Gram matrix.
  e.hi = std::max(e.lo, std::min(e.hi, sqrt(square(out.acc.norm()) + off).hi));
  return e;
}

template Interval split_error_impl<double>(const MatrixT<double>&, const KChain&, std::size_t);
template Interval split_error_impl<Complex>(const MatrixT<Complex>&, const KChain&, std::size_t);

void validate_chain(const KChain& chain) {
  if (chain.empty()) throw std::invalid_argument("factorize_hierarchical: empty chain");
  for (const auto& t : chain) t.validate();
  for (std::size_t l = 0; l + 1 < chain.size(); ++l) {
    if (chain[l].cols() != chain[l + 1].rows()) {
      std::ostringstream os;
      os << "factorize_hierarchical: theta_" << l + 1 << " = " << chain[l].to_string() << " has " << chain[l].cols()
         << " columns but theta_" << l + 2 << " = " << chain[l + 1].to_string() << " has " << chain[l + 1].rows() << " rows (6.9)";
      throw std::invalid_argument(os.str());
    }
    if (!chainable(chain[l], chain[l + 1])) {
      std::ostringstream os;
      os << "factorize_hierarchical: (theta_" << l + 1 << ", theta_" << l + 2 << ") = (" << chain[l].to_string() << ", "
         << chain[l + 1].to_string() << ") is not chainable (Def 6.3.7 needs a1 c1 / a2 = b2 d2 / d1 = q integer, a1 | a2, d2 | d1)";
      throw std::invalid_argument(os.str());
    }
  }
}


}  // namespace wellposed::numeric::hier

namespace wellposed::numeric {

Interval split_error(const Matrix& A, const KChain& chain, std::size_t s) { return hier::split_error_impl(A, chain, s); }
Interval split_error(const ComplexMatrix& A, const KChain& chain, std::size_t s) { return hier::split_error_impl(A, chain, s); }

Interval direct_residual(const Matrix& A, const std::vector<KFactor>& factors) { return chain_residual(A, factors); }
Interval direct_residual(const ComplexMatrix& A, const std::vector<ComplexKFactor>& factors) {
  return chain_residual(A, factors);
}


}  // namespace wellposed::numeric
