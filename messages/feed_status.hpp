// What the feed_store_actor answers to (feed_status_atom): its store's counters and its
// training-cycle trigger.
#pragma once

#include "messages/feed_counters.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>

#include <string>

namespace atn {

/// The feed_store_actor's status.
struct feed_status {
  feed_counters counters;                   ///< the store's counters
  std::uint64_t cycles = 0;                 ///< cycle_ready notices sent since start
  std::int64_t last_cycle_ms = -1;          ///< Unix ms of the last notice; -1 = none since start
  bool subscribed = false;                  ///< whether a cycle subscriber is set
  std::uint64_t failed_batches = 0;         ///< batches answered with an error (disk write failed)
  std::string write_error;                  ///< why writes fail now (file and errno text); empty while they work
  std::int64_t write_failing_since_ms = 0;  ///< Unix ms of the first failure in a row; 0 while writes work
};

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::feed_status)
