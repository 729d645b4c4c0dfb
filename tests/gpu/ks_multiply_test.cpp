// One test body for every backend (STYLE item 11): the CPU instance always
// runs; the CUDA instance skips (never fails) when the build has no CUDA or
// the machine has no GPU. Every numerical check is the bound of
// ks_test_util.hpp: |y - y_ref| <= (gamma_k(u) + gamma_k(u_ref)) |op(K)| |x|,
// k = c for K X and b for K^T X; chains use the composed bound
// (prod_l (1 + gamma_{k_l}(u)) - 1 + N gamma(u_ref)) |op(X_1)|...|op(X_N)| |x|.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ks_test_util.hpp"
#include "wellposed/gpu.hpp"
#include "wellposed/gpu/detail/ks_device.hpp"  // raw device entry points (16-bit device path)
#include "wellposed/gpu/detail/ks_cpu.hpp"  // unchecked kernels, fused chain, to_problem
#include "wellposed/numeric/dense.hpp"

namespace wellposed::gpu {
namespace {

using test::LMat;

class KsMultiplyTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::cuda) {
      if (!cuda_compiled()) GTEST_SKIP() << "built without CUDA";
      if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
    }
  }
};

/// Degenerate patterns (a, b, c or d = 1) and 12 seeded random ones, with
/// blocks large enough (>= 16 x 16) to reach the CPU's GEMM path too.
std::vector<KPattern> test_patterns() {
  std::vector<KPattern> pats = {{1, 1, 1, 1}, {5, 1, 1, 1}, {1, 1, 1, 6},  {1, 7, 1, 1},   {1, 1, 8, 1},
                                {2, 1, 3, 2}, {2, 3, 1, 2}, {4, 2, 2, 1},  {1, 2, 2, 8},   {2, 2, 2, 2},
                                {1, 20, 17, 1}, {2, 16, 24, 3}, {3, 17, 16, 1}, {1, 3, 5, 40},
                                // every CPU kernel (make_plan in ks_cpu.cpp): small 1/2/4 blocks with
                                // d = 1, d < and >= the vector lanes, delta tails (d = 17), larger
                                // blocks with d >= 8 (packed batch_first path)
                                {3, 2, 2, 1}, {2, 4, 1, 3}, {2, 2, 2, 32}, {1, 4, 4, 16}, {1, 3, 5, 17},
                                {1, 1, 4, 32}, {1, 12, 9, 9},
                                // bf_slab (batch_first, B >= 32): d | lanes with a zero-padded slab
                                // tail (d = 2, out d = 18; d = 4), d % lanes == 0 (d = 16), and d = 8
                                // (lanes-multiple in f64, a broadcast of 8 in f32 with AVX-512)
                                {2, 9, 5, 2}, {1, 6, 11, 4}, {1, 12, 9, 16}, {3, 5, 13, 8}, {2, 7, 3, 1}};
  std::mt19937_64 rng(2024);
  std::uniform_int_distribution<int> ad(1, 4), bc(1, 20), dd(1, 6);
  for (int i = 0; i < 12; ++i)
    pats.push_back({std::size_t(ad(rng)), std::size_t(bc(rng)), std::size_t(bc(rng)), std::size_t(dd(rng))});
  return pats;
}

/// Y = op(K) X through the public API, or (isa given) straight through one
/// instruction set's CPU kernels.
template <class T>
KsStatus multiply(Backend backend, std::optional<CpuIsa> isa, const KsFactor<T>& k, std::span<const T> x,
                  std::span<T> y, std::size_t batch, BatchLayout layout, Op op) {
  if (!isa) return ks_multiply<T>(k, x, y, batch, layout, op, backend);
  KsProblem p;
  p.k = KsShape{index_t(k.pattern().a), index_t(k.pattern().b), index_t(k.pattern().c), index_t(k.pattern().d)};
  p.op = op, p.layout = layout, p.batch = index_t(batch);
  ks_multiply_cpu_unchecked<T>(p, k.values().data(), x.data(), y.data(), *isa);
  return {};
}

template <class T>
void check_single(Backend backend, std::optional<CpuIsa> isa = std::nullopt,
                  const std::vector<KPattern>& patterns = test_patterns(),
                  const std::vector<std::size_t>& batches = {1, 3, 40}) {
  std::uint64_t seed = 1;
  for (const KPattern& pat : patterns)
    for (std::size_t batch : batches)
      for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last})
        for (Op op : {Op::none, Op::transpose}) {
          SCOPED_TRACE(pat.to_string() + " batch " + std::to_string(batch) + " " + to_string(layout) + " op " +
                       to_string(op) + " " + to_string(DType(sizeof(T) == 4 ? DType::f32 : DType::f64)) +
                       (isa ? " isa " + to_string(*isa) : std::string()));
          const auto k = test::random_factor<T>(pat, ++seed);
          const std::size_t rows = op == Op::none ? pat.rows() : pat.cols();
          const std::size_t cols = op == Op::none ? pat.cols() : pat.rows();
          const auto x = test::random_vector<T>(cols * batch, ++seed);
          std::vector<T> y(rows * batch, std::numeric_limits<T>::quiet_NaN());
          const KsStatus st = multiply<T>(backend, isa, k, x, y, batch, layout, op);
          ASSERT_TRUE(st.ok()) << st.message;
          const LMat kd = test::dense_op(k, op), xm = test::to_matrix(x, cols, batch, layout);
          const double kk = double(op == Op::none ? pat.c : pat.b);
          const LMat bound = (test::gamma_k(kk, test::unit_roundoff<T>()) +
                              test::gamma_k(kk, test::unit_roundoff<long double>())) *
                             (kd.cwiseAbs() * xm.cwiseAbs());
          EXPECT_LE(test::bound_ratio(test::to_matrix(y, rows, batch, layout), kd * xm, bound), 1.0);
        }
}

