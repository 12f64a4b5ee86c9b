// I-JEPA multi-block masking over a grid of image patches (torch-free; the model turns the
// indices into tensors).
#pragma once

#include <cstdint>
#include <vector>

#include "model/rng.hpp"

namespace atn {

/// Multi-block masking parameters (I-JEPA's defaults). Scales are fractions of the grid's patches;
/// an aspect ratio is a block's height / width.
struct image_masker_config {
  std::int64_t grid_height = 14;  ///< patches per column.
  std::int64_t grid_width = 14;   ///< patches per row.
  std::int64_t target_blocks = 4;
  double target_scale_min = 0.15;
  double target_scale_max = 0.20;
  double target_aspect_min = 0.75;
  double target_aspect_max = 1.5;
  double context_scale_min = 0.85;
  double context_scale_max = 1.0;
  double context_aspect_min = 1.0;
  double context_aspect_max = 1.0;
  std::int64_t min_keep = 4;    ///< fewest context patches a placement may leave.
  std::int64_t max_tries = 20;  ///< context placements per target placement, and target
                                ///< placements per sample, before the fallback.
};

/// A block's size in patches.
struct block_size {
  std::int64_t height = 0;
  std::int64_t width = 0;
  std::int64_t area() const { return height * width; }
};

/// The masks of one image before truncation. Patch p is row p / grid_width, column p % grid_width.
struct image_mask_sample {
  std::vector<std::int64_t> context;               ///< visible patches, ascending.
  std::vector<std::vector<std::int64_t>> targets;  ///< target_blocks blocks, each ascending.
};

/// Untruncated masks of a batch with the block sizes drawn for it.
struct image_mask_draw {
  block_size target_block;
  block_size context_block;
  std::vector<image_mask_sample> samples;
};

/// A batch of masks cut to common lengths so they stack into tensors.
struct image_mask_batch {
  std::int64_t batch = 0;
  std::int64_t n_ctx = 0;                          ///< context patches per sample.
  std::int64_t n_tgt_per_block = 0;                ///< patches per target block.
  std::vector<std::int64_t> ctx_idx;               ///< batch × n_ctx patch indices.
  std::vector<std::vector<std::int64_t>> tgt_idx;  ///< target_blocks lists of batch × n_tgt_per_block.
};

/// I-JEPA's MaskCollator. Per batch, one target block size (scale and aspect drawn uniformly) and
/// one context block size are drawn; per sample, target_blocks target blocks (they may overlap each
/// other) and one context block are placed uniformly at random and the target patches are removed
/// from the context. When fewer than min_keep context patches remain, the context block is placed
/// again (max_tries times), then the targets too (max_tries rounds); if every placement fails, the
/// context is every patch outside the targets. Context and targets never share a patch.
///
/// Block sizes are the integer height × width closest to the drawn scale and aspect that respects
/// the configured scale and aspect bounds (the bounds win over the draw; where the grid is too
/// coarse for both, the scale bounds win over the aspect bounds).
///
/// Every list is then cut to the batch minimum, keeping the lowest patch indices, as I-JEPA does.
/// Deterministic: the same seed gives the same masks on every platform.
class image_masker {
 public:
  /// Throws std::invalid_argument naming the field when the configuration is inconsistent.
  explicit image_masker(image_masker_config config = {});

  const image_masker_config& config() const { return config_; }

  /// The block size for a drawn `scale` and `aspect` within the given bounds (see the class).
  block_size block_for(double scale, double aspect, double scale_min, double scale_max, double aspect_min,
                       double aspect_max) const;

  /// The untruncated masks of `batch` samples for `seed`.
  image_mask_draw draw(std::int64_t batch, std::uint64_t seed) const;

  /// Cuts a draw's lists to the batch minima and flattens them.
  static image_mask_batch stack(const image_mask_draw& draw);

  /// draw() then stack(): the masks of one batch for `seed`.
  image_mask_batch collate(std::int64_t batch, std::uint64_t seed) const { return stack(draw(batch, seed)); }

 private:
  void place(const block_size& size, rng& gen, std::int64_t& top, std::int64_t& left) const;

  image_masker_config config_;
};

}  // namespace atn
