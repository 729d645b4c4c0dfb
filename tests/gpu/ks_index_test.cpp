// The host-device index and tile arithmetic of ks_index.hpp, tested on the
// CPU: the same functions the CUDA kernel runs, including a serial emulation
// of the kernel (blocks and threads in loops, shared memory in vectors, the
// __syncthreads() between phases as loop boundaries).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ks_test_util.hpp"
#include "wellposed/gpu/detail/ks_index.hpp"

namespace wellposed::gpu {
namespace {

using test::LMat;

KsProblem problem(const KPattern& p, Op op, BatchLayout layout, std::size_t batch) {
  KsProblem q;
  q.k = KsShape{index_t(p.a), index_t(p.b), index_t(p.c), index_t(p.d)};
  q.op = op;
  q.layout = layout;
  q.batch = index_t(batch);
  return q;
}

/// The CUDA kernel of gpu/cuda/ks_kernels.cu, run serially.
template <class T, class Acc>
void emulate_kernel(const KsProblem& p, const T* values, const T* x, T* y) {
  const KsTile t = ks_choose_tile(p);
  const KsGrid g = ks_grid(p, t);
  std::vector<Acc> xs(std::size_t(t.xs_elems())), vs(std::size_t(t.vs_elems()));
  std::vector<std::array<Acc, ks_max_reg_rows>> acc(std::size_t(t.threads()));
  for (index_t block = 0; block < g.blocks(); ++block) {
    const KsBlockOrigin o = ks_block_origin(t, g, block);
    for (auto& a : acc) a.fill(Acc(0));
    for (index_t k0 = 0; k0 < p.in_per_block(); k0 += t.tk) {
      for (int tid = 0; tid < t.threads(); ++tid) ks_load_chunk<T, Acc>(p, t, o, k0, tid, values, x, xs.data(), vs.data());
      for (int tid = 0; tid < t.threads(); ++tid)
        ks_accumulate_chunk<Acc>(t, ks_thread_coord(p.layout, t, tid), xs.data(), vs.data(), acc[std::size_t(tid)].data());
    }
    for (int tid = 0; tid < t.threads(); ++tid)
      ks_store<T, Acc>(p, t, o, ks_thread_coord(p.layout, t, tid), acc[std::size_t(tid)].data(), y);
  }
}

TEST(KsIndex, LinesAndValueOffsetsMatchTheDenseFactor) {
  for (const KPattern& p : {KPattern{2, 3, 4, 5}, KPattern{1, 1, 1, 1}, KPattern{3, 2, 1, 2}, KPattern{1, 4, 2, 3}}) {
    const auto k = test::random_factor<double>(p, 7);
    const auto dense = k.to_dense();
    const KsShape s{index_t(p.a), index_t(p.b), index_t(p.c), index_t(p.d)};
    for (Op op : {Op::none, Op::transpose}) {
      const index_t out = op == Op::none ? s.b : s.c, in = op == Op::none ? s.c : s.b;
      for (index_t al = 0; al < s.a; ++al)
        for (index_t de = 0; de < s.d; ++de)
          for (index_t r = 0; r < out; ++r)
            for (index_t q = 0; q < in; ++q) {
              const index_t i = ks_line(al, r, de, out, s.d), j = ks_line(al, q, de, in, s.d);
              const double v = op == Op::none ? dense(i, j) : dense(j, i);
              EXPECT_EQ(k.values()[std::size_t(ks_value_offset(s, op, al, de, r, q))], v);
            }
    }
  }
}

TEST(KsIndex, ElementOffsetsOfBothLayouts) {
  EXPECT_EQ(ks_elem_offset(BatchLayout::batch_last, 3, 2, 10, 7), 3 * 7 + 2);
  EXPECT_EQ(ks_elem_offset(BatchLayout::batch_first, 3, 2, 10, 7), 2 * 10 + 3);
  // batch == 1: the layouts coincide.
  EXPECT_EQ(ks_elem_offset(BatchLayout::batch_last, 5, 0, 10, 1), ks_elem_offset(BatchLayout::batch_first, 5, 0, 10, 1));
  EXPECT_EQ(ks_pow2_ceil(1), 1);
  EXPECT_EQ(ks_pow2_ceil(25088), 32768);
  EXPECT_EQ(ks_ceil_div(25088, 256), 98);
}

// Invariants of the tile rule, over patterns x batches x layouts x ops,
// batch sizes of the sweep included (25,088 is the ksmm paper's).
TEST(KsIndex, TileRuleInvariants) {
  const std::vector<KPattern> pats = {{1, 1, 1, 1},     {1, 16384, 16384, 1}, {8192, 2, 2, 1}, {1, 2, 2, 8192},
                                      {64, 2, 2, 64},   {1, 128, 128, 128},   {128, 128, 128, 1}, {3, 5, 7, 11},
                                      {1, 1, 300, 1},   {1, 300, 1, 1},       {16384, 1, 1, 1}, {2, 3, 1, 1000}};
  for (const auto& pat : pats)
    for (std::size_t batch : {std::size_t(1), std::size_t(3), std::size_t(32), std::size_t(100), std::size_t(4096), std::size_t(25088)})
      for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last})
        for (Op op : {Op::none, Op::transpose}) {
          const KsProblem p = problem(pat, op, layout, batch);
          const KsTile t = ks_choose_tile(p);
          SCOPED_TRACE(pat.to_string() + " batch " + std::to_string(batch));
          EXPECT_GE(t.threads(), 1);
          EXPECT_LE(t.threads(), ks_max_threads);
          EXPECT_EQ(ks_pow2_ceil(t.ts), t.ts);
          EXPECT_EQ(ks_pow2_ceil(t.td), t.td);
          EXPECT_LE(t.ts, ks_pow2_ceil(index_t(batch)));
          EXPECT_LE(t.td, ks_pow2_ceil(p.k.d));
          EXPECT_GE(t.tbr, 1);
          EXPECT_LE(t.tbr, ks_max_reg_rows);
          EXPECT_LE(t.tbr, p.out_per_block());
          EXPECT_LE(t.tk, ks_max_tk);
          EXPECT_LE(index_t(t.td) * t.tbt, std::max<index_t>(64, t.td));
          // Shared memory of the f64 kernel fits the default 48 KB.
          EXPECT_LE((t.xs_elems() + t.vs_elems()) * 8, 48 * 1024);
          // The unit-stride direction gets a full warp whenever the problem has it.
          if (layout == BatchLayout::batch_last && batch >= 32) { EXPECT_GE(t.ts, 32); }
          if (layout == BatchLayout::batch_first && p.k.d >= 32) { EXPECT_EQ(t.td, 32); }
          const KsGrid g = ks_grid(p, t);
          EXPECT_GE(g.s_tiles * t.ts, p.batch);
          EXPECT_GE(g.d_tiles * t.td, p.k.d);
          EXPECT_GE(g.b_tiles * t.tb(), p.out_per_block());
          // The last block's origin is inside the problem.
          const KsBlockOrigin last = ks_block_origin(t, g, g.blocks() - 1);
          EXPECT_EQ(last.alpha, p.k.a - 1);
          EXPECT_LT(last.s0, p.batch);
          EXPECT_LT(last.delta0, p.k.d);
          EXPECT_LT(last.beta0, p.out_per_block());
        }
}