TEST_P(KsMultiplyTest, RandomPatternsMatchDenseReferenceF64) { check_single<double>(GetParam()); }
TEST_P(KsMultiplyTest, RandomPatternsMatchDenseReferenceF32) { check_single<float>(GetParam()); }

// The same body through every instruction set this CPU has (the public API
// above runs only the widest), plus shapes with several vector tiles per
// block (batch_last: (in + out) B > the 256 KB tile budget; batch_first
// packed: several tiles of ST vectors).
TEST(KsCpuKernels, EveryInstructionSetMatchesDenseReference) {
  int tested = 0;
  for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512}) {
    if (!cpu_isa_available(isa)) continue;
    ++tested;
    // One pattern per kernel of make_plan and its tails (and the degenerate ones).
    const std::vector<KPattern> pats = {{1, 1, 1, 1}, {5, 1, 1, 1}, {1, 7, 1, 1}, {2, 3, 1, 2}, {3, 2, 2, 1},
                                        {2, 4, 1, 3}, {2, 2, 2, 32}, {1, 4, 4, 16}, {1, 3, 5, 17}, {1, 1, 4, 32},
                                        {1, 12, 9, 9}, {2, 16, 24, 3},
                                        // batch_last with 3..8 block columns and other row counts (x in registers)
                                        {2, 22, 5, 4}, {1, 11, 3, 8}, {3, 6, 8, 2}, {1, 7, 7, 1}};
    check_single<double>(Backend::cpu, isa, pats, {1, 17});
    // batch_first, d = 1, blocks of 1/2/4 and B >= 32 (lane = alpha): every OUT x IN, alpha tails
    check_single<double>(Backend::cpu, isa, {{19, 2, 2, 1}, {21, 4, 2, 1}, {17, 1, 4, 1}, {40, 4, 4, 1}, {9, 2, 1, 1},
                                             {33, 2, 4, 1}, {12, 4, 1, 1}, {11, 1, 2, 1}, {16, 1, 1, 1}}, {32, 33});
    check_single<float>(Backend::cpu, isa, {{35, 2, 2, 1}, {37, 4, 2, 1}, {40, 4, 4, 1}, {33, 1, 4, 1}}, {32});
    // batch_last with B <= 2 f64 lanes (x held in registers): the two-vector, one-vector and scalar steps
    const std::size_t lanes = isa == CpuIsa::avx512 ? 8 : isa == CpuIsa::avx2 ? 4 : 2;
    check_single<double>(Backend::cpu, isa, {{2, 22, 5, 4}, {1, 11, 3, 8}, {3, 6, 8, 2}},
                         {lanes + 1, 2 * lanes - 1, 2 * lanes});
    check_single<float>(Backend::cpu, isa, pats, {17});
    check_single<double>(Backend::cpu, isa, {{1, 60, 60, 1}, {1, 12, 12, 8}, {2, 2, 2, 3}}, {300});
    // bf_slab with several alpha chunks (a in jpad > the 256 KB budget) and vector tiles (B > 64),
    // and every broadcast width of its f32 copy.
    check_single<double>(Backend::cpu, isa, {{5, 64, 64, 2}, {3, 9, 5, 4}}, {70});
    check_single<float>(Backend::cpu, isa, {{2, 9, 5, 2}, {2, 3, 7, 4}, {2, 5, 3, 8}, {1, 4, 5, 32}}, {40});
    // batch_first below B = 32 with blocks other than 1/2/4 (bf_pack), d = 4, 16, 2
    check_single<double>(Backend::cpu, isa, {{3, 4, 21, 4}, {2, 22, 5, 16}, {1, 60, 70, 2}}, {8, 9});
    // batch_last with >= 12 rows of X per L1 set (d B a multiple of 4 KB apart) and > 4 output rows:
    // the X tile is copied to a contiguous buffer first; several tiles, a partial last one, the 4/2/1
    // vector steps of the register tile. B = 640 at d = 4 is 20 KB (f64) / 10 KB (f32) per row.
    check_single<double>(Backend::cpu, isa, {{1, 13, 14, 4}, {2, 6, 12, 1}}, {640, 512});
    check_single<float>(Backend::cpu, isa, {{1, 7, 30, 4}}, {640});
  }
  EXPECT_GE(tested, 1);
  EXPECT_TRUE(cpu_isa_available(CpuIsa::generic));
  EXPECT_TRUE(cpu_isa_available(cpu_isa()));
}

