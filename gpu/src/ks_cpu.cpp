// CPU kernels of Y = op(K) X (see ks_multiply.hpp for the dispatch rule).
// Every kernel reads the rows of X and writes the rows of Y in place, at
// their stride-d positions; the only copies are the batch_first -> batch_last
// chunks of the compute-bound GEMM path, which stay bounded in size.
#include <algorithm>
#include <vector>

#include <Eigen/Dense>

#include "wellposed/gpu/ks_multiply.hpp"

#if defined(_OPENMP)
#include <omp.h>
#define WP_OMP(text) _Pragma(text)
#else
#define WP_OMP(text)
#endif

namespace wellposed::gpu {
namespace {

int max_threads() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Below this many multiply-adds a parallel region costs more than it saves.
constexpr index_t kParallelWork = index_t(1) << 17;

/// Strides of op(K)'s block entries inside K's row-major b x c block.
struct BlockStrides {
  index_t vr, vq;
};
BlockStrides block_strides(const KsProblem& p) {
  return p.op == Op::none ? BlockStrides{p.k.c, 1} : BlockStrides{1, p.k.c};
}

/// out x in block times `len` contiguous entries of each input row:
/// y_row(r)[0, len) = sum_q v(r, q) x_row(q)[0, len), four output rows at a
/// time so every input row loaded feeds four accumulating rows.
template <class T>
void row_block_kernel(index_t out, index_t in, const T* v, BlockStrides st, const T* xp, index_t xstride, T* yp,
                      index_t ystride, index_t len) {
  index_t r = 0;
  for (; r + 4 <= out; r += 4) {
    T* __restrict y0 = yp + r * ystride;
    T* __restrict y1 = y0 + ystride;
    T* __restrict y2 = y1 + ystride;
    T* __restrict y3 = y2 + ystride;
    for (index_t q = 0; q < in; ++q) {
      const T* __restrict xr = xp + q * xstride;
      const T v0 = v[r * st.vr + q * st.vq], v1 = v[(r + 1) * st.vr + q * st.vq];
      const T v2 = v[(r + 2) * st.vr + q * st.vq], v3 = v[(r + 3) * st.vr + q * st.vq];
      if (q == 0) {
        for (index_t s = 0; s < len; ++s) {
          const T xv = xr[s];
          y0[s] = v0 * xv, y1[s] = v1 * xv, y2[s] = v2 * xv, y3[s] = v3 * xv;
        }
      } else {
        for (index_t s = 0; s < len; ++s) {
          const T xv = xr[s];
          y0[s] += v0 * xv, y1[s] += v1 * xv, y2[s] += v2 * xv, y3[s] += v3 * xv;
        }
      }
    }
  }
  for (; r < out; ++r) {
    T* __restrict y0 = yp + r * ystride;
    for (index_t q = 0; q < in; ++q) {
      const T* __restrict xr = xp + q * xstride;
      const T v0 = v[r * st.vr + q * st.vq];
      if (q == 0) {
        for (index_t s = 0; s < len; ++s) y0[s] = v0 * xr[s];
      } else {
        for (index_t s = 0; s < len; ++s) y0[s] += v0 * xr[s];
      }
    }
  }
}

/// batch_last (and batch == 1): each row of X is `batch` contiguous numbers.
/// Work items are (block, vector tile); the tile keeps the block's `in`
/// input rows in L1/L2 while the `out` rows are produced.
template <class T>
void stream_batch_last(const KsProblem& p, const T* values, const T* x, T* y) {
  const index_t B = p.batch, d = p.k.d, out = p.out_per_block(), in = p.in_per_block();
  const index_t nblk = p.k.a * d, bc = p.k.b * p.k.c;
  index_t st_len = (index_t(48 * 1024) / index_t(sizeof(T))) / (in + 4);
  st_len = std::clamp<index_t>(st_len / 16 * 16, 16, 1024);
  if (B <= st_len) st_len = B;
  const index_t ntile = ks_ceil_div(B, st_len), total = nblk * ntile;
  const BlockStrides st = block_strides(p);
  const index_t stride = d * B;
  const bool par = p.k.a * p.k.b * p.k.c * d * B >= kParallelWork;
  WP_OMP("omp parallel for schedule(static) if(par)")
  for (index_t t = 0; t < total; ++t) {
    const index_t blk = t / ntile, tile = t % ntile;
    const index_t alpha = blk / d, delta = blk % d;
    const index_t s0 = tile * st_len, len = std::min(st_len, B - s0);
    row_block_kernel(out, in, values + blk * bc, st, x + ks_line(alpha, 0, delta, in, d) * B + s0, stride,
                     y + ks_line(alpha, 0, delta, out, d) * B + s0, stride, len);
  }
  (void)par;
}

/// batch_first, small blocks: vectorize along delta, which is the unit
/// stride inside each vector. The values are first regrouped delta-innermost
/// (vt[alpha][r][q][delta], O(nnz), once per call) and each pass over them
/// serves G <= 4 vectors.
template <class T, int G>
void delta_group(const KsProblem& p, const T* vt, const T* x, T* y, index_t s0, index_t alpha) {
  const index_t d = p.k.d, out = p.out_per_block(), in = p.in_per_block(), m = p.rows(), n = p.cols();
  constexpr index_t dc = 512;
  for (index_t d0 = 0; d0 < d; d0 += dc) {
    const index_t len = std::min(dc, d - d0);
    for (index_t r = 0; r < out; ++r) {
      T* __restrict yg[G];
      for (int g = 0; g < G; ++g) yg[g] = y + (s0 + g) * m + ks_line(alpha, r, 0, out, d) + d0;
      for (index_t q = 0; q < in; ++q) {
        const T* __restrict v = vt + ((alpha * out + r) * in + q) * d + d0;
        for (int g = 0; g < G; ++g) {
          const T* __restrict xg = x + (s0 + g) * n + ks_line(alpha, q, 0, in, d) + d0;
          T* __restrict yy = yg[g];
          if (q == 0) {
            for (index_t e = 0; e < len; ++e) yy[e] = v[e] * xg[e];
          } else {
            for (index_t e = 0; e < len; ++e) yy[e] += v[e] * xg[e];
          }
        }
      }
    }
  }
}

template <class T>
void stream_batch_first(const KsProblem& p, const T* values, const T* x, T* y) {
  const index_t B = p.batch, a = p.k.a, d = p.k.d, out = p.out_per_block(), in = p.in_per_block();
  const BlockStrides st = block_strides(p);
  const bool par = a * out * in * d * B >= kParallelWork;
  std::vector<T> vt(static_cast<std::size_t>(a * out * in * d));
  WP_OMP("omp parallel for schedule(static) if(par)")
  for (index_t blk = 0; blk < a * d; ++blk) {
    const index_t alpha = blk / d, delta = blk % d;
    const T* v = values + blk * p.k.b * p.k.c;
    for (index_t r = 0; r < out; ++r)
      for (index_t q = 0; q < in; ++q) vt[static_cast<std::size_t>(((alpha * out + r) * in + q) * d + delta)] = v[r * st.vr + q * st.vq];
  }
  const index_t groups = ks_ceil_div(B, 4), total = groups * a;
  WP_OMP("omp parallel for schedule(static) if(par)")
  for (index_t t = 0; t < total; ++t) {
    const index_t g = t / a, alpha = t % a, s0 = g * 4;
    switch (std::min<index_t>(4, B - s0)) {
      case 4: delta_group<T, 4>(p, vt.data(), x, y, s0, alpha); break;
      case 3: delta_group<T, 3>(p, vt.data(), x, y, s0, alpha); break;
      case 2: delta_group<T, 2>(p, vt.data(), x, y, s0, alpha); break;
      default: delta_group<T, 1>(p, vt.data(), x, y, s0, alpha); break;
    }
  }
  (void)par;
}

template <class T>
using RM = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using CM = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

/// op(V_blk) as an Eigen expression-free product: y = op(V) x for one block.
template <class T, class XMap, class YMap>
void block_gemm(const KsProblem& p, const T* vb, const XMap& xm, YMap& ym) {
  if (p.op == Op::none) {
    ym.noalias() = Eigen::Map<const RM<T>>(vb, p.k.b, p.k.c) * xm;
  } else {  // the ColMajor c x b view of a row-major b x c block is V^T
    ym.noalias() = Eigen::Map<const CM<T>>(vb, p.k.c, p.k.b) * xm;
  }
}

/// batch_last, big blocks: one GEMM per block on strided views of X and Y.
/// Parallel over blocks when there are enough of them; otherwise Eigen
/// parallelizes each GEMM itself (it stays serial inside a parallel region).
template <class T>
void gemm_batch_last(const KsProblem& p, const T* values, const T* x, T* y) {
  const index_t B = p.batch, d = p.k.d, out = p.out_per_block(), in = p.in_per_block();
  const index_t nblk = p.k.a * d, bc = p.k.b * p.k.c;
  const bool par = nblk >= 2 * max_threads();
  WP_OMP("omp parallel for schedule(dynamic) if(par)")
  for (index_t blk = 0; blk < nblk; ++blk) {
    const index_t alpha = blk / d, delta = blk % d;
    Eigen::Map<const RM<T>, 0, Eigen::OuterStride<>> xm(x + ks_line(alpha, 0, delta, in, d) * B, in, B,
                                                        Eigen::OuterStride<>(d * B));
    Eigen::Map<RM<T>, 0, Eigen::OuterStride<>> ym(y + ks_line(alpha, 0, delta, out, d) * B, out, B,
                                                  Eigen::OuterStride<>(d * B));
    block_gemm(p, values + blk * bc, xm, ym);
  }
  (void)par;
}

/// batch_first, big blocks. d == 1: the blocks are contiguous row ranges of
/// every vector, so one GEMM per alpha on views. d > 1: chunks of vectors are
/// turned batch_last (buffers of at most ~8 MB), multiplied, turned back.
/// Runs a batch_last kernel on a batch_first problem: chunks of vectors are
/// transposed into a buffer of about `buffer_bytes`, multiplied, transposed back.
template <class T, class Kernel>
void through_batch_last(const KsProblem& p, const T* values, const T* x, T* y, index_t buffer_bytes,
                        index_t min_chunk, Kernel kernel) {
  const index_t B = p.batch, m = p.rows(), n = p.cols();
  index_t chunk = buffer_bytes / index_t(sizeof(T)) / (n + m);
  chunk = std::clamp<index_t>(chunk, min_chunk, B);
  std::vector<T> xt(static_cast<std::size_t>(n * chunk)), yt(static_cast<std::size_t>(m * chunk));
  for (index_t s0 = 0; s0 < B; s0 += chunk) {
    const index_t len = std::min(chunk, B - s0);
    Eigen::Map<RM<T>>(xt.data(), n, len) = Eigen::Map<const CM<T>>(x + s0 * n, n, len);
    KsProblem sub = p;
    sub.layout = BatchLayout::batch_last;
    sub.batch = len;
    kernel(sub, values, xt.data(), yt.data());
    Eigen::Map<CM<T>>(y + s0 * m, m, len) = Eigen::Map<const RM<T>>(yt.data(), m, len);
  }
}

template <class T>
void gemm_batch_first(const KsProblem& p, const T* values, const T* x, T* y) {
  const index_t B = p.batch, a = p.k.a, d = p.k.d, out = p.out_per_block(), in = p.in_per_block();
  const index_t m = p.rows(), n = p.cols(), bc = p.k.b * p.k.c;
  if (d == 1) {
    const bool par = a >= 2 * max_threads();
    WP_OMP("omp parallel for schedule(dynamic) if(par)")
    for (index_t alpha = 0; alpha < a; ++alpha) {
      Eigen::Map<const CM<T>, 0, Eigen::OuterStride<>> xm(x + alpha * in, in, B, Eigen::OuterStride<>(n));
      Eigen::Map<CM<T>, 0, Eigen::OuterStride<>> ym(y + alpha * out, out, B, Eigen::OuterStride<>(m));
      block_gemm(p, values + alpha * bc, xm, ym);
    }
    (void)par;
    return;
  }
  through_batch_last<T>(p, values, x, y, index_t(8) << 20, 16, gemm_batch_last<T>);
}

/// batch_first through the batch_last kernels: chunks of vectors are turned
/// batch_last in a buffer of ~2 MB (cache-resident), multiplied, turned back.
/// Used for small d, where the delta-vectorized kernel has nothing to vectorize.
template <class T>
void stream_batch_first_small_d(const KsProblem& p, const T* values, const T* x, T* y) {
  through_batch_last<T>(p, values, x, y, index_t(2) << 20, 8, stream_batch_last<T>);
}

}  // namespace

template <class T>
void ks_multiply_cpu_unchecked(const KsProblem& p, const T* values, const T* x, T* y) {
  if (p.batch == 0) return;
  const bool big = p.out_per_block() >= 16 && p.in_per_block() >= 16 && p.batch >= 16;
  if (p.batch == 1 || p.layout == BatchLayout::batch_last) {
    KsProblem q = p;
    q.layout = BatchLayout::batch_last;  // identical memory for batch == 1
    if (big) gemm_batch_last(q, values, x, y);
    else stream_batch_last(q, values, x, y);
  } else if (big) {
    gemm_batch_first(p, values, x, y);
  } else if (p.k.d < 8) {
    stream_batch_first_small_d(p, values, x, y);
  } else {
    stream_batch_first(p, values, x, y);
  }
}

template void ks_multiply_cpu_unchecked<float>(const KsProblem&, const float*, const float*, float*);
template void ks_multiply_cpu_unchecked<double>(const KsProblem&, const double*, const double*, double*);

}  // namespace wellposed::gpu
