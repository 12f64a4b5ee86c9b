// Matrix products for the CPU kernels: LibTorch's own BLAS (OpenBLAS here) called directly, either
// on the calling thread or split over the task pool with the BLAS single-threaded, so that one
// thread pool drives every core and OpenBLAS's own threads never spin against it.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace atn {

/// True when a CBLAS sgemm was found in the process (it is looked up at run time, as LibTorch
/// links the BLAS and we do not). Without one every product falls back to LibTorch operators.
bool have_cblas();

/// Threads a kernel should split its work over: LibTorch's intra-op count, or 1 without a CBLAS.
int kernel_threads();

/// Row-major C[m,n] = alpha·op(A)·op(B) + beta·C on the calling thread (rows of A, B and C at
/// strides lda, ldb and ldc, unit column stride). beta 0 ignores C's contents.
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc);

/// out[m,n] = beta·out + a[m,k]·b[k,n] for float32 CPU matrices; a and b may be transposed views
/// (one unit stride each), out must have a unit column stride. Split over kernel_threads() threads.
void cpu_mm_into(const torch::Tensor& out, const torch::Tensor& a, const torch::Tensor& b, float beta = 0.0f);

/// a·b as a new contiguous matrix (see matmul_into).
torch::Tensor cpu_mm(const torch::Tensor& a, const torch::Tensor& b);

/// x[N,in]·wᵀ + bias (+ residual [N,out] when defined): a linear layer's forward, as one product
/// into an output pre-filled with the bias (and residual).
torch::Tensor cpu_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                         const torch::Tensor& residual = torch::Tensor());

/// Runs OpenBLAS single-threaded while alive (restoring its thread count after the last of nested
/// or concurrent scopes), so that kernels that parallelise over independent products themselves do
/// not oversubscribe the cores. A no-op with another BLAS.
class blas_single_thread_scope {
 public:
  blas_single_thread_scope();
  ~blas_single_thread_scope();
  blas_single_thread_scope(const blas_single_thread_scope&) = delete;
  blas_single_thread_scope& operator=(const blas_single_thread_scope&) = delete;
};

}  // namespace atn
