// The EMA updater owns the target encoders' momentum schedule: after each optimiser step the
// trainer asks it for the momentum of that step (0.996 → 1.0 over the task), and it keeps the
// history so a status query can show where the schedule stands.
#pragma once

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

namespace atn {

/// Spawns the EMA updater. Handles:
/// - (ema_configure_atom, double start, double end) → configures the schedule;
/// - (ema_momentum_atom, int64 step, int64 total) → double momentum for 1-based step of total;
/// - (ema_state_atom) → (int64 last_step, double last_momentum).
caf::actor spawn_ema_updater(caf::actor_system& system, double start = 0.996, double end = 1.0);

}  // namespace atn