// B = 1 (one vector) with blocks other than 1/2/4: the per-block GEMV
// (contiguous block rows of every length around the vector widths 2, 4, 8,
// 16: whole vectors, a masked tail, 8/4/1-row groups, transposed outputs in
// groups of 4 vectors plus a tail), the lane = delta kernel (d a multiple
// of the lanes and c below them, several chunks of rows when b c lanes
// exceeds its 32 KB buffer) and the GEMV reduced across deltas (d a
// multiple of 2 lanes), through every instruction set.
TEST(KsCpuKernels, OneVectorKernelsMatchDenseReference) {
  const std::vector<KPattern> pats = {{1, 9, 7, 3},  {2, 13, 8, 1},  {1, 5, 9, 2},  {1, 3, 35, 2}, {1, 20, 67, 1},
                                      {3, 17, 16, 1}, {1, 8, 33, 2},  {2, 12, 3, 16}, {1, 22, 5, 32}, {2, 5, 7, 8},
                                      {1, 130, 3, 8}, {1, 300, 3, 16}, {1, 6, 15, 16},
                                      // d a multiple of twice the lanes, c >= lanes: the GEMV reduced across deltas
                                      // (row tails, none, several delta chunks and alphas; f32 AVX-512 needs d >= 32)
                                      {1, 5, 37, 32}, {2, 3, 16, 64}};
  int tested = 0;
  for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512}) {
    if (!cpu_isa_available(isa)) continue;
    ++tested;
    check_single<double>(Backend::cpu, isa, pats, {1});
    check_single<float>(Backend::cpu, isa, pats, {1});
  }
  EXPECT_GE(tested, 1);
}

// B = 1 GEMV where one alpha's x (in d = 18432 f64) exceeds the plan's room
// (half of 256 KB): x gathered block by block. Too wide for a dense
// reference; the reference is the defining sum over each block in long double.
TEST(KsCpuKernels, OneVectorGemvGathersPerBlockWhenTheSlabIsLarge) {
  const KPattern pat{1, 2, 9, 2048};
  const auto k = test::random_factor<double>(pat, 11);
  for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512}) {
    if (!cpu_isa_available(isa)) continue;
    for (Op op : {Op::none, Op::transpose}) {
      SCOPED_TRACE("op " + to_string(op) + " isa " + to_string(isa));
      const index_t out = op == Op::none ? 2 : 9, in = op == Op::none ? 9 : 2, d = 2048;
      const auto x = test::random_vector<double>(std::size_t(in * d), 12);
      std::vector<double> y(std::size_t(out * d), std::numeric_limits<double>::quiet_NaN());
      ASSERT_TRUE(multiply<double>(Backend::cpu, isa, k, x, y, 1, BatchLayout::batch_last, op).ok());
      int bad = 0;
      for (index_t de = 0; de < d; ++de)
        for (index_t r = 0; r < out; ++r) {
          long double ref = 0, mag = 0;
          for (index_t q = 0; q < in; ++q) {
            const double v = op == Op::none ? k.at(0, std::size_t(de), std::size_t(r), std::size_t(q))
                                            : k.at(0, std::size_t(de), std::size_t(q), std::size_t(r));
            ref += (long double)v * x[std::size_t(q * d + de)];
            mag += std::fabs((long double)v * x[std::size_t(q * d + de)]);
          }
          const double err = double(std::fabs(y[std::size_t(r * d + de)] - ref));
          const double bound = (test::gamma_k(double(in), test::unit_roundoff<double>()) +
                                test::gamma_k(double(in), test::unit_roundoff<long double>())) *
                               double(mag);
          if (!(err <= bound)) ++bad;  // NaN (an output never written) counts too
        }
      EXPECT_EQ(bad, 0);
    }
  }
}

// Outputs of 8 MB and more are written with non-temporal stores, and the
// streaming batch_last path prefetches X: one pattern per streaming kernel
// (batch_last generic, with and without the contiguous copy of the X tile,
// blocks of 2 x 2, bf_lane, bf_alpha), every instruction set. Too large for a
// dense reference: every output of a few batch columns (first, last, around
// the vector widths and tiles) against the defining sums in long double, and
// every output finite (y starts as NaN: an output never written stays NaN).
TEST(KsCpuKernels, LargeOutputsStreamedAndExact) {
  struct Case {
    KPattern pat;
    std::size_t batch;
    BatchLayout layout;
  };
  // rows x batch x 8 bytes = 8 MB in each case.
  const std::vector<Case> cases = {{{32, 4, 21, 4}, 2048, BatchLayout::batch_last},
                                   {{64, 8, 16, 1}, 2048, BatchLayout::batch_last},
                                   {{512, 2, 2, 1}, 1024, BatchLayout::batch_last},
                                   {{16, 2, 2, 32}, 1024, BatchLayout::batch_first},
                                   {{2048, 2, 2, 1}, 256, BatchLayout::batch_first}};
  for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512}) {
    if (!cpu_isa_available(isa)) continue;
    for (const Case& c : cases) {
      SCOPED_TRACE(c.pat.to_string() + " B " + std::to_string(c.batch) + " " + to_string(c.layout) + " isa " +
                   to_string(isa));
      const KPattern& pt = c.pat;
      const auto k = test::random_factor<double>(pt, 21);
      const index_t out = index_t(pt.b), in = index_t(pt.c), d = index_t(pt.d), B = index_t(c.batch);
      const index_t m = index_t(pt.a) * out * d, n = index_t(pt.a) * in * d;
      ASSERT_GE(m * B * index_t(sizeof(double)), index_t(8) << 20);
      const auto x = test::random_vector<double>(std::size_t(n * B), 22);
      std::vector<double> y(std::size_t(m * B), std::numeric_limits<double>::quiet_NaN());
      ASSERT_TRUE(multiply<double>(Backend::cpu, isa, k, x, y, c.batch, c.layout, Op::none).ok());
      const bool bl = c.layout == BatchLayout::batch_last;
      EXPECT_EQ(std::count_if(y.begin(), y.end(), [](double v) { return !std::isfinite(v); }), 0);
      int bad = 0;
      for (index_t s : {index_t(0), index_t(1), index_t(7), index_t(8), index_t(31), index_t(32), B / 2 + 5, B - 1})
        for (index_t al = 0; al < index_t(pt.a); ++al)
          for (index_t de = 0; de < d; ++de)
            for (index_t r = 0; r < out; ++r) {
              long double ref = 0, mag = 0;
              for (index_t q = 0; q < in; ++q) {
                const index_t col = (al * in + q) * d + de;
                const long double t = (long double)k.at(std::size_t(al), std::size_t(de), std::size_t(r), std::size_t(q)) *
                                      x[std::size_t(bl ? col * B + s : s * n + col)];
                ref += t, mag += std::fabs(t);
              }
              const index_t row = (al * out + r) * d + de;
              const double got = y[std::size_t(bl ? row * B + s : s * m + row)];
              const double bound = (test::gamma_k(double(in), test::unit_roundoff<double>()) +
                                    test::gamma_k(double(in), test::unit_roundoff<long double>())) *
                                   double(mag);
              if (!(std::fabs(got - ref) <= bound)) ++bad;
            }
      EXPECT_EQ(bad, 0);
    }
  }
}

