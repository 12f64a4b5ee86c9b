// Masked text encoder: byte embedding, 1-D sin-cos positions, pre-norm blocks honouring a
// padding mask and a locality bias over the tokens' true positions, final norm. Encodes only the
// kept (context) tokens.
#pragma once

#include "model/model_config.hpp"
#include "model/transformer_block.hpp"

#include <torch/torch.h>

namespace atn {

struct text_encoder_impl : torch::nn::Module {
  text_encoder_impl(const model_config& config, std::int64_t attention_chunk);

  /// tokens [B,S] (int64); keep [B,n] token positions or undefined for all; valid [B,n] (or [B,S]
  /// when keep is undefined) marks real entries: padding is never attended to. Returns [B,n,D].
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& keep, const torch::Tensor& valid);

  torch::nn::Embedding embed{nullptr};
  torch::Tensor positions;  // buffer [max_seq_length, D]
  torch::Tensor locality;   // buffer [heads]: the blocks' ALiBi slopes (model_config::text_locality)
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE_IMPL(text_encoder, text_encoder_impl);

}  // namespace atn
