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
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "wellposed/gpu/ks_factor.hpp"
#include "wellposed/gpu/detail/ks_index.hpp"

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

// ----- 16-bit storage types on the host ------------------------------------
// Bit-exact software conversions (round to nearest even), so that the tile
// code of ks_index.hpp can be emulated on the CPU with the storage types of
// the f16/bf16 CUDA instantiations (gpu/cuda/ks_kernels.cu: __half and
// __nv_bfloat16 in memory, float accumulators), and device results can be
// prepared and read back without cuda_fp16.h.

inline std::uint32_t float_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float bits_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

/// IEEE binary16: 1 sign, 5 exponent, 10 fraction bits; u = 2^-11.
struct HostHalf {
  std::uint16_t bits = 0;
  static constexpr double unit_roundoff = 1.0 / 2048;
  /// Half of the subnormal spacing 2^-24: the absolute error of rounding a
  /// result below the normal range (2^-14).
  static constexpr double underflow = 1.0 / 33554432;
  HostHalf() = default;
  explicit HostHalf(float f) {
    std::uint32_t x = float_bits(f);
    const std::uint32_t sign = (x >> 16) & 0x8000u;
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) {  // Inf, NaN (quiet)
      bits = std::uint16_t(sign | 0x7c00u | (x > 0x7f800000u ? 0x200u : 0u));
    } else if (x >= 0x477ff000u) {  // >= 65520 rounds to Inf
      bits = std::uint16_t(sign | 0x7c00u);
    } else if (x < 0x38800000u) {  // below 2^-14: subnormal (multiples of 2^-24)
      bits = std::uint16_t(sign | std::uint32_t(std::nearbyint(std::fabs(f) * 16777216.0f)));
    } else {  // rebias 127 -> 15, round 23 -> 10 fraction bits (a carry may bump the exponent)
      std::uint32_t r = x - 0x38000000u;
      r += 0xfffu + ((r >> 13) & 1u);
      bits = std::uint16_t(sign | (r >> 13));
    }
  }
  explicit operator float() const {
    const std::uint32_t sign = std::uint32_t(bits & 0x8000u) << 16, e = (bits >> 10) & 0x1fu, m = bits & 0x3ffu;
    if (e == 0) return (sign ? -1.0f : 1.0f) * std::ldexp(float(m), -24);
    if (e == 31) return bits_float(sign | 0x7f800000u | (m << 13));
    return bits_float(sign | ((e + 112) << 23) | (m << 13));
  }
};

/// bfloat16: the upper half of a float; u = 2^-8.
struct HostBf16 {
  std::uint16_t bits = 0;
  static constexpr double unit_roundoff = 1.0 / 256;
  static constexpr double underflow = 0;  // float's exponent range: no underflow at these magnitudes
  HostBf16() = default;
  explicit HostBf16(float f) {
    std::uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      bits = std::uint16_t((u >> 16) | 0x40u);  // quiet NaN
    } else {
      u += 0x7fffu + ((u >> 16) & 1u);
      bits = std::uint16_t(u >> 16);
    }
  }
  explicit operator float() const { return bits_float(std::uint32_t(bits) << 16); }
};
static_assert(sizeof(HostHalf) == 2 && sizeof(HostBf16) == 2, "same storage as __half / __nv_bfloat16");

}  // namespace wellposed::gpu::test
