// The partial eigen-solve of the Gram block kernel (issue 5): block subspace
// iteration with Rayleigh-Ritz for the top r eigenvectors of a block's Gram
// matrix, used by uncertified splits instead of a full symmetric eigen-solve.
// Checked against the full eigen-solve and the SVD optimum (Eckart-Young), and
// through factorize_hierarchical with the full path as the reference.
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <cmath>
#include <random>

#include "../../numeric/src/block_kernels.hpp"  // private kernels (static library)
#include "numeric_test_util.hpp"

namespace wellposed::numeric {
namespace {

using testing::random_factors;
using testing::random_matrix;

// G = Q diag(lambda) Q^T for a random orthogonal Q (seeded).
Matrix gram_with_spectrum(const Eigen::VectorXd& lambda, std::uint64_t seed) {
  const Eigen::Index k = lambda.size();
  const Eigen::HouseholderQR<Matrix> qr(random_matrix(k, k, seed));
  const Matrix Q = qr.householderQ() * Matrix::Identity(k, k);
  return Q * lambda.asDiagonal() * Q.transpose();
}

// sin of the largest principal angle between the spans of the columns of
// (orthonormal) X and Y: ||(I - X X^T) Y||_2.
double subspace_sine(const Matrix& X, const Matrix& Y) {
  const Matrix R = Y - X * (X.transpose() * Y);
  return Eigen::JacobiSVD<Matrix>(R).singularValues()(0);
}

// Checks the Ritz pairs of gram_top_eigenvectors against SelfAdjointEigenSolver.
// sep: whether lambda_r > lambda_{r+1} clearly (then the subspaces must agree).
void expect_matches_full(const Matrix& G, std::size_t r, bool sep, const char* what) {
  const auto k = static_cast<std::size_t>(G.rows());
  detail::GramWorkspace ws;
  const std::size_t p = detail::gram_partial_block(k, r);
  ASSERT_TRUE(detail::gram_top_eigenvectors(G, r, p, ws, 5000)) << what;
  const Eigen::SelfAdjointEigenSolver<Matrix> es(G);
  const double top = es.eigenvalues()(static_cast<Eigen::Index>(k) - 1);
  const auto ri = static_cast<Eigen::Index>(r);
  Matrix V(G.rows(), ri);
  for (Eigen::Index t = 0; t < ri; ++t) {
    const double lam = es.eigenvalues()(static_cast<Eigen::Index>(k) - 1 - t);
    EXPECT_NEAR(ws.theta(t), lam, 1e-12 * top) << what << " t=" << t;
    V.col(t) = es.eigenvectors().col(static_cast<Eigen::Index>(k) - 1 - t);
    // Residual criterion of the stopping rule (header: tol = 8 sqrt(k) u).
    const Eigen::VectorXd res = G * ws.W.col(t) - ws.theta(t) * ws.W.col(t);
    EXPECT_LE(res.norm(), 8.0 * std::sqrt(static_cast<double>(k)) * unit_roundoff * top * 1.01) << what;
  }
  const Matrix W = ws.W.leftCols(ri);
  EXPECT_LT((W.transpose() * W - Matrix::Identity(ri, ri)).norm(), 1e-14 * static_cast<double>(k)) << what;
  if (sep) {
    EXPECT_LT(subspace_sine(V, W), 1e-12) << what;
  }
  // Sum of the top r Ritz values = trace(W^T G W): the rank-r error of G's
  // square root is optimal (Ky Fan) to rounding, ties or not.
  EXPECT_NEAR(ws.theta.head(ri).sum(), es.eigenvalues().tail(ri).sum(), 1e-12 * top * static_cast<double>(r)) << what;
}

TEST(GramPartial, RitzPairsMatchFullEigenSolve) {
  std::mt19937_64 gen(11);
  for (std::size_t k : {24u, 40u, 64u, 100u})
    for (std::size_t r : {1u, 2u, 4u}) {
      // Rank-r signal plus 10% noise (the blocks of Fig 6.4's later splits).
      const auto ki = static_cast<Eigen::Index>(k), ri = static_cast<Eigen::Index>(r);
      const Matrix B = random_matrix(ki, ri, 100 + k + r) * random_matrix(ri, 2 * ki, 200 + k + r) +
                       0.1 * random_matrix(ki, 2 * ki, 300 + k + r);
      expect_matches_full(B * B.transpose(), r, true, "signal+noise");
      // Pure noise: slow convergence (ratio lambda_{p+1}/lambda_r ~ 0.7-0.9), uncapped here.
      const Matrix N = random_matrix(ki, ki + 3, 400 + k + r);
      expect_matches_full(N * N.transpose(), r, false, "noise");
    }
}

TEST(GramPartial, ClusteredAndTiedEigenvalues) {
  const Eigen::Index k = 48;
  // Tie inside the top r = 2 and straddling the boundary (lambda_1 = lambda_2 = lambda_3 for r = 2).
  Eigen::VectorXd lam = Eigen::VectorXd::LinSpaced(k, 0.0, 1.0);
  lam(k - 1) = lam(k - 2) = 5.0;
  expect_matches_full(gram_with_spectrum(lam, 1), 2, true, "tie inside top 2");
  lam(k - 3) = 5.0;
  expect_matches_full(gram_with_spectrum(lam, 2), 2, false, "tie across r = 2");
  expect_matches_full(gram_with_spectrum(lam, 3), 1, false, "tie across r = 1");
  // A cluster 1 + 1e-9 j at the top: Ritz values still to 1e-12 relative.
  for (Eigen::Index j = 0; j < 6; ++j) lam(k - 1 - j) = 5.0 * (1.0 + 1e-9 * static_cast<double>(j));
  expect_matches_full(gram_with_spectrum(lam, 4), 4, false, "cluster");
  // All eigenvalues equal (an orthogonal block): converged at once.
  expect_matches_full(Matrix::Identity(k, k) * 3.0, 2, false, "identity");
}

TEST(GramPartial, CapReturnsFalseWithoutConvergence) {
  // Flat noise spectrum: 2 iterations cannot reach the residual target; the
  // caller then takes the full eigen-solve.
  const Matrix N = random_matrix(64, 64, 5);
  detail::GramWorkspace ws;
  EXPECT_FALSE(detail::gram_top_eigenvectors(N * N.transpose(), 1, detail::gram_partial_block(64, 1), ws, 2));
  EXPECT_EQ(ws.iterations, 2u);
}

// sqrt(sum_{j > q} sigma_j(B)^2) by a Jacobi SVD (the Eckart-Young optimum).
double optimal_tail(const Matrix& B, std::size_t q) {
  const Eigen::VectorXd s = Eigen::JacobiSVD<Matrix>(B).singularValues();
  double t = 0.0;
  for (Eigen::Index j = static_cast<Eigen::Index>(q); j < s.size(); ++j) t += s(j) * s(j);
  return std::sqrt(t);
}

// gram_truncated_block on a row-major copy of B, partial or full path: the
// achieved ||B - H K||_F (from the accumulator) and whether the partial path ran.
struct BlockRun {
  double err;
  std::size_t iterations;
  Matrix HK;
};
BlockRun run_block(const Matrix& B, std::size_t q, detail::Balance bal, bool partial) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> Br = B;
  detail::GramWorkspace ws;
  ResidualAccumulator acc;
  detail::gram_truncated_block(Br.data(), static_cast<std::size_t>(B.rows()), static_cast<std::size_t>(B.cols()), q, bal, ws, acc,
                               nullptr, partial);
  const Matrix HK = ws.H * ws.K;
  EXPECT_TRUE(HK.allFinite());
  return {std::sqrt(acc.ss), ws.iterations, HK};
}

TEST(GramPartial, TruncatedBlockErrorIsOptimal) {
  using detail::Balance;
  for (auto shape : {std::pair<Eigen::Index, Eigen::Index>{64, 64}, {40, 300}, {300, 40}, {128, 96}})
    for (std::size_t q : {1u, 2u, 4u})
      for (double noise : {0.0, 0.1, 1.0})
        for (auto bal : {Balance::left_orthonormal, Balance::right_orthonormal, Balance::sqrt_sigma}) {
          const auto [m, n] = shape;
          const auto qi = static_cast<Eigen::Index>(q);
          const Matrix B = random_matrix(m, qi, 7 * m + q) * random_matrix(qi, n, 11 * n + q) + noise * random_matrix(m, n, 13 * m + n);
          const std::size_t k = static_cast<std::size_t>(std::min(m, n));
          ASSERT_TRUE(detail::gram_partial_pays(k, q));
          const BlockRun part = run_block(B, q, bal, true), full = run_block(B, q, bal, false);
          EXPECT_GT(part.iterations, 0u);  // the partial path ran (converged or fell back)
          EXPECT_EQ(full.iterations, 0u);
          const double opt = optimal_tail(B, q);
          if (noise == 0.0) {
            // B in the rank-q set: both recover it (Gram accuracy, u kappa^2).
            EXPECT_LT(part.err, 1e-12 * B.norm()) << m << "x" << n << " q=" << q;
            EXPECT_LT(full.err, 1e-12 * B.norm());
          } else {
            EXPECT_NEAR(part.err, opt, 1e-12 * opt) << m << "x" << n << " q=" << q << " noise=" << noise;
            EXPECT_NEAR(full.err, opt, 1e-12 * opt);
          }
          // Same truncation (the top-q subspace is well separated here).
          if (noise <= 0.1) {
            EXPECT_LT((part.HK - full.HK).norm(), 1e-10 * B.norm());
          }
        }
}

TEST(GramPartial, RankDeficientAndZeroBlocks) {
  using detail::Balance;
  // Rank 2 < q = 4: the error is zero to rounding; no NaN from the null-space vectors.
  const Matrix B = random_matrix(64, 2, 1) * random_matrix(2, 80, 2);
  for (auto bal : {Balance::left_orthonormal, Balance::right_orthonormal, Balance::sqrt_sigma}) {
    const BlockRun part = run_block(B, 4, bal, true);
    EXPECT_GT(part.iterations, 0u);
    EXPECT_LT(part.err, 1e-12 * B.norm());
    EXPECT_LT((part.HK - B).norm(), 1e-12 * B.norm());
    const BlockRun zero = run_block(Matrix::Zero(64, 80), 2, bal, true);
    EXPECT_EQ(zero.err, 0.0);
    EXPECT_EQ(zero.HK.norm(), 0.0);
  }
}

// Three factors whose second split (uncertified under the balanced order
// {1, 2}) has 64 x 64 class blocks of rank q: the partial path.
KChain chain_with_large_second_split(std::size_t q) {
  return q == 1 ? KChain{KPattern{1, 2, 2, 128}, KPattern{2, 64, 2, 2}, KPattern{4, 2, 64, 1}}
                : KChain{KPattern{1, 2, 2, 128}, KPattern{2, 64, 4, 2}, KPattern{4, 4, 64, 1}};
}

TEST(GramPartial, HierarchicalBalancedMatchesFullEigenSolve) {
  for (std::size_t q : {1u, 2u}) {
    const KChain ch = chain_with_large_second_split(q);
    ASSERT_TRUE(is_chainable(ch));
    ASSERT_EQ(*chainable(ch[1], ch[2]), q);
    ASSERT_EQ(split_order_balanced(3), (std::vector<std::size_t>{1, 2}));
    const Matrix P = chain_product(random_factors(ch, 17 + q));
    for (double noise : {0.0, 0.01, 0.3}) {
      const Matrix A = noise == 0.0 ? P : Matrix(P + noise * (P.norm() / std::sqrt(static_cast<double>(P.size()))) *
                                                         random_matrix(P.rows(), P.cols(), 19 + q));
      for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
        double err[2];
        for (int partial = 0; partial < 2; ++partial) {
          HierarchicalOptions o;
          o.algorithm = alg;
          o.order = split_order_balanced(3);
          o.partial_eigensolves = partial == 1;
          o.all_split_errors = false;  // E_2 would be certified by full eigen-solves of the same blocks
          const auto r = factorize_hierarchical(A, ch, o);
          err[partial] = (A - chain_product(r.factors)).norm();
          EXPECT_TRUE(r.enclosure.residual.contains(err[partial])) << q << " " << noise;
          if (noise == 0.0) {
            EXPECT_LT(err[partial] / A.norm(), 1e-12) << "q=" << q << " partial=" << partial;
          }
        }
        EXPECT_NEAR(err[1], err[0], 1e-10 * A.norm() + 1e-9 * err[0]) << "q=" << q << " noise=" << noise;
      }
    }
  }
}

}  // namespace
}  // namespace wellposed::numeric
