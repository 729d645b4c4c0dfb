#pragma once
// The DFT of size n = 2^N and its radix-2 Cooley-Tukey butterfly factors
// (thesis Sec. 2.3.3, eq. (2.15); Remark 6.1.1: the DFT is a square dyadic
// butterfly product only up to the bit-reversal permutation of its columns).
//
// Convention (library orientation, products read left to right):
//   F_n(k, j) = exp(-2 pi i k j / n), 0 <= k, j < n;
//   P the bit-reversal permutation matrix, P(i, j) = 1 iff j = rev_N(i)
//   (symmetric: rev_N is an involution), so (F_n P)(k, j) = F_n(k, rev_N(j));
//   F_n P = X_1 X_2 ... X_N with X_l = I_{2^{l-1}} (x) B_{n / 2^{l-1}} on
//   butterfly_chain(n)[l-1] = (2^{l-1}, 2, 2, 2^{N-l}), where
//   B_m = [[I_{m/2}, D_{m/2}], [I_{m/2}, -D_{m/2}]], D_{m/2} = diag(w_m^k), w_m = exp(-2 pi i / m)
//   (the thesis's F_N = W_p ... W_1 P with W_p = X_1, ..., W_1 = X_N; its
//   printed B_N repeats +D in the second block row, the sign is -D).
#include <cstddef>
#include <vector>

#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::numeric {

/// rev_N(j) for j < 2^N: the N-bit reversal. Throws unless n is a power of two >= 2.
std::vector<std::size_t> bit_reversal(std::size_t n);
/// F_n (entries from std::polar with the exponent reduced mod n, so every
/// entry is within a few ulps of the exact root of unity).
ComplexMatrix dft_matrix(std::size_t n);
/// F_n P (columns of F_n in bit-reversed order): the target of the DFT recovery.
ComplexMatrix dft_bit_reversed(std::size_t n);
/// X_1 .. X_N above, on butterfly_chain(n).
std::vector<ComplexKFactor> dft_butterfly_factors(std::size_t n);

}  // namespace wellposed::numeric
