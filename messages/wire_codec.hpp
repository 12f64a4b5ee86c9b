// The msgpack wire codec: a wire_message to ZeroMQ multipart frames and back.
//
// Frame 0 is a msgpack map with exactly these keys:
//   v             int     protocol version (wire_protocol_version)
//   type          str     message type, not empty
//   from          str     sender node id, not empty
//   jurisdiction  str
//   round         int
//   f             map     the message's fields: str → nil/bool/int/float/str/bin/array/map
//   t             array   one descriptor per tensor, in canonical (name) order:
//                         {name: str, dtype: "float32", shape: [int...], bytes: int, frames: int}
// Then the raw tensor frames, tensor by tensor in the order of `t`: a tensor's bytes (float32,
// little-endian) are split into frames of wire_max_frame_bytes, the last one shorter; an empty
// tensor has no frame. So `frames` = ceil(bytes / 4 MiB) and the message has 1 + Σ frames parts.
#pragma once

#include "messages/wire_message.hpp"

#include <zmq.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atn {

/// Why decode refused a message.
enum class wire_reject : std::uint8_t {
  empty,            ///< no frame at all
  too_large,        ///< frame 0 or the whole message over its byte limit
  malformed,        ///< frame 0 is not one complete msgpack value (truncated, invalid, trailing bytes)
  not_a_map,        ///< frame 0 is msgpack but not a map
  bad_version,      ///< `v` missing, not an int, or not wire_protocol_version
  bad_header,       ///< a header key missing, mistyped, duplicated or unknown; a field of an unsupported type
  unknown_type,     ///< `type` not on the allow-list
  too_many_frames,  ///< more frames than the limit
  bad_descriptor,   ///< a tensor descriptor that is not a map of the five keys with their types
  bad_dtype,        ///< a dtype other than "float32"
  bad_shape,        ///< a negative dimension, a rank over 32, or an element count that overflows
  bad_names,        ///< an empty, duplicate or out-of-order tensor name
  frame_mismatch,   ///< descriptor bytes/frames against the shape, or raw frames against descriptors
  layout_mismatch,  ///< tensors that do not match the expected model layout
};

/// Number of wire_reject values.
inline constexpr std::size_t wire_reject_count = static_cast<std::size_t>(wire_reject::layout_mismatch) + 1;

/// The reason's snake_case name ("bad_shape").
const char* to_string(wire_reject reason);

/// Name and shape of one tensor: what a peer's tensors must match.
struct wire_tensor_layout {
  std::string name;
  std::vector<std::int64_t> shape;
  friend bool operator==(const wire_tensor_layout& a, const wire_tensor_layout& b) {
    return a.name == b.name && a.shape == b.shape;
  }
};

/// The layout of `tensors` (names and shapes, same order).
std::vector<wire_tensor_layout> layout_of(const named_tensors& tensors);

/// What decode accepts.
struct wire_limits {
  std::size_t max_header_bytes = std::size_t{1} << 20;       ///< frame 0
  std::uint64_t max_message_bytes = std::uint64_t{1} << 30;  ///< all frames together
  std::size_t max_frames = 16384;                            ///< all frames, frame 0 included
  std::size_t max_depth = 32;                                ///< nesting of arrays and maps in frame 0
  /// Message types accepted; empty accepts any type.
  std::vector<std::string> allowed_types;
  /// When set, a message that carries tensors must carry exactly these (names and shapes, in
  /// order). A message without tensors is not checked.
  std::optional<std::vector<wire_tensor_layout>> expected_layout;
};

/// Why a message was refused, naming the sender when frame 0 told it.
struct wire_error {
  wire_reject reason = wire_reject::malformed;
  std::string sender;  ///< `from` when frame 0 had a string there, else empty
  std::string detail;  ///< what exactly was wrong

  /// "wire message from 'node-a' rejected (bad_shape): tensor 'w' has dimension -3".
  std::string to_string() const;
};

/// The outcome of decode: a message, or why not.
struct wire_decode_result {
  std::optional<wire_message> message;  ///< set when accepted
  wire_error error;                     ///< meaningful when refused
  std::uint64_t bytes = 0;              ///< all frames together

  explicit operator bool() const { return message.has_value(); }
};

/// Counters the bridge keeps: messages accepted, and refused by reason.
struct wire_stats {
  std::uint64_t accepted = 0;
  std::uint64_t accepted_bytes = 0;
  std::array<std::uint64_t, wire_reject_count> rejected{};

  /// Counts one decode outcome.
  void record(const wire_decode_result& result);
  /// Refused for `reason` so far.
  std::uint64_t rejected_for(wire_reject reason) const { return rejected[static_cast<std::size_t>(reason)]; }
  /// Refused for any reason so far.
  std::uint64_t rejected_total() const;
  /// "accepted=3 rejected=2 (bad_shape=1 unknown_type=1)".
  std::string summary() const;
};

/// Frame 0 followed by the raw tensor frames. Tensor frames share the tensors' buffers (each frame
/// holds a reference, dropped when ZeroMQ is done with it): nothing is copied. Throws
/// std::invalid_argument naming the problem when the message cannot be encoded (empty type or
/// sender, tensors not in canonical order, data not matching a shape, an integer field out of range).
std::vector<zmq::message_t> encode(const wire_message& message);

/// Checks every frame against the format and `limits` and rebuilds the message; each tensor's bytes
/// are copied once into its float buffer. Never throws for bad input.
wire_decode_result decode(std::vector<zmq::message_t>&& frames, const wire_limits& limits);

/// Keeps freed heap memory in the process (glibc: trim threshold 512 MiB, mmap threshold 32 MiB,
/// which also stops glibc's dynamic thresholds). Without it every decoded delta is written into
/// freshly faulted pages, which on a 200 MB delta costs more than the copy itself (measured: decode
/// 0.16 s instead of 0.03 s). Process-wide: call once at start-up of a node that receives deltas.
/// Returns false where the C library does not support it.
bool keep_freed_memory_for_transfers();

}  // namespace atn
