#include "model/cpu_blas.hpp"

#include "model/task_pool.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include <dlfcn.h>

namespace atn {
namespace {

using cblas_sgemm_fn = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float,
                                float*, int);
using set_threads_fn = void (*)(int);
using get_threads_fn = int (*)();

struct blas_symbols {
  cblas_sgemm_fn sgemm = nullptr;
  set_threads_fn set_threads = nullptr;
  get_threads_fn get_threads = nullptr;
  blas_symbols() {
    sgemm = reinterpret_cast<cblas_sgemm_fn>(dlsym(RTLD_DEFAULT, "cblas_sgemm"));
    set_threads = reinterpret_cast<set_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    get_threads = reinterpret_cast<get_threads_fn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  }
};

const blas_symbols& blas() {
  static const blas_symbols symbols;
  return symbols;
}

constexpr int row_major = 101, no_trans = 111, trans = 112;

// Nested or concurrent scopes: the first one in saves and lowers the count, the last one out
// restores it.
std::mutex scope_mutex;
int scope_depth = 0;
int scope_saved = 0;

// A matrix operand as BLAS sees it: row-major storage, maybe transposed.
struct operand {
  const float* data;
  std::int64_t ld;
  bool trans;
};

operand as_operand(const torch::Tensor& t) {
  TORCH_CHECK(t.dim() == 2 && t.scalar_type() == torch::kFloat32 && t.device().is_cpu(),
              "matmul expects float32 CPU matrices");
  if (t.stride(1) == 1 && t.stride(0) >= std::max<std::int64_t>(1, t.size(1)))
    return {t.data_ptr<float>(), t.stride(0), false};
  if (t.stride(0) == 1 && t.stride(1) >= std::max<std::int64_t>(1, t.size(0)))
    return {t.data_ptr<float>(), t.stride(1), true};
  return {nullptr, 0, false};
}

}  // namespace

bool have_cblas() { return blas().sgemm != nullptr; }

int kernel_threads() {
  if (!have_cblas() || at::in_parallel_region()) return 1;
  return at::get_num_threads();
}

void sgemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (const auto f = blas().sgemm) {
    f(row_major, ta ? trans : no_trans, tb ? trans : no_trans, static_cast<int>(m), static_cast<int>(n),
      static_cast<int>(k), alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
    return;
  }
  auto am = torch::from_blob(const_cast<float*>(a), {ta ? k : m, ta ? m : k}, {lda, 1});
  auto bm = torch::from_blob(const_cast<float*>(b), {tb ? n : k, tb ? k : n}, {ldb, 1});
  auto cm = torch::from_blob(c, {m, n}, {ldc, 1});
  at::addmm_out(cm, cm, ta ? am.t() : am, tb ? bm.t() : bm, beta, alpha);
}

