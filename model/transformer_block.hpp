// Pre-norm transformer block: x + attn(LN(x)), then x + MLP(LN(x)); fused QKV projection. Both halves
// are single autograd nodes with hand-written backward passes that save about 10·D floats per token
// instead of 17·D.
#pragma once

#include "model/chunked_attention.hpp"

#include <torch/torch.h>

namespace atn {

/// Self-attention block. `key_bias` is [B,1,1,S] or [B|1,1,S,S] (0 keep, -inf drop) or undefined;
/// `locality` an optional ALiBi penalty from token positions.
struct transformer_block_impl : torch::nn::Module {
  transformer_block_impl(std::int64_t dim, std::int64_t heads, std::int64_t mlp_ratio, std::int64_t attention_chunk);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_bias, const attention_locality& locality = {});

  std::int64_t heads, chunk;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE_IMPL(transformer_block, transformer_block_impl);

/// h = x + proj(attention(qkv(norm(x)))) as one autograd node. It saves x, the qkv projection and
/// the attention output; backward recomputes the norm and the attention probabilities. Off the
/// CPU: composed_self_attention.
torch::Tensor fused_self_attention(const torch::Tensor& x, const torch::nn::LayerNorm& norm,
                                   const torch::nn::Linear& qkv, const torch::nn::Linear& proj,
                                   const torch::Tensor& key_bias, std::int64_t heads, std::int64_t chunk,
                                   const attention_locality& locality = {});

/// y = h + fc2(gelu(fc1(norm(h)))) as one autograd node. It saves h and fc1's output; backward
/// recomputes the norm and the GELU (a third of a block's activation memory). Off the CPU:
/// composed_mlp.
torch::Tensor fused_mlp(const torch::Tensor& h, const torch::nn::LayerNorm& norm, const torch::nn::Linear& fc1,
                        const torch::nn::Linear& fc2);

/// The two halves as plain LibTorch operations on any device, differentiated by autograd: what the
/// fused functions run off the CPU (CUDA), where their CPU kernels do not apply.
torch::Tensor composed_self_attention(const torch::Tensor& x, const torch::nn::LayerNorm& norm,
                                      const torch::nn::Linear& qkv, const torch::nn::Linear& proj,
                                      const torch::Tensor& key_bias, std::int64_t heads,
                                      const attention_locality& locality = {});
torch::Tensor composed_mlp(const torch::Tensor& h, const torch::nn::LayerNorm& norm, const torch::nn::Linear& fc1,
                           const torch::nn::Linear& fc2);

/// layer(x) for x [..., in] through the kernels' own products (one autograd node; torch's linear
/// off the CPU); the layer must have a bias.
torch::Tensor fast_linear(const torch::Tensor& x, const torch::nn::Linear& layer);

/// [B,S,D] → [B,H,S,D/H].
torch::Tensor split_heads(const torch::Tensor& x, std::int64_t heads);
/// [B,H,S,d] → [B,S,H·d].
torch::Tensor merge_heads(const torch::Tensor& x);

/// The locality of tokens at sequence positions [B,S] (int64) under `slopes` [H]; inactive when
/// every slope is 0, so the kernel skips it.
attention_locality token_locality(const torch::Tensor& positions, const torch::Tensor& slopes);

/// Additive attention bias [B,1,1,S] from a validity mask [B,S] (true = attend).
torch::Tensor key_bias_from_valid(const torch::Tensor& valid);

}  // namespace atn
