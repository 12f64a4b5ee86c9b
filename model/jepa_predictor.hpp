// JEPA predictor: context embeddings plus mask tokens at the target positions (1-D or 2-D
// sin-cos) go through a narrow transformer; the outputs at the targets predict the target
// encoder's embeddings there.
#pragma once

#include "model/model_config.hpp"

#include <torch/torch.h>

namespace atn {

struct jepa_predictor_impl : torch::nn::Module {
  /// `positions` [N, predictor_dim]: the position table of the modality (1-D text or 2-D grid);
  /// `locality` the slope of its local heads (see locality_slopes; 0: none), for 1-D positions only.
  jepa_predictor_impl(const model_config& config, torch::Tensor positions, double locality,
                      std::int64_t attention_chunk);

  /// context [B,nc,D] at positions ctx_pos [B,nc] with ctx_valid [B,nc]; targets at tgt_pos [B,nt]
  /// with tgt_valid [B,nt]. Returns predictions [B,nt,D].
  torch::Tensor forward(const torch::Tensor& context, const torch::Tensor& ctx_pos, const torch::Tensor& ctx_valid,
                        const torch::Tensor& tgt_pos, const torch::Tensor& tgt_valid);

  torch::nn::Linear embed{nullptr}, project{nullptr};
  torch::Tensor mask_token;  // [1,1,Dp]
  torch::Tensor positions;   // buffer [N,Dp]
  torch::Tensor locality;    // buffer [predictor_heads]: ALiBi slopes over the token positions
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE_IMPL(jepa_predictor, jepa_predictor_impl);

}  // namespace atn
