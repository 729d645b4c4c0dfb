#include "wellposed/numeric/kronecker_factor.hpp"

#include "chain_kernels.hpp"

#include <algorithm>
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
// o += x * y with the real operations of the rounding model (interval.hpp: no
// 3M trick); for complex this also avoids the C99 Annex G slow path of operator*.
inline void madd(double& o, double x, double y) { o += x * y; }
inline void madd(Complex& o, const Complex& x, const Complex& y) {
  o = Complex(o.real() + (x.real() * y.real() - x.imag() * y.imag()), o.imag() + (x.real() * y.imag() + x.imag() * y.real()));
}

// Rows [lo, hi) of a column that may be non-zero (every other entry is an exact zero).
using detail::RowRange;

// out = X y for X on S_theta given by its stored values xv (S_theta layout),
// y and out column-major (leading dimensions ldy, ldo), out zero on entry.
// Cache-friendly order: the outer (parallel) loop runs over blocks of kCols
// columns, the inner loops over the contiguous delta index of a column (the
// old row-update order strided through the column-major operands).
//
// Every entry out(i, j), i = (alpha, beta, delta), is the sum over gamma of
// x(alpha, beta, gamma, delta) * y(alpha c d + gamma d + delta, j), accumulated
// sequentially in increasing gamma from 0 (the order of the previous row-update
// kernel), one product and one addition per term: a c-term inner product, the
// order-free model of interval.hpp applies to it as before. With in_ranges,
// only the gamma whose rows meet [lo, hi) of column j are visited: the skipped
// terms have y = 0 exactly and the factor values are finite (chain_product
// checks), so each skipped term is an exact zero; out_ranges then receives the
// rows of out that may be non-zero (all of them: every alpha block that was visited).
template <bool AbsY, class T>
void kernel(const KPattern& t, const T* xv, const T* y, Eigen::Index ldy, T* out, Eigen::Index ldo, Eigen::Index ncols,
            const RowRange* in_ranges, RowRange* out_ranges) {
  constexpr Eigen::Index kCols = 4;
  const std::size_t a = t.a, b = t.b, c = t.c, d = t.d, cd = c * d, bd = b * d;
  const Eigen::Index nblocks = (ncols + kCols - 1) / kCols;
  const auto yv = [](const T& v) -> T {
    if constexpr (AbsY) return std::abs(v);
    else return v;
  };
#pragma omp parallel for schedule(dynamic, 4) if (static_cast<std::size_t>(ncols) * a * b * c * d > (1u << 16))
  for (Eigen::Index blk = 0; blk < nblocks; ++blk) {
    const Eigen::Index j0 = blk * kCols, j1 = std::min(ncols, j0 + kCols);
    std::size_t lo = 0, hi = a * cd;
    if (in_ranges) {
      lo = hi;
      hi = 0;
      for (Eigen::Index j = j0; j < j1; ++j) {
        if (in_ranges[j].lo >= in_ranges[j].hi) continue;
        lo = std::min(lo, in_ranges[j].lo);
        hi = std::max(hi, in_ranges[j].hi);
      }
    }
    if (lo >= hi) {
      if (out_ranges)
        for (Eigen::Index j = j0; j < j1; ++j) out_ranges[j] = RowRange{};
      continue;
    }
    const std::size_t al0 = lo / cd, al1 = (hi - 1) / cd;  // alpha blocks that meet [lo, hi)
    for (std::size_t al = al0; al <= al1; ++al) {
      const std::size_t base = al * cd;
      const std::size_t g0 = lo > base ? (lo - base) / d : 0;
      const std::size_t g1 = std::min(c, (hi - base + d - 1) / d);  // exclusive
      for (std::size_t be = 0; be < b; ++be) {
        const T* xrow = xv + (al * b + be) * cd;  // x(al, be, ga, de) = xrow[ga d + de]
        const std::size_t orow = al * bd + be * d;
        if (d == 1) {
          for (Eigen::Index j = j0; j < j1; ++j) {
            const T* yj = y + j * ldy + base;
            T s(0);
            for (std::size_t ga = g0; ga < g1; ++ga) madd(s, xrow[ga], yv(yj[ga]));
            out[j * ldo + static_cast<Eigen::Index>(orow)] = s;
          }
        } else {
          for (std::size_t ga = g0; ga < g1; ++ga) {
            const T* xs = xrow + ga * d;
            for (Eigen::Index j = j0; j < j1; ++j) {
              const T* yj = y + j * ldy + static_cast<Eigen::Index>(base + ga * d);
              T* oj = out + j * ldo + static_cast<Eigen::Index>(orow);
              for (std::size_t de = 0; de < d; ++de) madd(oj[de], xs[de], yv(yj[de]));
            }
          }
        }
      }
    }
    if (out_ranges)
      for (Eigen::Index j = j0; j < j1; ++j) out_ranges[j] = RowRange{al0 * bd, (al1 + 1) * bd};
  }
}