TEST(KsIndex, ThreadCoordinatesAreABijection) {
  for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last}) {
    const KsTile t = ks_choose_tile(problem({2, 9, 3, 4}, Op::none, layout, 5));
    std::vector<int> seen(std::size_t(t.threads()), 0);
    for (int tid = 0; tid < t.threads(); ++tid) {
      const KsThreadCoord c = ks_thread_coord(layout, t, tid);
      ASSERT_LT(c.sl, t.ts);
      ASSERT_LT(c.dl, t.td);
      ASSERT_LT(c.bt, t.tbt);
      ++seen[std::size_t((c.bt * t.td + c.dl) * t.ts + c.sl)];
    }
    for (int v : seen) EXPECT_EQ(v, 1);
  }
}

// The whole kernel, emulated, against the dense reference: every output is
// written (y starts as NaN) and within the bound of ks_test_util.hpp.
TEST(KsIndex, EmulatedKernelMatchesDenseReference) {
  const std::vector<KPattern> pats = {{1, 1, 1, 1}, {3, 1, 1, 1}, {1, 1, 1, 5}, {1, 7, 1, 1}, {1, 1, 9, 1},
                                      {2, 3, 4, 5}, {1, 13, 11, 1}, {2, 2, 2, 40}, {3, 6, 2, 3}, {1, 2, 19, 2}};
  for (const auto& pat : pats)
    for (std::size_t batch : {std::size_t(1), std::size_t(3), std::size_t(37)})
      for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last})
        for (Op op : {Op::none, Op::transpose}) {
          SCOPED_TRACE(pat.to_string() + " batch " + std::to_string(batch) + " " +
                       (layout == BatchLayout::batch_first ? "batch_first" : "batch_last") +
                       (op == Op::none ? " K" : " K^T"));
          const auto k = test::random_factor<float>(pat, 11);
          const KsProblem p = problem(pat, op, layout, batch);
          const auto x = test::random_vector<float>(std::size_t(p.cols()) * batch, 12);
          std::vector<float> y(std::size_t(p.rows()) * batch, std::numeric_limits<float>::quiet_NaN());
          emulate_kernel<float, float>(p, k.values().data(), x.data(), y.data());
          const LMat kd = test::dense_op(k, op);
          const LMat xm = test::to_matrix(x, std::size_t(p.cols()), batch, layout);
          const LMat ref = kd * xm;
          const double kk = double(p.in_per_block());
          const LMat bound = (test::gamma_k(kk, test::unit_roundoff<float>()) + test::gamma_k(kk, test::unit_roundoff<long double>())) *
                             (kd.cwiseAbs() * xm.cwiseAbs());
          EXPECT_LE(test::bound_ratio(test::to_matrix(y, std::size_t(p.rows()), batch, layout), ref, bound), 1.0);
        }
}

