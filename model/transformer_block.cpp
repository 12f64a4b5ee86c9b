#include "model/transformer_block.hpp"

#include "model/chunked_attention.hpp"
#include "model/cpu_blas.hpp"

#include <limits>

namespace atn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

const std::array<bool, 3> all_grads{true, true, true};

bool needs_graph(std::initializer_list<const torch::Tensor*> inputs) {
  if (!torch::GradMode::is_enabled()) return false;
  for (const auto* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

// [N,3D] fused projection → q, k, v as [B,H,S,dh] views (unit last stride, no copy).
std::array<torch::Tensor, 3> split_qkv(const torch::Tensor& qkv, std::int64_t b, std::int64_t s, std::int64_t heads) {
  const auto d = qkv.size(1) / 3;
  auto v5 = qkv.view({b, s, 3, heads, d / heads});
  return {v5.select(2, 0).permute({0, 2, 1, 3}), v5.select(2, 1).permute({0, 2, 1, 3}),
          v5.select(2, 2).permute({0, 2, 1, 3})};
}

// [N,D] with tokens in (b, s) order → [B,H,S,dh] view.
torch::Tensor heads_view(const torch::Tensor& t, std::int64_t b, std::int64_t s, std::int64_t heads) {
  return t.view({b, s, heads, t.size(1) / heads}).permute({0, 2, 1, 3});
}

// Shared by the autograd node and the no-grad path: returns h [N,D] and fills what backward needs.
torch::Tensor self_attention_forward(const torch::Tensor& x2, std::int64_t b, std::int64_t s, const torch::Tensor& lnw,
                                     const torch::Tensor& lnb, double eps, const torch::Tensor& wqkv,
                                     const torch::Tensor& bqkv, const torch::Tensor& wp, const torch::Tensor& bp,
                                     const torch::Tensor& bias, const attention_locality& locality, std::int64_t heads,
                                     std::int64_t chunk, torch::Tensor* mean, torch::Tensor* rstd,
                                     torch::Tensor* qkv_out, torch::Tensor* o_out, torch::Tensor* lse_out) {
  const auto d = x2.size(1);
  auto norm = at::native_layer_norm(x2, {d}, lnw, lnb, eps);
  auto qkv = cpu_linear(std::get<0>(norm), wqkv, bqkv);
  std::get<0>(norm).reset();
  auto o = torch::empty({x2.size(0), d}, x2.options());
  auto [q, k, v] = split_qkv(qkv, b, s, heads);
  torch::Tensor lse;
  if (lse_out) lse = torch::empty({b, heads, s}, x2.options());
  attention_forward(q, k, v, bias, heads_view(o, b, s, heads), lse, chunk, locality);
  auto h = cpu_linear(o, wp, bp, x2);
  if (mean) *mean = std::get<1>(norm);
  if (rstd) *rstd = std::get<2>(norm);
  if (qkv_out) *qkv_out = qkv;
  if (o_out) *o_out = o;
  if (lse_out) *lse_out = lse;
  return h;
}

struct self_attention_fn : torch::autograd::Function<self_attention_fn> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor lnw, torch::Tensor lnb,
                               torch::Tensor wqkv, torch::Tensor bqkv, torch::Tensor wp, torch::Tensor bp,
                               torch::Tensor bias, torch::Tensor positions, torch::Tensor slopes, std::int64_t heads,
                               std::int64_t chunk, double eps) {
    const auto b = x.size(0), s = x.size(1), d = x.size(2);
    auto x2 = x.contiguous().view({b * s, d});
    torch::Tensor mean, rstd, qkv, o, lse;
    auto h = self_attention_forward(x2, b, s, lnw, lnb, eps, wqkv, bqkv, wp, bp, bias, {positions, slopes}, heads,
                                    chunk, &mean, &rstd, &qkv, &o, &lse);
    ctx->save_for_backward({x2, mean, rstd, qkv, o, bias, lnw, lnb, wqkv, wp, lse, positions, slopes});
    ctx->saved_data["heads"] = heads;
    ctx->saved_data["chunk"] = chunk;
    ctx->saved_data["eps"] = eps;
    return h.view({b, s, d});
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x2 = saved[0], &mean = saved[1], &rstd = saved[2], &qkv = saved[3], &o = saved[4], &bias = saved[5];
    const auto &lnw = saved[6], &lnb = saved[7], &wqkv = saved[8], &wp = saved[9], &lse = saved[10];
    const auto heads = ctx->saved_data["heads"].toInt(), chunk = ctx->saved_data["chunk"].toInt();
    const double eps = ctx->saved_data["eps"].toDouble();
    const auto b = grads[0].size(0), s = grads[0].size(1), d = x2.size(1), n = x2.size(0);
    auto dh = grads[0].contiguous().view({n, d});
    auto dwp = cpu_mm(dh.t(), o);
    auto dbp = dh.sum(0);
    auto d_o = cpu_mm(dh, wp);
    auto dqkv = torch::empty({n, 3 * d}, x2.options());
    auto [q, k, v] = split_qkv(qkv, b, s, heads);
    auto [dq, dk, dv] = split_qkv(dqkv, b, s, heads);
    attention_backward(q, k, v, bias, heads_view(o, b, s, heads), lse, heads_view(d_o, b, s, heads), dq, dk, dv, chunk,
                       {saved[11], saved[12]});
    d_o.reset();
    auto a = std::get<0>(at::native_layer_norm(x2, {d}, lnw, lnb, eps));
    auto dwqkv = cpu_mm(dqkv.t(), a);
    a.reset();
    auto dbqkv = dqkv.sum(0);
    auto da = cpu_mm(dqkv, wqkv);
    dqkv.reset();
    auto [dx, dlnw, dlnb] = at::native_layer_norm_backward(da, x2, {d}, mean, rstd, lnw, lnb, all_grads);
    dx.add_(dh);
    return {dx.view({b, s, d}),
            dlnw,
            dlnb,
            dwqkv,
            dbqkv,
            dwp,
            dbp,
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor(),
            torch::Tensor()};
  }
};

