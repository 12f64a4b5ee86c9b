#include "model/chunked_attention.hpp"

#include "model/cpu_blas.hpp"
#include "model/task_pool.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace atn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

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

// The bias as a contiguous float tensor [B|1,1,1|Sq,Sk], or an empty one.
torch::Tensor checked_bias(const torch::Tensor& bias, std::int64_t batch, std::int64_t sq, std::int64_t sk) {
  if (!bias.defined() || bias.numel() == 0) return torch::empty({0}, torch::kFloat32);
  TORCH_CHECK(bias.dim() == 4 && bias.size(1) == 1 && bias.size(3) == sk && (bias.size(2) == 1 || bias.size(2) == sq) &&
                  (bias.size(0) == 1 || bias.size(0) == batch),
              "attention: key_bias must be [B|1,1,1|Sq,Sk]");
  return bias.to(torch::kFloat32).contiguous();
}

// --- row kernels: the S² work, one pass each over a block that stays in cache -------------------
// Written with GCC vector extensions and cloned per instruction set (AVX-512, AVX2, baseline). The
// 64-byte vectors never cross a non-inlined call, so the ABI note GCC gives about them is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

using vfloat = float __attribute__((vector_size(64)));
using vint = std::int32_t __attribute__((vector_size(64)));
constexpr std::int64_t lanes = 16;

#define ATN_INLINE inline __attribute__((always_inline))
#define ATN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

ATN_INLINE vfloat splat(float c) { return vfloat{} + c; }
// Loads and stores of w ≤ 16 floats; a full vector is a single unaligned move.
ATN_INLINE vfloat load(const float* p, std::int64_t w, float fill) {
  vfloat v;
  if (w == lanes) {
    __builtin_memcpy(&v, p, sizeof v);
  } else {
    v = splat(fill);
    for (std::int64_t i = 0; i < w; ++i) v[i] = p[i];
  }
  return v;
}
ATN_INLINE void store(float* p, vfloat v, std::int64_t w) {
  if (w == lanes) {
    __builtin_memcpy(p, &v, sizeof v);
  } else {
    for (std::int64_t i = 0; i < w; ++i) p[i] = v[i];
  }
}
// Calls f(j, w) over [0, n) in vectors: w is the constant 16 but for a shorter tail.
template <class F>
ATN_INLINE void for_vectors(std::int64_t n, F&& f) {
  std::int64_t j = 0;
  for (; j + lanes <= n; j += lanes) f(j, lanes);
  if (j < n) f(j, n - j);
}
ATN_INLINE float lane_max(vfloat v) {
  float m = v[0];
  for (int i = 1; i < lanes; ++i) m = v[i] > m ? v[i] : m;
  return m;
}
ATN_INLINE float lane_sum(vfloat v) {
  float s = 0;
  for (int i = 0; i < lanes; ++i) s += v[i];
  return s;
}

// exp(x) for x ≤ 0 (larger x is clamped to 0); x below −87.3, −inf included, gives exactly 0.
// Cephes' single-precision polynomial: relative error about 1e-7.
ATN_INLINE vfloat exp_nonpositive(vfloat x) {
  const vfloat zero = splat(0.0f);
  x = x > zero ? zero : x;
  const vint dead = x < splat(-87.3f);
  const vfloat magic = splat(12582912.0f);  // 1.5·2²³: adding it rounds to an integer
  const vfloat shifted = x * 1.44269504088896341f + magic;
  const vfloat n = shifted - magic;
  vfloat r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vfloat p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const vint exponent = ((__builtin_bit_cast(vint, shifted) - __builtin_bit_cast(vint, magic)) + 127) << 23;
  const vfloat result = p * __builtin_bit_cast(vfloat, exponent);
  return dead ? zero : result;
}

// One block's share of a locality bias: −slope·|query_pos[i] − key_pos[j]|; none when key_pos is null.
struct row_locality {
  const float* query_pos = nullptr;
  const float* key_pos = nullptr;
  float slope = 0;
};

// Row i's scores at [j, j+w) plus the bias and the locality penalty (lanes past w stay −inf).
ATN_INLINE vfloat biased_scores(const float* row, const float* brow, const row_locality& local, float query_pos,
                                std::int64_t j, std::int64_t w) {
  vfloat v = load(row + j, w, -std::numeric_limits<float>::infinity());
  if (brow) v += load(brow + j, w, 0.0f);
  if (local.key_pos) {
    const vfloat distance = load(local.key_pos + j, w, 0.0f) - query_pos;
    v -= (distance < splat(0.0f) ? -distance : distance) * local.slope;
  }
  return v;
}

