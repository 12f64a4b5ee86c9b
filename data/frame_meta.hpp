// What is known about one frame, by the rules of list_frames (data/image_loader.hpp), for callers
// that see frames one at a time: the live frame intake (new files, stream messages).
#pragma once

#include "data/image_loader.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace atn {

class input_report;

/// Whether `file` is named like a frame image: *.png, *.jpg or *.jpeg (any case).
bool is_frame_image_name(const std::filesystem::path& file);

/// The sidecar names of an image in order of preference: "<file>.json" ("a.png.json"), then
/// "<stem>.json" ("a.json").
std::array<std::filesystem::path, 2> sidecar_candidates(const std::filesystem::path& image);

/// The first sidecar candidate of `image` that exists, if any.
std::optional<std::filesystem::path> find_sidecar(const std::filesystem::path& image);

/// A frame's time from its file name: "<epoch_ms>.png" or an ISO-8601 stamp inside the name.
std::optional<std::int64_t> frame_time_from_name(const std::filesystem::path& file);

/// Reads frame metadata JSON (a sidecar's or a stream message's): `timestamp` (ISO-8601 string or
/// epoch number), `source_id`, `window_title`, `url`; absent fields leave `frame` as it is. JSON
/// that is not an object is reported as "corrupt_json" and gives false; an unparseable timestamp
/// is reported as "bad_timestamp" (the other fields are still read) and leaves the time as it is.
/// Problems name `shown`.
bool parse_frame_meta(std::string_view json, std::string_view shown, frame_file& frame, input_report& report);

/// One image file as list_frames describes it: the name's time, then the sidecar's fields when
/// `sidecar` is given (an unreadable or over-1-MiB sidecar is reported and ignored).
frame_file describe_frame(const std::filesystem::path& image, const std::optional<std::filesystem::path>& sidecar,
                          input_report& report);

}  // namespace atn
