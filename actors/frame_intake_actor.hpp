// The frame intake actor: behind the capture consent switch, it watches the capture directory and
// the frame stream (runtime/ingest/frame_intake.hpp) and sends what passes to the feed_store_actor as
// frame_batch requests, remembering taken files once the feed has acknowledged them.
#pragma once

#include "runtime/ingest/frame_intake.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

namespace atn {

/// What the frame intake reports when asked with `feed_status_atom`.
struct frame_intake_status {
  bool consent = false;     ///< the switch as last seen
  bool open = false;        ///< inputs are open (consent on)
  bool watching = false;    ///< the capture directory is watched
  bool subscribed = false;  ///< the stream socket is connected
  intake_counters counters;
  std::uint64_t batches_sent = 0;     ///< frame_batch requests, retries included
  std::uint64_t frames_acked = 0;     ///< frames the feed acknowledged
  std::uint64_t stored = 0;           ///< as the feed counted them
  std::uint64_t duplicates = 0;       ///< as the feed counted them
  std::uint64_t feed_errors = 0;      ///< failed or timed-out requests (each retried)
  std::uint64_t unacked_batches = 0;  ///< batches waiting for the feed
  std::uint64_t bad_input = 0;        ///< problems in the intake's input_report
};

/// Spawns the detached frame intake. It checks `options.consent` every poll interval: while it is
/// false no directory, inotify instance or socket is open; when it turns true the inputs open (files
/// written while it was false are skipped), when it turns false they close. Frames go to `feed` as
/// `frame_batch` requests answered with `(feed_ack_atom, uint64 stored, uint64 duplicates)`; a
/// failed request is retried with backoff, and reading pauses while `max_unacked_batches` wait.
/// Answers `feed_status_atom` with a frame_intake_status. Throws std::invalid_argument when
/// `options.consent` is null or the filter options are unusable.
caf::actor spawn_frame_intake(caf::actor_system& system, frame_intake_options options, caf::actor feed);

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::frame_intake_status)
