// Certified residual of a factor chain through the chain multiply.
//
// Notation: P_l = X_l ... X_N (exact), P^_N = X_N (copied, exact),
// P^_l = fl(X_l P^_{l+1}) (the KFactor kernel). Every entry of X_l P^_{l+1}
// is an inner product of at most c_l <= k terms, so by the rounding model of
// interval.hpp (any order, fma or not, complex: kappa = inner_terms<S>(k))
//   |P^_l - X_l P^_{l+1}| <= g |X_l| |P^_{l+1}| + kappa eta 1,  g = gamma(kappa + 1)
// (gamma_{kappa+1} >= gamma_kappa: one spare term, as in the other enclosures).
// With E_l = |P^_l - P_l| and |P^_{l+1}| <= |P_{l+1}| + E_{l+1}:
//   E_l <= (1 + g) |X_l| E_{l+1} + g |X_l| |P_{l+1}| + kappa eta 1,
// and unrolling over the s = N - 1 products (E_N = 0, |P_{l+1}| <= W_{l+1} =
// |X_{l+1}| ... |X_N|):
//   E_1 <= ((1 + g)^s - 1) W_1 + kappa eta sum_{l=1}^{s} (1 + g)^{l-1} |X_1| ... |X_{l-1}| 1.
// (1 + g)^s - 1 <= e^{s g} - 1 <= s g (1 + s g) for s g <= 1 (e^x - 1 <= x + x^2
// on [0, 1]); we require s g < 0.01, so also (1 + g)^s <= 2.
// Frobenius norms: ||W_1||_F is bounded either from spectral norms,
//   ||W_1||_F <= prod_{l<N} || |X_l| ||_2 ||X_N||_F,  || M ||_2 <= sqrt(||M||_1 ||M||_inf),
// or by computing W^_1 = fl(|X_1| ... |X_N|) with the same kernel: all its terms
// are >= 0, so W^_1 >= (1 - g)^s W_1 - U with U the same underflow sum, hence
// ||W_1||_F <= (||W^_1||_F + ||U||_F) / (1 - s g). The underflow sum has
// ||.||_F <= 2 kappa eta sum_l prod_{i<l} || |X_i| ||_2 sqrt(rows_l n).
// Finally D^ = fl(A - P^_1) is one correctly rounded subtraction per entry, so
// ||A - P^_1||_F lies in [||D^||/(1 + u), ||D^||/(1 - u)] subset ||D^|| +- 2u ||D^||,
// and ||A - P_1||_F lies in ||A - P^_1||_F +- ||E_1||_F. Every scalar step
// below rounds outward (round_up / round_down), so no safety factor is needed.
#include "wellposed/numeric/residual.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "block_kernels.hpp"
#include "chain_kernels.hpp"

