#include <gtest/gtest.h>

#include <cmath>

#include "numeric_test_util.hpp"
#include "wellposed/algebra/architecture.hpp"

namespace wellposed::numeric {
namespace {

using testing::random_factors;
using testing::random_matrix;

/// Algorithms 7 and 8, each with the left-to-right and the balanced split
/// order of a chain of N factors: the four runs the tests compare.
std::vector<HierarchicalOptions> both_algorithms_both_orders(std::size_t N) {
  std::vector<HierarchicalOptions> runs;
  for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8})
    for (const auto& order : {split_order_left_to_right(N), split_order_balanced(N)}) {
      HierarchicalOptions o;
      o.algorithm = alg;
      o.order = order;
      runs.push_back(o);
    }
  return runs;
}

void check_factors_respect_chain(const HierarchicalResult& r) {
  ASSERT_EQ(r.factors.size(), r.chain.size());
  for (std::size_t l = 0; l < r.chain.size(); ++l) EXPECT_EQ(r.factors[l].theta, r.chain[l]);
}

TEST(Hierarchical, ExactRecoveryOfProducts) {
  for (const auto& c : testing::chain_cases()) {
    ASSERT_TRUE(is_chainable(c.chain)) << c.name;
    const Matrix A = chain_product(random_factors(c.chain, 3));
    for (const auto& o : both_algorithms_both_orders(c.chain.size())) {
      const auto r = factorize_hierarchical(A, c.chain, o);
      check_factors_respect_chain(r);
      const double rel = (A - chain_product(r.factors)).norm() / A.norm();
      EXPECT_LT(rel, 1e-12) << c.name;
      // A in B^Theta: every E_s(A) is 0 up to rounding, and the residual is certified tiny.
      EXPECT_LT(r.enclosure.residual.hi / A.norm(), 1e-10) << c.name;
      for (const auto& e : r.enclosure.split_errors) {
        ASSERT_TRUE(e.has_value());
        EXPECT_LT(e->hi / A.norm(), 1e-10) << c.name;
      }
    }
  }
}

TEST(Hierarchical, UserGivenOrderAndWrongOrders) {
  const KChain ch = butterfly_chain(16);
  const Matrix A = chain_product(random_factors(ch, 5));
  HierarchicalOptions o;
  o.order = {2, 3, 1};
  const auto r = factorize_hierarchical(A, ch, o);
  EXPECT_LT((A - chain_product(r.factors)).norm() / A.norm(), 1e-12);
  o.order = {1, 1, 2};
  EXPECT_THROW(factorize_hierarchical(A, ch, o), std::invalid_argument);
  o.order = {1, 2};
  EXPECT_THROW(factorize_hierarchical(A, ch, o), std::invalid_argument);
}

TEST(Hierarchical, EnclosureIsConsistentOnNoisyTargets) {
  for (const auto& c : testing::chain_cases()) {
    const KPattern w = chain_product(c.chain);
    const std::size_t N = c.chain.size();
    Matrix A = chain_product(random_factors(c.chain, 9)) +
               0.3 * random_matrix(static_cast<Eigen::Index>(w.rows()), static_cast<Eigen::Index>(w.cols()), 11);
    for (const auto& o : both_algorithms_both_orders(N)) {
      const auto r = factorize_hierarchical(A, c.chain, o);
      const auto& e = r.enclosure;
      const double achieved = (A - chain_product(r.factors)).norm();
      EXPECT_TRUE(e.residual.contains(achieved)) << c.name << " " << e.residual.lo << " " << achieved << " " << e.residual.hi;
      EXPECT_LE(e.lower_bound.lo, achieved) << c.name;
      EXPECT_GE(e.ratio_upper, 1.0);
      EXPECT_LE(achieved, e.ratio_upper * e.lower_bound.lo * (1 + 1e-12));
      // Thm 6.5.9 bounds Algorithm 8 for every sigma (and Alg 7 for sigma = id,
      // where the two coincide in exact arithmetic).
      ASSERT_TRUE(e.apriori_6_5_9.has_value());
      if (o.algorithm == HierarchicalAlgorithm::alg8 || o.order == split_order_left_to_right(N)) {
        EXPECT_LE(achieved, e.apriori_6_5_9->hi * (1 + 1e-9)) << c.name;
      }
      if (o.order == split_order_left_to_right(N) && o.algorithm == HierarchicalAlgorithm::alg8) {
        ASSERT_TRUE(e.apriori_6_5_14.has_value());
        EXPECT_LE(achieved, e.apriori_6_5_14->hi * (1 + 1e-9)) << c.name;
      }
      // The telescoping bound alone (no dense product) is also valid.
      HierarchicalOptions o2 = o;
      o2.direct_residual_max_work = 0;
      const auto r2 = factorize_hierarchical(A, c.chain, o2);
      EXPECT_TRUE(r2.enclosure.residual.contains((A - chain_product(r2.factors)).norm())) << c.name;
    }
  }
}

