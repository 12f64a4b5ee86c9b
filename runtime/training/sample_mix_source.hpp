// The live batch source: aligned samples from the feed, tokenized and normalised, drawn by a
// configurable mix of kinds so an unbalanced stream still trains every kind (torch-free).
#pragma once

#include "messages/feed_messages.hpp"
#include "model/model_config.hpp"
#include "runtime/training/batch_source.hpp"
#include "runtime/training/training_data.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace atn {

struct sample_mix_options {
  double text_weight = 1.0;        ///< share of batch slots drawn from text-only samples
  double visual_weight = 1.0;      ///< ... from visual-only samples
  double multimodal_weight = 1.0;  ///< ... from multimodal samples
  std::int64_t batch_size = 8;
  std::size_t window_stride = 0;  ///< token window stride; 0: half a window
  std::uint64_t seed = 1;
};

/// Sample kinds, in the order of sample_mix_source's counters.
enum class sample_kind { text = 0, visual = 1, multimodal = 2 };

/// Serves batches over aligned samples. Text (lines joined by '\n') is cut into token windows of
/// max_seq_length (one training sample per window; a multimodal sample's windows all share its
/// image); images are resized to the model's size and ImageNet-normalised. Each batch slot picks a
/// kind by the weights (kinds without samples, or with weight 0, are left out), so batches mix kinds
/// and a small kind is drawn again and again while a large one is not cut: sampling with
/// replacement across kinds. Within a kind, samples are drawn in shuffled passes, so every sample
/// is used before any is used twice. A task without vision still draws multimodal samples, for
/// their text (and one without text, for their image). Thread-safe: add() may run while the
/// trainer calls next().
class sample_mix_source : public batch_source {
 public:
  /// Throws std::invalid_argument for a negative weight or a batch size below 1.
  sample_mix_source(const model_config& model, sample_mix_options options);

  /// Adds samples; ones with no text and no usable image (null, or not size·size·3 bytes) are
  /// counted as rejected and skipped. Returns how many training samples (windows) were added.
  std::size_t add(const std::vector<aligned_sample>& samples);

  /// Drops every sample (e.g. when the feed ages them out).
  void clear();

  std::optional<training_batch> next(const modality_set& modalities) override;

  /// Training samples (windows) of a kind.
  std::size_t size(sample_kind kind) const;
  /// Batch slots filled from a kind so far.
  std::uint64_t drawn(sample_kind kind) const;
  /// Distinct samples of a kind drawn at least once.
  std::size_t used(sample_kind kind) const;
  /// Aligned samples refused by add().
  std::uint64_t rejected() const;

 private:
  struct pool {
    std::vector<training_sample> samples;
    std::vector<bool> seen;
    std::vector<std::size_t> order;  // the current shuffled pass
    std::size_t at = 0;
    std::uint64_t drawn = 0;
    std::size_t used = 0;
  };
  const training_sample& draw(pool& p);
  std::shared_ptr<const std::vector<float>> normalise(const aligned_sample& s) const;

  model_config model_;
  sample_mix_options options_;
  mutable std::mutex mutex_;
  pool pools_[3];
  std::uint64_t rng_state_;
  std::uint64_t batches_ = 0;
  std::uint64_t rejected_ = 0;
};

}  // namespace atn