// A non-finite value reaches exactly the outputs its entry feeds: the masked
// tail loads of the B = 1 kernels never read a neighbouring row or block.
TEST(KsCpuKernels, OneVectorKernelsKeepNonFiniteValuesInTheirRow) {
  for (CpuIsa isa : {CpuIsa::generic, CpuIsa::avx2, CpuIsa::avx512}) {
    if (!cpu_isa_available(isa)) continue;
    for (const KPattern& pat : std::vector<KPattern>{{1, 6, 11, 2}, {2, 5, 3, 16}, {1, 3, 19, 1}}) {
      for (Op op : {Op::none, Op::transpose}) {
        SCOPED_TRACE(pat.to_string() + " op " + to_string(op) + " isa " + to_string(isa));
        auto k = test::random_factor<double>(pat, 7);
        // entry (beta, gamma) = (1, 0) of block (alpha, delta) = (a - 1, 0): the first of its row,
        // right after the tail of row 0 (a full-width load of that tail would read it)
        k.at(pat.a - 1, 0, 1, 0) = std::numeric_limits<double>::infinity();
        const LMat kd = test::dense_op(k, op);
        const std::size_t rows = std::size_t(kd.rows()), cols = std::size_t(kd.cols());
        std::vector<double> x(cols, 1.0), y(rows, std::numeric_limits<double>::quiet_NaN());
        ASSERT_TRUE(multiply<double>(Backend::cpu, isa, k, x, y, 1, BatchLayout::batch_last, op).ok());
        for (std::size_t i = 0; i < rows; ++i) {
          bool feeds = false;
          for (std::size_t j = 0; j < cols; ++j)
            feeds = feeds || std::isinf(double(kd(Eigen::Index(i), Eigen::Index(j))));
          EXPECT_EQ(std::isinf(y[i]), feeds) << "output " << i;
          EXPECT_FALSE(std::isnan(y[i])) << "output " << i;
        }
      }
    }
  }
}

/// The composed chain bound for one chain, one batch, one layout, one op;
/// `run` computes Y (through apply_chain or the fused kernel directly).
template <class T, class Run>
void check_one_chain(const std::vector<KPattern>& pats, std::size_t batch, BatchLayout layout, Op op,
                     std::uint64_t& seed, Run run) {
  SCOPED_TRACE(to_string(pats) + " batch " + std::to_string(batch) + " " + to_string(layout) + " op " + to_string(op));
  std::vector<KsFactor<T>> chain;
  for (const auto& p : pats) chain.push_back(test::random_factor<T>(p, ++seed));
  LMat prod = chain.front().to_dense().template cast<long double>(), abs_prod = prod.cwiseAbs();
  for (std::size_t l = 1; l < chain.size(); ++l) {
    const LMat f = chain[l].to_dense().template cast<long double>();
    prod = LMat(prod * f);
    abs_prod = LMat(abs_prod * f.cwiseAbs());
  }
  if (op == Op::transpose) prod.transposeInPlace(), abs_prod.transposeInPlace();
  const auto cols = std::size_t(prod.cols()), rows = std::size_t(prod.rows());
  const auto x = test::random_vector<T>(cols * batch, ++seed);
  std::vector<T> y(rows * batch, std::numeric_limits<T>::quiet_NaN());
  const KsStatus st = run(chain, std::span<const T>(x), std::span<T>(y), batch, layout, op);
  ASSERT_TRUE(st.ok()) << st.message;
  double growth = 1;
  for (const auto& p : pats) growth *= 1 + test::gamma_k(double(op == Op::none ? p.c : p.b), test::unit_roundoff<T>());
  // The long double reference: N + 1 dense products of inner length <= the largest dimension.
  const double dim = double(std::max(prod.rows(), prod.cols()) * 8);
  const double ref = double(pats.size() + 1) * test::gamma_k(dim, test::unit_roundoff<long double>());
  const LMat xm = test::to_matrix(x, cols, batch, layout);
  const LMat bound = (growth - 1 + ref) * (abs_prod * xm.cwiseAbs());
  EXPECT_LE(test::bound_ratio(test::to_matrix(y, rows, batch, layout), prod * xm, bound), 1.0);
}

