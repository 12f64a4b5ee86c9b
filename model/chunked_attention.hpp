// Memory-bounded exact attention: softmax(q kᵀ / √d + bias) v computed per (batch, head) in blocks
// of query rows small enough to stay in cache, saving only q, k and v for backward, which
// recomputes each block's probabilities (FlashAttention's recipe at the granularity of a CPU matrix
// product). Memory is O(S·d) per head instead of O(S²), which is what lets the base preset train
// 8 × 2048 within a few GB; keeping the S² work in cache is what makes it fast.
#pragma once

#include <torch/torch.h>

namespace atn {

/// q [B,H,Sq,d], k and v [B,H,Sk,d] (float32; any strides); key_bias [B|1,1,1,Sk] or
/// [B|1,1,Sq,Sk] (0 to keep, -inf to drop) or undefined. A query row that keeps no key gets zeros
/// (and passes no gradient) where plain softmax attention would give NaN.
/// Returns [B,H,Sq,d], a view of a [B,Sq,H,d] tensor (so merging heads needs no copy).
/// `chunk_rows` is the query-block height of the kernel.
torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_bias, std::int64_t chunk_rows);

/// The forward kernel without autograd: writes softmax(q kᵀ/√d + bias) v into `out` [B,H,Sq,d] and,
/// when `lse` is defined (float32 [B,H,Sq], contiguous), each row's log-sum-exp for backward.
/// q, k, v and out may be any float32 views whose last dimension has stride 1 (e.g. heads sliced
/// out of a fused qkv projection); `key_bias` must be contiguous or undefined.
void attention_forward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                       const torch::Tensor& key_bias, const torch::Tensor& out, const torch::Tensor& lse,
                       std::int64_t block_rows);

/// The backward kernel: from `dout` [B,H,Sq,d] and the forward's `out` and `lse` writes dq, dk and
/// dv (same shapes as q, k and v, last stride 1, distinct memory per batch and head), recomputing
/// the probabilities block by block.
void attention_backward(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& key_bias, const torch::Tensor& out, const torch::Tensor& lse,
                        const torch::Tensor& dout, const torch::Tensor& dq, const torch::Tensor& dk,
                        const torch::Tensor& dv, std::int64_t block_rows);

}  // namespace atn