template <class S>
void check_operand(const BasicKFactor<S>& f, Eigen::Index rows) {
  if (static_cast<std::size_t>(rows) != f.cols()) {
    std::ostringstream os;
    os << "KFactor::apply: factor has " << f.cols() << " columns, operand has " << rows << " rows";
    throw std::invalid_argument(os.str());
  }
}
}  // namespace

template <class S>
MatrixT<S> BasicKFactor<S>::apply(const Dense& y) const {
  check_operand(*this, y.rows());
  Dense out = Dense::Zero(static_cast<Eigen::Index>(rows()), y.cols());
  kernel<false>(theta, values.data(), y.data(), y.rows(), out.data(), out.rows(), y.cols(), nullptr, nullptr);
  return out;
}

// |X| y: the same c-term sums with mag_up(x) >= |x| and |y| (y >= 0 for the
// callers); all terms are non-negative, so the computed value is within a
// factor (1 - gamma_c) of the exact sum of mag_up(x) |y| in any order
// (direct_residual in hierarchical.cpp relies on exactly this, per step).
template <class S>
Matrix BasicKFactor<S>::apply_abs(const Matrix& y) const {
  check_operand(*this, y.rows());
  std::vector<double> mags(values.size());
  for (std::size_t k = 0; k < values.size(); ++k) mags[k] = mag_up(values[k]);
  Matrix out = Matrix::Zero(static_cast<Eigen::Index>(rows()), y.cols());
  kernel<true>(theta, mags.data(), y.data(), y.rows(), out.data(), out.rows(), y.cols(), nullptr, nullptr);
  return out;
}

template struct BasicKFactor<double>;
template struct BasicKFactor<Complex>;

