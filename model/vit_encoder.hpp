// ViT encoder: patch embedding (a stride-p convolution, written as a linear map on unfolded
// patches), 2-D sin-cos positions, pre-norm blocks, final norm. Encodes only the kept patches.
#pragma once

#include "model/model_config.hpp"
#include "model/transformer_block.hpp"

#include <torch/torch.h>

namespace atn {

struct vit_encoder_impl : torch::nn::Module {
  vit_encoder_impl(const model_config& config, std::int64_t attention_chunk);

  /// images [B,3,H,W]; keep [B,n] patch indices (row-major) or undefined for all patches.
  /// Returns [B,n,D].
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& keep);

  /// [B,N,3·p·p] unfolded patches, row-major.
  torch::Tensor patchify(const torch::Tensor& images) const;

  std::int64_t patch, side;
  torch::nn::Linear patch_embed{nullptr};
  torch::Tensor positions;  // buffer [N,D]
  torch::nn::ModuleList blocks;
  torch::nn::LayerNorm norm{nullptr};
};
TORCH_MODULE_IMPL(vit_encoder, vit_encoder_impl);

/// Gathers rows of x [B,S,D] at idx [B,n] → [B,n,D].
torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& idx);

}  // namespace atn
