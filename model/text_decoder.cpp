#include "model/text_decoder.hpp"

#include "model/sincos_positions.hpp"
#include "model/transformer_block.hpp"

#include <limits>

namespace atn {

text_decoder_impl::text_decoder_impl(const model_config& c, std::int64_t attention_chunk) {
  embed = register_module("embed", torch::nn::Embedding(c.vocab_size, c.embed_dim));
  positions = register_buffer("positions", sincos_1d(c.max_seq_length + c.semantic_queries, c.embed_dim));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t i = 0; i < c.decoder_depth; ++i)
    blocks->push_back(transformer_block(c.embed_dim, c.heads, c.mlp_ratio, attention_chunk));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.embed_dim})));
  head = register_module("head", torch::nn::Linear(c.embed_dim, c.vocab_size));
}

torch::Tensor text_decoder_impl::forward(const torch::Tensor& k_vectors, const torch::Tensor& tokens) {
  const auto k = k_vectors.size(1), t = tokens.size(1), n = k + t;
  auto x = torch::cat({k_vectors, embed(tokens)}, 1) + positions.narrow(0, 0, n).unsqueeze(0);
  // Causal over the whole prefix+tokens sequence: the prefix sees itself, tokens see the past.
  auto allowed = torch::ones({n, n}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).tril();
  auto bias =
      torch::zeros({n, n}, x.options()).masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  bias = bias.view({1, 1, n, n});
  for (auto& block : *blocks) x = block->as<transformer_block_impl>()->forward(x, bias);
  return head(norm(x.narrow(1, k, t)));
}

}  // namespace atn