// The software 16-bit conversions the next test (and the device tests)
// rely on, at known bit patterns: ties to even, the largest finite, the
// subnormals, overflow to Inf.
TEST(KsIndex, HostHalfAndBf16ConversionsAreBitExact) {
  using test::HostBf16;
  using test::HostHalf;
  EXPECT_EQ(HostHalf(1.0f).bits, 0x3c00);
  EXPECT_EQ(HostHalf(-2.0f).bits, 0xc000);
  EXPECT_EQ(HostHalf(65504.0f).bits, 0x7bff);
  EXPECT_EQ(HostHalf(65520.0f).bits, 0x7c00);                   // rounds up to Inf
  EXPECT_EQ(HostHalf(1.0f + 1.0f / 2048).bits, 0x3c00);         // tie -> even
  EXPECT_EQ(HostHalf(1.0f + 3.0f / 2048).bits, 0x3c02);         // tie -> even (up)
  EXPECT_EQ(HostHalf(std::ldexp(1.0f, -24)).bits, 0x0001);      // smallest subnormal
  EXPECT_EQ(HostHalf(std::ldexp(1.0f, -14)).bits, 0x0400);      // smallest normal
  EXPECT_EQ(float(HostHalf(0.1f)), 0.0999755859375f);
  EXPECT_EQ(float(HostHalf(std::ldexp(3.0f, -24))), std::ldexp(3.0f, -24));
  EXPECT_EQ(HostBf16(1.0f).bits, 0x3f80);
  EXPECT_EQ(HostBf16(1.0f + 1.0f / 256).bits, 0x3f80);          // tie -> even
  EXPECT_EQ(HostBf16(1.0f + 3.0f / 256).bits, 0x3f82);
  EXPECT_EQ(float(HostBf16(-3.5f)), -3.5f);
  EXPECT_TRUE(std::isnan(float(HostBf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(float(HostHalf(std::numeric_limits<float>::quiet_NaN()))));
  // Every finite half survives float and back.
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    if (((h >> 10) & 0x1f) == 0x1f) continue;
    HostHalf v;
    v.bits = std::uint16_t(h);
    ASSERT_EQ(HostHalf(float(v)).bits, h);
  }
}

/// The kernel emulated with the storage types of the f16 / bf16 CUDA
/// instantiations (16-bit in memory, float accumulators). Inputs are rounded
/// to H first; the output is rounded once, so against the exact product of
/// the rounded inputs
///   |y - y_ref| <= (u_H + (1 + u_H) gamma_k(u_f32)) |op(K)| |x| + eta_H,
/// eta_H = half the subnormal spacing of H (the output may underflow).
template <class H>
void check_emulated_16bit() {
  const std::vector<KPattern> pats = {{1, 1, 1, 1}, {3, 1, 1, 1}, {1, 7, 1, 1}, {1, 1, 9, 1},
                                      {2, 3, 4, 5}, {1, 13, 11, 1}, {2, 2, 2, 40}, {1, 2, 19, 2}};
  for (const auto& pat : pats)
    for (std::size_t batch : {std::size_t(1), std::size_t(37)})
      for (BatchLayout layout : {BatchLayout::batch_first, BatchLayout::batch_last})
        for (Op op : {Op::none, Op::transpose}) {
          SCOPED_TRACE(pat.to_string() + " batch " + std::to_string(batch) + " " +
                       (layout == BatchLayout::batch_first ? "batch_first" : "batch_last") +
                       (op == Op::none ? " K" : " K^T"));
          const KsProblem p = problem(pat, op, layout, batch);
          std::vector<H> kv, xv;
          const auto kf = test::random_factor<float>(pat, 21);  // (not a temporary: values() is a view)
          for (float v : kf.values()) kv.push_back(H(v));
          for (float v : test::random_vector<float>(std::size_t(p.cols()) * batch, 22)) xv.push_back(H(v));
          std::vector<H> y(std::size_t(p.rows()) * batch, H(std::numeric_limits<float>::quiet_NaN()));
          emulate_kernel<H, float>(p, kv.data(), xv.data(), y.data());
          std::vector<float> kr, xr, yr;
          for (H h : kv) kr.push_back(float(h));
          for (H h : xv) xr.push_back(float(h));
          for (H h : y) yr.push_back(float(h));
          const LMat kd = test::dense_op(KsFactor<float>(pat, kr), op);
          const LMat xm = test::to_matrix(xr, std::size_t(p.cols()), batch, layout);
          const double u = H::unit_roundoff, kk = double(p.in_per_block());
          const LMat bound =
              ((u + (1 + u) * test::gamma_k(kk, test::unit_roundoff<float>())) * (kd.cwiseAbs() * xm.cwiseAbs()))
                  .array() +
              static_cast<long double>(H::underflow);
          EXPECT_LE(test::bound_ratio(test::to_matrix(yr, std::size_t(p.rows()), batch, layout), kd * xm, bound), 1.0);
        }
}

TEST(KsIndex, EmulatedKernelF16StorageMatchesBound) { check_emulated_16bit<test::HostHalf>(); }
TEST(KsIndex, EmulatedKernelBf16StorageMatchesBound) { check_emulated_16bit<test::HostBf16>(); }

}  // namespace
}  // namespace wellposed::gpu