// Forward: rows of scaled scores (+ bias, + locality) become unnormalised probabilities
// exp(s − max); writes each row's log-sum-exp and 1 / sum (0 for a row without any key left).
ATN_CLONES void softmax_rows_forward(float* s, std::int64_t n, std::int64_t sk, const float* bias,
                                     std::int64_t bias_stride, row_locality local, float* lse, float* inv_sum) {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (std::int64_t i = 0; i < n; ++i) {
    float* row = s + i * sk;
    const float* brow = bias ? bias + i * bias_stride : nullptr;
    const float query_pos = local.key_pos ? local.query_pos[i] : 0.0f;
    vfloat vmax = splat(neg_inf);
    for_vectors(
        sk, [&](std::int64_t j, std::int64_t w) __attribute__((always_inline)) {
          const vfloat v = biased_scores(row, brow, local, query_pos, j, w);
          if (brow || local.key_pos) store(row + j, v, w);
          vmax = v > vmax ? v : vmax;
        });
    float m = lane_max(vmax);
    if (m == neg_inf) m = 0;  // every key dropped: all probabilities are 0
    vfloat vsum = splat(0.0f);
    for_vectors(
        sk, [&](std::int64_t j, std::int64_t w) __attribute__((always_inline)) {
          const vfloat e = exp_nonpositive(load(row + j, w, neg_inf) - m);
          store(row + j, e, w);
          vsum += w == lanes ? e : load(row + j, w, 0.0f);
        });
    const float l = lane_sum(vsum);
    lse[i] = l > 0 ? m + std::log(l) : std::numeric_limits<float>::infinity();
    inv_sum[i] = l > 0 ? 1.0f / l : 0.0f;
  }
}

// Backward: rows of scaled scores (+ bias, + locality) become probabilities exp(s − lse).
ATN_CLONES void softmax_rows_recompute(float* s, std::int64_t n, std::int64_t sk, const float* bias,
                                       std::int64_t bias_stride, row_locality local, const float* lse) {
  for (std::int64_t i = 0; i < n; ++i) {
    float* row = s + i * sk;
    const float* brow = bias ? bias + i * bias_stride : nullptr;
    const float query_pos = local.key_pos ? local.query_pos[i] : 0.0f;
    const float l = lse[i];
    for_vectors(
        sk, [&](std::int64_t j, std::int64_t w) __attribute__((always_inline)) {
          store(row + j, exp_nonpositive(biased_scores(row, brow, local, query_pos, j, w) - l), w);
        });
  }
}

// Backward: dP rows become dS = P ∘ (dP − delta), delta = rowsum(dO ∘ O).
ATN_CLONES void softmax_rows_grad(float* dp, const float* p, std::int64_t n, std::int64_t sk, const float* delta) {
  for (std::int64_t i = 0; i < n; ++i) {
    float* drow = dp + i * sk;
    const float* prow = p + i * sk;
    const float dl = delta[i];
    for_vectors(
        sk, [&](std::int64_t j, std::int64_t w) __attribute__((always_inline)) {
          store(drow + j, load(prow + j, w, 0.0f) * (load(drow + j, w, 0.0f) - dl), w);
        });
  }
}

// Bias rows of one batch entry: a pointer and the stride between query rows (0: per key).
struct bias_rows {
  const float* data = nullptr;
  std::int64_t stride = 0;
  const float* at(std::int64_t r0) const { return data ? data + r0 * stride : nullptr; }
};

std::vector<bias_rows> bias_layout(const torch::Tensor& bias, std::int64_t batch) {
  std::vector<bias_rows> out(batch);
  if (bias.numel() == 0) return out;
  const float* base = bias.data_ptr<float>();
  for (std::int64_t b = 0; b < batch; ++b) {
    out[b].data = base + (bias.size(0) == 1 ? 0 : b * bias.stride(0));
    out[b].stride = bias.size(2) == 1 ? 0 : bias.stride(2);
  }
  return out;
}

