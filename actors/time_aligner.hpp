// The time_aligner actor: pairs text records with frames within ±window (runtime/time_alignment.hpp).
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>

namespace atn {

/// Spawns the time aligner. It answers an `align_request` (messages/align_messages.hpp) with an
/// `alignment`: multimodal, text-only and visual-only samples with presence flags.
caf::actor spawn_time_aligner(caf::actor_system& system, std::int64_t window_ms = 2000);

}  // namespace atn
