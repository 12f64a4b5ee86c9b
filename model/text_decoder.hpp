// Local text decoder: a small causal transformer that reads the K-vectors as a prefix and
// predicts bytes. It never leaves the node and is never part of a delta.
#pragma once

#include "model/model_config.hpp"

#include <torch/torch.h>

namespace atn {

struct text_decoder_impl : torch::nn::Module {
  text_decoder_impl(const model_config& config, std::int64_t attention_chunk);

  /// k_vectors [B,K,D], tokens [B,T] → next-token logits [B,T,vocab] (position t predicts t+1).
  torch::Tensor forward(const torch::Tensor& k_vectors, const torch::Tensor& tokens);

  torch::nn::Embedding embed{nullptr};
  torch::Tensor positions;  // buffer
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE_IMPL(text_decoder, text_decoder_impl);

}  // namespace atn
