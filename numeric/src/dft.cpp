#include "wellposed/numeric/dft.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "wellposed/algebra/architecture.hpp"

namespace wellposed::numeric {

namespace {
std::size_t log2_exact(std::size_t n, const char* who) {
  std::size_t N = 0;
  while ((std::size_t{1} << N) < n) ++N;
  if (n < 2 || (std::size_t{1} << N) != n)
    throw std::invalid_argument(std::string(who) + ": n = " + std::to_string(n) + " is not a power of two >= 2");
  return N;
}
// w_n^e = exp(-2 pi i e / n), e reduced mod n first (keeps the angle in [0, 2 pi)).
Complex root(std::size_t e, std::size_t n) {
  return std::polar(1.0, -2.0 * std::numbers::pi * static_cast<double>(e % n) / static_cast<double>(n));
}
}  // namespace

std::vector<std::size_t> bit_reversal(std::size_t n) {
  const std::size_t N = log2_exact(n, "bit_reversal");
  std::vector<std::size_t> r(n, 0);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t b = 0; b < N; ++b)
      if (j >> b & 1u) r[j] |= std::size_t{1} << (N - 1 - b);
  return r;
}

ComplexMatrix dft_matrix(std::size_t n) {
  log2_exact(n, "dft_matrix");
  ComplexMatrix F(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t k = 0; k < n; ++k) F(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(j)) = root(k * j, n);
  return F;
}

ComplexMatrix dft_bit_reversed(std::size_t n) {
  const auto rev = bit_reversal(n);
  const ComplexMatrix F = dft_matrix(n);
  ComplexMatrix A(F.rows(), F.cols());
  for (std::size_t j = 0; j < n; ++j) A.col(static_cast<Eigen::Index>(j)) = F.col(static_cast<Eigen::Index>(rev[j]));
  return A;
}

std::vector<ComplexKFactor> dft_butterfly_factors(std::size_t n) {
  log2_exact(n, "dft_butterfly_factors");
  const KChain chain = butterfly_chain(n);
  std::vector<ComplexKFactor> xs;
  for (const KPattern& t : chain) {
    // t = (2^{l-1}, 2, 2, m / 2) with m = n / 2^{l-1}: every alpha block is B_m;
    // entry (beta, gamma, delta) of B_m: 1 if gamma = 0, +-w_m^delta if gamma = 1.
    ComplexKFactor f(t);
    const std::size_t m = 2 * t.d;
    for (std::size_t al = 0; al < t.a; ++al)
      for (std::size_t be = 0; be < 2; ++be)
        for (std::size_t ga = 0; ga < 2; ++ga)
          for (std::size_t de = 0; de < t.d; ++de) {
            const Complex w = ga == 0 ? Complex(1.0, 0.0) : (be == 0 ? root(de, m) : -root(de, m));
            f.values[((al * t.b + be) * t.c + ga) * t.d + de] = w;
          }
    xs.push_back(std::move(f));
  }
  return xs;
}

}  // namespace wellposed::numeric
