#include "model/text_encoder.hpp"

#include "model/sincos_positions.hpp"

namespace atn {

text_encoder_impl::text_encoder_impl(const model_config& c, std::int64_t attention_chunk) {
  embed = register_module("embed", torch::nn::Embedding(c.vocab_size, c.embed_dim));
  positions = register_buffer("positions", sincos_1d(c.max_seq_length, c.embed_dim));
  locality = register_buffer("locality", locality_slopes(c.text_locality, c.heads));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < c.text_depth; ++i)
    blocks->push_back(transformer_block(c.embed_dim, c.heads, c.mlp_ratio, attention_chunk));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
}

torch::Tensor text_encoder_impl::forward(const torch::Tensor& tokens, const torch::Tensor& keep,
                                         const torch::Tensor& valid) {
  TORCH_CHECK(tokens.size(1) <= positions.size(0), "text longer than max_seq_length: ", tokens.size(1), " > ",
              positions.size(0));
  torch::Tensor x, token_positions;
  if (keep.defined()) {
    x = embed(torch::gather(tokens, 1, keep)) + positions.index({keep});
    token_positions = keep;
  } else {
    x = embed(tokens) + positions.narrow(0, 0, tokens.size(1)).unsqueeze(0);
    token_positions = torch::arange(tokens.size(1), tokens.options()).expand({tokens.size(0), tokens.size(1)});
  }
  const auto local = token_locality(token_positions, locality);
  auto bias = key_bias_from_valid(valid);
  for (auto& block : *blocks) x = block->as<transformer_block_impl>()->forward(x, bias, local);
  return norm(x);
}

}  // namespace atn
