#include "model/chunked_attention.hpp"

#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

#include <dlfcn.h>

namespace atn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// CBLAS and OpenBLAS's thread control, looked up at run time: LibTorch links the BLAS, we do not.
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

// Row-major C[m,n] = alpha·op(A)·op(B) + beta·C with unit column stride; beta 0 ignores C.
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
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

// Raw access to one (batch, head) slice of a [B,H,S,d] view with unit last stride.
struct head_view {
  float* data;
  std::int64_t s0, s1, row;
  explicit head_view(const torch::Tensor& t)
      : data(t.data_ptr<float>()), s0(t.stride(0)), s1(t.stride(1)), row(t.stride(2)) {}
  float* at(std::int64_t b, std::int64_t h) const { return data + b * s0 + h * s1; }
};

torch::Tensor unit_last_stride(const torch::Tensor& t) { return t.stride(-1) == 1 ? t : t.contiguous(); }

void check_operand(const torch::Tensor& t, const char* name) {
  TORCH_CHECK(t.dim() == 4, "attention: ", name, " must be [B,H,S,d]");
  TORCH_CHECK(t.scalar_type() == torch::kFloat32 && t.device().is_cpu(), "attention: ", name,
              " must be a float32 CPU tensor");
  TORCH_CHECK(t.stride(3) == 1, "attention: ", name, " needs a unit last stride");
}

// Per-batch [Sb, Sk] rows of the bias (Sb is 1 for a per-key bias).
std::vector<torch::Tensor> bias_per_batch(const torch::Tensor& bias, std::int64_t batch, std::int64_t sq,
                                          std::int64_t sk) {
  std::vector<torch::Tensor> out;
  if (!bias.defined() || bias.numel() == 0) return out;
  TORCH_CHECK(bias.dim() == 4 && bias.size(1) == 1 && bias.size(3) == sk && (bias.size(2) == 1 || bias.size(2) == sq) &&
                  (bias.size(0) == 1 || bias.size(0) == batch),
              "attention: key_bias must be [B|1,1,1|Sq,Sk]");
  auto b = bias.to(torch::kFloat32).contiguous();
  for (std::int64_t i = 0; i < batch; ++i) out.push_back(b[b.size(0) == 1 ? 0 : i][0]);
  return out;
}

torch::Tensor bias_rows(const torch::Tensor& rows, std::int64_t r0, std::int64_t n) {
  return rows.size(0) == 1 ? rows : rows.narrow(0, r0, n);
}

// One block of probabilities: p[n, sk] = softmax(scale·q kᵀ + bias) for rows r0..r0+n.
void block_probabilities(const float* qb, std::int64_t q_row, const float* kb, std::int64_t k_row, std::int64_t n,
                         std::int64_t sk, std::int64_t d, float scale, const torch::Tensor* bias, std::int64_t r0,
                         torch::Tensor& s, torch::Tensor& p) {
  gemm(false, true, n, sk, d, scale, qb, q_row, kb, k_row, 0.0f, s.data_ptr<float>(), sk);
  if (bias) s.add_(bias_rows(*bias, r0, n));
  at::_softmax_out(p, s, 1, false);
}

struct chunked_attention_fn : torch::autograd::Function<chunked_attention_fn> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor q, torch::Tensor k, torch::Tensor v,
                               torch::Tensor key_bias, std::int64_t chunk) {
    q = unit_last_stride(q);
    k = unit_last_stride(k);
    v = unit_last_stride(v);
    // [B,Sq,H,d] storage: merging heads afterwards is a view.
    auto out = torch::empty({q.size(0), q.size(2), q.size(1), v.size(3)}, q.options()).permute({0, 2, 1, 3});
    attention_forward(q, k, v, key_bias, out, chunk);
    ctx->save_for_backward({q, k, v, key_bias});
    ctx->saved_data["chunk"] = chunk;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto q = saved[0], k = saved[1], v = saved[2], bias = saved[3];
    const std::int64_t chunk = ctx->saved_data["chunk"].toInt();
    auto dout = unit_last_stride(grads[0]);
    auto like = [](const torch::Tensor& t) {
      return torch::empty({t.size(0), t.size(2), t.size(1), t.size(3)}, t.options()).permute({0, 2, 1, 3});
    };
    auto dq = like(q), dk = like(k), dv = like(v);
    attention_backward(q, k, v, bias, dout, dq, dk, dv, chunk);
    return {dq, dk, dv, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

blas_single_thread_scope::blas_single_thread_scope() {
  const auto& b = blas();
  if (b.set_threads && b.get_threads) {
    saved_ = b.get_threads();
    if (saved_ > 1) b.set_threads(1);
  }
}

blas_single_thread_scope::~blas_single_thread_scope() {
  if (saved_ > 1) blas().set_threads(saved_);
}

void attention_forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& key_bias, const torch::Tensor& out, std::int64_t block_rows) {
  check_operand(q, "q");
  check_operand(k, "k");
  check_operand(v, "v");
  check_operand(out, "out");
  TORCH_CHECK(block_rows > 0, "attention chunk must be positive");
  const std::int64_t batch = q.size(0), heads = q.size(1), sq = q.size(2), d = q.size(3), sk = k.size(2);
  TORCH_CHECK(k.size(0) == batch && v.size(0) == batch && k.size(1) == heads && v.size(1) == heads &&
                  k.size(3) == d && v.size(2) == sk && out.sizes() == torch::IntArrayRef({batch, heads, sq, v.size(3)}),
              "attention: q, k, v and out shapes disagree");
  if (sq == 0 || batch == 0) return;
  const auto biases = bias_per_batch(key_bias, batch, sq, sk);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  const std::int64_t rows = std::min(block_rows, sq), dv = v.size(3);
  const head_view qv(q), kv(k), vv(v), ov(out);
  blas_single_thread_scope single;
  at::parallel_for(0, batch * heads, 1, [&](std::int64_t begin, std::int64_t end) {
    auto s = torch::empty({rows, sk}, q.options());
    auto p = torch::empty({rows, sk}, q.options());
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t b = t / heads, h = t % heads;
      const torch::Tensor* bias = biases.empty() ? nullptr : &biases[b];
      for (std::int64_t r0 = 0; r0 < sq; r0 += rows) {
        const std::int64_t n = std::min(rows, sq - r0);
        auto sb = s.narrow(0, 0, n), pb = p.narrow(0, 0, n);
        block_probabilities(qv.at(b, h) + r0 * qv.row, qv.row, kv.at(b, h), kv.row, n, sk, d, scale, bias, r0, sb, pb);
        gemm(false, false, n, dv, sk, 1.0f, pb.data_ptr<float>(), sk, vv.at(b, h), vv.row, 0.0f,
             ov.at(b, h) + r0 * ov.row, ov.row);
      }
    }
  });
}