/// Chains: the square dyadic (butterfly) chain of n = 32, a Monarch pair and a
/// size-compatible but non-chainable chain; both layouts, K and K^T.
const std::vector<std::vector<KPattern>> kChains = {
    {{1, 2, 2, 16}, {2, 2, 2, 8}, {4, 2, 2, 4}, {8, 2, 2, 2}, {16, 2, 2, 1}},  // (2^{l-1}, 2, 2, 2^{N-l})
    {{1, 4, 8, 6}, {8, 6, 3, 1}},                                             // Monarch (1,p,q,m/p),(q,m/p,n/q,1)
    {{3, 2, 1, 2}, {1, 6, 4, 1}, {2, 1, 3, 2}}};

template <class T>
void check_chain(Backend backend) {
  std::uint64_t seed = 100;
  for (const auto& pats : kChains)
    for (std::size_t batch : {std::size_t(1), std::size_t(7), std::size_t(20)})
      for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last})
        for (Op op : {Op::none, Op::transpose})
          check_one_chain<T>(pats, batch, layout, op, seed,
                             [&](const std::vector<KsFactor<T>>& chain, std::span<const T> x, std::span<T> y,
                                 std::size_t b, BatchLayout l, Op o) { return apply_chain<T>(chain, x, y, b, l, o, backend); });
}

TEST_P(KsMultiplyTest, ChainsMatchDenseReferenceF64) { check_chain<double>(GetParam()); }
TEST_P(KsMultiplyTest, ChainsMatchDenseReferenceF32) { check_chain<float>(GetParam()); }

// ---- the fused chain (CPU) -------------------------------------------------
/// Random chainable patterns: factor l + 1 has rows(X_{l+1}) = cols(X_l)
/// (a b d split of the previous width, c in 1..4), degenerate a, b, c, d = 1
/// included by chance and by construction of the first factor.
std::vector<KPattern> random_chain(std::mt19937_64& rng, std::size_t len) {
  const auto pick_divisor = [&](std::size_t w) {
    std::vector<std::size_t> divs;
    for (std::size_t v = 1; v <= w; ++v)
      if (w % v == 0) divs.push_back(v);
    return divs[std::uniform_int_distribution<std::size_t>(0, divs.size() - 1)(rng)];
  };
  std::uniform_int_distribution<std::size_t> small(1, 4);
  std::vector<KPattern> out = {{small(rng), small(rng), small(rng), small(rng)}};
  while (out.size() < len) {
    const std::size_t w = out.back().cols(), a = pick_divisor(w), b = pick_divisor(w / a);
    out.push_back({a, b, small(rng), w / (a * b)});
  }
  return out;
}

/// The fused kernel through every tile size (1 vector, ragged last tiles, one
/// tile for the whole batch) and apply_chain with each ChainFusion, against
/// the same composed bound as the unfused chains.
template <class T>
void check_fused_chains() {
  std::mt19937_64 rng(61);
  std::vector<std::vector<KPattern>> chains = kChains;
  chains.push_back({{1, 1, 1, 1}, {1, 1, 1, 1}});  // all degenerate
  chains.push_back({{4, 1, 3, 2}, {6, 2, 1, 2}});  // b = 1, c = 1
  for (std::size_t len : {2, 3, 4}) chains.push_back(random_chain(rng, len));
  std::uint64_t seed = 500;
  for (const auto& pats : chains) {
    for (std::size_t batch : {std::size_t(1), std::size_t(5), std::size_t(40)})
      for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last})
        for (Op op : {Op::none, Op::transpose}) {
          std::vector<std::size_t> tiles;  // each distinct tiling once
          for (std::size_t tile : {std::size_t(1), std::size_t(3), std::size_t(16), batch})
            if (tile <= batch && std::find(tiles.begin(), tiles.end(), tile) == tiles.end()) tiles.push_back(tile);
          for (std::size_t tile : tiles) {
            SCOPED_TRACE("fused tile " + std::to_string(tile));
            check_one_chain<T>(pats, batch, layout, op, seed,
                               [&](const std::vector<KsFactor<T>>& chain, std::span<const T> x, std::span<T> y,
                                   std::size_t b, BatchLayout l, Op o) {
                                 std::vector<KsProblem> steps;
                                 std::vector<const T*> values;
                                 for (std::size_t i = 0; i < chain.size(); ++i) {  // order of application
                                   const auto& f = chain[o == Op::none ? chain.size() - 1 - i : i];
                                   KsProblem p;
                                   p.k = KsShape{index_t(f.pattern().a), index_t(f.pattern().b),
                                                 index_t(f.pattern().c), index_t(f.pattern().d)};
                                   p.op = o, p.layout = l;
                                   steps.push_back(p);
                                   values.push_back(f.values().data());
                                 }
                                 apply_chain_cpu_fused<T>(steps, values, x.data(), y.data(), b, l, tile);
                                 return KsStatus{};
                               });
          }
          for (ChainFusion fusion : {ChainFusion::fused, ChainFusion::unfused, ChainFusion::automatic}) {
            SCOPED_TRACE("apply_chain fusion " + std::to_string(int(fusion)));
            check_one_chain<T>(pats, batch, layout, op, seed,
                               [&](const std::vector<KsFactor<T>>& chain, std::span<const T> x, std::span<T> y,
                                   std::size_t b, BatchLayout l, Op o) {
                                 return apply_chain<T>(chain, x, y, b, l, o, Backend::cpu, fusion);
                               });
          }
        }
  }
}

