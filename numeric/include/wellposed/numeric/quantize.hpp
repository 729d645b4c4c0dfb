#pragma once
// Quantization of Kronecker-sparse factor chains to low-precision floats
// (survey R Sec. 4.4, Box 9; [Gribonval-Mary-Riccietti 2023]; SEEDMAP 4.5, B9).
//
// Target sets. F_t = {+-k 2^{e-t} : k in [2^{t-1}, 2^t - 1], e in Z} u {0} (R eq. 13),
// and its bounded IEEE-style subsets F = F_t restricted to emin <= e <= emax plus the
// subnormals {+-k 2^{emin-t} : 0 < k < 2^{t-1}} (fp16: t = 11, e in [-13, 16];
// bf16: t = 8, e in [-125, 128]). F is a subset of F_t (a subnormal has fewer
// significant bits), and F_t is invariant under multiplication by powers of 2.
// round(v) is a nearest element of the set (ties to an even significand); for a
// bounded format the set is finite, so values beyond the largest element round to
// it (saturation, not infinity).
//
// What is optimal (and what is not):
// - quantize_rank_one: a global minimizer of ||x y^T - x^ y^^T||_F over F_t^m x F_t^n
//   (Box 9; argument in quantize.cpp). For a bounded format the F_t-optimum is
//   moved into range by a power-of-2 exchange between x^ and y^ (product unchanged);
//   when every value then lies in F the pair is optimal over F (F is a subset of F_t)
//   and `in_format` is true, otherwise out-of-range values are rounded into F and the
//   pair is no longer certified optimal (`in_format` = false).
// - quantize_two_factors: for A = X Y whose rank-one terms X[:,k] Y[k,:] have pairwise
//   disjoint supports (Thm 5.2.3's disjointness; a q-chainable Kronecker pair with q = 1),
//   the problem decouples into independent rank-one problems (R Sec. 4.4.1), so the
//   result is optimal (same `in_format` proviso). q > 1 pairs are quantized term by term
//   (a heuristic, `optimal` = false).
// - chains, L > 2: RTN, pairwise, left-to-right, right-to-left (R Sec. 4.4.2) are
//   heuristics; their quality is measured, with a certified enclosure, by
//   quantization_error.
// Optimality is over exact F_t; costs are compared in (long) double, so among
// candidates whose costs agree to ~1e-15 relative the choice may be either.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wellposed/numeric/dense.hpp"
#include "wellposed/numeric/interval.hpp"
#include "wellposed/numeric/kronecker_factor.hpp"

namespace wellposed::numeric {

/// A floating-point format with a t-bit significand (implicit bit included).
struct FloatFormat {
  int t = 8;         ///< significand bits, 2 <= t <= 53
  int emin = -1021;  ///< smallest exponent e of a normal value k 2^{e-t}
  int emax = 1024;   ///< largest exponent e
  std::string name = "t8";

