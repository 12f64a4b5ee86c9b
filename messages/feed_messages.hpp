// Typed messages of the agent-data pipeline (torch-free): what event_subscriber gives the
// feed_store_actor (interactions), what the frame intake gives it (frames), and what the
// time_aligner makes of both (samples).
#pragma once

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <memory>
#include <string>
#include <vector>

namespace atn {

/// One piece of agent activity as text, after the consent gate, exclusions and PII scrubbing:
/// a conversation turn, a completed or failed execution, or one step of an execution.
struct interaction {
  /// Identity for de-duplication across the file and the event bus: "exec:<execution_id>" for a
  /// whole execution record, "step:<execution_id>:<step index>" for one step,
  /// "turn:<session>:<16 hex digits: the first 8 bytes of the BLAKE2b-128 of the raw line>" for a
  /// conversation turn (libsodium makes no digest shorter than 16 bytes).
  std::string key;
  /// The session it belongs to: "conversations/<file>.jsonl" or "agents/<agent>/<execution_id>"
  /// (as data/atn_reader.hpp names them), so held-out splits keep sessions whole.
  std::string session;
  std::string agent;               ///< agent id, "unknown" when not known
  std::int64_t timestamp_ms = -1;  ///< Unix ms, -1 when unknown
  std::vector<std::string> lines;  ///< rendered, scrubbed lines ("[user] …", "[tool:NAME] …")
};

/// One screen or browser frame, after exclusions and blur, resized for the model.
struct frame_record {
  std::string key;  ///< "<source_id>:<timestamp_ms>" (or the file name when unknown)
  std::string source_id;
  std::string window_title;
  std::string url;
  std::int64_t timestamp_ms = -1;  ///< Unix ms
  int size = 0;                    ///< height = width in pixels (the model's image size)
  /// 8-bit RGB, row-major, size·size·3 bytes; normalised to ImageNet CHW floats only when batched.
  std::shared_ptr<const std::vector<std::uint8_t>> rgb;
};

/// What the time_aligner hands the trainer: text, an image or both, with presence flags.
struct aligned_sample {
  bool has_text = false;
  bool has_visual = false;
  std::string session;
  std::string agent;
  std::int64_t timestamp_ms = -1;
  std::vector<std::string> lines;                        ///< when has_text
  std::shared_ptr<const std::vector<std::uint8_t>> rgb;  ///< when has_visual, size·size·3
  int size = 0;
};

/// Interactions for the feed_store_actor, sent as a request: the feed replies
/// `(feed_ack_atom, std::uint64_t stored, std::uint64_t duplicates)` once every one of them is durable
/// (a key it already holds counts as a duplicate and is stored once), or with an error.
struct interaction_batch {
  std::vector<interaction> items;
};

/// Frames for the feed_store_actor; acknowledged like interaction_batch.
struct frame_batch {
  std::vector<frame_record> items;
};

using feed_ack_atom = caf::atom_constant<caf::atom("feedack")>;
/// Asks the feed_store_actor for its counters; asks a pipeline actor to report status.
using feed_status_atom = caf::atom_constant<caf::atom("feedstat")>;
/// Sent by feed_store_actor when a training cycle may start (enough new interactions, interval passed).
using cycle_ready_atom = caf::atom_constant<caf::atom("cycready")>;

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::interaction)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::frame_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::aligned_sample)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::interaction_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::frame_batch)
