// Attention as plain LibTorch operations, the reference the hand-written kernels are held to.
#pragma once

#include <torch/torch.h>

#include <cmath>

namespace atn::test {

/// softmax(q kᵀ/√d + bias) v; `bias` broadcasts against [B,H,Sq,Sk] or is undefined.
inline torch::Tensor plain_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                     const torch::Tensor& bias) {
  auto s = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (bias.defined()) s = s + bias;
  return torch::matmul(torch::softmax(s, -1), v);
}

/// The ALiBi penalty materialised: [B,H,S,S] with −slopes[h]·|positions[b,i] − positions[b,j]|.
inline torch::Tensor locality_bias(const torch::Tensor& positions, const torch::Tensor& slopes) {
  auto p = positions.to(torch::kFloat32);
  auto distance = (p.unsqueeze(2) - p.unsqueeze(1)).abs().unsqueeze(1);
  return -slopes.view({1, -1, 1, 1}) * distance;
}

}  // namespace atn::test