  /// IEEE binary16: t = 11, normal values in [2^-14, 65504], subnormals down to 2^-24.
  static FloatFormat fp16();
  /// bfloat16: t = 8, normal values in [2^-126, (2 - 2^-7) 2^127], subnormals down to 2^-133.
  static FloatFormat bf16();
  /// FP8 E5M2 (IEEE-style, as in the OCP FP8 spec): t = 3, normal values in
  /// [2^-14, 57344], subnormals down to 2^-16.
  static FloatFormat fp8_e5m2();
  /// FP8 E4M3 restricted to its IEEE-style range: t = 4, normal values in
  /// [2^-6, 240], subnormals down to 2^-9. Every element is an OCP E4M3FN
  /// value; E4M3FN's extra binade (256..448, which takes the exponent IEEE
  /// reserves for inf/NaN) is not used, so values beyond 240 saturate at 240.
  static FloatFormat fp8_e4m3();
  /// t-bit significand with the exponent range of binary64 (emin = -1021, emax = 1024):
  /// every element is a double; for t <= 24 the optimal methods are tractable (2^{t-1}
  /// candidates per vector entry).
  static FloatFormat bits(int t);
  /// Largest finite element (2^t - 1) 2^{emax - t}.
  double max_value() const;
  /// Smallest positive normal element 2^{emin - 1}.
  double min_normal() const;
  /// Throws std::invalid_argument naming the bad field.
  void validate() const;
};

/// "fp16", "bf16", "fp8-e5m2", "fp8-e4m3", or a decimal t in [2, 53] ("8"); nullopt otherwise.
std::optional<FloatFormat> parse_float_format(const std::string& s);

/// A nearest element of F (the format's finite set): ties to an even significand,
/// saturating at +-max_value(), subnormals below min_normal(). NaN is returned as NaN.
double round_to_format(double v, const FloatFormat& f);
/// True iff v is an element of F.
bool representable(double v, const FloatFormat& f);
/// A nearest element of the unbounded F_t, for |v| in binary64's normal range
/// (exact: frexp / nearbyint / ldexp, ties to even).
double round_to_bits(double v, int t);

/// The optimal searches enumerate 2^{t-1} breakpoints per vector entry: they accept
/// t <= max_optimal_bits (fp16's 11 and bf16's 8 included) and throw
/// std::invalid_argument above it; RTN takes any t.
inline constexpr int max_optimal_bits = 24;

enum class QuantizeMethod { rtn, pairwise, left_to_right, right_to_left };
/// "rtn", "pairwise", "l2r", "r2l" (also "left-to-right", "right-to-left").
std::optional<QuantizeMethod> parse_quantize_method(const std::string& s);
std::string to_string(QuantizeMethod m);

/// Optimal rank-one quantization (Box 9).
struct RankOneQuantization {
  std::vector<double> x, y;  ///< x^ = round(lambda x), y^ = round(mu y) (elements of F)
  /// x^ = round(lambda x) and y^ = round(mu y) for the returned values (when in_format).
  /// The search finds lambda in [1, 2) (an interior point of the optimal interval of
  /// Box 9, x the enumerated side; else the roles swap) and mu = x^T x^ / ||x^||^2; the
  /// power-of-2 exchange into range (x^ 2^k, y^ 2^-k, product unchanged) then scales
  /// them to lambda 2^k and mu 2^-k; `shift` = k.
  double lambda = 0.0, mu = 0.0;
  int shift = 0;
  /// ||x y^T - x^ y^^T||_F^2 as computed in long double (not an enclosure).
  double cost = 0.0;
  bool in_format = true;       ///< see the header comment
  std::size_t candidates = 0;  ///< distinct x^ (intervals of lambda) examined
  std::size_t evaluated = 0;   ///< candidates whose full cost was evaluated (the rest were pruned)
};
RankOneQuantization quantize_rank_one(std::span<const double> x, std::span<const double> y, const FloatFormat& f);

/// Two-factor quantization of A = X Y (library orientation: term k is X[:,k] Y[k,:]).
struct TwoFactorQuantization {
  Matrix X, Y;                      ///< quantized factors, supports kept
  std::vector<double> lambda, mu;   ///< X^[:,k] = round(lambda_k X[:,k]), Y^[k,:] = round(mu_k Y[k,:])
  bool optimal = true;              ///< every rank-one problem optimal and in format
};
/// Throws std::invalid_argument when two rank-one terms have overlapping supports
/// (naming them), on shape mismatch or on non-finite entries.
TwoFactorQuantization quantize_two_factors(const Matrix& X, const Matrix& Y, const FloatFormat& f);

struct KTwoFactorQuantization {
  KFactor X, Y;
  std::vector<double> lambda, mu;   ///< per inner index k (cols of X = rows of Y)
  std::size_t q = 0;                ///< chainability constant of (theta_X, theta_Y)
  bool optimal = true;              ///< q == 1 and every rank-one problem in format
};
/// Kronecker-sparse pair: throws std::invalid_argument if (theta_X, theta_Y) is not chainable.
KTwoFactorQuantization quantize_two_factors(const KFactor& X, const KFactor& Y, const FloatFormat& f);

struct QuantizeOptions {
  FloatFormat format = FloatFormat::bits(8);
  QuantizeMethod method = QuantizeMethod::left_to_right;
  /// Largest number of values the partial products may occupy, checked before
  /// allocating; exceeding it throws std::length_error. Left-to-right streams the rows
  /// of W_{l+1}...W_L and right-to-left the columns of W_1...W_{l-1} (per thread
  /// O(n log n) values for the square dyadic chain, the survey's space bound); with
  /// materialize_products they are stored whole (n^2 / 2 values for the dyadic chain).
  std::size_t max_product_values = std::size_t{1} << 28;
  /// Materialize the partial products instead of streaming them (the reference the
  /// streamed paths are tested bit-identical against; O(n^2) memory).
  bool materialize_products = false;
};

/// The diagonal scalings of one two-factor step: lambda over the inner index of the
/// pair (factor `left`, the product of the factors after/before it).
struct QuantizeStep {
  std::size_t left = 0;            ///< 0-based: the pair (left, left + 1) is split
  std::size_t q = 0;               ///< chainability constant of the split
  bool optimal = true;             ///< q == 1 and every rank-one problem in range
  std::vector<double> lambda, mu;
};

struct ChainQuantization {
  std::vector<KFactor> factors;    ///< same patterns, every value an element of the format
  std::vector<QuantizeStep> steps; ///< empty for RTN
  /// Per factor: the power-of-2 exponent k_l applied when fitting the F_t result into a
  /// bounded format (sum_l k_l = 0, so the product is unchanged before rounding).
  std::vector<int> range_shift;
  /// Values that were not already in the format after the F_t computation (subnormal
  /// or saturated by round_to_format); 0 for the unbounded bits(t) formats in range.
  std::size_t rounded_into_range = 0;
};

/// Quantize W_1 ... W_L (the chain must be size-compatible; the two-factor methods also
/// need every split they use to be chainable, else std::invalid_argument names the pair).
ChainQuantization quantize_chain(const std::vector<KFactor>& factors, const QuantizeOptions& options = {});

/// Left-to-right's unavoidable data (bench/quantize_bench.cpp's "touch-once" baseline):
/// streams every row of W_{l+1} ... W_L that step l reads (l = 1 .. L-2, 1-based; the
/// last step reads W_L itself), exactly as quantize_chain does, and returns the sum of
/// the squares of their entries; `entries` (if given) receives how many there were
/// (n^2 - 4n for the square dyadic chain at n, against its 2 n log2 n stored values).
double stream_suffix_rows(const std::vector<KFactor>& factors, std::size_t* entries = nullptr);

/// The product of a chainable pair as a factor on theta_X * theta_Y (Def 6.3.13), each
/// entry the sum of its q path products. Throws std::invalid_argument if not chainable,
/// std::length_error if the product has more than max_values stored values.
KFactor kfactor_product(const KFactor& X, const KFactor& Y, std::size_t max_values = std::size_t{1} << 28);
/// The same into `P`, reusing its storage (no allocation, hence no fresh page faults,
/// when P.values already has the capacity; `P` must not alias X or Y).
void kfactor_product_into(const KFactor& X, const KFactor& Y, KFactor& P, std::size_t max_values = std::size_t{1} << 28);

/// Certified enclosure of a quantization error (rounding model of interval.hpp).
struct QuantizationError {
  Interval absolute;   ///< ||R - W^_1...W^_L||_F
  Interval reference;  ///< ||R||_F
  Interval relative;   ///< absolute / reference (+inf upper end when reference may be 0)
};
/// R = W_1 ... W_L (the unquantized chain): R eq. (12). Works on column blocks of
/// `block` columns: memory O(rows * block), time O(cols * sum_l nnz(W_l)).
QuantizationError quantization_error(const std::vector<KFactor>& reference, const std::vector<KFactor>& quantized,
                                     std::size_t block = 64);
/// R = A, a dense target: ||A - W^_1...W^_L||_F / ||A||_F.
QuantizationError quantization_error(const Matrix& A, const std::vector<KFactor>& quantized, std::size_t block = 64);

}  // namespace wellposed::numeric
