// The two baselines of the GPU benchmark (bench/ks_multiply_bench.cpp):
// cuBLAS dense GEMM, and the permute + batched GEMM ("bmm") method of earlier
// butterfly codes, whose two permutation passes the single kernel avoids.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "cuda_bridge.hpp"

namespace wellposed::gpu::bridge {
namespace {

cublasHandle_t handle(int* err) {
  static cublasHandle_t h = nullptr;
  static int status = -1;
  if (status == -1) status = static_cast<int>(cublasCreate(&h));
  *err = status == 0 ? 0 : kCublasBase + status;
  return h;
}

// Swaps the two middle axes of a 4-D array: (a, x, y, B) -> (a, y, x, B),
// out[((alpha y + j) x + i) B + s] = in[((alpha x + i) y + j) B + s]. The bmm
// method permutes X's (a, c, d, B) into (a, d, c, B) before the batched GEMM
// and its result's (a, d, b, B) into (a, b, d, B) after it.
template <class T>
__global__ void swap_middle_axes(index_t a, index_t x, index_t y, index_t B, const T* __restrict__ in,
                                 T* __restrict__ out) {
  const index_t total = a * x * y * B;
  for (index_t e = blockIdx.x * index_t(blockDim.x) + threadIdx.x; e < total; e += index_t(gridDim.x) * blockDim.x) {
    const index_t s = e % B, i = (e / B) % x, j = (e / (B * x)) % y, alpha = e / (B * x * y);
    out[e] = in[((alpha * x + i) * y + j) * B + s];
  }
}

unsigned grid_for(index_t total) {
  const index_t g = (total + 255) / 256;
  return static_cast<unsigned>(g < 65535 * 16 ? (g < 1 ? 1 : g) : 65535 * 16);
}

cublasStatus_t gemm(const float* alpha, const float* beta, cublasHandle_t h, int M, int N, int K, const float* A,
                    int lda, const float* B, int ldb, float* C, int ldc) {
  return cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t gemm(const double* alpha, const double* beta, cublasHandle_t h, int M, int N, int K, const double* A,
                    int lda, const double* B, int ldb, double* C, int ldc) {
  return cublasDgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t gemm_batched(const float* alpha, const float* beta, cublasHandle_t h, int M, int N, int K,
                            const float* A, int lda, long long sa, const float* B, int ldb, long long sb, float* C,
                            int ldc, long long sc, int count) {
  return cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc,
                                   sc, count);
}
cublasStatus_t gemm_batched(const double* alpha, const double* beta, cublasHandle_t h, int M, int N, int K,
                            const double* A, int lda, long long sa, const double* B, int ldb, long long sb, double* C,
                            int ldc, long long sc, int count) {
  return cublasDgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc,
                                   sc, count);
}

// Y (batch_last, m x B) = A (m x n, row-major) X: in column-major terms
// Y^T (B x m) = X^T (B x n) A^T (n x m), and A^T is A's storage with ld n.
template <class T>
int dense(std::size_t m, std::size_t n, std::size_t batch, const void* a, const void* x, void* y) {
  int err = 0;
  cublasHandle_t h = handle(&err);
  if (err) return err;
  const T one = 1, zero = 0;
  const auto st = gemm(&one, &zero, h, int(batch), int(m), int(n), static_cast<const T*>(x), int(batch),
                       static_cast<const T*>(a), int(n), static_cast<T*>(y), int(batch));
  return st == CUBLAS_STATUS_SUCCESS ? 0 : kCublasBase + int(st);
}

// Block (alpha, delta): Q_blk^T (B x b) = P_blk^T (B x c) V_blk^T (c x b), where
// V_blk^T is the row-major b x c block read column-major with ld c.
template <class T>
int bmm_impl(const KsProblem& p, const void* values, const void* x, void* y, void* workspace) {
  int err = 0;
  cublasHandle_t h = handle(&err);
  if (err) return err;
  const index_t a = p.k.a, b = p.k.b, c = p.k.c, d = p.k.d, B = p.batch;
  T* P = static_cast<T*>(workspace);
  T* Q = P + a * c * d * B;
  swap_middle_axes<T><<<grid_for(a * c * d * B), 256>>>(a, c, d, B, static_cast<const T*>(x), P);
  if (int e = static_cast<int>(cudaGetLastError())) return e;
  const T one = 1, zero = 0;
  const auto st = gemm_batched(&one, &zero, h, int(B), int(b), int(c), P, int(B), (long long)(c * B),
                               static_cast<const T*>(values), int(c), (long long)(b * c), Q, int(B),
                               (long long)(b * B), int(a * d));
  if (st != CUBLAS_STATUS_SUCCESS) return kCublasBase + int(st);
  swap_middle_axes<T><<<grid_for(a * b * d * B), 256>>>(a, d, b, B, Q, static_cast<T*>(y));
  return static_cast<int>(cudaGetLastError());
}

}  // namespace

int dense_gemm(int dtype, std::size_t m, std::size_t n, std::size_t batch, const void* a_rowmajor, const void* x,
               void* y) {
  return dtype == 0 ? dense<float>(m, n, batch, a_rowmajor, x, y) : dense<double>(m, n, batch, a_rowmajor, x, y);
}

int bmm(int dtype, const KsProblem& p, const void* values, const void* x, void* y, void* workspace) {
  return dtype == 0 ? bmm_impl<float>(p, values, x, y, workspace) : bmm_impl<double>(p, values, x, y, workspace);
}

}  // namespace wellposed::gpu::bridge
