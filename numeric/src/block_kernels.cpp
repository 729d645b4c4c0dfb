#include "block_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <Eigen/SVD>

namespace wellposed::numeric::detail {

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

// Upper bound of sqrt(sum x_i^2) for doubles x_i >= 0 given as a computed sum of squares.
double norm_up(double computed_sum_sq, std::size_t n) { return sqrt(nonneg_sum_enclosure(computed_sum_sq, n)).hi; }
}  // namespace

template <class S>
Interval squared_norm_enclosure(const MatrixT<S>& B) {
  return nonneg_sum_enclosure(B.squaredNorm(), square_terms<S>(static_cast<std::size_t>(B.size())));
}

template <class S>
double spectral_norm_upper(const MatrixT<S>& M) {
  using Mat = MatrixT<S>;
  if (M.size() == 0) return 0.0;
  const double frob = norm_up(M.squaredNorm(), square_terms<S>(static_cast<std::size_t>(M.size())));
  const Eigen::Index k = std::min(M.rows(), M.cols());
  if (k <= 1) return frob;  // a vector: ||M||_2 = ||M||_F
  if (k > 16) return frob;
  // ||M||_2^2 = ||G||_2 <= ||G||_inf for the k x k Gram matrix G of the small side;
  // |G_ij - G^_ij| <= gamma_n W_ij + n eta with W = |M|^T |M| (n = long side;
  // complex: G = M^H M, inner_terms(n) = 3n, |.| over-estimated by mag_up),
  // and W_ij <= W^_ij / (1 - gamma_n).
  const bool cols_small = M.cols() <= M.rows();
  const Mat G = cols_small ? Mat(M.adjoint() * M) : Mat(M * M.adjoint());
  const Matrix Ma = M.unaryExpr([](const S& z) { return mag_up(z); });
  const Matrix W = cols_small ? Matrix(Ma.transpose() * Ma) : Matrix(Ma * Ma.transpose());
  const auto n = inner_terms<S>(static_cast<std::size_t>(std::max(M.rows(), M.cols())));
  const double g = gamma(n + 2);
  double best = 0.0;
  for (Eigen::Index i = 0; i < k; ++i) {
    double row = 0.0;
    for (Eigen::Index j = 0; j < k; ++j) row += mag_up(G(i, j)) + g * W(i, j);
    best = std::max(best, row);
  }
  // The row sums above are 2k non-negative terms with <= 2 roundings each.
  // Underflow: each of the k entries G^_ij of a row carries an absolute error
  // <= n eta (the n-term inner-product bound of interval.hpp; n already counts
  // complex terms), so a row sum needs k n eta; (n + 1) covers the extra
  // product g * W_ij, and the factor 4 is a margin (not needed by the bound:
  // eta = 2^-1074 makes the term invisible unless everything underflows).
  best = round_up(round_up(best * round_up(1.0 + gamma(2 * static_cast<std::size_t>(k) + 2))) +
                  static_cast<double>(k) * static_cast<double>(n + 1) * underflow_eta * 4.0);
  const double spec = round_up(std::sqrt(best));
  return std::min(spec, frob);
}

