// Algorithm 9 (orthonormalization of a pair, Lemmas 6.5.1 / 6.5.4) and the
// class spectral bounds used by the telescoping enclosure (Lemma 6.5.3).
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


namespace wellposed::numeric::hier {

template <class S>
double class_spectral_bound(const BasicKFactor<S>& node, const KPattern& other, bool node_is_left) {
  const KPattern L = node_is_left ? node.theta : other, R = node_is_left ? other : node.theta;
  const auto q = chainable(L, R);
  if (!q) throw std::logic_error("internal error: neighbour pair not chainable (Lemma 6.4.2)");
  const ClassList cl = enumerate_classes(L, R, *q);
  double mu = 0.0;
  const auto count = static_cast<std::ptrdiff_t>(cl.count);
  if (cl.q == 1) {
    // q = 1: every class block is a vector, ||.||_2 = ||.||_F. The bound of
    // spectral_norm_upper for a vector, sqrt(nonneg_sum_enclosure(s, n).hi), is
    // monotone in the computed sum s, so the maximum is taken over the computed
    // sums and rounded outward once (no per-class Matrix or outward rounding).
    const std::size_t len = node_is_left ? L.b : R.c;
    double smax = 0.0;
#pragma omp parallel for schedule(static) reduction(max : smax) if (cl.count * len >= (std::size_t{1} << 18))
    for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      const std::size_t k = cl.inner[c];
      double sum = 0.0;
      if (node_is_left) {
        const std::size_t kc = col_part(node.theta, k);
        for (std::size_t be = 0; be < len; ++be) {
          sum += Eigen::numext::abs2(node.values[row_part(node.theta, cl.row(c, be)) + kc]);
        }
      } else {
        const std::size_t kr = row_part(node.theta, k);
        for (std::size_t ga = 0; ga < len; ++ga) {
          sum += Eigen::numext::abs2(node.values[kr + col_part(node.theta, cl.col(c, ga))]);
        }
      }
      if (!(sum <= smax)) smax = std::isnan(sum) ? std::numeric_limits<double>::infinity() : sum;
    }
    return sqrt(nonneg_sum_enclosure(smax, square_terms<S>(std::max<std::size_t>(len, 1)))).hi;
  }
#pragma omp parallel reduction(max : mu) if (cl.count * cl.q * (node_is_left ? L.b : R.c) >= (std::size_t{1} << 18))
  {
  MatrixT<S> M;
#pragma omp for schedule(static)
  for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
    const auto c = static_cast<std::size_t>(ci);
    if (node_is_left) {
      M.resize(static_cast<Eigen::Index>(L.b), static_cast<Eigen::Index>(cl.q));
      for (std::size_t u = 0; u < cl.q; ++u)
        for (std::size_t be = 0; be < L.b; ++be)
          M(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u)) = node.values[node.offset(cl.row(c, be), cl.inner[c * cl.q + u])];
    } else {
      M.resize(static_cast<Eigen::Index>(cl.q), static_cast<Eigen::Index>(R.c));
      for (std::size_t ga = 0; ga < R.c; ++ga)
        for (std::size_t u = 0; u < cl.q; ++u)
          M(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga)) = node.values[node.offset(cl.inner[c * cl.q + u], cl.col(c, ga))];
    }
    mu = std::max(mu, detail::spectral_norm_upper(M));
  }
  }
  return mu;
}