void cpu_mm_into(const torch::Tensor& out, const torch::Tensor& a, const torch::Tensor& b, float beta) {
  TORCH_CHECK(a.dim() == 2 && b.dim() == 2 && out.dim() == 2 && a.size(1) == b.size(0) && out.size(0) == a.size(0) &&
                  out.size(1) == b.size(1),
              "matmul: shapes ", a.sizes(), " x ", b.sizes(), " -> ", out.sizes(), " disagree");
  TORCH_CHECK(out.stride(1) == 1 && out.scalar_type() == torch::kFloat32, "matmul: out needs a unit column stride");
  const std::int64_t m = a.size(0), n = b.size(1), k = a.size(1);
  if (m == 0 || n == 0) return;
  auto oa = as_operand(a), ob = as_operand(b);
  torch::Tensor ac, bc;
  if (!oa.data) ac = a.contiguous(), oa = as_operand(ac);
  if (!ob.data) bc = b.contiguous(), ob = as_operand(bc);
  if (k == 0) {
    if (beta == 0.0f)
      out.zero_();
    else
      out.mul_(beta);
    return;
  }
  float* c = out.data_ptr<float>();
  const std::int64_t ldc = out.stride(0);
  const int threads = static_cast<double>(m) * n * k < 4e6 ? 1 : kernel_threads();
  if (!have_cblas()) {
    sgemm(oa.trans, ob.trans, m, n, k, 1.0f, oa.data, oa.ld, ob.data, ob.ld, beta, c, ldc);
    return;
  }
  blas_single_thread_scope single;
  if (threads > 1 && k >= 4 * std::max(m, n)) {
    // A long reduction (a weight gradient over every token): each thread multiplies its share of
    // k, so no operand is packed twice, and the partial products are summed.
    const int parts = threads;
    const std::int64_t per = (k + parts - 1) / parts;
    std::vector<torch::Tensor> partial(parts);
    for (int p = 1; p < parts; ++p) partial[p] = torch::empty({m, n}, out.options());
    task_pool::shared().run(parts, parts, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t p = begin; p < end; ++p) {
        const std::int64_t lo = p * per, hi = std::min(k, lo + per);
        const float* ap = oa.trans ? oa.data + lo * oa.ld : oa.data + lo;
        const float* bp = ob.trans ? ob.data + lo : ob.data + lo * ob.ld;
        if (p == 0)
          sgemm(oa.trans, ob.trans, m, n, hi - lo, 1.0f, ap, oa.ld, bp, ob.ld, beta, c, ldc);
        else if (hi > lo)
          sgemm(oa.trans, ob.trans, m, n, hi - lo, 1.0f, ap, oa.ld, bp, ob.ld, 0.0f, partial[p].data_ptr<float>(), n);
        else
          partial[p].zero_();
      }
    });
    for (int p = 1; p < parts; ++p) out.add_(partial[p]);
    return;
  }
  // Otherwise split the longer side of C: each part is a whole product on its own thread.
  const bool split_rows = m >= n;
  const std::int64_t extent = split_rows ? m : n;
  const std::int64_t unit = 16;  // keep parts a multiple of the kernels' register blocking
  const std::int64_t units = (extent + unit - 1) / unit;
  const int parts = static_cast<int>(std::min<std::int64_t>(threads, units));
  const std::int64_t per = (units + parts - 1) / parts * unit;
  task_pool::shared().run(parts, parts, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t part = begin; part < end; ++part) {
      const std::int64_t lo = part * per, hi = std::min(extent, lo + per);
      if (lo >= hi) continue;
      if (split_rows) {
        const float* ap = oa.trans ? oa.data + lo : oa.data + lo * oa.ld;
        sgemm(oa.trans, ob.trans, hi - lo, n, k, 1.0f, ap, oa.ld, ob.data, ob.ld, beta, c + lo * ldc, ldc);
      } else {
        const float* bp = ob.trans ? ob.data + lo * ob.ld : ob.data + lo;
        sgemm(oa.trans, ob.trans, m, hi - lo, k, 1.0f, oa.data, oa.ld, bp, ob.ld, beta, c + lo, ldc);
      }
    }
  });
}

torch::Tensor cpu_mm(const torch::Tensor& a, const torch::Tensor& b) {
  auto out = torch::empty({a.size(0), b.size(1)}, a.options().memory_format(torch::MemoryFormat::Contiguous));
  cpu_mm_into(out, a, b);
  return out;
}

torch::Tensor cpu_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                         const torch::Tensor& residual) {
  auto out = torch::empty({x.size(0), weight.size(0)}, x.options());
  if (residual.defined()) {
    if (bias.defined())
      torch::add_out(out, residual, bias);
    else
      out.copy_(residual);
  } else if (bias.defined()) {
    out.copy_(bias.expand_as(out));
  }
  cpu_mm_into(out, x, weight.t(), residual.defined() || bias.defined() ? 1.0f : 0.0f);
  return out;
}

blas_single_thread_scope::blas_single_thread_scope() {
  const auto& b = blas();
  if (!b.set_threads || !b.get_threads) return;
  std::lock_guard<std::mutex> lock(scope_mutex);
  if (scope_depth++ == 0) {
    scope_saved = b.get_threads();
    if (scope_saved > 1) b.set_threads(1);
  }
}

blas_single_thread_scope::~blas_single_thread_scope() {
  const auto& b = blas();
  if (!b.set_threads || !b.get_threads) return;
  std::lock_guard<std::mutex> lock(scope_mutex);
  if (--scope_depth == 0 && scope_saved > 1) b.set_threads(scope_saved);
}

}  // namespace atn
