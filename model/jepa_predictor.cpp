#include "model/jepa_predictor.hpp"

#include "model/transformer_block.hpp"

namespace atn {

jepa_predictor_impl::jepa_predictor_impl(const model_config& c, torch::Tensor table, double local_slope,
                                         std::int64_t attention_chunk) {
  embed = register_module("embed", torch::nn::Linear(c.embed_dim, c.predictor_dim));
  mask_token = register_parameter("mask_token", torch::randn({1, 1, c.predictor_dim}) * 0.02);
  positions = register_buffer("positions", table);
  locality = register_buffer("locality", locality_slopes(local_slope, c.predictor_heads));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < c.predictor_depth; ++i)
    blocks->push_back(transformer_block(c.predictor_dim, c.predictor_heads, c.mlp_ratio, attention_chunk));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.predictor_dim})));
  project = register_module("project", torch::nn::Linear(c.predictor_dim, c.embed_dim));
}

torch::Tensor jepa_predictor_impl::forward(const torch::Tensor& context, const torch::Tensor& ctx_pos,
                                           const torch::Tensor& ctx_valid, const torch::Tensor& tgt_pos,
                                           const torch::Tensor& tgt_valid) {
  const auto nc = context.size(1), nt = tgt_pos.size(1);
  auto ctx = fast_linear(context, embed) + positions.index({ctx_pos});
  auto tgt = mask_token.expand({tgt_pos.size(0), nt, mask_token.size(2)}) + positions.index({tgt_pos});
  auto x = torch::cat({ctx, tgt}, 1);
  // Mask tokens carry only positions, so attending among them leaks nothing about the targets.
  auto bias = key_bias_from_valid(torch::cat({ctx_valid, tgt_valid}, 1));
  const auto local = token_locality(torch::cat({ctx_pos, tgt_pos}, 1), locality);
  for (auto& block : *blocks) x = block->as<transformer_block_impl>()->forward(x, bias, local);
  return fast_linear(norm(x.narrow(1, nc, nt)), project);
}

}  // namespace atn