TEST(KsFusedChain, EveryTileMatchesDenseReferenceF64) { check_fused_chains<double>(); }
TEST(KsFusedChain, EveryTileMatchesDenseReferenceF32) { check_fused_chains<float>(); }

// The rule of apply_chain's automatic choice (not a timing): never for one
// factor or with `unfused`; for a butterfly chain of n = 1024 at B = 4096
// (32 MB intermediates) a tile whose two buffers fit the 512 KB budget, a
// whole number of register tiles for batch_last; not at B = 64 (1 MB
// intermediates stay in the L2); `fused` always gives a tile <= batch.
TEST(KsFusedChain, AutomaticRuleFusesOnlyChainsThatLeaveTheCache) {
  std::vector<KsProblem> fly;
  for (index_t l = 10; l >= 1; --l) {  // X_10 applied first
    KsProblem p;
    p.k = KsShape{index_t(1) << (l - 1), 2, 2, index_t(1) << (10 - l)};
    fly.push_back(p);
  }
  for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last}) {
    const std::size_t tile = fused_chain_tile<double>(fly, 4096, layout, ChainFusion::automatic);
    ASSERT_GT(tile, 0u);
    EXPECT_LE(2 * 1024 * tile * sizeof(double), std::size_t(512) << 10);
    if (layout == BatchLayout::batch_last) {
      EXPECT_EQ(tile % 4, 0u);
    }
    EXPECT_EQ(fused_chain_tile<double>(fly, 64, layout, ChainFusion::automatic), 0u);
    EXPECT_EQ(fused_chain_tile<double>(fly, 4096, layout, ChainFusion::unfused), 0u);
    EXPECT_EQ(fused_chain_tile<double>({fly.front()}, 4096, layout, ChainFusion::automatic), 0u);
    const std::size_t forced = fused_chain_tile<double>(fly, 3, layout, ChainFusion::fused);
    EXPECT_GE(forced, 1u);
    EXPECT_LE(forced, 3u);
  }
}

// The Eigen overloads: ColMajor is batch_first, RowMajor is batch_last.
TEST_P(KsMultiplyTest, EigenOverloadsAgreeWithDenseProduct) {
  const KPattern pat{2, 3, 4, 2};
  const auto k = test::random_factor<double>(pat, 5);
  const MatX<double> dense = k.to_dense();
  const MatX<double> x = MatX<double>::Random(Eigen::Index(pat.cols()), 9);
  MatX<double> y;
  ASSERT_TRUE(ks_multiply(k, x, y, Op::none, GetParam()).ok());
  EXPECT_LE((y - dense * x).cwiseAbs().maxCoeff(), 1e-14 * 4 * (dense.cwiseAbs() * x.cwiseAbs()).maxCoeff());
  const RowMatX<double> xr = MatX<double>::Random(Eigen::Index(pat.rows()), 9);
  RowMatX<double> yr;
  ASSERT_TRUE(ks_multiply(k, xr, yr, Op::transpose, GetParam()).ok());
  EXPECT_LE((yr - dense.transpose() * xr).cwiseAbs().maxCoeff(), 1e-14 * 4 * (dense.cwiseAbs().transpose() * xr.cwiseAbs()).maxCoeff());
  const std::vector<KsFactor<double>> chain = {k, test::random_factor<double>({1, 4, 2, 4}, 6)};
  MatX<double> yc;
  const MatX<double> xc = MatX<double>::Random(8, 3);
  ASSERT_TRUE(apply_chain(chain, xc, yc, Op::none, GetParam()).ok());
  const MatX<double> refc = dense * chain[1].to_dense() * xc;
  EXPECT_LE((yc - refc).cwiseAbs().maxCoeff(), 1e-13);
}