struct mlp_fn : torch::autograd::Function<mlp_fn> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor h, torch::Tensor lnw, torch::Tensor lnb,
                               torch::Tensor w1, torch::Tensor b1, torch::Tensor w2, torch::Tensor b2, double eps) {
    const auto shape = h.sizes().vec();
    const auto d = h.size(-1);
    auto h2 = h.contiguous().view({-1, d});
    auto norm = at::native_layer_norm(h2, {d}, lnw, lnb, eps);
    auto u = cpu_linear(std::get<0>(norm), w1, b1);
    std::get<0>(norm).reset();
    auto y = cpu_linear(at::gelu(u), w2, b2, h2);
    ctx->save_for_backward({h2, std::get<1>(norm), std::get<2>(norm), u, lnw, lnb, w1, w2});
    ctx->saved_data["eps"] = eps;
    return y.view(shape);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &h2 = saved[0], &mean = saved[1], &rstd = saved[2], &u = saved[3];
    const auto &lnw = saved[4], &lnb = saved[5], &w1 = saved[6], &w2 = saved[7];
    const double eps = ctx->saved_data["eps"].toDouble();
    const auto shape = grads[0].sizes().vec();
    const auto d = h2.size(1);
    auto dy = grads[0].contiguous().view({-1, d});
    auto g = at::gelu(u);  // recomputed rather than saved
    auto dw2 = cpu_mm(dy.t(), g);
    auto db2 = dy.sum(0);
    cpu_mm_into(g, dy, w2);          // g now holds dG
    at::gelu_backward_out(g, g, u);  // and now dU
    auto c = std::get<0>(at::native_layer_norm(h2, {d}, lnw, lnb, eps));
    auto dw1 = cpu_mm(g.t(), c);
    c.reset();
    auto db1 = g.sum(0);
    auto dc = cpu_mm(g, w1);
    g.reset();
    auto [dh, dlnw, dlnb] = at::native_layer_norm_backward(dc, h2, {d}, mean, rstd, lnw, lnb, all_grads);
    dh.add_(dy);
    return {dh.view(shape), dlnw, dlnb, dw1, db1, dw2, db2, torch::Tensor()};
  }
};

struct linear_fn : torch::autograd::Function<linear_fn> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor x, torch::Tensor w, torch::Tensor b) {
    const auto shape = x.sizes().vec();
    auto x2 = x.contiguous().view({-1, x.size(-1)});
    ctx->save_for_backward({x2, w});
    auto out_shape = shape;
    out_shape.back() = w.size(0);
    return cpu_linear(x2, w, b).view(out_shape);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x2 = saved[0], &w = saved[1];
    auto shape = grads[0].sizes().vec();
    shape.back() = w.size(1);
    auto dy = grads[0].contiguous().view({-1, w.size(0)});
    return {cpu_mm(dy, w).view(shape), cpu_mm(dy.t(), x2), dy.sum(0)};
  }
};

torch::Tensor no_bias_marker(const torch::Tensor& x) { return torch::empty({0}, x.options()); }

}  // namespace

transformer_block_impl::transformer_block_impl(std::int64_t dim, std::int64_t heads_, std::int64_t mlp_ratio,
                                               std::int64_t attention_chunk)
    : heads(heads_), chunk(attention_chunk) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  fc1 = register_module("fc1", torch::nn::Linear(dim, mlp_ratio * dim));
  fc2 = register_module("fc2", torch::nn::Linear(mlp_ratio * dim, dim));
}

torch::Tensor transformer_block_impl::forward(const torch::Tensor& x, const torch::Tensor& key_bias,
                                              const attention_locality& locality) {
  auto h = fused_self_attention(x, norm1, qkv, proj, key_bias, heads, chunk, locality);
  return fused_mlp(h, norm2, fc1, fc2);
}

