// Architecture and training hyper-parameters of the VL-JEPA, with the named presets (torch-free).
#pragma once

#include "model/text_masker.hpp"

#include <cstdint>
#include <string>

namespace atn {

/// Architecture of the VL-JEPA. All numbers are configurable; `model_preset` gives the defaults.
struct model_config {
  std::string preset = "tiny";
  std::int64_t embed_dim = 64;       ///< D of both encoders and the fusion.
  std::int64_t heads = 4;            ///< attention heads of the encoders and the fusion.
  std::int64_t vit_depth = 2;        ///< ViT encoder blocks.
  std::int64_t text_depth = 2;       ///< text encoder blocks.
  std::int64_t fusion_depth = 1;     ///< cross-modal fusion blocks (each direction).
  std::int64_t predictor_depth = 2;  ///< JEPA predictor blocks.
  std::int64_t predictor_dim = 32;   ///< JEPA predictor width.
  std::int64_t predictor_heads = 4;
  std::int64_t semantic_queries = 8;  ///< K: learned queries, K-vectors [B,K,D].
  std::int64_t decoder_depth = 1;     ///< local text decoder blocks (never part of a delta).
  std::int64_t mlp_ratio = 4;
  std::int64_t image_size = 32;
  std::int64_t patch_size = 4;
  std::int64_t max_seq_length = 128;  ///< text window, in byte tokens.
  std::int64_t vocab_size = 260;
  /// Locality bias (ALiBi) of the text encoder and the text predictor: half their heads subtract
  /// text_locality·|i − j| from the attention score between tokens at positions i and j, the
  /// other half stay global. 0 turns it off.
  double text_locality = 1.0;

  std::int64_t patches_per_side() const { return image_size / patch_size; }
  std::int64_t num_patches() const { return patches_per_side() * patches_per_side(); }
};

/// Optimisation and schedule hyper-parameters.
struct train_config {
  std::int64_t steps = 100;
  std::int64_t batch_size = 8;
  double learning_rate = 1e-3;
  double min_learning_rate = 1e-5;
  std::int64_t warmup_steps = 10;
  double weight_decay = 0.04;
  double ema_start = 0.996;
  double ema_end = 1.0;
  double semantic_loss_weight = 0.5;  ///< K-vector prediction against the EMA semantic head.
  double decoder_loss_weight = 0.1;   ///< local decoder, on detached K-vectors; 0 switches it off.
  std::int64_t decoder_tokens = 64;   ///< tokens the decoder reconstructs per sample.
  double collapse_spread = 0.02;      ///< target-embedding spread below this is a collapse.
  std::uint64_t seed = 1;
  int threads = 0;                     ///< torch intra-op threads; 0 = all cores.
  std::int64_t attention_chunk = 128;  ///< query rows per attention block (sized to stay in cache).
  text_masker_config text_masking;     ///< how text targets are chosen (spans by default).
};

/// The defaults of a named preset: "tiny" (tests, seconds on 2 cores), "small" (CPU demo) or
/// "base" (D 384, 6 heads, ViT-S depth 12, text depth 6, predictor 6/192, image 224/16, seq 2048, K 32).
/// Throws std::invalid_argument naming the preset when it is unknown.
model_config model_preset(const std::string& name);

/// Checks the numbers fit together (heads divide dims, patches divide the image...); throws
/// std::invalid_argument naming the field otherwise.
void validate(const model_config& config);

}  // namespace atn
