// Pre-norm cross-attention block: queries x attend to a context; then an MLP. Used by the
// cross-modal fusion, the semantic predictor and the local decoder.
#pragma once

#include <torch/torch.h>

namespace atn {

/// x [B,Sq,D] attends to context [B,Sk,D]; `key_bias` [B,1,1,Sk] or undefined.
struct cross_attention_block_impl : torch::nn::Module {
  cross_attention_block_impl(std::int64_t dim, std::int64_t heads, std::int64_t mlp_ratio,
                             std::int64_t attention_chunk);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& key_bias);

  std::int64_t heads, chunk;
  torch::nn::LayerNorm norm_q{nullptr}, norm_kv{nullptr}, norm2{nullptr};
  torch::nn::Linear q{nullptr}, kv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE_IMPL(cross_attention_block, cross_attention_block_impl);

}  // namespace atn