template <class S>
Interval certified_tail_squared(const MatrixT<S>& B, std::size_t q, const MatrixT<S>& U) {
  const auto b = static_cast<std::size_t>(B.rows()), c = static_cast<std::size_t>(B.cols());
  const Interval bnorm_sq = squared_norm_enclosure(B);
  if (q >= b) return {0.0, 0.0};  // rank(B) <= b <= q: exactly representable
  if (!std::isfinite(bnorm_sq.hi)) return {0.0, inf};
  const MatrixT<S> C = U.adjoint() * B;
  std::vector<double> row_sq(b);
  MatrixT<S> dots = MatrixT<S>::Zero(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(b));
  for (std::size_t i = 0; i < b; ++i) {
    row_sq[i] = C.row(static_cast<Eigen::Index>(i)).squaredNorm();
    for (std::size_t j = i + 1; j < b; ++j)
      dots(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
          C.row(static_cast<Eigen::Index>(j)).dot(C.row(static_cast<Eigen::Index>(i)));  // <C_i, C_j> = C_i C_j^H
  }
  return certified_tail_from_rotated(b, c, q, bnorm_sq, U, row_sq.data(), dots);
}

template <class S>
double orthogonality_defect(const MatrixT<S>& U) {
  const auto b = static_cast<std::size_t>(U.cols());
  const auto n = static_cast<std::size_t>(U.rows());
  const double gb = gamma(inner_terms<S>(n) + 2);
  double eta_sq = 0.0;
  // G = U^T U and W = |U|^T |U| entry by entry (n-term inner products, any
  // order: the rounding model of interval.hpp); no temporaries, since this runs
  // once per class block of a certified split (issue 5).
  for (std::size_t i = 0; i < b; ++i)
    for (std::size_t j = 0; j < b; ++j) {
      const S* ui = U.data() + i * n;
      const S* uj = U.data() + j * n;
      S gij(0);
      double wij = 0.0;
      for (std::size_t r = 0; r < n; ++r) {
        gij += Eigen::numext::conj(ui[r]) * uj[r];  // (U^H U)_ij; complex: inner_terms, mag_up (interval.hpp)
        wij += mag_up(ui[r]) * mag_up(uj[r]);
      }
      const double f = mag_up(gij - (i == j ? S(1) : S(0))) * (1.0 + 2 * unit_roundoff) + gb * wij * 1.01 +
                       static_cast<double>(inner_terms<S>(n)) * underflow_eta;
      const double fu = f * (1.0 + 8.0 * unit_roundoff);  // covers the roundings of the three-term sum
      eta_sq += fu * fu;
    }
  return norm_up(eta_sq, b * b);
}

template <class S>
Interval certified_tail_from_rotated(std::size_t b, std::size_t c, std::size_t q, const Interval& bnorm_sq, const MatrixT<S>& U,
                                     const double* row_sq, const MatrixT<S>& dots) {
  // Complex: the same proof with conjugate transposes (Ostrowski, Ky Fan and
  // Lidskii hold for Hermitian matrices), b- and c-term inner products bounded
  // with inner_terms<S>, row norms as sums of square_terms<S>(c) real squares.
  if (q >= b) return {0.0, 0.0};
  const Interval trivial{0.0, bnorm_sq.hi};
  if (!std::isfinite(bnorm_sq.hi)) return {0.0, inf};

  // (1) eta >= ||U^T U - I||_F >= ||U^T U - I||_2.
  const double eta = orthogonality_defect(U);
  if (!(eta < 0.5)) return trivial;

  // (2) C^ (computed U^T B, each entry a b-term inner product), delta >= ||C^ - U^T B||_F.
  const double ufro = round_up(std::sqrt(round_up(static_cast<double>(b) * round_up(1.0 + eta))));
  const double delta = round_up(round_up(gamma(inner_terms<S>(b)) * ufro) * round_up(std::sqrt(bnorm_sq.hi)) +
                                std::sqrt(static_cast<double>(b * c)) * static_cast<double>(inner_terms<S>(b)) * underflow_eta * 2.0);

  // (3) row norms of C^ and the off-diagonal of C^ C^T.
  std::vector<Interval> diag(b);
  for (std::size_t i = 0; i < b; ++i) diag[i] = nonneg_sum_enclosure(row_sq[i], square_terms<S>(c));
  const double gc = gamma(inner_terms<S>(c));
  double off_sq = 0.0;
  for (std::size_t i = 0; i < b; ++i)
    for (std::size_t j = i + 1; j < b; ++j) {
      const double o = mag_up(dots(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))) * (1.0 + 2 * unit_roundoff) +
                       gc * round_up(std::sqrt(diag[i].hi * diag[j].hi)) * 1.01 +
                       static_cast<double>(inner_terms<S>(c)) * underflow_eta;
      const double ou = o * (1.0 + 8.0 * unit_roundoff);
      off_sq += 2.0 * ou * ou;
    }
  const double off = norm_up(off_sq, b * b);
  double hi = 0.0;
  for (std::size_t i = q; i < b; ++i) hi = round_up(hi + diag[i].hi);
  std::vector<double> los(b);
  for (std::size_t i = 0; i < b; ++i) los[i] = diag[i].lo;
  std::sort(los.begin(), los.end());
  double lo = 0.0;
  for (std::size_t i = 0; i < b - q; ++i) lo = round_down(lo + los[i]);
  lo = round_down(lo - round_up(static_cast<double>(q) * off));
  // tau_q(C^) in [sqrt(lo), sqrt(hi)]; tau_q(C) within delta; tau_q(B)^2 = tail(G) via Ostrowski.
  const double tc_lo = std::max(0.0, round_down(round_down(std::sqrt(std::max(lo, 0.0))) - delta));
  const double tc_hi = round_up(round_up(std::sqrt(hi)) + delta);
  Interval out{round_down(round_down(tc_lo * tc_lo) / round_up(1.0 + eta)),
               round_up(round_up(tc_hi * tc_hi) / round_down(1.0 - eta))};
  out.lo = std::max(0.0, out.lo);
  out.hi = std::min(out.hi, bnorm_sq.hi);
  return out;
}

