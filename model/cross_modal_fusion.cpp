#include "model/cross_modal_fusion.hpp"

#include "model/transformer_block.hpp"

namespace atn {
namespace {
// Keys: the absent embedding, then the other modality's tokens where present.
std::pair<torch::Tensor, torch::Tensor> keys_with_absent(const torch::Tensor& absent, const torch::Tensor& tokens,
                                                         const torch::Tensor& token_valid, std::int64_t batch) {
  auto first = absent.expand({batch, 1, absent.size(2)});
  auto one = torch::ones({batch, 1}, torch::TensorOptions().dtype(torch::kBool).device(absent.device()));
  if (!tokens.defined()) return {first, key_bias_from_valid(one)};
  return {torch::cat({first, tokens}, 1), key_bias_from_valid(torch::cat({one, token_valid}, 1))};
}
}  // namespace

cross_modal_fusion_impl::cross_modal_fusion_impl(const model_config& c, std::int64_t attention_chunk) {
  absent_text = register_parameter("absent_text", torch::randn({1, 1, c.embed_dim}) * 0.02);
  absent_vision = register_parameter("absent_vision", torch::randn({1, 1, c.embed_dim}) * 0.02);
  text_from_vision = register_module("text_from_vision", torch::nn::ModuleList());
  vision_from_text = register_module("vision_from_text", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < c.fusion_depth; ++i) {
    text_from_vision->push_back(cross_attention_block(c.embed_dim, c.heads, c.mlp_ratio, attention_chunk));
    vision_from_text->push_back(cross_attention_block(c.embed_dim, c.heads, c.mlp_ratio, attention_chunk));
  }
}

std::pair<torch::Tensor, torch::Tensor> cross_modal_fusion_impl::forward(const torch::Tensor& text,
                                                                         const torch::Tensor& text_valid,
                                                                         const torch::Tensor& vision,
                                                                         const torch::Tensor& has_text,
                                                                         const torch::Tensor& has_visual) {
  const auto batch = text.defined() ? text.size(0) : vision.size(0);
  torch::Tensor vision_valid, text_key_valid;
  if (vision.defined()) vision_valid = has_visual.view({batch, 1}).expand({batch, vision.size(1)});
  if (text.defined()) text_key_valid = text_valid.logical_and(has_text.view({batch, 1}));
  // Both directions read the encoders' outputs, so neither depends on the other's order.
  auto [vision_keys, vision_bias] = keys_with_absent(absent_vision, vision, vision_valid, batch);
  auto [text_keys, text_bias] = keys_with_absent(absent_text, text, text_key_valid, batch);
  torch::Tensor fused_text = text, fused_vision = vision;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(text_from_vision->size()); ++i) {
    if (text.defined())
      fused_text = text_from_vision[i]->as<cross_attention_block_impl>()->forward(fused_text, vision_keys, vision_bias);
    if (vision.defined())
      fused_vision = vision_from_text[i]->as<cross_attention_block_impl>()->forward(fused_vision, text_keys, text_bias);
  }
  return {fused_text, fused_vision};
}

}  // namespace atn
