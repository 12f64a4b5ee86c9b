// Where the trainer draws its batches from: the sample pool of `atn-node train`, or the live
// feed of a running node (torch-free interface).
#pragma once

#include "messages/training_messages.hpp"
#include "model/training_batch.hpp"

#include <cstdint>
#include <optional>

namespace atn {

class batch_source {
 public:
  virtual ~batch_source() = default;
  /// The next batch of the requested modalities, or nothing when no such sample exists.
  virtual std::optional<training_batch> next(const modality_set& modalities) = 0;
};

}  // namespace atn