TEST(Hierarchical, SplitErrorMatchesTwoFactorOptimum) {
  // E_s(A) is the optimum of a two-factor problem on the merged supports (Def 6.5.6).
  const KChain ch = {KPattern{1, 4, 4, 4}, KPattern{2, 4, 4, 2}, KPattern{4, 4, 2, 1}};
  const KPattern w = chain_product(ch);
  const Matrix A = random_matrix(static_cast<Eigen::Index>(w.rows()), static_cast<Eigen::Index>(w.cols()), 21);
  for (std::size_t s = 1; s < ch.size(); ++s) {
    const KPattern L = chain_product(KChain(ch.begin(), ch.begin() + static_cast<std::ptrdiff_t>(s)));
    const KPattern R = chain_product(KChain(ch.begin() + static_cast<std::ptrdiff_t>(s), ch.end()));
    const auto two = factorize_two_factors(A, L.support(), R.support());
    const Interval e = split_error(A, ch, s);
    EXPECT_TRUE(e.contains(std::sqrt(two.optimal_value_sq))) << e.lo << " " << std::sqrt(two.optimal_value_sq) << " " << e.hi;
    EXPECT_LT(e.width(), 1e-12 * A.norm());
  }
}

TEST(Hierarchical, EnclosuresContainExactValues) {
  // Small dyadic case: residual recomputed exactly over Q; E_s recomputed with
  // 200-digit MPFR from the exact closed form of 2 x c blocks
  // (sigma_2^2 = (f - sqrt(f^2 - 4 g)) / 2 with f = ||B||^2, g = det(B B^T)).
  const KChain ch = butterfly_chain(4);
  const Matrix A = random_matrix(4, 4, 31);
  for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
    HierarchicalOptions o;
    o.algorithm = alg;
    const auto r = factorize_hierarchical(A, ch, o);
    const auto P = testing::exact_product(r.factors);
    testing::Rational s = 0;
    for (std::size_t i = 0; i < 4; ++i)
      for (std::size_t j = 0; j < 4; ++j) {
        const testing::Rational d = testing::Rational(A(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j))) - P[i][j];
        s += d * d;
      }
    EXPECT_TRUE(testing::contains_sqrt(r.enclosure.residual, s));
    HierarchicalOptions o2 = o;
    o2.direct_residual_max_work = 0;
    EXPECT_TRUE(testing::contains_sqrt(factorize_hierarchical(A, ch, o2).enclosure.residual, s));
  }
  // E_1 for theta_1 = (1,2,2,2), theta_2 = (2,2,2,1): classes are 2 x 2 blocks
  // rows {d, d+2}, cols {2a, 2a+1}.
  testing::Big e1sq = 0;
  for (int d = 0; d < 2; ++d)
    for (int a = 0; a < 2; ++a) {
      testing::Rational b[2][2];
      for (int u = 0; u < 2; ++u)
        for (int v = 0; v < 2; ++v) b[u][v] = testing::Rational(A(d + 2 * u, 2 * a + v));
      const testing::Rational f = b[0][0] * b[0][0] + b[0][1] * b[0][1] + b[1][0] * b[1][0] + b[1][1] * b[1][1];
      const testing::Rational det = b[0][0] * b[1][1] - b[0][1] * b[1][0];
      const testing::Big fb(f), gb(det * det);
      e1sq += (fb - boost::multiprecision::sqrt(fb * fb - 4 * gb)) / 2;
    }
  const Interval e1 = split_error(A, ch, 1);
  const testing::Big e1v = boost::multiprecision::sqrt(e1sq);
  EXPECT_LE(testing::Big(e1.lo), e1v);
  EXPECT_GE(testing::Big(e1.hi), e1v);
  // E_1 is also the exact optimum of the pair; it is a lower bound on the achieved error.
  const auto r = factorize_hierarchical(A, ch);
  EXPECT_LE(testing::Big(r.enclosure.lower_bound.lo), boost::multiprecision::sqrt(testing::Big(
                                                           testing::exact_sq_distance(A, chain_product(r.factors)))));
}

