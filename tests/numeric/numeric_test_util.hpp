#pragma once
// Shared helpers of the numeric tests (STYLE item 12: one set of checks reused
// by every factorization test).
#include <random>
#include <vector>

#include <boost/multiprecision/gmp.hpp>
#include <boost/multiprecision/mpfr.hpp>

#include "wellposed/algebra/architecture.hpp"
#include "wellposed/numeric.hpp"
#include "wellposed/numeric/membership.hpp"  // not in the umbrella (exact GMP rationals)

namespace wellposed::numeric::testing {

using Rational = boost::multiprecision::mpq_rational;
using Big = boost::multiprecision::number<boost::multiprecision::mpfr_float_backend<200>>;

inline Matrix random_matrix(Eigen::Index m, Eigen::Index n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  Matrix x(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) x(i, j) = nd(gen);
  return x;
}

inline KFactor random_factor(const KPattern& t, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  KFactor f(t);
  for (auto& v : f.values) v = nd(gen);
  return f;
}

inline std::vector<KFactor> random_factors(const KChain& chain, std::uint64_t seed) {
  std::vector<KFactor> fs;
  for (std::size_t l = 0; l < chain.size(); ++l) fs.push_back(random_factor(chain[l], seed * 7919 + l));
  return fs;
}

/// ||A - P||_F^2 exactly, A and P dense doubles.
inline Rational exact_sq_distance(const Matrix& A, const Matrix& P) {
  Rational s = 0;
  for (Eigen::Index j = 0; j < A.cols(); ++j)
    for (Eigen::Index i = 0; i < A.rows(); ++i) {
      Rational d = Rational(A(i, j)) - Rational(P(i, j));
      s += d * d;
    }
  return s;
}

/// X_1 ... X_N in exact rational arithmetic.
inline std::vector<std::vector<Rational>> exact_product(const std::vector<KFactor>& fs) {
  Matrix first = fs[0].to_dense();
  std::vector<std::vector<Rational>> P(static_cast<std::size_t>(first.rows()), std::vector<Rational>(static_cast<std::size_t>(first.cols())));
  for (Eigen::Index i = 0; i < first.rows(); ++i)
    for (Eigen::Index j = 0; j < first.cols(); ++j) P[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = Rational(first(i, j));
  for (std::size_t l = 1; l < fs.size(); ++l) {
    const Matrix X = fs[l].to_dense();
    std::vector<std::vector<Rational>> Q(P.size(), std::vector<Rational>(static_cast<std::size_t>(X.cols())));
    for (std::size_t i = 0; i < P.size(); ++i)
      for (Eigen::Index k = 0; k < X.rows(); ++k) {
        if (P[i][static_cast<std::size_t>(k)] == 0) continue;
        for (Eigen::Index j = 0; j < X.cols(); ++j)
          if (X(k, j) != 0.0) Q[i][static_cast<std::size_t>(j)] += P[i][static_cast<std::size_t>(k)] * Rational(X(k, j));
      }
    P = std::move(Q);
  }
  return P;
}

/// Does [iv.lo, iv.hi] contain sqrt(v) for an exact non-negative rational v?
/// Chains every hierarchical test runs on: square dyadic, Monarch, low rank
/// (one split), a general (r,r,r)-chainable chain, block-diagonal dyadic.
struct ChainCase {
  const char* name;
  KChain chain;
};

inline std::vector<ChainCase> chain_cases() {
  return {
      {"dyadic16", butterfly_chain(16)},
      {"monarch", monarch_chain(12, 12, 3, 4)},
      {"low_rank", {KPattern{1, 6, 2, 1}, KPattern{1, 2, 5, 1}}},
      {"general_rrr", {KPattern{1, 4, 4, 4}, KPattern{2, 4, 4, 2}, KPattern{4, 4, 2, 1}}},
      {"block_diag_dyadic", {KPattern{2, 2, 2, 4}, KPattern{4, 2, 2, 2}, KPattern{8, 2, 2, 1}}},
  };
}

inline bool contains_sqrt(const Interval& iv, const Rational& v) {
  return Rational(iv.lo) * Rational(iv.lo) <= v && v <= Rational(iv.hi) * Rational(iv.hi);
}

}  // namespace wellposed::numeric::testing