torch::Tensor fused_self_attention(const torch::Tensor& x, const torch::nn::LayerNorm& norm,
                                   const torch::nn::Linear& qkv, const torch::nn::Linear& proj,
                                   const torch::Tensor& key_bias, std::int64_t heads, std::int64_t chunk,
                                   const attention_locality& locality) {
  TORCH_CHECK(x.dim() == 3, "self-attention expects [B,S,D]");
  if (!x.device().is_cpu()) return composed_self_attention(x, norm, qkv, proj, key_bias, heads, locality);
  const double eps = norm->options.eps();
  auto bias = key_bias.defined() ? key_bias.to(x.scalar_type()).contiguous() : no_bias_marker(x);
  if (!needs_graph({&x, &norm->weight, &norm->bias, &qkv->weight, &qkv->bias, &proj->weight, &proj->bias})) {
    const auto b = x.size(0), s = x.size(1), d = x.size(2);
    return self_attention_forward(x.contiguous().view({b * s, d}), b, s, norm->weight, norm->bias, eps, qkv->weight,
                                  qkv->bias, proj->weight, proj->bias, bias, locality, heads, chunk, nullptr, nullptr,
                                  nullptr, nullptr, nullptr)
        .view({b, s, d});
  }
  const auto none = no_bias_marker(x);
  return self_attention_fn::apply(x, norm->weight, norm->bias, qkv->weight, qkv->bias, proj->weight, proj->bias, bias,
                                  locality.active() ? locality.positions : none,
                                  locality.active() ? locality.slopes : none, heads, chunk, eps);
}

torch::Tensor fused_mlp(const torch::Tensor& h, const torch::nn::LayerNorm& norm, const torch::nn::Linear& fc1,
                        const torch::nn::Linear& fc2) {
  if (!h.device().is_cpu()) return composed_mlp(h, norm, fc1, fc2);
  const double eps = norm->options.eps();
  if (!needs_graph({&h, &norm->weight, &norm->bias, &fc1->weight, &fc1->bias, &fc2->weight, &fc2->bias})) {
    const auto d = h.size(-1);
    auto h2 = h.contiguous().view({-1, d});
    auto u = cpu_linear(at::layer_norm(h2, {d}, norm->weight, norm->bias, eps), fc1->weight, fc1->bias);
    at::gelu_(u);
    return cpu_linear(u, fc2->weight, fc2->bias, h2).view(h.sizes());
  }
  return mlp_fn::apply(h, norm->weight, norm->bias, fc1->weight, fc1->bias, fc2->weight, fc2->bias, eps);
}

torch::Tensor composed_self_attention(const torch::Tensor& x, const torch::nn::LayerNorm& norm,
                                      const torch::nn::Linear& qkv, const torch::nn::Linear& proj,
                                      const torch::Tensor& key_bias, std::int64_t heads,
                                      const attention_locality& locality) {
  const auto b = x.size(0), s = x.size(1), d = x.size(2);
  auto a = torch::layer_norm(x, {d}, norm->weight, norm->bias, norm->options.eps());
  auto q_k_v = torch::nn::functional::linear(a, qkv->weight, qkv->bias)
                   .view({b, s, 3, heads, d / heads})
                   .permute({2, 0, 3, 1, 4});
  auto o = merge_heads(composed_attention(q_k_v[0], q_k_v[1], q_k_v[2], key_bias, locality));
  return x + torch::nn::functional::linear(o, proj->weight, proj->bias);
}

torch::Tensor composed_mlp(const torch::Tensor& h, const torch::nn::LayerNorm& norm, const torch::nn::Linear& fc1,
                           const torch::nn::Linear& fc2) {
  auto a = torch::layer_norm(h, {h.size(-1)}, norm->weight, norm->bias, norm->options.eps());
  auto u = torch::gelu(torch::nn::functional::linear(a, fc1->weight, fc1->bias));
  return h + torch::nn::functional::linear(u, fc2->weight, fc2->bias);
}

torch::Tensor fast_linear(const torch::Tensor& x, const torch::nn::Linear& layer) {
  const auto& w = layer->weight;
  const auto& b = layer->bias;
  TORCH_CHECK(b.defined(), "fast_linear needs a layer with a bias");
  if (!x.device().is_cpu()) return torch::nn::functional::linear(x, w, b);
  if (!needs_graph({&x, &w, &b})) {
    auto shape = x.sizes().vec();
    shape.back() = w.size(0);
    return cpu_linear(x.contiguous().view({-1, x.size(-1)}), w, b).view(shape);
  }
  return linear_fn::apply(x, w, b);
}

torch::Tensor split_heads(const torch::Tensor& x, std::int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

attention_locality token_locality(const torch::Tensor& positions, const torch::Tensor& slopes) {
  if (!slopes.gt(0).any().item<bool>()) return {};
  return {positions.to(torch::kFloat32).contiguous(), slopes.to(torch::kFloat32).contiguous()};
}

torch::Tensor key_bias_from_valid(const torch::Tensor& valid) {
  auto bias = torch::zeros(valid.sizes(), valid.options().dtype(torch::kFloat32));
  bias.masked_fill_(valid.logical_not(), -std::numeric_limits<float>::infinity());
  return bias.view({valid.size(0), 1, 1, valid.size(1)});
}

}  // namespace atn