TEST(Hierarchical, FastTwoRowKernelEnclosesExactSplitError) {
  // The 2 x c closed-form kernel (every split of a left-to-right dyadic chain):
  // E_1 against 200-digit MPFR from the exact closed form, on a generic target
  // and on nearly-factorizable ones (sigma_2 << sigma_1 in every block, where a
  // careless Gram-matrix bound would lose the lower bound's soundness).
  const std::size_t n = 16, h = n / 2;
  const auto ni = static_cast<Eigen::Index>(n);
  const KChain ch = butterfly_chain(n);
  const Matrix P = chain_product(random_factors(ch, 41));
  for (double noise : {1.0, 1e-6, 1e-12}) {
    const Matrix A = (noise == 1.0 ? random_matrix(ni, ni, 43) : Matrix(P + noise * random_matrix(ni, ni, 44)));
    testing::Big e1sq = 0;
    for (std::size_t d = 0; d < h; ++d)
      for (std::size_t a = 0; a < 2; ++a) {
        testing::Rational sxx = 0, syy = 0, sxy = 0;
        for (std::size_t g = 0; g < h; ++g) {
          const testing::Rational x(A(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(a * h + g)));
          const testing::Rational y(A(static_cast<Eigen::Index>(d + h), static_cast<Eigen::Index>(a * h + g)));
          sxx += x * x;
          syy += y * y;
          sxy += x * y;
        }
        const testing::Big f(sxx + syy), gdet(sxx * syy - sxy * sxy);
        e1sq += (f - boost::multiprecision::sqrt(f * f - 4 * gdet)) / 2;
      }
    const testing::Big e1v = boost::multiprecision::sqrt(e1sq);
    const Interval e1 = split_error(A, ch, 1);
    EXPECT_LE(testing::Big(e1.lo), e1v) << noise;
    EXPECT_GE(testing::Big(e1.hi), e1v) << noise;
    const auto r = factorize_hierarchical(A, ch);
    ASSERT_TRUE(r.enclosure.split_errors[0].has_value());
    EXPECT_LE(testing::Big(r.enclosure.split_errors[0]->lo), e1v) << noise;
    EXPECT_GE(testing::Big(r.enclosure.split_errors[0]->hi), e1v) << noise;
    EXPECT_TRUE(testing::contains_sqrt(r.enclosure.residual, testing::exact_sq_distance(A, chain_product(r.factors))))
        << noise;
    // Norm enclosures never dip below 0 (no -4.9e-324 from outward rounding of 0).
    for (const auto& e : r.enclosure.split_errors) EXPECT_GE(e->lo, 0.0);
    ASSERT_TRUE(r.enclosure.apriori_6_5_9.has_value());
    EXPECT_GE(r.enclosure.apriori_6_5_9->lo, 0.0);
    EXPECT_GE(r.enclosure.lower_bound.lo, 0.0);
  }
  // An exact product: every E_s is 0 and the a-priori intervals start at exactly 0.
  const auto r = factorize_hierarchical(P, ch);
  EXPECT_GE(r.enclosure.apriori_6_5_9->lo, 0.0);
  EXPECT_GE(r.enclosure.apriori_6_5_14->lo, 0.0);
}