void two_row_rank_one(const double* x, const double* y, std::size_t c, Balance balance, double* h, double* k,
                      double* scratch, ResidualAccumulator& acc, Interval* tail_sq) {
  using Row = Eigen::Map<const Eigen::ArrayXd>;
  using RowMut = Eigen::Map<Eigen::ArrayXd>;
  const auto n = static_cast<Eigen::Index>(c);
  const Row X(x, n), Y(y, n);
  RowMut K(k, n), P(scratch, n);
  // Gram matrix of the two rows; its dominant eigenvector (closed form, Jacobi
  // rotation angle) is the left singular vector u. Its accuracy only affects
  // how tight the bounds are: the certificate below holds for any computed
  // rotation (certified_tail_from_rotated measures its orthogonality defect).
  const double sxx = (X * X).sum(), syy = (Y * Y).sum(), sxy = (X * Y).sum();
  const double th = 0.5 * std::atan2(2.0 * sxy, sxx - syy);
  const double cs = std::cos(th), sn = std::sin(th);
  K = cs * X + sn * Y;  // row 1 of C = U^T B (a 2-term inner product per entry)
  if (tail_sq) {
    P = cs * Y - sn * X;  // row 2 of C
    Matrix U(2, 2);
    U << cs, -sn, sn, cs;
    const double row_sq[2] = {(K * K).sum(), (P * P).sum()};
    Matrix dots = Matrix::Zero(2, 2);
    dots(0, 1) = (K * P).sum();
    *tail_sq = certified_tail_from_rotated(2, c, 1, nonneg_sum_enclosure(sxx + syy, 2 * c), U, row_sq, dots);
  }
  h[0] = cs;
  h[1] = sn;
  if (balance == Balance::sqrt_sigma) {
    // H = u s^{1/2}, K = s^{-1/2} u^T B with s = ||u^T B|| = sigma_1.
    const double s = std::sqrt((K * K).sum());
    if (s > 0.0 && std::isfinite(s)) {
      const double r = std::sqrt(s);
      h[0] = cs * r;
      h[1] = sn * r;
      K = K / r;
    } else {
      h[0] = h[1] = 0.0;
      K.setZero();
    }
  }
  // ||B - h k||_F from the stored doubles (inner-product bound with 2 terms).
  acc.ss += (X - h[0] * K).square().sum() + (Y - h[1] * K).square().sum();
  acc.ww += (X.abs() + (h[0] * K).abs()).square().sum() + (Y.abs() + (h[1] * K).abs()).square().sum();
  acc.count += 2 * c;
  acc.terms = std::max<std::size_t>(acc.terms, 2);
}

