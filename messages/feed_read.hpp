// How the time_aligner (or anyone training from the feed) reads records back from the
// feed_store_actor, in process: by cursors that continue where the last read stopped, or by time.
#pragma once

#include "messages/feed_messages.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <vector>

namespace atn {

/// Asks the feed_store_actor for records. Two forms, both answered with a feed_slice:
/// - (feed_read_atom, uint64 text_cursor, uint64 frame_cursor, uint64 max_each): up to max_each
///   interactions with sequence >= text_cursor and frames with sequence >= frame_cursor (0 = from
///   the oldest retained);
/// - (feed_read_atom, int64 since_ms): every retained record stored at or after since_ms.
using feed_read_atom = caf::atom_constant<caf::atom("feedread")>;

/// Records read from the feed, oldest first, with the cursors to pass to the next read.
struct feed_slice {
  std::vector<interaction> interactions;
  std::vector<frame_record> frames;
  std::uint64_t next_text_cursor = 0;
  std::uint64_t next_frame_cursor = 0;
};

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::feed_slice)