TEST(Hierarchical, Algorithm9KeepsProductAndOrthonormalizes) {
  const KPattern t1{1, 4, 4, 4}, t2{2, 4, 4, 2};  // (r,r,r)-type pair, q = 2
  ASSERT_EQ(chainable(t1, t2), std::optional<std::size_t>(2));
  const KFactor X = testing::random_factor(t1, 1), Y = testing::random_factor(t2, 2);
  const Matrix XY = X.to_dense() * Y.to_dense();
  for (bool column : {true, false}) {
    const auto [Xt, Yt] = orthonormalize_pair(X, Y, column);
    EXPECT_EQ(Xt.theta, t1);
    EXPECT_EQ(Yt.theta, t2);
    EXPECT_LT((Xt.to_dense() * Yt.to_dense() - XY).norm() / XY.norm(), 1e-13);
    // Lemma 6.5.3: a column-orthonormal left factor is an isometry on matrices
    // supported on S_{t2}; a row-orthonormal right factor on S_{t1} from the left.
    const Matrix Xd = Xt.to_dense(), Yd = Yt.to_dense();
    for (int k = 0; k < 3; ++k) {
      if (column) {
        const Matrix Z = testing::random_factor(t2, 40 + k).to_dense();
        EXPECT_NEAR((Xd * Z).norm(), Z.norm(), 1e-12 * Z.norm());
      } else {
        const Matrix Z = testing::random_factor(t1, 50 + k).to_dense();
        EXPECT_NEAR((Z * Yd).norm(), Z.norm(), 1e-12 * Z.norm());
      }
    }
  }
}

TEST(Hierarchical, RedundantChainsReducedOrRefused) {
  // (1,4,4,1)(1,4,4,1): q = 4 > min(b1, c2)? q = a1 c1 / a2 = 4 = min(4, 4): not redundant.
  // (1,2,4,1)(1,4,2,1): q = 4 > min(2, 2) = 2: redundant, merges into (1,2,2,1).
  const KChain ch = {KPattern{1, 2, 4, 1}, KPattern{1, 4, 2, 1}, KPattern{1, 2, 2, 1}};
  ASSERT_TRUE(is_redundant(ch));
  const Matrix A = random_matrix(2, 2, 3);
  const auto r = factorize_hierarchical(A, ch);
  EXPECT_LT(r.chain.size(), ch.size());
  EXPECT_LT((A - chain_product(r.factors)).norm(), 1e-12);
  HierarchicalOptions o;
  o.redundancy = RedundancyPolicy::refuse;
  try {
    factorize_hierarchical(A, ch, o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("redundant"), std::string::npos) << e.what();
  }
}

TEST(Hierarchical, RejectsBadInput) {
  const KChain ch = butterfly_chain(8);
  Matrix A = random_matrix(8, 8, 1);
  EXPECT_THROW(factorize_hierarchical(random_matrix(8, 4, 1), ch), std::invalid_argument);
  A(3, 5) = std::numeric_limits<double>::quiet_NaN();
  try {
    factorize_hierarchical(A, ch);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(3, 5)"), std::string::npos) << e.what();
  }
  const KChain kal = kaleidoscope_chain(8);
  try {
    factorize_hierarchical(random_matrix(8, 8, 2), kal);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("not chainable"), std::string::npos) << e.what();
  }
}