void attention_backward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& key_bias, const torch::Tensor& dout, const torch::Tensor& dq,
                        const torch::Tensor& dk, const torch::Tensor& dv, std::int64_t block_rows) {
  for (auto [t, name] : {std::pair{&q, "q"}, {&k, "k"}, {&v, "v"}, {&dout, "dout"}, {&dq, "dq"}, {&dk, "dk"},
                         {&dv, "dv"}})
    check_operand(*t, name);
  TORCH_CHECK(block_rows > 0, "attention chunk must be positive");
  TORCH_CHECK(dq.sizes() == q.sizes() && dk.sizes() == k.sizes() && dv.sizes() == v.sizes(),
              "attention: gradient shapes disagree");
  const std::int64_t batch = q.size(0), heads = q.size(1), sq = q.size(2), d = q.size(3), sk = k.size(2);
  const std::int64_t dvw = v.size(3);
  if (batch == 0) return;
  if (sq == 0) {
    dk.zero_();
    dv.zero_();
    return;
  }
  const auto biases = bias_per_batch(key_bias, batch, sq, sk);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  const std::int64_t rows = std::min(block_rows, sq);
  const head_view qv(q), kv(k), vv(v), dov(dout), dqv(dq), dkv(dk), dvv(dv);
  blas_single_thread_scope single;
  at::parallel_for(0, batch * heads, 1, [&](std::int64_t begin, std::int64_t end) {
    auto s = torch::empty({rows, sk}, q.options());   // scores, then dS
    auto p = torch::empty({rows, sk}, q.options());   // probabilities
    auto dp = torch::empty({rows, sk}, q.options());  // dP
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t b = t / heads, h = t % heads;
      const torch::Tensor* bias = biases.empty() ? nullptr : &biases[b];
      const float* qh = qv.at(b, h);
      const float* kh = kv.at(b, h);
      const float* doh = dov.at(b, h);
      for (std::int64_t r0 = 0; r0 < sq; r0 += rows) {
        const std::int64_t n = std::min(rows, sq - r0);
        const float beta = r0 == 0 ? 0.0f : 1.0f;  // the first block initialises dk and dv
        auto sb = s.narrow(0, 0, n), pb = p.narrow(0, 0, n), dpb = dp.narrow(0, 0, n);
        block_probabilities(qh + r0 * qv.row, qv.row, kh, kv.row, n, sk, d, scale, bias, r0, sb, pb);
        // dV += Pᵀ dO; dP = dO Vᵀ; dS = P ∘ (dP − rowsum(dP ∘ P)).
        gemm(true, false, sk, dvw, n, 1.0f, pb.data_ptr<float>(), sk, doh + r0 * dov.row, dov.row, beta,
             dvv.at(b, h), dvv.row);
        gemm(false, true, n, sk, dvw, 1.0f, doh + r0 * dov.row, dov.row, vv.at(b, h), vv.row, 0.0f,
             dpb.data_ptr<float>(), sk);
        at::_softmax_backward_data_out(sb, dpb, pb, 1, torch::kFloat32);
        // dQ = scale·dS K; dK += scale·dSᵀ Q.
        gemm(false, false, n, d, sk, scale, sb.data_ptr<float>(), sk, kh, kv.row, 0.0f, dqv.at(b, h) + r0 * dqv.row,
             dqv.row);
        gemm(true, false, sk, d, n, scale, sb.data_ptr<float>(), sk, qh + r0 * qv.row, qv.row, beta, dkv.at(b, h),
             dkv.row);
      }
    }
  });
}

torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_bias, std::int64_t chunk_rows) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention expects [B,H,S,d] tensors");
  TORCH_CHECK(chunk_rows > 0, "attention chunk must be positive");
  // autograd::Function needs defined inputs: an empty tensor stands for "no bias".
  auto bias = key_bias.defined() ? key_bias.to(q.scalar_type()).contiguous() : torch::empty({0}, q.options());
  if (!torch::GradMode::is_enabled() || !(q.requires_grad() || k.requires_grad() || v.requires_grad())) {
    auto qc = unit_last_stride(q), kc = unit_last_stride(k), vc = unit_last_stride(v);
    auto out = torch::empty({q.size(0), q.size(2), q.size(1), v.size(3)}, q.options()).permute({0, 2, 1, 3});
    attention_forward(qc, kc, vc, bias, out, chunk_rows);
    return out;
  }
  return chunked_attention_fn::apply(q, k, v, bias, chunk_rows);
}

}  // namespace atn
