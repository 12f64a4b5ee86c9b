// Memory-bounded exact attention: softmax(q kᵀ / √d + mask) v computed in query chunks, saving only
// q, k, v, the output and the log-sum-exp for backward, which recomputes the probabilities chunk by
// chunk (FlashAttention's recipe at the granularity of a CPU matrix product). Memory is O(S·d) per
// head instead of O(S²), which is what lets the base preset train 8 × 2048 within a few GB.
#pragma once

#include <torch/torch.h>

namespace atn {

/// q [B,H,Sq,d], k and v [B,H,Sk,d]; key_bias [B,1,1,Sk] or [B|1,1,Sq,Sk] (0 to keep, -inf to
/// drop) or undefined.
/// Every query row must keep at least one key. Returns [B,H,Sq,d].
torch::Tensor chunked_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& key_bias, std::int64_t chunk_rows);

}  // namespace atn
