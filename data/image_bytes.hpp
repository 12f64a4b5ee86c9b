// Decoding PNG/JPEG bytes held in memory (a frame from a stream), with decode_image's checks.
#pragma once

#include "data/image_loader.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace atn {

class input_report;

/// Decodes `size` bytes of PNG or JPEG exactly as decode_image decodes a file (same formats,
/// limits and problem kinds), reporting problems against `shown` (e.g. "zmq ipc:///run/x message 7").
/// The bytes go through an anonymous memory file (memfd), never the disk. Failing to create that
/// file is reported as "unreadable_file".
std::optional<rgb_image> decode_image_bytes(const void* data, std::size_t size, std::string_view shown,
                                            input_report& report);

}  // namespace atn
