#include "model/semantic_predictor.hpp"

#include "model/transformer_block.hpp"

namespace atn {

semantic_predictor_impl::semantic_predictor_impl(const model_config& c, std::int64_t attention_chunk) {
  queries = register_parameter("queries", torch::randn({1, c.semantic_queries, c.embed_dim}) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < 2; ++i)
    blocks->push_back(cross_attention_block(c.embed_dim, c.heads, c.mlp_ratio, attention_chunk));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
}

torch::Tensor semantic_predictor_impl::forward(const torch::Tensor& context, const torch::Tensor& valid) {
  auto x = queries.expand({context.size(0), queries.size(1), queries.size(2)});
  auto bias = key_bias_from_valid(valid);
  for (auto& block : *blocks) x = block->as<cross_attention_block_impl>()->forward(x, context, bias);
  return norm(x);
}

}  // namespace atn