template <class Sc>
void truncated_block(const MatrixT<Sc>& B, std::size_t q, Balance balance, MatrixT<Sc>& H, MatrixT<Sc>& K,
                     ResidualAccumulator& acc, Interval* tail_sq) {
  using Matrix = MatrixT<Sc>;  // this body is shared by double and complex blocks
  const Eigen::Index m = B.rows(), n = B.cols(), qi = static_cast<Eigen::Index>(q);
  H = Matrix::Zero(m, qi);
  K = Matrix::Zero(qi, n);
  const bool tr = m > n;
  const Matrix Bo = tr ? Matrix(B.adjoint()) : B;  // b x c with b <= c
  const Eigen::Index b = Bo.rows();
  const Eigen::Index r = std::min<Eigen::Index>(qi, b);
  if (b > 0 && r > 0) {
    Eigen::JacobiSVD<Matrix> svd(Bo, Eigen::ComputeFullU | Eigen::ComputeThinV);
    const Matrix& U = svd.matrixU();  // b x b
    const Matrix& V = svd.matrixV();  // c x b
    const auto& S = svd.singularValues();
    // In the original orientation B = L S R^H with (L, R) = (U, V), or (V, U) if transposed.
    const Matrix Lq = tr ? Matrix(V.leftCols(r)) : Matrix(U.leftCols(r));
    const Matrix Rq = tr ? Matrix(U.leftCols(r)) : Matrix(V.leftCols(r));
    switch (balance) {
      case Balance::left_orthonormal:
        H.leftCols(r) = Lq;
        K.topRows(r) = Lq.adjoint() * B;
        break;
      case Balance::right_orthonormal:
        K.topRows(r) = Rq.adjoint();
        H.leftCols(r) = B * Rq;
        break;
      case Balance::sqrt_sigma:
        for (Eigen::Index t = 0; t < r; ++t) {
          const double s = std::sqrt(S(t));
          H.col(t) = Lq.col(t) * s;
          K.row(t) = Rq.col(t).adjoint() * s;
        }
        break;
    }
    if (tail_sq) *tail_sq = certified_tail_squared(Bo, q, U);
  } else if (tail_sq) {
    *tail_sq = squared_norm_enclosure(B);
  }
  // ||B - H K||_F from the stored doubles (inner-product bound with q + 1 terms;
  // complex: inner_terms, |.| over-estimated by mag_up, 2 real squares per entry).
  const Matrix P = H * K;
  const auto mag = [](const Sc& z) { return mag_up(z); };
  const Eigen::MatrixXd Wm = B.unaryExpr(mag) + H.unaryExpr(mag) * K.unaryExpr(mag);
  acc.ss += (B - P).squaredNorm();
  acc.ww += Wm.squaredNorm();
  acc.count += square_terms<Sc>(static_cast<std::size_t>(B.size()));
  acc.terms = std::max(acc.terms, inner_terms<Sc>(q + 1));
}

#define WELLPOSED_BLOCK_KERNELS(S)                                                                                        \
  template Interval squared_norm_enclosure<S>(const MatrixT<S>&);                                                         \
  template double spectral_norm_upper<S>(const MatrixT<S>&);                                                              \
  template Interval certified_tail_squared<S>(const MatrixT<S>&, std::size_t, const MatrixT<S>&);                         \
  template double orthogonality_defect<S>(const MatrixT<S>&);                                                             \
  template Interval certified_tail_from_rotated<S>(std::size_t, std::size_t, std::size_t, const Interval&, const MatrixT<S>&, \
                                                   const double*, const MatrixT<S>&);                                     \
  template void truncated_block<S>(const MatrixT<S>&, std::size_t, Balance, MatrixT<S>&, MatrixT<S>&, ResidualAccumulator&, \
                                   Interval*);
WELLPOSED_BLOCK_KERNELS(double)
WELLPOSED_BLOCK_KERNELS(Complex)
#undef WELLPOSED_BLOCK_KERNELS