TEST(Hierarchical, HadamardExact) {
  Matrix H(1, 1);
  H(0, 0) = 1.0;
  for (int k = 0; k < 6; ++k) {
    Matrix H2(2 * H.rows(), 2 * H.cols());
    H2 << H, H, H, -H;
    H = H2;
  }
  const auto r = factorize_hierarchical(H, butterfly_chain(64));
  EXPECT_LT((H - chain_product(r.factors)).norm() / H.norm(), 1e-13);
  EXPECT_LT(r.enclosure.residual.hi / H.norm(), 1e-12);
}

}  // namespace
}  // namespace wellposed::numeric

namespace wellposed::numeric {
namespace {

TEST(Hierarchical, StreamedRootSplitRejectsNonFinite) {
  // The streamed first split replaces the up-front finiteness pass: a NaN or
  // Inf must still be reported with its position.
  const KChain ch = butterfly_chain(32);
  HierarchicalOptions o;
  o.order = split_order_peel(ch.size(), 2);
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    Matrix A = testing::random_matrix(32, 32, 5);
    A(17, 9) = bad;
    try {
      factorize_hierarchical(A, ch, o);
      FAIL() << "accepted a non-finite entry";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("(17, 9)"), std::string::npos) << e.what();
    }
  }
}

TEST(Hierarchical, LargeSquareClassBlocksTakeGramPath) {
  // Classes whose small side exceeds 32 (the first balanced split of an n >= 4096
  // dyadic chain has 64 x 64 rank-1 blocks) use the Gram matrix + eigen-solve
  // instead of a Jacobi SVD (issue 5). Here 4 square 40 x 40 rank-1 classes
  // (q = 1): exact products are recovered with a tiny certified E_1, and on a
  // generic target E_1 encloses the Jacobi-SVD two-factor optimum (Def 6.5.6).
  const KChain ch = {KPattern{1, 40, 2, 2}, KPattern{2, 2, 40, 1}};
  ASSERT_TRUE(is_chainable(ch));
  ASSERT_EQ(*chainable(ch[0], ch[1]), 1u);
  const KPattern w = chain_product(ch);
  const auto m = static_cast<Eigen::Index>(w.rows()), n = static_cast<Eigen::Index>(w.cols());
  const Matrix P = chain_product(random_factors(ch, 71));
  for (double noise : {0.0, 1.0}) {
    const Matrix A = noise == 0.0 ? P : Matrix(P + noise * random_matrix(m, n, 72));
    for (const auto& order : {split_order_left_to_right(2), split_order_balanced(2)}) {
      HierarchicalOptions o;
      o.algorithm = HierarchicalAlgorithm::alg8;
      o.order = order;
      o.direct_residual_max_work = 0;  // the telescoping enclosure alone
      const auto r = factorize_hierarchical(A, ch, o);
      check_factors_respect_chain(r);
      const double achieved = (A - chain_product(r.factors)).norm();
      ASSERT_TRUE(r.enclosure.split_errors[0].has_value());
      const Interval e1 = *r.enclosure.split_errors[0];
      EXPECT_TRUE(r.enclosure.residual.contains(achieved)) << noise;
      EXPECT_LE(r.enclosure.lower_bound.lo, achieved) << noise;
      const Interval es = split_error(A, ch, 1);
      const auto two = factorize_two_factors(A, ch[0].support(), ch[1].support());
      const double opt = std::sqrt(two.optimal_value_sq);
      if (noise == 0.0) {
        EXPECT_LT(achieved / A.norm(), 1e-12);
        EXPECT_LT(e1.hi / A.norm(), 1e-10);
        EXPECT_LT(es.hi / A.norm(), 1e-10);
        EXPECT_LT(r.enclosure.residual.hi / A.norm(), 1e-10);
      } else {
        EXPECT_TRUE(e1.contains(opt)) << e1.lo << " " << opt << " " << e1.hi;
        EXPECT_TRUE(es.contains(opt)) << es.lo << " " << opt << " " << es.hi;
        EXPECT_LT(e1.width(), 1e-6 * A.norm());  // Gram tail: about half the digits
        EXPECT_GT(e1.lo, 0.5 * opt);
      }
    }
  }
}

