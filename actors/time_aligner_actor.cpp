#include "actors/time_aligner_actor.hpp"

#include "messages/align_messages.hpp"
#include "runtime/ingest/time_aligner.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>

namespace atn {
namespace {

caf::behavior time_aligner(caf::event_based_actor* self, std::int64_t window_ms) {
  return {
      [=](align_request& request) { return align_by_time(request.texts, request.frames, {window_ms}); },
  };
}

}  // namespace

caf::actor spawn_time_aligner(caf::actor_system& system, std::int64_t window_ms) {
  return system.spawn(time_aligner, window_ms);
}

}  // namespace atn
