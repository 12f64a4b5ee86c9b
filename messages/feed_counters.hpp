// What the feed_store_actor's store reports about itself (plain data, shared by the store and the
// feed_status message).
#pragma once

#include <cstdint>

namespace atn {

/// Counters of a feed_store. "Since open" counters start at zero with each process.
struct feed_counters {
  std::uint64_t interactions = 0;      ///< interaction records retained
  std::uint64_t frames = 0;            ///< frame records retained
  std::uint64_t text_bytes = 0;        ///< bytes of the interaction log's segments
  std::uint64_t frame_bytes = 0;       ///< bytes of the frame log's segments
  std::uint64_t new_interactions = 0;  ///< retained interactions stored since the last cycle mark
  std::uint64_t new_frames = 0;        ///< retained frames stored since the last cycle mark
  std::uint64_t stored = 0;            ///< records stored since open
  std::uint64_t duplicates = 0;        ///< records refused as already held, since open
  std::uint64_t rejected = 0;          ///< records refused as malformed (no key, too large), since open
  std::uint64_t aged_out = 0;          ///< records dropped for age, since open (both logs)
  std::uint64_t evicted = 0;           ///< records dropped for the byte bound, since open (both logs)
  std::uint64_t keys_forgotten = 0;    ///< keys forgotten with dropped records, since open
  std::uint64_t bad_records = 0;       ///< stored payloads that do not decode, since open
};

}  // namespace atn