// A locality's raw pointers, checked against the operands; null positions when there is none.
struct locality_layout {
  const float* positions = nullptr;
  const float* slopes = nullptr;
  std::int64_t seq = 0;
  row_locality rows(std::int64_t b, std::int64_t h, std::int64_t r0) const {
    if (!positions || slopes[h] == 0) return {};
    return {positions + b * seq + r0, positions + b * seq, slopes[h]};
  }
};

locality_layout checked_locality(const attention_locality& l, std::int64_t batch, std::int64_t heads, std::int64_t sq,
                                 std::int64_t sk) {
  if (!l.active()) return {};
  TORCH_CHECK(sq == sk, "attention: a locality bias needs self-attention (Sq = Sk)");
  TORCH_CHECK(l.positions.scalar_type() == torch::kFloat32 && l.positions.device().is_cpu() &&
                  l.positions.is_contiguous() && l.positions.sizes() == torch::IntArrayRef({batch, sq}),
              "attention: locality positions must be a contiguous float32 CPU [B,S]");
  TORCH_CHECK(l.slopes.defined() && l.slopes.scalar_type() == torch::kFloat32 && l.slopes.device().is_cpu() &&
                  l.slopes.is_contiguous() && l.slopes.sizes() == torch::IntArrayRef({heads}),
              "attention: locality slopes must be a contiguous float32 CPU [H]");
  return {l.positions.data_ptr<float>(), l.slopes.data_ptr<float>(), sq};
}

struct chunked_attention_fn : torch::autograd::Function<chunked_attention_fn> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor q, torch::Tensor k, torch::Tensor v,
                               torch::Tensor key_bias, torch::Tensor positions, torch::Tensor slopes,
                               std::int64_t chunk) {
    q = unit_last_stride(q);
    k = unit_last_stride(k);
    v = unit_last_stride(v);
    // [B,Sq,H,d] storage: merging heads afterwards is a view.
    auto out = torch::empty({q.size(0), q.size(2), q.size(1), v.size(3)}, q.options()).permute({0, 2, 1, 3});
    auto lse = torch::empty({q.size(0), q.size(1), q.size(2)}, q.options());
    attention_forward(q, k, v, key_bias, out, lse, chunk, {positions, slopes});
    ctx->save_for_backward({q, k, v, key_bias, out, lse, positions, slopes});
    ctx->saved_data["chunk"] = chunk;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto q = saved[0], k = saved[1], v = saved[2], bias = saved[3], out = saved[4], lse = saved[5];
    const std::int64_t chunk = ctx->saved_data["chunk"].toInt();
    auto dout = unit_last_stride(grads[0]);
    auto like = [](const torch::Tensor& t) {
      return torch::empty({t.size(0), t.size(2), t.size(1), t.size(3)}, t.options()).permute({0, 2, 1, 3});
    };
    auto dq = like(q), dk = like(k), dv = like(v);
    attention_backward(q, k, v, bias, out, lse, dout, dq, dk, dv, chunk, {saved[6], saved[7]});
    return {dq, dk, dv, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

void attention_forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& key_bias, const torch::Tensor& out, const torch::Tensor& lse,
                       std::int64_t block_rows, const attention_locality& locality) {
  check_operand(q, "q");
  check_operand(k, "k");
  check_operand(v, "v");
  check_operand(out, "out");
  TORCH_CHECK(block_rows > 0, "attention chunk must be positive");
  const std::int64_t batch = q.size(0), heads = q.size(1), sq = q.size(2), d = q.size(3), sk = k.size(2);
  const std::int64_t dv = v.size(3);
  TORCH_CHECK(k.size(0) == batch && v.size(0) == batch && k.size(1) == heads && v.size(1) == heads && k.size(3) == d &&
                  v.size(2) == sk && out.sizes() == torch::IntArrayRef({batch, heads, sq, dv}),
              "attention: q, k, v and out shapes disagree");
  TORCH_CHECK(!lse.defined() || (lse.is_contiguous() && lse.scalar_type() == torch::kFloat32 &&
                                 lse.sizes() == torch::IntArrayRef({batch, heads, sq})),
              "attention: lse must be a contiguous float32 [B,H,Sq]");
  if (sq == 0 || batch == 0 || heads == 0) return;
  const auto bias = checked_bias(key_bias, batch, sq, sk);
  const auto biases = bias_layout(bias, batch);
  const auto local = checked_locality(locality, batch, heads, sq, sk);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  const std::int64_t rows = std::min(block_rows, sq);
  const head_view qv(q), kv(k), vv(v), ov(out);
  float* lse_data = lse.defined() ? lse.data_ptr<float>() : nullptr;
  blas_single_thread_scope single;
  task_pool::shared().run(batch * heads, kernel_threads(), [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> s(static_cast<std::size_t>(rows * sk)), row_lse(rows), inv(rows);
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t b = t / heads, h = t % heads;
      float* oh = ov.at(b, h);
      for (std::int64_t r0 = 0; r0 < sq; r0 += rows) {
        const std::int64_t n = std::min(rows, sq - r0);
        sgemm(false, true, n, sk, d, scale, qv.at(b, h) + r0 * qv.row, qv.row, kv.at(b, h), kv.row, 0.0f, s.data(), sk);
        softmax_rows_forward(s.data(), n, sk, biases[b].at(r0), biases[b].stride, local.rows(b, h, r0), row_lse.data(),
                             inv.data());
        sgemm(false, false, n, dv, sk, 1.0f, s.data(), sk, vv.at(b, h), vv.row, 0.0f, oh + r0 * ov.row, ov.row);
        for (std::int64_t i = 0; i < n; ++i) {
          float* orow = oh + (r0 + i) * ov.row;
          for (std::int64_t j = 0; j < dv; ++j) orow[j] *= inv[i];
        }
        if (lse_data) std::copy(row_lse.begin(), row_lse.begin() + n, lse_data + t * sq + r0);
      }
    }
  });
}

