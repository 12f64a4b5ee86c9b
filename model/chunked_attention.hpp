// Memory-bounded exact attention: softmax(q kᵀ / √d + bias) v computed per (batch, head) in blocks
// of query rows small enough to stay in cache, saving only q, k and v for backward, which
// recomputes each block's probabilities (FlashAttention's recipe at the granularity of a CPU matrix
// product). Memory is O(S·d) per head instead of O(S²), which is what lets the base preset train
// 8 × 2048 within a few GB; keeping the S² work in cache is what makes it fast.
#pragma once

#include <torch/torch.h>

namespace atn {

/// A locality bias for self-attention (ALiBi): head h adds −slopes[h]·|pᵢ − pⱼ| to the score of
/// query i against key j, from the tokens' sequence positions p. It is computed per block inside
/// the kernel, so it costs no [S,S] memory. Without it, a byte model must learn from absolute
/// sin-cos positions which bytes are neighbours; the tiny preset had not after 800 steps.
struct attention_locality {
  torch::Tensor positions;  ///< float32 [B,S], contiguous: each token's position (queries = keys).
  torch::Tensor slopes;     ///< float32 [H], contiguous, ≥ 0; 0 leaves a head global.
  bool active() const { return positions.defined() && positions.numel() > 0; }
};

/// Slopes for attention_locality: the first ⌈H/2⌉ heads get `slope`, the others 0, so half the
/// heads read a token's close neighbours and half the whole sequence. (ALiBi's geometric slopes,
/// slope·2^(−8h/H), leave one head local: in 400 steps the tiny model learnt less byte order with
/// them, probe 0.25–0.33, than with half the heads local, 0.35–0.40.)
torch::Tensor locality_slopes(double slope, std::int64_t heads);

/// The same attention as plain LibTorch operations on any device, differentiated by autograd, with
/// the kernel's conventions (a row keeping no key gets zeros and passes no gradient). It runs where
/// the CPU kernel cannot: on CUDA, at the cost of [B,H,Sq,Sk] scores.
torch::Tensor composed_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                 const torch::Tensor& key_bias, const attention_locality& locality = {});

/// q [B,H,Sq,d], k and v [B,H,Sk,d] (float32; any strides); key_bias [B|1,1,1,Sk] or
/// [B|1,1,Sq,Sk] (0 to keep, -inf to drop) or undefined. A query row that keeps no key gets zeros
/// (and passes no gradient) where plain softmax attention would give NaN.
/// Returns [B,H,Sq,d], a view of a [B,Sq,H,d] tensor (so merging heads needs no copy).
/// `chunk_rows` is the query-block height of the kernel. A `locality` needs Sq = Sk. Tensors off
/// the CPU go to composed_attention.
torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_bias, std::int64_t chunk_rows,
                                const attention_locality& locality = {});

/// The forward kernel without autograd: writes softmax(q kᵀ/√d + bias) v into `out` [B,H,Sq,d] and,
/// when `lse` is defined (float32 [B,H,Sq], contiguous), each row's log-sum-exp for backward.
/// q, k, v and out may be any float32 views whose last dimension has stride 1 (e.g. heads sliced
/// out of a fused qkv projection); `key_bias` must be contiguous or undefined.
void attention_forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& key_bias, const torch::Tensor& out, const torch::Tensor& lse,
                       std::int64_t block_rows, const attention_locality& locality = {});

/// The backward kernel: from `dout` [B,H,Sq,d] and the forward's `out` and `lse` writes dq, dk and
/// dv (same shapes as q, k and v, last stride 1, distinct memory per batch and head), recomputing
/// the probabilities block by block.
void attention_backward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& key_bias, const torch::Tensor& out, const torch::Tensor& lse,
                        const torch::Tensor& dout, const torch::Tensor& dq, const torch::Tensor& dk,
                        const torch::Tensor& dv, std::int64_t block_rows, const attention_locality& locality = {});

}  // namespace atn