Interval certified_tail_from_gram(std::size_t k, std::size_t n, std::size_t q, const Interval& bnorm_sq, const Matrix& Ghat,
                                  const Matrix& U, GramWorkspace& ws) {
  if (q >= k) return {0.0, 0.0};
  const Interval trivial{0.0, bnorm_sq.hi};
  if (!std::isfinite(bnorm_sq.hi)) return {0.0, inf};
  const auto ki = static_cast<Eigen::Index>(k);
  // (1) the Gram matrix itself: every entry is an n-term inner product, error
  // <= gamma_n |B|^T |B| + n eta entrywise; in Frobenius norm
  // ||gamma_n |B|^T|B| ||_F <= gamma_n ||B||_F^2 and the k^2 underflow terms
  // give k n eta (factor 2: margin).
  const double e1 = round_up(round_up(gamma(n) * bnorm_sq.hi) + static_cast<double>(k * n) * underflow_eta * 2.0);
  // (2) the rotation; G^ read through its lower triangle only.
  ws.M = Ghat.selfadjointView<Eigen::Lower>();
  ws.T.noalias() = ws.M * U;
  const double eta = orthogonality_defect(U);
  if (!(eta < 0.5)) return trivial;
  const double g_fro = norm_up(ws.M.squaredNorm(), k * k);
  const double t_fro = norm_up(ws.T.squaredNorm(), k * k);
  ws.M.noalias() = U.transpose() * ws.T;
  const double uf_sq = round_up(static_cast<double>(k) * round_up(1.0 + eta));
  const double uf = round_up(std::sqrt(uf_sq));
  // Two k-term products (T = M U, then U^T T): each entry has an underflow
  // error <= k eta, k^2 entries per product, so <= 2 k^2 eta in Frobenius norm
  // for both together (the sqrt of k^2 entries times k eta each is k^2 eta);
  // 4 k^2 eta keeps a factor 2 margin.
  const double e2 = round_up(round_up(gamma(k) * round_up(round_up(uf * t_fro) + round_up(uf_sq * g_fro))) +
                             static_cast<double>(k * k) * underflow_eta * 4.0);
  // std::sqrt(2.0) is correctly rounded (relative error <= u); (1 + 4u) makes
  // the constant an upper bound of sqrt(2) with room for the product's rounding.
  const double eps = round_up(round_up(std::sqrt(2.0) * (1.0 + 4 * unit_roundoff)) *
                              round_up(e2 + round_up(round_up(1.0 + eta) * e1)));
  if (!std::isfinite(eps)) return trivial;
  // (3) Ky Fan on S (lower triangle of M^).
  std::vector<double> d(k);
  double off_sq = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    d[i] = ws.M(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i));
    for (std::size_t j = 0; j < i; ++j) {
      const double o = ws.M(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      off_sq += 2.0 * o * o;
    }
  }
  const double off = norm_up(off_sq, k * k);
  std::sort(d.begin(), d.end());
  double lo = 0.0, hi = 0.0;
  for (std::size_t i = 0; i < k - q; ++i) {
    lo = round_down(lo + d[i]);
    hi = round_up(hi + d[i]);
  }
  const double shift = round_up(round_up(static_cast<double>(std::min(q, k - q)) * off) +
                                round_up(round_up(std::sqrt(static_cast<double>(k - q))) * eps));
  lo = round_down(lo - shift);
  hi = round_up(hi + round_up(round_up(std::sqrt(static_cast<double>(k - q))) * eps));
  // (4) Ostrowski.
  Interval out{std::max(0.0, round_down(std::max(lo, 0.0) / round_up(1.0 + eta))), round_up(std::max(hi, 0.0) / round_down(1.0 - eta))};
  out.hi = std::min(out.hi, bnorm_sq.hi);
  out.lo = std::min(out.lo, out.hi);
  (void)ki;
  return out;
}

