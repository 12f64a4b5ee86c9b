// The training data of `atn-node train`: ATN sessions cut into token windows, screen frames,
// and frames paired with the text of the moment (±2 s), split into training and held-out sets by
// whole sessions, and served as batches (torch-free).
#pragma once

#include "data/input_report.hpp"
#include "data/privacy_filter.hpp"
#include "model/model_config.hpp"
#include "model/training_batch.hpp"
#include "runtime/training/batch_source.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace atn {

/// One sample: a token window and/or an image.
struct training_sample {
  std::vector<std::int64_t> tokens;                 ///< BOS … EOS; empty without text
  std::shared_ptr<const std::vector<float>> image;  ///< CHW at the model's size; null without one
  std::int32_t label = -1;                          ///< index into training_data::agents, -1 unknown
  std::string session;                              ///< the session (or frame) it came from
};

struct training_data_options {
  std::filesystem::path atn_dir;
  std::optional<std::filesystem::path> images_dir;
  model_config model;
  modality_set modalities{true, true};
  double holdout = 0.2;                 ///< fraction of sessions held out, whole sessions
  std::int64_t align_window_ms = 2000;  ///< a frame pairs with a turn within this distance
  std::size_t window_stride = 0;        ///< 0: half a window
  privacy_config privacy;
  std::uint64_t seed = 1;
  /// Keep only slice `train_slice` of `train_slices` of the training sessions (by a stable hash of
  /// the session id): disjoint slices for the solvers of a simulation.
  std::size_t train_slice = 0, train_slices = 1;
  /// The same for the held-out sessions: each coordinator verifies on its own slice.
  std::size_t held_out_slice = 0, held_out_slices = 1;
};

/// Samples by kind and split.
struct sample_split {
  std::vector<training_sample> text, visual, multimodal;
  std::size_t size() const { return text.size() + visual.size() + multimodal.size(); }
};

struct training_data {
  sample_split train, held_out;
  std::vector<std::string> agents;  ///< label names, sorted
  std::size_t sessions = 0, held_out_sessions = 0, frames = 0, paired_frames = 0;
};

/// Reads, scrubs, tokenizes, pairs and splits. Bad input is counted in `report` and skipped.
/// Throws std::runtime_error when nothing usable is left for the requested modalities.
training_data load_training_data(const training_data_options& options, input_report& report);

/// Pads samples into one batch for the model (text to the longest window, images as they are).
training_batch make_batch(const std::vector<const training_sample*>& samples, const model_config& model);

/// Batches of `batch_size` over a list of samples, in order (for evaluation).
std::vector<training_batch> make_batches(const std::vector<training_sample>& samples, std::int64_t batch_size,
                                         const model_config& model);

/// Serves random batches from a sample split, rotating over the kinds the task asks for (text,
/// visual, multimodal) so an unbalanced pool still trains every kind.
class sample_pool_source : public batch_source {
 public:
  sample_pool_source(const sample_split& pool, const model_config& model, std::int64_t batch_size, std::uint64_t seed);
  std::optional<training_batch> next(const modality_set& modalities) override;

 private:
  const sample_split& pool_;
  model_config model_;
  std::int64_t batch_size_;
  std::uint64_t state_;
  std::uint64_t turn_ = 0;
};

}  // namespace atn
