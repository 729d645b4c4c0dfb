#pragma once
// Internal: column blocks of a chain product X_1 ... X_N, for the residual
// enclosure (residual.cpp) and chain_product (kronecker_factor.cpp).
#include <cstddef>
#include <vector>

#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::numeric::detail {

/// Rows [lo, hi) of one column that may be non-zero.
struct RowRange {
  std::size_t lo = 0, hi = 0;
};

/// Reusable buffers of chain_columns_ws (zeroed once; see kronecker_factor.cpp).
template <class T>
struct ChainWorkspace {
  MatrixT<T> buf[3];
  std::vector<RowRange> r, r2;
  int result = -1;      ///< buffer holding the last result, -1: none
  bool tracked = false;
  std::size_t ld = 0;   ///< rows of the last result (its leading dimension)
  /// Restores the all-zero invariant of the buffer holding the last result.
  void release_result();
};

/// Columns [j0, j1) of X_1 ... X_N, evaluated right to left with the KFactor
/// kernel (each output entry of step l an inner product of c_l terms, the
/// exact-zero terms skipped as in chain_product; `finite`: every factor value
/// is finite, else no skipping). Returns the column-major result (leading
/// dimension rows(X_1) = ws.ld), valid until the next call on `ws`.
template <class S>
const S* chain_columns_ws(const std::vector<BasicKFactor<S>>& factors, bool finite, std::size_t j0, std::size_t j1,
                          ChainWorkspace<S>& ws);
/// The same as a fresh matrix.
template <class S>
MatrixT<S> chain_columns(const std::vector<BasicKFactor<S>>& factors, std::size_t j0, std::size_t j1);
/// Columns [j0, j1) of |X_1| ... |X_N| with |x| replaced by mag_up(x) >= |x|
/// (mags[l] = mag_up of factors[l].values, precomputed once).
const double* abs_chain_columns_ws(const std::vector<KPattern>& patterns, const std::vector<std::vector<double>>& mags,
                                   bool finite, std::size_t j0, std::size_t j1, ChainWorkspace<double>& ws);
/// Multiply-adds chain_columns spends on all columns (the kernel's own loop
/// bounds, column by column): the cost model of the direct residual.
std::size_t chain_columns_work(const KChain& chain);

}  // namespace wellposed::numeric::detail