namespace {
// Deterministic start block entries in [-1, 1) (splitmix64): a fixed seed makes
// the partial eigen-solve a function of G alone (no thread or call-order effect).
double start_entry(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-52 - 1.0;
}

// Orthonormalizes the columns of X in place (modified Gram-Schmidt, two passes:
// orthogonal to working accuracy). A column that the projections annihilate
// (X rank deficient, e.g. G X for a singular G) is replaced by a fresh start
// column, so the block keeps p orthonormal columns.
void orthonormalize(Matrix& X, std::uint64_t& state) {
  const Eigen::Index k = X.rows(), p = X.cols();
  for (Eigen::Index j = 0; j < p; ++j) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      const double before = X.col(j).norm();
      for (int pass = 0; pass < 2; ++pass)
        for (Eigen::Index i = 0; i < j; ++i) X.col(j) -= X.col(i).dot(X.col(j)) * X.col(i);
      const double after = X.col(j).norm();
      // Cancellation to below 1e-8 of the column: what is left is rounding noise.
      if (after > 0.0 && std::isfinite(after) && after > 1e-8 * before) {
        X.col(j) /= after;
        break;
      }
      for (Eigen::Index i = 0; i < k; ++i) X(i, j) = start_entry(state);
    }
  }
}
}  // namespace

// Oversampling max(4, r): measured on k x 2k Gaussian blocks (noise only, the
// slowest case: lambda_{p+1} / lambda_r ~ 0.7-0.9) and on rank-r blocks plus
// 10% noise (5-6 iterations), issue 5.
std::size_t gram_partial_block(std::size_t k, std::size_t r) { return std::min(k, r + std::max<std::size_t>(4, r)); }

// Measured (g++ 12 -O3, one core): one iteration costs about 2.5e-4 k^2 p us
// (plus ~1.5 us of fixed cost), the full eigen-solve with eigenvectors about
// 7e-4 k^3 us at k = 64 (rising to 1.5e-3 k^3 at k = 24); a rank-r block with
// noise takes 5-7 iterations. 4 p <= k keeps that under the full solve's cost
// (at k = 24, p = 6 it is not: 20 us against 19 us).
bool gram_partial_pays(std::size_t k, std::size_t q) {
  const std::size_t p = gram_partial_block(k, std::min(q, k));
  return k >= 20 && 4 * p <= k;
}

// The full solve costs about 3 k / p iterations (measurements above): capping at
// 1.5 k / p bounds the wasted work of a non-converging block (then solved in
// full) to half a full solve.
std::size_t gram_partial_max_iterations(std::size_t k, std::size_t p) { return std::max<std::size_t>(2, 3 * k / (2 * std::max<std::size_t>(p, 1))); }

