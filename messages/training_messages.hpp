// Typed messages between the trainer, the EMA updater and whoever asks for training (torch-free).
#pragma once

#include "model/named_tensors.hpp"
#include "model/vl_jepa_trainer.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>
#include <vector>

namespace atn {

/// Which kinds of samples a task trains on.
struct modality_set {
  bool text = true;
  bool visual = false;
};

/// Train from a base model for `steps` steps: what a round's task asks of a solver.
struct train_task {
  std::string task_id;
  std::int64_t steps = 0;
  modality_set modalities;
  double learning_rate = 1e-3;
  std::string base_version;  ///< hex BLAKE2b-256 of the base weights the delta is against
  /// When not empty, the shared weights the trainer loads before it starts (a round's global model):
  /// only the trainer actor touches its engine, so whoever sets a task sends the weights with it.
  named_tensors base_weights;
};

/// Sent to the task's requester after every step.
struct train_progress {
  std::string task_id;
  std::int64_t step = 0;  ///< 1-based
  std::int64_t total = 0;
  step_metrics metrics;
  double momentum = 0;  ///< EMA momentum applied after this step
  double elapsed_seconds = 0;
};

/// The outcome of a task: the delta over the shared parameters and what it was trained on.
struct train_result {
  std::string task_id;
  std::string base_version;
  std::string trained_version;  ///< hex BLAKE2b-256 of the trained shared weights
  named_tensors delta;          ///< online − base, canonical order
  step_metrics last;
  std::int64_t steps = 0;
  std::int64_t samples = 0;
  std::int64_t skipped_steps = 0;  ///< steps whose loss was not finite (no update applied)
  double seconds = 0;
};

/// The trainer could not run a task.
struct train_failure {
  std::string task_id;
  std::string reason;
};

using train_step_atom = caf::atom_constant<caf::atom("trnstep")>;
using ema_momentum_atom = caf::atom_constant<caf::atom("emamom")>;
using ema_configure_atom = caf::atom_constant<caf::atom("emacfg")>;
using ema_state_atom = caf::atom_constant<caf::atom("emastate")>;

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::train_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::train_progress)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::train_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::train_failure)
