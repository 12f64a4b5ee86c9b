#include "model/chunked_attention.hpp"

#include <cmath>

namespace atn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// A bias is per key ([B,1,1,Sk]) or per query and key ([B|1,1,Sq,Sk], e.g. causal).
torch::Tensor bias_rows(const torch::Tensor& bias, std::int64_t r0, std::int64_t n) {
  return bias.size(2) == 1 ? bias : bias.narrow(2, r0, n);
}

struct chunked_attention_fn : torch::autograd::Function<chunked_attention_fn> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor q, torch::Tensor k, torch::Tensor v,
                               torch::Tensor key_bias, std::int64_t chunk) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    const std::int64_t sq = q.size(2);
    auto out = torch::empty_like(q);
    auto lse = torch::empty({q.size(0), q.size(1), sq, 1}, q.options());
    auto kt = k.transpose(-2, -1);
    for (std::int64_t r0 = 0; r0 < sq; r0 += chunk) {
      const std::int64_t r1 = std::min(sq, r0 + chunk);
      auto qc = q.narrow(2, r0, r1 - r0);
      auto s = torch::matmul(qc, kt).mul_(scale);
      if (key_bias.numel() > 0) s.add_(bias_rows(key_bias, r0, r1 - r0));
      auto m = std::get<0>(s.max(-1, true));
      s.sub_(m).exp_();
      auto l = s.sum(-1, true);
      out.narrow(2, r0, r1 - r0).copy_(torch::matmul(s, v).div_(l));
      lse.narrow(2, r0, r1 - r0).copy_(m.add_(l.log_()));
    }
    ctx->save_for_backward({q, k, v, key_bias, out, lse});
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["has_bias"] = key_bias.numel() > 0;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    auto q = saved[0], k = saved[1], v = saved[2], bias = saved[3], out = saved[4], lse = saved[5];
    const bool has_bias = ctx->saved_data["has_bias"].toBool();
    const std::int64_t chunk = ctx->saved_data["chunk"].toInt();
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    auto dout = grads[0].contiguous();
    auto dq = torch::empty_like(q);
    auto dk = torch::zeros_like(k);
    auto dv = torch::zeros_like(v);
    auto delta = (dout * out).sum(-1, true);  // rowwise <dO, O>
    auto kt = k.transpose(-2, -1);
    auto vt = v.transpose(-2, -1);
    const std::int64_t sq = q.size(2);
    for (std::int64_t r0 = 0; r0 < sq; r0 += chunk) {
      const std::int64_t n = std::min(sq, r0 + chunk) - r0;
      auto qc = q.narrow(2, r0, n);
      auto doc = dout.narrow(2, r0, n);
      auto p = torch::matmul(qc, kt).mul_(scale);
      if (has_bias) p.add_(bias_rows(bias, r0, n));
      p.sub_(lse.narrow(2, r0, n)).exp_();                      // probabilities, recomputed
      dv.add_(torch::matmul(p.transpose(-2, -1), doc));
      auto ds = torch::matmul(doc, vt);                          // dP
      ds.sub_(delta.narrow(2, r0, n)).mul_(p).mul_(scale);       // dS, scaled for q kᵀ
      dq.narrow(2, r0, n).copy_(torch::matmul(ds, k));
      dk.add_(torch::matmul(ds.transpose(-2, -1), qc));
    }
    return {dq, dk, dv, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_bias, std::int64_t chunk_rows) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4, "attention expects [B,H,S,d] tensors");
  TORCH_CHECK(chunk_rows > 0, "attention chunk must be positive");
  // autograd::Function needs defined inputs: an empty tensor stands for "no bias".
  return chunked_attention_fn::apply(q, k, v, key_bias.defined() ? key_bias : torch::empty({0}, q.options()),
                                     chunk_rows);
}

}  // namespace atn
