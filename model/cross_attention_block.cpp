#include "model/cross_attention_block.hpp"

#include "model/chunked_attention.hpp"
#include "model/transformer_block.hpp"

namespace atn {

cross_attention_block_impl::cross_attention_block_impl(std::int64_t dim, std::int64_t heads_, std::int64_t mlp_ratio,
                                                       std::int64_t attention_chunk)
    : heads(heads_), chunk(attention_chunk) {
  norm_q = register_module("norm_q", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  norm_kv = register_module("norm_kv", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  q = register_module("q", torch::nn::Linear(dim, dim));
  kv = register_module("kv", torch::nn::Linear(dim, 2 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  fc1 = register_module("fc1", torch::nn::Linear(dim, mlp_ratio * dim));
  fc2 = register_module("fc2", torch::nn::Linear(mlp_ratio * dim, dim));
}

torch::Tensor cross_attention_block_impl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                                  const torch::Tensor& key_bias) {
  const auto b = context.size(0), s = context.size(1), d = context.size(2);
  auto kv_out = fast_linear(norm_kv(context), kv).view({b, s, 2, heads, d / heads}).permute({2, 0, 3, 1, 4});
  auto attn = chunked_attention(split_heads(fast_linear(norm_q(x), q), heads), kv_out[0], kv_out[1], key_bias, chunk);
  auto h = x + fast_linear(merge_heads(attn), proj);
  return fused_mlp(h, norm2, fc1, fc2);
}

}  // namespace atn
