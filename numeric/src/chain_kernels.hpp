#pragma once
// Internal: column blocks of a chain product X_1 ... X_N, for the residual
// enclosure (residual.cpp) and chain_product (kronecker_factor.cpp).
#include <cstddef>
#include <vector>

#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::numeric::detail {

/// Columns [j0, j1) of X_1 ... X_N, evaluated right to left with the KFactor
/// kernel (each output entry of step l an inner product of c_l terms, the
/// exact-zero terms skipped as in chain_product): memory rows x (j1 - j0).
template <class S>
MatrixT<S> chain_columns(const std::vector<BasicKFactor<S>>& factors, std::size_t j0, std::size_t j1);
/// Columns [j0, j1) of |X_1| ... |X_N| with |x| replaced by mag_up(x) >= |x|
/// (mags[l] = mag_up of factors[l].values, precomputed once).
Matrix abs_chain_columns(const std::vector<KPattern>& patterns, const std::vector<std::vector<double>>& mags,
                         std::size_t j0, std::size_t j1);
/// Multiply-adds chain_columns spends on all columns (the kernel's own loop
/// bounds, column by column): the cost model of the direct residual.
std::size_t chain_columns_work(const KChain& chain);

}  // namespace wellposed::numeric::detail