// f16 / bf16 in and out, f32 accumulation, on the device only (the CPU
// backend has no 16-bit types; the same tile code runs emulated with 16-bit
// storage in ks_index_test.cpp). Bound, against the exact product of the
// 16-bit inputs (the output is rounded once to H):
//   |y - y_ref| <= (u_H + (1 + u_H) gamma_k(u_f32)) |K| |x| + eta_H.
template <class H>
void check_16bit_on_device(DType dtype, BatchLayout layout) {
  const KPattern pat{2, 5, 6, 3};
  const std::size_t batch = 33;
  std::vector<H> kv, xv, yv(pat.rows() * batch);
  const auto kf = test::random_factor<float>(pat, 9);  // (not a temporary: values() is a view)
  for (float v : kf.values()) kv.push_back(H(v));
  for (float v : test::random_vector<float>(pat.cols() * batch, 10)) xv.push_back(H(v));
  DeviceBuffer dk, dx, dy;
  ASSERT_TRUE(dk.allocate(kv.size() * 2).ok());
  ASSERT_TRUE(dx.allocate(xv.size() * 2).ok());
  ASSERT_TRUE(dy.allocate(yv.size() * 2).ok());
  ASSERT_TRUE(dk.upload(kv.data(), kv.size() * 2).ok());
  ASSERT_TRUE(dx.upload(xv.data(), xv.size() * 2).ok());
  KsArguments a;
  a.pattern = pat;
  a.layout = layout;
  a.batch = batch;
  a.dtype = dtype;
  a.values = dk.data(), a.values_size = kv.size();
  a.x = dx.data(), a.x_size = xv.size();
  a.y = dy.data(), a.y_size = yv.size();
  const KsStatus st = ks_multiply_device(a);
  ASSERT_TRUE(st.ok()) << st.message;
  ASSERT_TRUE(device_synchronize().ok());
  ASSERT_TRUE(dy.download(yv.data(), yv.size() * 2).ok());
  std::vector<float> kr, xr, yr;
  for (H h : kv) kr.push_back(float(h));
  for (H h : xv) xr.push_back(float(h));
  for (H h : yv) yr.push_back(float(h));
  const LMat kd = test::dense_op(KsFactor<float>(pat, kr), Op::none), xm = test::to_matrix(xr, pat.cols(), batch, layout);
  const double u = H::unit_roundoff;
  const LMat bound = ((u + (1 + u) * test::gamma_k(double(pat.c), test::unit_roundoff<float>())) *
                      (kd.cwiseAbs() * xm.cwiseAbs())).array() + static_cast<long double>(H::underflow);
  EXPECT_LE(test::bound_ratio(test::to_matrix(yr, pat.rows(), batch, layout), kd * xm, bound), 1.0);
}

TEST_P(KsMultiplyTest, Bf16OnTheDevice) {
  if (GetParam() != Backend::cuda) GTEST_SKIP() << "bf16 is a CUDA-only dtype";
  for (BatchLayout l : {BatchLayout::batch_last, BatchLayout::batch_first})
    check_16bit_on_device<test::HostBf16>(DType::bf16, l);
}
TEST_P(KsMultiplyTest, F16OnTheDevice) {
  if (GetParam() != Backend::cuda) GTEST_SKIP() << "f16 is a CUDA-only dtype";
  for (BatchLayout l : {BatchLayout::batch_last, BatchLayout::batch_first})
    check_16bit_on_device<test::HostHalf>(DType::f16, l);
}

INSTANTIATE_TEST_SUITE_P(Backends, KsMultiplyTest, ::testing::Values(Backend::cpu, Backend::cuda),
                         [](const ::testing::TestParamInfo<Backend>& i) { return to_string(i.param); });

// ----- conversions ----------------------------------------------------------

TEST(KsFactor, DenseRoundTripAndNumericLayer) {
  const KPattern pat{2, 3, 2, 2};
  const auto k = test::random_factor<double>(pat, 3);
  const MatX<double> d = k.to_dense();
  EXPECT_EQ(std::size_t(d.rows()), pat.rows());
  EXPECT_EQ(std::size_t(d.cols()), pat.cols());
  // The dense matrix lives on S_theta exactly (generic random values).
  EXPECT_EQ(numeric::support_of(d), pat.support());
  const auto back = KsFactor<double>::from_dense(pat, d);
  EXPECT_TRUE(std::equal(back.values().begin(), back.values().end(), k.values().begin()));
  const auto fromnum = KsFactor<float>::from_numeric(pat, k.to_numeric());
  for (std::size_t i = 0; i < pat.nnz(); ++i) EXPECT_EQ(fromnum.values()[i], float(k.values()[i]));
}