template <class S>
std::pair<BasicKFactor<S>, BasicKFactor<S>> orthonormalize_impl(const BasicKFactor<S>& X, const BasicKFactor<S>& Y, bool column,
                                                                ResidualAccumulator* acc) {
  using Matrix = MatrixT<S>;
  const auto q = chainable(X.theta, Y.theta);
  if (!q) throw std::invalid_argument("orthonormalize_pair: " + X.theta.to_string() + ", " + Y.theta.to_string() + " is not chainable");
  if (redundant(X.theta, Y.theta))
    throw std::invalid_argument("orthonormalize_pair: the pair " + X.theta.to_string() + ", " + Y.theta.to_string() +
                                " is redundant (q > min(b1, c2)); Algorithm 9 needs a thin QR (Def 6.3.20)");
  const ClassList cl = enumerate_classes(X.theta, Y.theta, *q);
  BasicKFactor<S> Xt = X, Yt = Y;
  const std::size_t b1 = X.theta.b, c2 = Y.theta.c, qq = *q;
  ResidualAccumulator total;
  const auto count = static_cast<std::ptrdiff_t>(cl.count);
  if (qq == 1) {
    // q = 1 (every pair of a square dyadic chain): the thin QR of the b1 x 1
    // column x is x = (x / ||x||) ||x|| (of the 1 x c2 row y likewise), so no
    // Householder objects and no heap allocation per class. The sign of the
    // unit vector is immaterial (Algorithm 9 only needs X~ Y~ = X Y with the
    // orthonormal side); a zero vector is replaced by e_1 with a zero partner.
    // The change ||X Y - X~ Y~||_F is accumulated entrywise exactly as below
    // (each entry fl(fl(x y) - fl(x~ y~)), 2 terms).
#pragma omp parallel if (cl.count * (b1 + c2) >= (std::size_t{1} << 17))
    {
      ResidualAccumulator local;
      std::vector<std::size_t> xo(b1), yo(c2);
      std::vector<S> xv(b1), yv(c2), xn(b1), yn(c2);
#pragma omp for schedule(static)
      for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
        const auto c = static_cast<std::size_t>(ci);
        const std::size_t k = cl.inner[c];
        const std::size_t xc = col_part(X.theta, k), yr = row_part(Y.theta, k);
        for (std::size_t be = 0; be < b1; ++be) {
          xo[be] = row_part(X.theta, cl.row(c, be)) + xc;
          xv[be] = X.values[xo[be]];
        }
        for (std::size_t ga = 0; ga < c2; ++ga) {
          yo[ga] = yr + col_part(Y.theta, cl.col(c, ga));
          yv[ga] = Y.values[yo[ga]];
        }
        const std::vector<S>& u = column ? xv : yv;  // the side made orthonormal
        double nrm = 0.0;
        for (const S& v : u) nrm += Eigen::numext::abs2(v);
        nrm = std::sqrt(nrm);
        if (nrm > 0.0) {
          for (std::size_t be = 0; be < b1; ++be) xn[be] = column ? xv[be] / nrm : xv[be] * nrm;
          for (std::size_t ga = 0; ga < c2; ++ga) yn[ga] = column ? yv[ga] * nrm : yv[ga] / nrm;
        } else {
          std::fill(xn.begin(), xn.end(), S(0));
          std::fill(yn.begin(), yn.end(), S(0));
          (column ? xn[0] : yn[0]) = S(1);
        }
        if (acc) {
          for (std::size_t be = 0; be < b1; ++be)
            for (std::size_t ga = 0; ga < c2; ++ga) {
              // Complex: mag_up, square_terms / inner_terms (interval.hpp).
              const S p0 = xv[be] * yv[ga], p1 = xn[be] * yn[ga];
              const S d = p0 - p1;
              const double w = mag_up(p0) + mag_up(p1);
              local.ss += Eigen::numext::abs2(d);
              local.ww += w * w;
            }
          local.count += square_terms<S>(b1 * c2);
          local.terms = std::max<std::size_t>(local.terms, inner_terms<S>(2));
        }
        for (std::size_t be = 0; be < b1; ++be) Xt.values[xo[be]] = xn[be];
        for (std::size_t ga = 0; ga < c2; ++ga) Yt.values[yo[ga]] = yn[ga];
      }
#pragma omp critical
      total.merge(local);
    }
    if (acc) *acc = total;
    return {std::move(Xt), std::move(Yt)};
  }