void attention_backward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& key_bias, const torch::Tensor& out, const torch::Tensor& lse,
                        const torch::Tensor& dout, const torch::Tensor& dq, const torch::Tensor& dk,
                        const torch::Tensor& dv, std::int64_t block_rows, const attention_locality& locality) {
  for (auto [t, name] : {std::pair{&q, "q"},
                         {&k, "k"},
                         {&v, "v"},
                         {&out, "out"},
                         {&dout, "dout"},
                         {&dq, "dq"},
                         {&dk, "dk"},
                         {&dv, "dv"}})
    check_operand(*t, name);
  TORCH_CHECK(block_rows > 0, "attention chunk must be positive");
  TORCH_CHECK(
      dq.sizes() == q.sizes() && dk.sizes() == k.sizes() && dv.sizes() == v.sizes() && out.sizes() == dout.sizes(),
      "attention: gradient shapes disagree");
  const std::int64_t batch = q.size(0), heads = q.size(1), sq = q.size(2), d = q.size(3), sk = k.size(2);
  const std::int64_t dvw = v.size(3);
  TORCH_CHECK(lse.defined() && lse.is_contiguous() && lse.scalar_type() == torch::kFloat32 &&
                  lse.sizes() == torch::IntArrayRef({batch, heads, sq}),
              "attention: backward needs the forward's lse [B,H,Sq]");
  if (batch == 0 || heads == 0) return;
  if (sq == 0) {
    dk.zero_();
    dv.zero_();
    return;
  }
  const auto bias = checked_bias(key_bias, batch, sq, sk);
  const auto biases = bias_layout(bias, batch);
  const auto local = checked_locality(locality, batch, heads, sq, sk);
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  const std::int64_t rows = std::min(block_rows, sq);
  const head_view qv(q), kv(k), vv(v), outv(out), dov(dout), dqv(dq), dkv(dk), dvv(dv);
  const float* lse_data = lse.data_ptr<float>();
  blas_single_thread_scope single;
  task_pool::shared().run(batch * heads, kernel_threads(), [&](std::int64_t begin, std::int64_t end) {
    std::vector<float> p(static_cast<std::size_t>(rows * sk)), dp(static_cast<std::size_t>(rows * sk)), delta(rows);
    for (std::int64_t t = begin; t < end; ++t) {
      const std::int64_t b = t / heads, h = t % heads;
      const float* qh = qv.at(b, h);
      const float* kh = kv.at(b, h);
      const float* doh = dov.at(b, h);
      const float* oh = outv.at(b, h);
      for (std::int64_t r0 = 0; r0 < sq; r0 += rows) {
        const std::int64_t n = std::min(rows, sq - r0);
        const float beta = r0 == 0 ? 0.0f : 1.0f;  // the first block initialises dk and dv
        sgemm(false, true, n, sk, d, scale, qh + r0 * qv.row, qv.row, kh, kv.row, 0.0f, p.data(), sk);
        softmax_rows_recompute(p.data(), n, sk, biases[b].at(r0), biases[b].stride, local.rows(b, h, r0),
                               lse_data + t * sq + r0);
        // dV += Pᵀ dO; dP = dO Vᵀ; dS = P ∘ (dP − rowsum(dO ∘ O)).
        sgemm(true, false, sk, dvw, n, 1.0f, p.data(), sk, doh + r0 * dov.row, dov.row, beta, dvv.at(b, h), dvv.row);
        sgemm(false, true, n, sk, dvw, 1.0f, doh + r0 * dov.row, dov.row, vv.at(b, h), vv.row, 0.0f, dp.data(), sk);
        for (std::int64_t i = 0; i < n; ++i) {
          const float* orow = oh + (r0 + i) * outv.row;
          const float* drow = doh + (r0 + i) * dov.row;
          float acc = 0;
          for (std::int64_t j = 0; j < dvw; ++j) acc += orow[j] * drow[j];
          delta[i] = acc;
        }
        softmax_rows_grad(dp.data(), p.data(), n, sk, delta.data());
        // dQ = scale·dS K; dK += scale·dSᵀ Q.
        sgemm(false, false, n, d, sk, scale, dp.data(), sk, kh, kv.row, 0.0f, dqv.at(b, h) + r0 * dqv.row, dqv.row);
        sgemm(true, false, sk, d, n, scale, dp.data(), sk, qh + r0 * qv.row, qv.row, beta, dkv.at(b, h), dkv.row);
      }
    }
  });
}