TEST(Hierarchical, PeelOrder) {
  EXPECT_EQ(split_order_peel(7, 3), (std::vector<std::size_t>{4, 1, 2, 3, 5, 6}));
  EXPECT_EQ(split_order_peel(6, 2), (std::vector<std::size_t>{4, 2, 1, 3, 5}));
  EXPECT_EQ(split_order_peel(3, 5), (std::vector<std::size_t>{1, 2}));
  EXPECT_THROW(split_order_peel(4, 0), std::invalid_argument);
}

TEST(Hierarchical, StreamedRootSplitEnclosures) {
  // sigma = peel by 2 on the 32 x 32 dyadic chain: the first split (s = 3,
  // blocks 8 x 4 read as row residues of 4-column groups) takes the streaming
  // Gram path. Its E_3 enclosure must agree with the Jacobi-SVD path of
  // split_error (validated against exact values above), on generic and
  // nearly-factorizable targets (where the Gram bound is weakest); the residual
  // enclosure must contain the exact rational residual.
  const std::size_t n = 32;
  const auto ni = static_cast<Eigen::Index>(n);
  const KChain ch = butterfly_chain(n);
  const Matrix P = chain_product(random_factors(ch, 61));
  for (double noise : {1.0, 1e-7, 0.0}) {
    const Matrix A = noise == 1.0 ? random_matrix(ni, ni, 62) : Matrix(P + noise * random_matrix(ni, ni, 63));
    for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
      HierarchicalOptions o;
      o.algorithm = alg;
      o.order = split_order_peel(ch.size(), 2);
      ASSERT_EQ(o.order.front(), 3u);
      o.all_split_errors = false;
      o.direct_residual_max_work = 0;
      const auto r = factorize_hierarchical(A, ch, o);
      ASSERT_TRUE(r.enclosure.split_errors[2].has_value());
      const Interval streamed = *r.enclosure.split_errors[2];
      const Interval jacobi = split_error(A, ch, 3);
      EXPECT_LE(streamed.lo, jacobi.hi) << noise;
      EXPECT_GE(streamed.hi, jacobi.lo) << noise;
      EXPECT_GE(streamed.lo, 0.0);
      if (noise == 1.0) {
        EXPECT_LT(streamed.width(), 1e-8 * A.norm());  // generic target: tight both ways
      }
      if (noise == 0.0) {
        EXPECT_LT(streamed.hi, 1e-12 * A.norm());  // exact product: E_3 ~ 0
        EXPECT_LT((A - chain_product(r.factors)).norm() / A.norm(), 1e-12);
      }
      EXPECT_TRUE(testing::contains_sqrt(r.enclosure.residual, testing::exact_sq_distance(A, chain_product(r.factors)))) << noise;
      EXPECT_LE(r.enclosure.lower_bound.lo, (A - chain_product(r.factors)).norm());
    }
  }
}

