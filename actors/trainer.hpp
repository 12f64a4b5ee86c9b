// The trainer actor runs train tasks on the VL-JEPA: one optimiser step per message to itself,
// so it stays responsive between steps, asking the EMA updater for each step's momentum. It runs
// detached because a step blocks for as long as the model takes.
#pragma once

#include "runtime/training/batch_source.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

#include <memory>

namespace atn {

class vl_jepa_trainer;

/// Spawns a detached trainer. It takes `train_task` messages: it sends `train_progress` after
/// every step and finally a `train_result` (or a `train_failure`) to the task's sender. The
/// engine belongs to the actor while a task runs; the caller may use it only between tasks.
caf::actor spawn_trainer(caf::actor_system& system, std::shared_ptr<vl_jepa_trainer> engine,
                         std::shared_ptr<batch_source> batches, caf::actor ema_updater);

}  // namespace atn