torch::Tensor locality_slopes(double slope, std::int64_t heads) {
  TORCH_CHECK(slope >= 0 && std::isfinite(slope), "locality slope must be finite and >= 0, got ", slope);
  std::vector<float> slopes(static_cast<std::size_t>(heads), 0.0f);
  std::fill_n(slopes.begin(), (heads + 1) / 2, static_cast<float>(slope));
  return torch::tensor(slopes, torch::kFloat32);
}

torch::Tensor composed_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& key_bias, const attention_locality& locality) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention expects [B,H,S,d] tensors");
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (key_bias.defined() && key_bias.numel() > 0) scores = scores + key_bias.to(scores.scalar_type());
  if (locality.active()) {
    TORCH_CHECK(q.size(2) == k.size(2), "attention: a locality bias needs self-attention (Sq = Sk)");
    auto p = locality.positions.to(scores.options());
    auto distance = (p.unsqueeze(2) - p.unsqueeze(1)).abs().unsqueeze(1);  // [B,1,S,S]
    scores = scores - locality.slopes.to(scores.options()).view({1, -1, 1, 1}) * distance;
  }
  // A row without any key: zeros, as the kernel gives, instead of softmax's NaN.
  auto dead = scores.isneginf().all(-1, /*keepdim=*/true);
  auto probs = torch::softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0);
  return torch::matmul(probs, v);
}

torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_bias, std::int64_t chunk_rows,
                                const attention_locality& locality) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention expects [B,H,S,d] tensors");
  TORCH_CHECK(chunk_rows > 0, "attention chunk must be positive");
  if (!q.device().is_cpu()) return composed_attention(q, k, v, key_bias, locality);
  // autograd::Function needs defined inputs: an empty tensor stands for "no bias".
  auto bias = key_bias.defined() ? key_bias.to(q.scalar_type()).contiguous() : torch::empty({0}, q.options());
  if (!torch::GradMode::is_enabled() || !(q.requires_grad() || k.requires_grad() || v.requires_grad())) {
    auto qc = unit_last_stride(q), kc = unit_last_stride(k), vc = unit_last_stride(v);
    auto out = torch::empty({q.size(0), q.size(2), q.size(1), v.size(3)}, q.options()).permute({0, 2, 1, 3});
    attention_forward(qc, kc, vc, bias, out, torch::Tensor(), chunk_rows, locality);
    return out;
  }
  auto none = torch::empty({0}, q.options());
  return chunked_attention_fn::apply(q, k, v, bias, locality.active() ? locality.positions : none,
                                     locality.active() ? locality.slopes : none, chunk_rows);
}

}  // namespace atn