bool gram_top_eigenvectors(const Matrix& G, std::size_t r, std::size_t p, GramWorkspace& ws, std::size_t max_iterations) {
  const Eigen::Index k = G.rows(), ri = static_cast<Eigen::Index>(r), pi = static_cast<Eigen::Index>(p);
  ws.iterations = 0;
  if (r == 0 || r > p || pi > k) return false;
  std::uint64_t state = 0x5eed5eed5eed5eedull;
  ws.X.resize(k, pi);
  for (Eigen::Index j = 0; j < pi; ++j)
    for (Eigen::Index i = 0; i < k; ++i) ws.X(i, j) = start_entry(state);
  orthonormalize(ws.X, state);
  // Residual target: tol theta_1 with tol = 8 sqrt(k) u (see the header).
  const double tol = 8.0 * std::sqrt(static_cast<double>(k)) * unit_roundoff;
  for (std::size_t it = 1; it <= max_iterations; ++it) {
    ws.iterations = it;
    ws.Y.noalias() = G * ws.X;
    // Rayleigh-Ritz: S = X^T G X (symmetrized), eigenpairs descending.
    ws.S.noalias() = ws.X.transpose() * ws.Y;
    for (Eigen::Index j = 0; j < pi; ++j)
      for (Eigen::Index i = 0; i < j; ++i) ws.S(i, j) = ws.S(j, i) = 0.5 * (ws.S(i, j) + ws.S(j, i));
    ws.eig_small.compute(ws.S, Eigen::ComputeEigenvectors);  // ascending
    if (ws.eig_small.info() != Eigen::Success) return false;
    // E (in S, reused): the small eigenvectors by decreasing Ritz value, copied
    // so that the products below read plain storage (no temporaries).
    const Matrix& E = ws.eig_small.eigenvectors();
    ws.theta.resize(pi);
    for (Eigen::Index j = 0; j < pi; ++j) {
      ws.theta(j) = ws.eig_small.eigenvalues()(pi - 1 - j);
      ws.S.col(j) = E.col(pi - 1 - j);
    }
    // W = X E, Z = Y E = G W.
    ws.W.noalias() = ws.X * ws.S;
    ws.Z.noalias() = ws.Y * ws.S;
    const double top = std::max(ws.theta(0), 0.0);
    if (!std::isfinite(top)) return false;
    bool done = true;
    for (Eigen::Index j = 0; j < ri && done; ++j)
      done = (ws.Z.col(j) - ws.theta(j) * ws.W.col(j)).norm() <= tol * top;
    if (done) return true;
    // Next block: orth(G W) (same span as G X; decreasing order keeps the
    // dominant directions first in Gram-Schmidt).
    ws.X = ws.Z;
    orthonormalize(ws.X, state);
  }
  return false;
}