#pragma omp parallel if (cl.count * qq * (b1 + c2) >= (std::size_t{1} << 17))
  {
    ResidualAccumulator local;
    Matrix XP(static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(qq)), YP(static_cast<Eigen::Index>(qq), static_cast<Eigen::Index>(c2));
#pragma omp for schedule(dynamic, 4)
    for (std::ptrdiff_t ci = 0; ci < count; ++ci) {
      const auto c = static_cast<std::size_t>(ci);
      for (std::size_t u = 0; u < qq; ++u) {
        const std::size_t k = cl.inner[c * qq + u];
        for (std::size_t be = 0; be < b1; ++be) XP(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u)) = X.values[X.offset(cl.row(c, be), k)];
        for (std::size_t ga = 0; ga < c2; ++ga) YP(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga)) = Y.values[Y.offset(k, cl.col(c, ga))];
      }
      Matrix Xn, Yn;
      if (column) {
        Eigen::HouseholderQR<Matrix> qr(XP);
        Xn = qr.householderQ() * Matrix::Identity(static_cast<Eigen::Index>(b1), static_cast<Eigen::Index>(qq));
        const Matrix Rm = qr.matrixQR().topRows(static_cast<Eigen::Index>(qq)).template triangularView<Eigen::Upper>();
        Yn = Rm * YP;
      } else {
        // Y_P^H = Q R  =>  Y_P = R^H Q^H: Y~ = Q^H, X~ = X_P R^H.
        Eigen::HouseholderQR<Matrix> qr(YP.adjoint());
        const Matrix Qm = qr.householderQ() * Matrix::Identity(static_cast<Eigen::Index>(c2), static_cast<Eigen::Index>(qq));
        const Matrix Rm = qr.matrixQR().topRows(static_cast<Eigen::Index>(qq)).template triangularView<Eigen::Upper>();
        Yn = Qm.adjoint();
        Xn = XP * Rm.adjoint();
      }
      if (acc) {
        const auto mag = [](const S& z) { return mag_up(z); };
        local.ss += (XP * YP - Xn * Yn).squaredNorm();
        local.ww += (XP.unaryExpr(mag) * YP.unaryExpr(mag) + Xn.unaryExpr(mag) * Yn.unaryExpr(mag)).squaredNorm();
        local.count += square_terms<S>(b1 * c2);
        local.terms = std::max(local.terms, inner_terms<S>(2 * qq));
      }
      for (std::size_t u = 0; u < qq; ++u) {
        const std::size_t k = cl.inner[c * qq + u];
        for (std::size_t be = 0; be < b1; ++be) Xt.values[X.offset(cl.row(c, be), k)] = Xn(static_cast<Eigen::Index>(be), static_cast<Eigen::Index>(u));
        for (std::size_t ga = 0; ga < c2; ++ga) Yt.values[Y.offset(k, cl.col(c, ga))] = Yn(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(ga));
      }
    }
#pragma omp critical
    total.merge(local);
  }
  if (acc) *acc = total;
  return {std::move(Xt), std::move(Yt)};
}

template double class_spectral_bound<double>(const BasicKFactor<double>&, const KPattern&, bool);
template std::pair<BasicKFactor<double>, BasicKFactor<double>> orthonormalize_impl<double>(const BasicKFactor<double>&, const BasicKFactor<double>&, bool,
                                                                                ResidualAccumulator*);
template double class_spectral_bound<Complex>(const BasicKFactor<Complex>&, const KPattern&, bool);
template std::pair<BasicKFactor<Complex>, BasicKFactor<Complex>> orthonormalize_impl<Complex>(const BasicKFactor<Complex>&, const BasicKFactor<Complex>&, bool,
                                                                                ResidualAccumulator*);

}  // namespace wellposed::numeric::hier

namespace wellposed::numeric {

std::pair<KFactor, KFactor> orthonormalize_pair(const KFactor& X, const KFactor& Y, bool column) {
  return hier::orthonormalize_impl(X, Y, column, nullptr);
}
std::pair<ComplexKFactor, ComplexKFactor> orthonormalize_pair(const ComplexKFactor& X, const ComplexKFactor& Y, bool column) {
  return hier::orthonormalize_impl(X, Y, column, nullptr);
}


}  // namespace wellposed::numeric
