// Semantic predictor: K learned queries attend to the fused context and become the K-vectors
// [B,K,D], the "latent plan" shared with the network and decoded locally.
#pragma once

#include "model/cross_attention_block.hpp"
#include "model/model_config.hpp"

#include <torch/torch.h>

namespace atn {

struct semantic_predictor_impl : torch::nn::Module {
  semantic_predictor_impl(const model_config& config, std::int64_t attention_chunk);

  /// context [B,n,D] with valid [B,n] → [B,K,D].
  torch::Tensor forward(const torch::Tensor& context, const torch::Tensor& valid);

  torch::Tensor queries;  // [1,K,D]
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE_IMPL(semantic_predictor, semantic_predictor_impl);

}  // namespace atn
