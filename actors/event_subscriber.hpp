// The event subscriber actor: behind the agent-data consent switch, it follows the ATN JSONL files
// and the event bus, turns what arrives into interactions (exclusions dropped, PII scrubbed) and
// hands them to the feed_store_actor, committing file positions only once the feed has them.
#pragma once

#include "data/input_report.hpp"
#include "data/privacy_filter.hpp"
#include "runtime/ingest/event_bus_subscriber.hpp"
#include "runtime/ingest/interaction_extractor.hpp"
#include "runtime/ingest/jsonl_follower.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <memory>

namespace atn {

/// What the event subscriber reads and how.
struct event_subscriber_options {
  /// The ATN files to follow (`files.atn_dir` empty: none) and where their positions are kept.
  jsonl_follower_options files;
  /// The event bus to subscribe to (`bus.endpoint` empty: none).
  event_bus_options bus;
  privacy_config privacy;
  /// The agent-data consent switch: while false no file, inotify instance or socket is open.
  /// Required.
  std::shared_ptr<std::atomic<bool>> consent;
  /// Where bad input is counted; one is made when null.
  std::shared_ptr<input_report> report;
  /// How long one round waits for file changes (the bus is read after it, without waiting) and
  /// how often the consent switch is looked at.
  std::chrono::milliseconds poll_interval{50};
  /// How long the feed may take to acknowledge a batch before it is sent again.
  std::chrono::milliseconds feed_timeout{30000};
  /// Wait before resending a batch the feed refused or did not answer; it doubles with each
  /// failure in a row (a full disk stays full for a while) up to `max_retry_interval`.
  std::chrono::milliseconds retry_interval{500};
  std::chrono::milliseconds max_retry_interval{30000};
};

/// What the event subscriber answers to `feed_status_atom`.
struct event_subscriber_status {
  bool consent = false;            ///< the switch as last seen
  bool open = false;               ///< inputs are open
  std::size_t watches = 0;         ///< directories under inotify watch
  std::size_t files = 0;           ///< files followed
  bool subscribed = false;         ///< the bus socket exists
  std::uint64_t lines = 0;         ///< JSONL lines taken from files
  std::uint64_t events = 0;        ///< bus events taken
  std::uint64_t interactions = 0;  ///< interactions the feed acknowledged
  std::uint64_t batches_sent = 0;  ///< interaction_batch requests, retries included
  std::uint64_t stored = 0;        ///< as the feed counted them
  std::uint64_t duplicates = 0;    ///< as the feed counted them
  std::uint64_t feed_errors = 0;   ///< failed or timed-out requests (each retried)
  std::uint64_t bad_input = 0;     ///< problems in the input_report
  extractor_counters extracted;    ///< since the inputs were last opened
  event_bus_counters bus;          ///< since the bus was last opened
};

/// Spawns the event subscriber, a detached (blocking) actor. Each round it looks at the consent
/// switch (opening the follower and the bus socket when it turns on, closing them when it turns
/// off), polls the files and the bus, and sends the interactions to `feed` as one
/// `interaction_batch` request, waiting for `(feed_ack_atom, uint64 stored, uint64 duplicates)`;
/// only then are the file positions committed. A failed request is resent (the same batch) after
/// `retry_interval`, doubled after each failure in a row up to `max_retry_interval`; the log says
/// when the feed first refuses and when it takes the batch again, not at every retry. Answers `feed_status_atom` with an event_subscriber_status; stops on an exit
/// message. Throws std::invalid_argument when `options.consent` is null.
caf::actor spawn_event_subscriber(caf::actor_system& system, event_subscriber_options options, caf::actor feed);

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::event_subscriber_status)
