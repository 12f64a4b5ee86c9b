#include "model/transformer_block.hpp"

#include "model/chunked_attention.hpp"

#include <limits>

namespace atn {

transformer_block_impl::transformer_block_impl(std::int64_t dim, std::int64_t heads_,
                                               std::int64_t mlp_ratio, std::int64_t attention_chunk)
    : heads(heads_), chunk(attention_chunk) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  fc1 = register_module("fc1", torch::nn::Linear(dim, mlp_ratio * dim));
  fc2 = register_module("fc2", torch::nn::Linear(mlp_ratio * dim, dim));
}

torch::Tensor transformer_block_impl::forward(const torch::Tensor& x, const torch::Tensor& key_bias) {
  const auto b = x.size(0), s = x.size(1), d = x.size(2);
  // [B,S,3,H,dh] → three [B,H,S,dh] views; matmul copes with the strides.
  auto qkv_out = qkv(norm1(x)).view({b, s, 3, heads, d / heads}).permute({2, 0, 3, 1, 4});
  auto attn = chunked_attention(qkv_out[0], qkv_out[1], qkv_out[2], key_bias, chunk);
  auto h = x + proj(merge_heads(attn));
  return h + fc2(torch::gelu(fc1(norm2(h))));
}

torch::Tensor split_heads(const torch::Tensor& x, std::int64_t heads) {
  return x.view({x.size(0), x.size(1), heads, x.size(2) / heads}).transpose(1, 2);
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

torch::Tensor key_bias_from_valid(const torch::Tensor& valid) {
  auto bias = torch::zeros(valid.sizes(), valid.options().dtype(torch::kFloat32));
  bias.masked_fill_(valid.logical_not(), -std::numeric_limits<float>::infinity());
  return bias.view({valid.size(0), 1, 1, valid.size(1)});
}

}  // namespace atn
