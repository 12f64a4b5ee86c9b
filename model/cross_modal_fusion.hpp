// Cross-modal fusion: text attends to vision (and vision to text, so masked patches are predicted
// from the cross-modal context too). A learned "absent" embedding is always a key; the other
// modality's tokens are keys only for samples whose presence flag is set, so a sample without that
// modality attends to the absent embedding alone.
#pragma once

#include "model/cross_attention_block.hpp"
#include "model/model_config.hpp"

#include <torch/torch.h>

#include <utility>

namespace atn {

struct cross_modal_fusion_impl : torch::nn::Module {
  cross_modal_fusion_impl(const model_config& config, std::int64_t attention_chunk);

  /// text [B,nt,D] with text_valid [B,nt], vision [B,nv,D]; either may be undefined when the whole
  /// batch lacks it. has_text / has_visual [B] bool. Returns the fused (text, vision).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& text, const torch::Tensor& text_valid,
                                                  const torch::Tensor& vision, const torch::Tensor& has_text,
                                                  const torch::Tensor& has_visual);

  torch::Tensor absent_text, absent_vision;  // [1,1,D]
  torch::nn::ModuleList text_from_vision, vision_from_text;
};
TORCH_MODULE_IMPL(cross_modal_fusion, cross_modal_fusion_impl);

}  // namespace atn