namespace wellposed::numeric {

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Upper bound of || |X| ||_2 for |X| entrywise mag_up: sqrt(max col sum * max row sum).
template <class S>
double abs_spectral_bound(const BasicKFactor<S>& f) {
  const auto& t = f.theta;
  std::vector<double> rs(t.a * t.b * t.d, 0.0), cs(t.a * t.c * t.d, 0.0);
  for (std::size_t al = 0; al < t.a; ++al)
    for (std::size_t be = 0; be < t.b; ++be)
      for (std::size_t ga = 0; ga < t.c; ++ga)
        for (std::size_t de = 0; de < t.d; ++de) {
          const double m = mag_up(f.values[((al * t.b + be) * t.c + ga) * t.d + de]);
          rs[(al * t.b + be) * t.d + de] += m;
          cs[(al * t.c + ga) * t.d + de] += m;
        }
  // A computed sum of n >= 0 terms is >= (1 - gamma_n) times the exact sum
  // (plus the magnitude rounding of complex terms: one more term).
  double rmax = 0.0, cmax = 0.0;
  for (double v : rs) rmax = std::max(rmax, v);
  for (double v : cs) cmax = std::max(cmax, v);
  rmax = round_up(rmax / round_down(1.0 - gamma(t.c + 1)));
  cmax = round_up(cmax / round_down(1.0 - gamma(t.b + 1)));
  return round_up(std::sqrt(round_up(rmax * cmax)));
}

double mul_up(double a, double b) { return round_up(a * b); }

template <class S>
Interval chain_residual_impl(const MatrixT<S>& A, const std::vector<BasicKFactor<S>>& factors, ResidualCost* cost) {
  const auto t0 = std::chrono::steady_clock::now();
  if (factors.empty()) throw std::invalid_argument("chain_residual: no factors");
  for (std::size_t l = 0; l + 1 < factors.size(); ++l)
    if (factors[l].cols() != factors[l + 1].rows())
      throw std::invalid_argument("chain_residual: factor " + std::to_string(l + 1) + " has " +
                                  std::to_string(factors[l].cols()) + " columns but factor " + std::to_string(l + 2) +
                                  " has " + std::to_string(factors[l + 1].rows()) + " rows");
  const std::size_t m = factors.front().rows(), n = factors.back().cols(), N = factors.size();
  if (static_cast<std::size_t>(A.rows()) != m || static_cast<std::size_t>(A.cols()) != n)
    throw std::invalid_argument("chain_residual: A is " + std::to_string(A.rows()) + " x " + std::to_string(A.cols()) +
                                " but the product is " + std::to_string(m) + " x " + std::to_string(n));
  std::size_t k = 1;
  KChain chain;
  for (const auto& f : factors) {
    k = std::max(k, f.theta.c);
    chain.push_back(f.theta);
  }
  const std::size_t kappa = inner_terms<S>(k);
  const double g = gamma(kappa + 1);
  const auto s = static_cast<double>(N - 1);
  const double sg = mul_up(s, g);
  if (!(sg < 0.01)) return {0.0, inf};
  const double factor = mul_up(sg, round_up(1.0 + sg));  // >= (1 + g)^s - 1

  // Spectral bounds of |X_l| and the underflow sum.
  std::vector<double> mu(N);
  for (std::size_t l = 0; l < N; ++l) mu[l] = abs_spectral_bound(factors[l]);
  double under = 0.0, prefix = 1.0;
  for (std::size_t l = 0; l + 1 < N; ++l) {  // step l + 1 = 1..s: rows of P_{l+1} = rows(X_{l+1})
    under = round_up(under + mul_up(prefix, round_up(std::sqrt(mul_up(static_cast<double>(factors[l].rows()), static_cast<double>(n))))));
    prefix = mul_up(prefix, mu[l]);
  }
  under = mul_up(mul_up(2.0 * static_cast<double>(kappa), underflow_eta), under);
  if (!std::isfinite(under)) under = inf;

  // Pass 1: D^ = fl(A - P^) block by block, fused with the sums of squares
  // (each block's sum enclosed on its own, then the intervals added).
  // Blocks of ~2^18 entries (2 MiB of doubles per buffer, 3 buffers per thread).
  const std::size_t bs = std::max<std::size_t>(8, std::min<std::size_t>(n, (std::size_t{1} << 18) / std::max<std::size_t>(m, 1)));
  bool finite = true;
  for (const auto& f : factors)
    for (const S& v : f.values) finite = finite && std::isfinite(std::abs(v));
  // OpenMP over column blocks (one parallel region; the kernel's own loop then
  // runs single-threaded inside it), one workspace per thread. The block
  // enclosures are added in block order afterwards: the result does not
  // depend on the number of threads.
  const std::size_t nblocks = (n + bs - 1) / bs;
  std::vector<Interval> dblk(nblocks), ablk(nblocks);
#pragma omp parallel if (nblocks > 1 && m * n > (std::size_t{1} << 16))
  {
    detail::ChainWorkspace<S> ws;
#pragma omp for schedule(dynamic, 1)
    for (std::size_t blk = 0; blk < nblocks; ++blk) {
      const std::size_t j0 = blk * bs, j1 = std::min(n, j0 + bs);
      const S* P = detail::chain_columns_ws(factors, finite, j0, j1, ws);
      double ss = 0.0, aa = 0.0;
      for (std::size_t j = j0; j < j1; ++j) {
        const S* a = A.data() + j * m;
        const S* p = P + (j - j0) * m;
        for (std::size_t i = 0; i < m; ++i) {
          const S d = a[i] - p[i];
          ss += std::norm(d);
          aa += std::norm(a[i]);
        }
      }
      const std::size_t terms = square_terms<S>((j1 - j0) * m);
      dblk[blk] = nonneg_sum_enclosure(ss, terms);
      ablk[blk] = nonneg_sum_enclosure(aa, terms);
    }
  }
  Interval dsq{0.0, 0.0}, asq{0.0, 0.0};
  for (std::size_t blk = 0; blk < nblocks; ++blk) {
    dsq = dsq + dblk[blk];
    asq = asq + ablk[blk];
  }
  const Interval dn = sqrt(dsq);
  const double an = sqrt(asq).hi;
  std::size_t work = chain_residual_work(chain);
  bool abs_pass = false;

  // ||W_1||_F from spectral norms first.
  double fro_last = 0.0;
  for (const S& v : factors.back().values) fro_last += mag_up(v) * mag_up(v);
  fro_last = round_up(std::sqrt(round_up(fro_last / round_down(1.0 - gamma(2 * factors.back().values.size() + 1)))));
  double wn = fro_last;
  for (std::size_t l = 0; l + 1 < N; ++l) wn = mul_up(wn, mu[l]);
  double err = round_up(mul_up(factor, wn) + under);
  if (!(err <= 1e-3 * dn.hi) && !(err <= 1e-10 * an)) {
    // Pass 2: W^ = fl(|X_1| ... |X_N|) exactly, block by block.
    std::vector<std::vector<double>> mags(N);
    for (std::size_t l = 0; l < N; ++l) {
      mags[l].resize(factors[l].values.size());
      for (std::size_t q = 0; q < mags[l].size(); ++q) mags[l][q] = mag_up(factors[l].values[q]);
    }
    std::vector<Interval> wblk(nblocks);
#pragma omp parallel if (nblocks > 1 && m * n > (std::size_t{1} << 16))
    {
      detail::ChainWorkspace<double> wws;
#pragma omp for schedule(dynamic, 1)
      for (std::size_t blk = 0; blk < nblocks; ++blk) {
        const std::size_t j0 = blk * bs, j1 = std::min(n, j0 + bs);
        const double* W = detail::abs_chain_columns_ws(chain, mags, finite, j0, j1, wws);
        double ww = 0.0;
        for (std::size_t k2 = 0; k2 < (j1 - j0) * m; ++k2) ww += W[k2] * W[k2];
        wblk[blk] = nonneg_sum_enclosure(ww, (j1 - j0) * m);
      }
    }
    Interval wsq{0.0, 0.0};
    for (const auto& w : wblk) wsq = wsq + w;
    const double wexact = round_up(round_up(sqrt(wsq).hi + under) / round_down(1.0 - sg));
    wn = std::min(wn, wexact);
    err = round_up(mul_up(factor, wn) + under);
    work += chain_residual_work(chain);
    abs_pass = true;
  }
  err = round_up(err + mul_up(round_up(2.0 * unit_roundoff), dn.hi));
  if (cost) {
    cost->multiply_adds = work;
    cost->abs_pass = abs_pass;
    cost->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  if (!std::isfinite(err) || !std::isfinite(dn.hi)) return {0.0, inf};
  return {std::max(0.0, round_down(dn.lo - err)), round_up(dn.hi + err)};
}

}  // namespace

Interval chain_residual(const Matrix& A, const std::vector<KFactor>& factors, ResidualCost* cost) {
  return chain_residual_impl(A, factors, cost);
}
Interval chain_residual(const ComplexMatrix& A, const std::vector<ComplexKFactor>& factors, ResidualCost* cost) {
  return chain_residual_impl(A, factors, cost);
}

std::size_t chain_residual_work(const KChain& chain) { return detail::chain_columns_work(chain); }

}  // namespace wellposed::numeric
