// How the feed_store_actor stores one interaction or frame as a ring_log payload: a version byte, a
// kind byte, then a msgpack array of the fields (frame pixels as one bin, never element by element).
#pragma once

#include "messages/feed_messages.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atn {

class input_report;

/// Format version written as the first byte of every feed payload.
inline constexpr std::uint8_t feed_record_version = 1;

/// Encodes an interaction as a feed payload.
std::string encode_feed_record(const interaction& record);

/// Encodes a frame as a feed payload. Throws std::invalid_argument when its pixels are not
/// size·size·3 bytes (a caller's bug, not bad input).
std::string encode_feed_record(const frame_record& record);

/// Decodes an interaction payload; nullopt when it is damaged, of another version or of another
/// kind, counted in `report` as "feed_bad_record" against `origin` (the log) and `sequence`.
std::optional<interaction> decode_interaction(std::string_view payload, input_report& report, std::string_view origin,
                                              std::uint64_t sequence);

/// Decodes a frame payload; nullopt (counted like decode_interaction) when it is bad.
std::optional<frame_record> decode_frame(std::string_view payload, input_report& report, std::string_view origin,
                                         std::uint64_t sequence);

/// Which of the two record types a payload holds.
enum class feed_record_kind { interaction, frame };

/// The key of a payload of `kind`, checked as fully as a decode but without copying pixels;
/// nullopt (counted like decode_interaction) when it is bad or of the other kind.
std::optional<std::string> decode_feed_key(std::string_view payload, feed_record_kind kind, input_report& report,
                                           std::string_view origin, std::uint64_t sequence);

}  // namespace atn