void gram_truncated_block(const double* Bp, std::size_t b, std::size_t c, std::size_t q, Balance balance, GramWorkspace& ws,
                          ResidualAccumulator& acc, Interval* tail_sq, bool partial) {
  using RowMap = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  const auto bi = static_cast<Eigen::Index>(b), ci = static_cast<Eigen::Index>(c), qi = static_cast<Eigen::Index>(q);
  const RowMap B(Bp, bi, ci);
  const bool tall = c <= b;  // small side = columns
  const std::size_t k = tall ? c : b, n = tall ? b : c;
  const auto kk = static_cast<Eigen::Index>(k);
  const Eigen::Index r = std::min(qi, kk);
  if (k <= 16) {
    // Small side: plain loops (Eigen's GEMM setup dominates at this size).
    ws.G.setZero(kk, kk);
    if (tall) {
      for (std::size_t i = 0; i < b; ++i) {
        const double* row = Bp + i * c;
        for (std::size_t j = 0; j < c; ++j) {
          const double x = row[j];
          double* g = ws.G.data() + j * k;  // column j, rows l >= j (lower triangle)
          for (std::size_t l = j; l < c; ++l) g[l] += x * row[l];
        }
      }
    } else {
      for (std::size_t i = 0; i < b; ++i)
        for (std::size_t l = 0; l <= i; ++l) {
          const double* ri = Bp + i * c;
          const double* rl = Bp + l * c;
          double acc_il = 0.0;
          for (std::size_t j = 0; j < c; ++j) acc_il += ri[j] * rl[j];
          ws.G(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(l)) = acc_il;
        }
    }
    for (Eigen::Index j = 0; j < kk; ++j)
      for (Eigen::Index l = j + 1; l < kk; ++l) ws.G(j, l) = ws.G(l, j);
  } else if (tall) {
    ws.G.noalias() = B.transpose() * B;
  } else {
    ws.G.noalias() = B * B.transpose();
  }
  // ||B||_F^2 = trace(G^) up to the rounding of n-term sums (one more sum of k terms).
  double tr = 0.0;
  for (Eigen::Index i = 0; i < kk; ++i) tr += ws.G(i, i);
  const Interval bnorm_sq = nonneg_sum_enclosure(tr, b * c);
  ws.H.setZero(bi, qi);
  ws.K.setZero(qi, ci);
  ws.iterations = 0;
  if (k > 0 && r > 0 && std::isfinite(tr)) {
    // Partial eigen-solve only without certification: certified_tail_from_gram
    // needs the complete basis. The factors' quality (not their certificate,
    // which is measured from the stored doubles below) depends on this choice.
    const bool top_only = partial && !tail_sq && gram_partial_pays(k, q) &&
                          gram_top_eigenvectors(ws.G, static_cast<std::size_t>(r), gram_partial_block(k, static_cast<std::size_t>(r)), ws,
                                                gram_partial_max_iterations(k, gram_partial_block(k, static_cast<std::size_t>(r))));
    if (!top_only) ws.eig.compute(ws.G, Eigen::ComputeEigenvectors);  // lower triangle only; eigenvalues ascending
    // The top r eigenvectors, decreasing order.
    const auto top_vector = [&](Eigen::Index t) {
      const double* v = top_only ? ws.W.col(t).data() : ws.eig.eigenvectors().col(kk - 1 - t).data();
      return Eigen::Map<const Eigen::VectorXd>(v, kk);
    };
    for (Eigen::Index t = 0; t < r; ++t) {
      const auto vt = top_vector(t);
      if (tall) {
        // Right singular vector v_t: H(:, t) = B v_t, K(t, :) = v_t^T (then rescaled).
        ws.H.col(t).noalias() = B * vt;
        ws.K.row(t) = vt.transpose();
      } else {
        // Left singular vector u_t: H(:, t) = u_t, K(t, :) = u_t^T B.
        ws.H.col(t) = vt;
        ws.K.row(t).noalias() = vt.transpose() * B;
      }
      const double s = tall ? ws.H.col(t).norm() : ws.K.row(t).norm();  // ~ sigma_t
      double hs = 1.0;                                                  // H(:, t) *= hs, K(t, :) /= hs
      const bool orth_side_is_h = !tall;
      switch (balance) {
        case Balance::left_orthonormal: hs = orth_side_is_h ? 1.0 : 1.0 / s; break;
        case Balance::right_orthonormal: hs = orth_side_is_h ? s : 1.0; break;
        case Balance::sqrt_sigma: hs = orth_side_is_h ? std::sqrt(s) : 1.0 / std::sqrt(s); break;
      }
      if (!(s > 0.0) || !std::isfinite(hs) || hs == 0.0) {
        ws.H.col(t).setZero();
        ws.K.row(t).setZero();
      } else if (hs != 1.0) {
        ws.H.col(t) *= hs;
        ws.K.row(t) /= hs;
      }
    }
    if (tail_sq) {
      const Matrix Vd = ws.eig.eigenvectors().rowwise().reverse();
      *tail_sq = certified_tail_from_gram(k, n, q, bnorm_sq, ws.G, Vd, ws);
    }
  } else if (tail_sq) {
    *tail_sq = {0.0, bnorm_sq.hi};
  }
  // ||B - H K||_F from the stored doubles (inner-product bound with q + 1 terms).
  double ss = 0.0, ww = 0.0;
  if (q == 1) {
    const double* kr = ws.K.data();  // 1 x c
    for (Eigen::Index i = 0; i < bi; ++i) {
      const double* brow = Bp + static_cast<std::size_t>(i) * c;
      const double hi = ws.H(i, 0);
      for (Eigen::Index j = 0; j < ci; ++j) {
        const double p = hi * kr[j], bv = brow[j];
        const double dv = bv - p, wv = std::abs(bv) + std::abs(p);
        ss += dv * dv;
        ww += wv * wv;
      }
    }
  } else {
    ws.P.noalias() = ws.H * ws.K;
    ss = (B - ws.P).squaredNorm();
    ws.P.noalias() = ws.H.cwiseAbs() * ws.K.cwiseAbs();
    ww = (B.cwiseAbs() + ws.P).squaredNorm();
  }
  acc.ss += ss;
  acc.ww += ww;
  acc.count += b * c;
  acc.terms = std::max(acc.terms, q + 1);
}

}  // namespace wellposed::numeric::detail