TEST(Hierarchical, StreamedNodeSplitsMatchGatheredPath) {
  // Issue 5: every split of a peel order whose class blocks are tall (b1 >= c2)
  // reads its node in place -- the dense root and, since then, the KFactor node
  // left by the previous peel split (d independent matrices interleaved as
  // lanes). The streamed factorization must agree with the per-class gathered
  // path (HierarchicalOptions::stream_splits = false) up to rounding: same
  // product, overlapping E_{sigma_1} enclosures, residual enclosures that
  // contain the exact (rational, small n) residual, exact recovery of exact
  // products. Shapes cover lane widths 2 (generic kernels), 4, 16 and 8 (the
  // 8192^2 benchmark's width) and Jacobi orders 2, 4 and 8.
  struct Shape {
    std::size_t n, k;
  };
  for (const Shape sh : {Shape{16, 1}, Shape{64, 2}, Shape{256, 2}, Shape{512, 3}}) {
    const auto ni = static_cast<Eigen::Index>(sh.n);
    const KChain ch = butterfly_chain(sh.n);
    const Matrix P = chain_product(random_factors(ch, 81 + sh.n));
    for (double noise : {1.0, 1e-7, 0.0}) {
      const Matrix A = noise == 1.0 ? random_matrix(ni, ni, 82 + sh.n) : Matrix(P + noise * random_matrix(ni, ni, 83 + sh.n));
      for (auto alg : {HierarchicalAlgorithm::alg7, HierarchicalAlgorithm::alg8}) {
        HierarchicalOptions o;
        o.algorithm = alg;
        o.order = split_order_peel(ch.size(), sh.k);
        o.all_split_errors = false;
        o.direct_residual_max_work = 0;
        const auto streamed = factorize_hierarchical(A, ch, o);
        o.stream_splits = false;
        const auto gathered = factorize_hierarchical(A, ch, o);
        check_factors_respect_chain(streamed);
        const std::size_t s1 = o.order.front() - 1;
        ASSERT_TRUE(streamed.enclosure.split_errors[s1].has_value());
        ASSERT_TRUE(gathered.enclosure.split_errors[s1].has_value());
        const Interval es = *streamed.enclosure.split_errors[s1], eg = *gathered.enclosure.split_errors[s1];
        EXPECT_LE(es.lo, eg.hi) << sh.n << " " << noise;
        EXPECT_GE(es.hi, eg.lo) << sh.n << " " << noise;
        // Same product: compared on a random probe (n x 3), X_1 (X_2 (... X_N Z)).
        const Matrix Z = random_matrix(ni, 3, 84);
        Matrix Ys = Z, Yg = Z;
        for (std::size_t l = ch.size(); l-- > 0;) {
          Ys = streamed.factors[l].apply(Ys);
          Yg = gathered.factors[l].apply(Yg);
        }
        EXPECT_LT((Ys - Yg).norm(), 1e-9 * A.norm() * Z.norm()) << sh.n << " " << noise;
        if (noise == 0.0) {
          EXPECT_LT((A * Z - Ys).norm(), 1e-12 * A.norm() * Z.norm()) << sh.n;  // exact recovery
        }
        if (sh.n > 256) continue;  // dense products below: small n only (test time)
        const Matrix Ps = chain_product(streamed.factors);
        const double achieved = (A - Ps).norm();
        EXPECT_LE(streamed.enclosure.lower_bound.lo, achieved * (1 + 1e-12));
        EXPECT_GE(streamed.enclosure.residual.hi, achieved * (1 - 1e-12));
        if (noise == 0.0) {
          EXPECT_LT(achieved, 1e-12 * A.norm()) << sh.n;
        }
        if (noise == 1.0) {
          EXPECT_LT(es.width(), 1e-8 * A.norm()) << sh.n;
        }
        if (sh.n <= 16) {
          EXPECT_TRUE(testing::contains_sqrt(streamed.enclosure.residual, testing::exact_sq_distance(A, Ps))) << sh.n << " " << noise;
        }
      }
    }
  }
}

TEST(Hierarchical, StreamedSplitsRejectNonFiniteForEveryLaneWidth) {
  // The streamed root split (lane widths 2, 4, 8) is the only finiteness check
  // of A on these orders: the entry must be named.
  for (const auto& [n, k] : {std::pair<std::size_t, std::size_t>{16, 1}, {64, 2}, {512, 3}}) {
    const KChain ch = butterfly_chain(n);
    HierarchicalOptions o;
    o.order = split_order_peel(ch.size(), k);
    for (double bad : {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity()}) {
      Matrix A = testing::random_matrix(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n), 7);
      A(static_cast<Eigen::Index>(n - 3), 5) = bad;
      try {
        factorize_hierarchical(A, ch, o);
        ADD_FAILURE() << "accepted a non-finite entry, n = " << n;
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("(" + std::to_string(n - 3) + ", 5)"), std::string::npos) << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace wellposed::numeric
