// One local training run, as `atn-node train` does it: load and split the data, measure the
// held-out set, train through the trainer and EMA actors, measure again, keep a checkpoint.
#pragma once

#include "model/vl_jepa_trainer.hpp"
#include "runtime/training/agent_probe.hpp"
#include "runtime/training/training_data.hpp"

#include <functional>
#include <optional>

namespace atn {

struct train_run_options {
  training_data_options data;
  train_config train;
  std::size_t eval_samples = 96;                      ///< held-out samples per kind that are measured
  std::optional<std::filesystem::path> out;           ///< checkpoint to write (atomically)
  std::optional<std::filesystem::path> export_torch;  ///< shared weights for Python's torch.load
};

/// Held-out metrics per kind of sample.
struct held_out_metrics {
  std::optional<step_metrics> text, visual, multimodal;
};

struct train_run_report {
  std::size_t sessions = 0, held_out_sessions = 0, frames = 0, paired_frames = 0;
  std::size_t train_samples = 0, held_out_samples = 0;
  std::vector<std::string> agents;
  std::string input_problems;  ///< input_report summary
  held_out_metrics before, after;
  probe_result probe_before, probe_after;
  probe_result probe_reference;  ///< the same probe on byte-bigram counts: no model involved
  step_metrics last_step;
  std::int64_t steps = 0, skipped_steps = 0;
  double seconds = 0;
  std::string device;
  std::string version;     ///< BLAKE2b-256 of the trained shared weights
  bool collapsed = false;  ///< target embeddings lost their spread across the batch
  std::string collapse_detail;
};

/// Called after every step with the trainer's progress.
using train_progress_callback = std::function<void(std::int64_t step, std::int64_t total, const step_metrics&)>;

/// Runs the whole thing. Throws std::runtime_error when the data or the trainer fails.
train_run_report run_training(const train_run_options& options, const train_progress_callback& progress = {});

}  // namespace atn
