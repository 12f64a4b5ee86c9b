// The feed_store_actor actor: takes interaction and frame batches, stores them durably (once per
// key) before acknowledging, ages old records out, serves records back for training and tells a
// subscriber when enough new interactions make a training cycle worthwhile.
#pragma once

#include "runtime/storage/feed_store.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include <chrono>

namespace atn {

/// Tuning of the feed_store_actor.
struct feed_store_actor_options {
  /// Where and how records are kept.
  feed_store_options store;
  /// A cycle_ready notice waits for at least this many new interactions (at least 1)...
  std::uint64_t cycle_min_interactions = 32;
  /// ...and for this long since the previous notice (the first notice waits for the count only).
  std::chrono::milliseconds cycle_min_interval{std::chrono::seconds(60)};
  /// How often the age bound is applied while no batches arrive; 0 = only when batches arrive.
  std::chrono::milliseconds retention_interval{std::chrono::seconds(60)};
  /// While disk writes keep failing, how often the log says so again (runtime/storage/feed_write_health).
  std::chrono::milliseconds failure_reminder{std::chrono::seconds(60)};
};

/// Opens the feed's store and spawns the feed as a detached actor (its fsyncs block). Fails with
/// sec::runtime_error when the store cannot be opened (unusable or locked state directory).
/// Handles:
/// - interaction_batch, frame_batch → (feed_ack_atom, uint64 stored, uint64 duplicates) once the
///   batch is durable, or an error (sec::runtime_error) when the disk write fails; the log says when
///   writes start failing, reminds every `failure_reminder` and says when they work again;
/// - (cycle_ready_atom, caf::actor subscriber): from then on, sends the subscriber
///   (cycle_ready_atom, uint64 new_interactions) whenever a cycle may start;
/// - (feed_status_atom) → feed_status (messages/feed_status.hpp), with the write error and its start;
/// - the two forms of feed_read_atom → feed_slice (messages/feed_read.hpp).
/// It runs until it is sent an exit message.
caf::expected<caf::actor> spawn_feed_store(caf::actor_system& system, feed_store_actor_options options);

}  // namespace atn