TEST(KsFactor, ChainConversionsKeepTheProduct) {
  const KChain pats = {{1, 2, 2, 4}, {2, 2, 2, 2}, {4, 2, 2, 1}};
  std::vector<numeric::Matrix> factors;
  for (std::size_t l = 0; l < pats.size(); ++l) factors.push_back(test::random_factor<double>(pats[l], 40 + l).to_numeric());
  const auto chain = ks_chain_from_numeric<double>(pats, factors);
  const auto back = ks_chain_to_numeric(chain);
  ASSERT_EQ(back.size(), factors.size());
  EXPECT_EQ(numeric::chain_product(back), numeric::chain_product(factors));
  // The product of the factors applied to the identity is the dense product.
  MatX<double> y;
  ASSERT_TRUE(apply_chain(chain, MatX<double>(MatX<double>::Identity(8, 8)), y).ok());
  EXPECT_LE((y - numeric::chain_product(factors)).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(KsFactor, EntryOutsideTheSupportIsRejectedByName) {
  const KPattern pat{2, 2, 2, 1};
  MatX<double> d = test::random_factor<double>(pat, 1).to_dense();
  d(0, 3) = 0.5;  // row 0 is block alpha = 0, column 3 is block alpha = 1
  try {
    (void)KsFactor<double>::from_dense(pat, d);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("entry (0, 3) = 0.5"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW((void)KsFactor<double>::from_dense(pat, d, 0.5));  // within tolerance
  EXPECT_THROW((void)KsFactor<double>::from_dense(pat, MatX<double>::Zero(4, 5)), std::invalid_argument);
  EXPECT_THROW(KsFactor<double>(pat, std::vector<double>(7)), std::invalid_argument);
  EXPECT_THROW(KsFactor<double>(KPattern{1, 0, 1, 1}), std::invalid_argument);
  const KChain pats = {{1, 2, 2, 2}, {1, 3, 3, 1}};
  const std::vector<numeric::Matrix> bad = {numeric::Matrix::Zero(4, 4), numeric::Matrix::Zero(3, 3)};
  EXPECT_THROW((void)ks_chain_from_numeric<double>(pats, bad), std::invalid_argument);
}

// ----- contract violations vs outcomes ---------------------------------------

TEST(KsChecks, ShapeMismatchesThrowNamingTheArgument) {
  const KPattern pat{2, 3, 4, 1};  // 6 x 8
  const auto k = test::random_factor<double>(pat, 1);
  std::vector<double> x(8 * 2), y(6 * 2);
  const auto expect_msg = [](auto&& f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << "expected std::invalid_argument containing '" << needle << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_msg([&] { (void)ks_multiply<double>(k, std::span<const double>(x).first(15), y, 2, BatchLayout::batch_last); },
             "x has 15 elements, expected cols(op(K)) * batch = 8 * 2 = 16");
  expect_msg([&] { (void)ks_multiply<double>(k, x, std::span<double>(y).first(11), 2, BatchLayout::batch_last); },
             "y has 11 elements");
  // K^T maps 6 -> 8: the same buffers are now the wrong way round.
  expect_msg([&] { (void)ks_multiply<double>(k, x, y, 2, BatchLayout::batch_first, Op::transpose); }, "x has 16 elements");
  expect_msg([&] { (void)ks_multiply<double>(pat, std::span<const double>(k.values()).first(5), x, y, 2, BatchLayout::batch_last); },
             "values has 5 elements");
  expect_msg([&] { (void)ks_multiply<double>(KPattern{0, 3, 4, 1}, k.values(), x, y, 2, BatchLayout::batch_last); },
             "zero entry");
  std::vector<double> buf(16);
  expect_msg([&] {
    (void)ks_multiply<double>(k, std::span<const double>(buf), std::span<double>(buf).subspan(2, 12), 2, BatchLayout::batch_last);
  }, "overlaps");
  MatX<double> xm(7, 2), ym;
  expect_msg([&] { (void)ks_multiply(k, xm, ym); }, "X has 7 rows");
  const std::vector<KsFactor<double>> chain = {k, test::random_factor<double>({1, 3, 3, 1}, 2)};
  std::vector<double> xc(3), yc(6);
  expect_msg([&] { (void)apply_chain<double>(chain, xc, yc, 1, BatchLayout::batch_last); }, "factor 0");
  expect_msg([&] { (void)apply_chain<double>({}, xc, yc, 1, BatchLayout::batch_last); }, "empty");
}

TEST(KsChecks, OutcomesAreStatusesNotExceptions) {
  const KPattern pat{1, 2, 2, 1};
  KsArguments a;
  a.pattern = pat;
  a.batch = 3;
  std::vector<std::uint16_t> v(4), x(6), y(6);
  a.values = v.data(), a.values_size = 4;
  a.x = x.data(), a.x_size = 6;
  a.y = y.data(), a.y_size = 6;
  a.dtype = DType::bf16;
  EXPECT_EQ(can_implement(a, Backend::cpu).code, KsStatus::Code::unsupported);
  a.dtype = DType::f32;
  EXPECT_TRUE(can_implement(a, Backend::cpu).ok());
  const KsStatus cuda = can_implement(a, Backend::cuda);
  if (!cuda_compiled()) EXPECT_EQ(cuda.code, KsStatus::Code::not_compiled);
  else if (cuda_device_count() == 0) EXPECT_EQ(cuda.code, KsStatus::Code::no_device);
  else EXPECT_TRUE(cuda.ok()) << cuda.message;
  // The host-level call returns the same outcome instead of throwing.
  const auto k = test::random_factor<float>(pat, 1);
  std::vector<float> xf(6), yf(6);
  const KsStatus st = ks_multiply<float>(k, xf, yf, 3, BatchLayout::batch_last, Op::none, Backend::cuda);
  EXPECT_EQ(st.code, cuda.code);
  a.x_size = 5;  // a contract violation is reported as such, before the backend question
  EXPECT_EQ(can_implement(a, Backend::cuda).code, KsStatus::Code::invalid_argument);
  // Batch 0 is an empty product, not an error.
  std::vector<float> none;
  EXPECT_TRUE(ks_multiply<float>(k, none, none, 0, BatchLayout::batch_first).ok());
}

TEST(KsChecks, NonFiniteValuesPropagateWithoutError) {
  const KPattern pat{1, 2, 2, 2};
  auto k = test::random_factor<double>(pat, 1);
  k.at(0, 1, 0, 0) = std::numeric_limits<double>::infinity();  // block delta = 1 feeds rows 1 and 3 only
  std::vector<double> x(4, 1.0), y(4);
  ASSERT_TRUE(ks_multiply<double>(k, x, y, 1, BatchLayout::batch_last).ok());
  EXPECT_TRUE(std::isfinite(y[0]) && std::isfinite(y[2]));
  EXPECT_TRUE(std::isinf(y[1]));
}

}  // namespace
}  // namespace wellposed::gpu
