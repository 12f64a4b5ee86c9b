// Messages of the time_aligner actor: text and frame records in, aligned samples out (torch-free).
#pragma once

#include "messages/feed_messages.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>

#include <vector>

namespace atn {

/// Text records and frames to pair by time.
struct align_request {
  std::vector<interaction> texts;
  std::vector<frame_record> frames;
};

/// The samples made of an align_request, sorted by time (unknown times last), with how many of
/// each kind.
struct alignment {
  std::vector<aligned_sample> samples;
  std::uint64_t multimodal = 0;   ///< text paired with a frame
  std::uint64_t text_only = 0;    ///< text without a frame in the window
  std::uint64_t visual_only = 0;  ///< frames no text claimed
};

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::align_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::alignment)
