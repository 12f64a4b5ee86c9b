// A message between nodes as the wire codec sees it: the envelope every message shares, its own
// fields, and the named tensors it carries (a delta, a model).
#pragma once

#include "messages/wire_value.hpp"
#include "model/named_tensors.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace atn {

/// The protocol version this build speaks (the `v` of every frame 0).
inline constexpr std::int64_t wire_protocol_version = 1;

/// The most bytes one raw tensor frame holds: a tensor of B bytes occupies ceil(B / 4 MiB) frames,
/// every one full but the last; an empty tensor occupies none.
inline constexpr std::size_t wire_max_frame_bytes = std::size_t{4} << 20;

/// One message between nodes.
struct wire_message {
  std::string type;          ///< what the message is ("round_open", "reveal", ...); not empty
  std::string from;          ///< the sender's node id; not empty
  std::string jurisdiction;  ///< the jurisdiction the message belongs to
  std::int64_t round = 0;    ///< the round it belongs to
  wire_fields fields;        ///< the message's own fields (`f`)
  named_tensors tensors;     ///< canonical order; each buffer is shared, not copied, by encode
};

}  // namespace atn