namespace {
// Columns [j0, j1) of X_N written into `dst` (leading dimension rows(X_N),
// zero on entry), and per column the rows that may be non-zero: column j of
// S_theta has its entries in the alpha block j / (c d), rows
// alpha b d + beta d + delta, delta = j mod d.
template <class T>
void last_columns(const KPattern& t, const T* values, std::size_t j0, std::size_t j1, T* dst, std::vector<RowRange>* r) {
  const std::size_t ld = t.rows();
  for (std::size_t j = j0; j < j1; ++j) {
    const std::size_t al = j / (t.c * t.d), ga = (j / t.d) % t.c, de = j % t.d;
    for (std::size_t be = 0; be < t.b; ++be)
      dst[(j - j0) * ld + al * t.b * t.d + be * t.d + de] = values[((al * t.b + be) * t.c + ga) * t.d + de];
    if (r) (*r)[j - j0] = RowRange{al * t.b * t.d, (al + 1) * t.b * t.d};
  }
}

void zero_ranges(double* data, std::size_t ld, const std::vector<RowRange>& r) {
  for (std::size_t j = 0; j < r.size(); ++j)
    if (r[j].lo < r[j].hi) std::fill(data + j * ld + r[j].lo, data + j * ld + r[j].hi, 0.0);
}
void zero_ranges(Complex* data, std::size_t ld, const std::vector<RowRange>& r) {
  for (std::size_t j = 0; j < r.size(); ++j)
    if (r[j].lo < r[j].hi) std::fill(data + j * ld + r[j].lo, data + j * ld + r[j].hi, Complex(0));
}

// The right-to-left evaluation shared by chain_product, chain_columns and the
// residual. Track, per column of the partial product, the rows that may be
// non-zero: X_l ... X_N is supported on few rows per column until late in the
// chain (block diagonal for Fig 6.4's chains), and the kernel skips the
// exact-zero terms. Only sound when every factor value is finite (0 * inf =
// NaN must not be skipped): otherwise every term is visited, as in the dense
// product.
//
// Memory: three buffers of the workspace, zeroed once and reused across calls.
// The kernel reads and accumulates into rows outside a column's tracked range
// (whole d-groups), so it needs exact zeros there. Invariant: each buffer's
// memory is zero except the entries of the product it currently holds; a
// buffer that has been read is cleaned by zeroing exactly the rows it was
// written in (its ranges, same layout), so a step costs about the rows it
// writes instead of a rows x columns zero-fill and a fresh allocation (page
// faults dominate otherwise). The result stays in the workspace until
// release_result().
template <bool Abs, class T>
const T* columns_ws(const std::vector<KPattern>& pats, const std::vector<const T*>& vals, bool finite, std::size_t j0,
                    std::size_t j1, detail::ChainWorkspace<T>& ws) {
  const std::size_t ncols = j1 - j0;
  auto& r = ws.r;
  auto& r2 = ws.r2;
  r.assign(ncols, RowRange{0, 0});
  r2.assign(ncols, RowRange{0, 0});
  std::size_t maxrows = pats.back().rows();
  for (std::size_t l = 0; l + 1 < pats.size(); ++l) maxrows = std::max(maxrows, pats[l].rows());
  const auto need = static_cast<Eigen::Index>(maxrows * ncols);
  for (auto* m : {&ws.buf[0], &ws.buf[1], &ws.buf[2]})
    if (m->size() < need || !finite) m->setZero(need, 1);
  int cur = 2;  // buf[2] holds X_N's columns
  last_columns(pats.back(), vals.back(), j0, j1, ws.buf[2].data(), &r);
  std::size_t in_rows = pats.back().rows();
  for (std::size_t l = pats.size() - 1; l-- > 0;) {
    if (pats[l].cols() != in_rows) {
      std::ostringstream os;
      os << "KFactor::apply: factor has " << pats[l].cols() << " columns, operand has " << in_rows << " rows";
      throw std::invalid_argument(os.str());
    }
    const int nxt = cur == 0 ? 1 : 0;
    T* in = ws.buf[cur].data();
    T* out = ws.buf[nxt].data();
    const auto orows = static_cast<Eigen::Index>(pats[l].rows());
    if (!finite) std::fill(out, out + need, T(0));
    kernel<Abs>(pats[l], vals[l], in, static_cast<Eigen::Index>(in_rows), out, orows, static_cast<Eigen::Index>(ncols),
                finite ? r.data() : nullptr, finite ? r2.data() : nullptr);
    if (finite) zero_ranges(in, in_rows, r);  // clean the buffer just read (r = its ranges)
    else std::fill(in, in + need, T(0));
    std::swap(r, r2);
    cur = nxt;
    in_rows = pats[l].rows();
  }
  ws.result = cur;
  ws.tracked = finite;
  ws.ld = in_rows;
  return ws.buf[cur].data();
}

template <class S>
bool all_finite(const std::vector<BasicKFactor<S>>& factors) {
  for (const auto& f : factors)
    for (const S& v : f.values)
      if (!std::isfinite(std::abs(v))) return false;
  return true;
}

template <class S>
MatrixT<S> chain_columns_impl(const std::vector<BasicKFactor<S>>& factors, std::size_t j0, std::size_t j1) {
  if (factors.empty()) throw std::invalid_argument("chain_product: no factors");
  detail::ChainWorkspace<S> ws;
  const S* p = detail::chain_columns_ws(factors, all_finite(factors), j0, j1, ws);
  MatrixT<S> out(static_cast<Eigen::Index>(ws.ld), static_cast<Eigen::Index>(j1 - j0));
  std::copy(p, p + out.size(), out.data());
  return out;
}

// Column block by column block through one workspace (buffers of rows x
// block instead of three full rows x cols intermediates).
template <class S>
MatrixT<S> chain_product_impl(const std::vector<BasicKFactor<S>>& factors) {
  if (factors.empty()) throw std::invalid_argument("chain_product: no factors");
  const std::size_t m = factors.front().rows(), n = factors.back().cols();
  const std::size_t bs = std::max<std::size_t>(8, (std::size_t{1} << 18) / std::max<std::size_t>(m, 1));
  const bool finite = all_finite(factors);
  MatrixT<S> out(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(n));
  const std::size_t nblocks = (n + bs - 1) / bs;
  // OpenMP over column blocks, one workspace per thread (the kernel's own
  // loop runs single-threaded inside); every entry is computed by the same
  // sequence of operations whatever the thread count.
  std::string error;
#pragma omp parallel if (nblocks > 1 && m * n > (std::size_t{1} << 16))
  {
    detail::ChainWorkspace<S> ws;
#pragma omp for schedule(dynamic, 1)
    for (std::size_t blk = 0; blk < nblocks; ++blk) {
      const std::size_t j0 = blk * bs, j1 = std::min(n, j0 + bs);
      try {
        const S* p = detail::chain_columns_ws(factors, finite, j0, j1, ws);
        std::copy(p, p + (j1 - j0) * m, out.data() + j0 * m);
      } catch (const std::exception& e) {
#pragma omp critical
        error = e.what();
      }
    }
  }
  if (!error.empty()) throw std::invalid_argument(error);
  return out;
}
}  // namespace

