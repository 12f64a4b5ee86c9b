// The time_aligner actor: pairs text records with frames within ±window (runtime/ingest/time_aligner.hpp).
#pragma once

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

namespace atn {

/// Spawns the time aligner. It answers an `align_request` (messages/align_messages.hpp) with an
/// `alignment`: multimodal, text-only and visual-only samples with presence flags.
caf::actor spawn_time_aligner(caf::actor_system& system, std::int64_t window_ms = 2000);

}  // namespace atn
