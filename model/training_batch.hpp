// A batch as the trainer takes it, torch-free: byte tokens and/or images with presence flags.
#pragma once

#include <cstdint>
#include <vector>

namespace atn {

/// B samples. A sample without text has tokens [BOS, EOS] and has_text 0; a sample without an
/// image has zeros and has_visual 0: the model substitutes its learned "absent" embedding.
struct training_batch {
  std::int64_t batch = 0;
  std::int64_t seq_len = 0;              ///< 0 when the batch carries no text at all
  std::vector<std::int64_t> tokens;      ///< [B*seq_len], PAD-padded
  std::vector<std::uint8_t> valid;       ///< [B*seq_len], 1 for real tokens
  std::int64_t image_size = 0;           ///< 0 when the batch carries no image at all
  std::vector<float> images;             ///< [B*3*size*size], ImageNet-normalised CHW
  std::vector<std::uint8_t> has_text;    ///< [B]
  std::vector<std::uint8_t> has_visual;  ///< [B]
  std::vector<std::int32_t> labels;      ///< [B] optional class per sample (the agent), for probes

  bool any_text() const { return seq_len > 0; }
  bool any_visual() const { return image_size > 0; }
};

}  // namespace atn