namespace detail {
template <class T>
void ChainWorkspace<T>::release_result() {
  if (result < 0) return;
  T* d = buf[result].data();
  if (tracked) zero_ranges(d, ld, r);
  else std::fill(d, d + buf[result].size(), T(0));
  result = -1;
}
template struct ChainWorkspace<double>;
template struct ChainWorkspace<Complex>;

template <class S>
const S* chain_columns_ws(const std::vector<BasicKFactor<S>>& factors, bool finite, std::size_t j0, std::size_t j1,
                          ChainWorkspace<S>& ws) {
  if (factors.empty()) throw std::invalid_argument("chain_product: no factors");
  ws.release_result();
  std::vector<KPattern> pats;
  std::vector<const S*> vals;
  for (const auto& f : factors) {
    pats.push_back(f.theta);
    vals.push_back(f.values.data());
  }
  return columns_ws<false, S>(pats, vals, finite, j0, j1, ws);
}
template const double* chain_columns_ws(const std::vector<KFactor>&, bool, std::size_t, std::size_t,
                                        ChainWorkspace<double>&);
template const Complex* chain_columns_ws(const std::vector<ComplexKFactor>&, bool, std::size_t, std::size_t,
                                         ChainWorkspace<Complex>&);

template <class S>
MatrixT<S> chain_columns(const std::vector<BasicKFactor<S>>& factors, std::size_t j0, std::size_t j1) {
  return chain_columns_impl(factors, j0, j1);
}
template Matrix chain_columns(const std::vector<KFactor>&, std::size_t, std::size_t);
template ComplexMatrix chain_columns(const std::vector<ComplexKFactor>&, std::size_t, std::size_t);

const double* abs_chain_columns_ws(const std::vector<KPattern>& pats, const std::vector<std::vector<double>>& mags,
                                   bool finite, std::size_t j0, std::size_t j1, ChainWorkspace<double>& ws) {
  ws.release_result();
  std::vector<const double*> vals;
  for (const auto& m : mags) vals.push_back(m.data());
  // Every value and operand is >= 0: kernel<true>'s |y| is the identity.
  return columns_ws<true, double>(pats, vals, finite, j0, j1, ws);
}

std::size_t chain_columns_work(const KChain& chain) {
  if (chain.empty()) return 0;
  // Mirrors columns_impl / kernel column by column (the kernel takes the union
  // of 4 columns' ranges, so it may do slightly more: an estimate).
  // The rows a column may touch depend only on its alpha block in X_N: one
  // simulation per alpha block, times its c d columns.
  std::size_t work = 0;
  const KPattern& last = chain.back();
  for (std::size_t al = 0; al < last.a; ++al) {
    std::size_t col_work = 0;
    std::size_t lo = al * last.b * last.d, hi = (al + 1) * last.b * last.d;
    for (std::size_t l = chain.size() - 1; l-- > 0;) {
      const KPattern& t = chain[l];
      const std::size_t cd = t.c * t.d, bd = t.b * t.d;
      const std::size_t al0 = lo / cd, al1 = (hi - 1) / cd;
      for (std::size_t a = al0; a <= al1; ++a) {
        const std::size_t base = a * cd;
        const std::size_t g0 = lo > base ? (lo - base) / t.d : 0;
        const std::size_t g1 = std::min(t.c, (hi - base + t.d - 1) / t.d);
        col_work += t.b * (g1 - g0) * t.d;
      }
      lo = al0 * bd;
      hi = (al1 + 1) * bd;
    }
    work += col_work * last.c * last.d;
  }
  return work;
}
}  // namespace detail

Matrix chain_product(const std::vector<KFactor>& factors) { return chain_product_impl(factors); }
ComplexMatrix chain_product(const std::vector<ComplexKFactor>& factors) { return chain_product_impl(factors); }

}  // namespace wellposed::numeric
