// Pairing text records with screen frames by time: the time_aligner's work as a pure function.
#pragma once

#include "messages/align_messages.hpp"

#include <cstdint>
#include <vector>

namespace atn {

struct alignment_options {
  std::int64_t window_ms = 2000;  ///< a frame pairs with text at most this far away (inclusive)
};

/// Pairs each text record with the nearest frame within ±window_ms (inclusive), giving multimodal
/// samples; each frame pairs with at most one text record. Pairs are made closest first (ties: the
/// earlier text, then the earlier frame), so a text whose nearest frame went to a closer text takes
/// its next nearest free frame in the window. Text without a frame becomes a text-only sample,
/// frames no text took become visual-only samples; records with an unknown time (< 0) never pair.
/// A sample takes the text's time, session and agent when it has text; a visual-only sample has
/// the frame's time, the frame's key as session and agent "unknown".
alignment align_by_time(const std::vector<interaction>& texts, const std::vector<frame_record>& frames,
                        const alignment_options& options = {});

}  // namespace atn
