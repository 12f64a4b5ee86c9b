// The whole VL-JEPA: online context encoders, fusion and predictors (shared with the network),
// their EMA target twins and the local decoder (kept on the node).
#pragma once

#include "model/cross_modal_fusion.hpp"
#include "model/jepa_predictor.hpp"
#include "model/model_config.hpp"
#include "model/semantic_predictor.hpp"
#include "model/text_decoder.hpp"
#include "model/text_encoder.hpp"
#include "model/vit_encoder.hpp"

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace atn {

struct vl_jepa_model_impl : torch::nn::Module {
  vl_jepa_model_impl(const model_config& config, std::int64_t attention_chunk);

  /// Parameters that make up a delta, sorted by name: context encoders, fusion, predictors.
  std::vector<std::pair<std::string, torch::Tensor>> shared_parameters();

  /// (target, online) parameter pairs for the EMA update.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> ema_pairs();

  /// Copies every online encoder (and semantic head) into its target twin.
  void sync_targets();

  model_config config;
  vit_encoder vit{nullptr}, vit_target{nullptr};
  text_encoder text{nullptr}, text_target{nullptr};
  cross_modal_fusion fusion{nullptr};
  jepa_predictor text_predictor{nullptr}, image_predictor{nullptr};
  semantic_predictor semantic{nullptr}, semantic_target{nullptr};
  text_decoder decoder{nullptr};
};
TORCH_MODULE_IMPL(vl_jepa_model, vl_jepa_model_impl);

/// True when a parameter name belongs to the shared (delta) set.
bool is_shared_parameter(const std::string& name);

}  // namespace atn
