#include "model/vit_encoder.hpp"

#include "model/sincos_positions.hpp"

namespace atn {

vit_encoder_impl::vit_encoder_impl(const model_config& c, std::int64_t attention_chunk)
    : patch(c.patch_size), side(c.patches_per_side()) {
  patch_embed = register_module("patch_embed", torch::nn::Linear(3 * patch * patch, c.embed_dim));
  positions = register_buffer("positions", sincos_2d(side, c.embed_dim));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < c.vit_depth; ++i)
    blocks->push_back(transformer_block(c.embed_dim, c.heads, c.mlp_ratio, attention_chunk));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
}

torch::Tensor vit_encoder_impl::patchify(const torch::Tensor& images) const {
  const auto b = images.size(0);
  return images.reshape({b, 3, side, patch, side, patch})
      .permute({0, 2, 4, 1, 3, 5})
      .reshape({b, side * side, 3 * patch * patch});
}

torch::Tensor vit_encoder_impl::forward(const torch::Tensor& images, const torch::Tensor& keep) {
  auto patches = patchify(images);
  torch::Tensor x;
  if (keep.defined()) {
    // Embed only the kept patches: cheaper than embedding all and gathering.
    x = fast_linear(gather_rows(patches, keep), patch_embed) + positions.index({keep});
  } else {
    x = fast_linear(patches, patch_embed) + positions.unsqueeze(0);
  }
  for (auto& block : *blocks) x = block->as<transformer_block_impl>()->forward(x, torch::Tensor());
  return norm(x);
}

torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& idx) {
  return torch::gather(x, 1, idx.unsqueeze(-1).expand({idx.size(0), idx.size(1), x.size(2)}));
}

}  // namespace atn
