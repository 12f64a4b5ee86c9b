// What the feed_store_actor answers to (feed_status_atom): its store's counters and its
// training-cycle trigger.
#pragma once

#include "messages/feed_counters.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>

namespace atn {

/// The feed_store_actor's status.
struct feed_status {
  feed_counters counters;            ///< the store's counters
  std::uint64_t cycles = 0;          ///< cycle_ready notices sent since start
  std::int64_t last_cycle_ms = -1;   ///< Unix ms of the last notice; -1 = none since start
  bool subscribed = false;           ///< whether a cycle subscriber is set
  std::uint64_t failed_batches = 0;  ///< batches answered with an error (disk write failed)
};

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::feed_status)
