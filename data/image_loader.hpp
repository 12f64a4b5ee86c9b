// Screen frames: PNG/JPEG decoding to normalised CHW floats, and listing frame files with times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

class input_report;

/// An RGB image as CHW floats, normalised with the ImageNet mean and std.
struct image_tensor {
  int channels = 3;
  int height = 0;
  int width = 0;
  std::vector<float> chw;  // channels * height * width

  /// The value at channel c, row y, column x.
  float at(int c, int y, int x) const { return chw[(static_cast<std::size_t>(c) * height + y) * width + x]; }
};

/// ImageNet normalisation constants, per RGB channel.
inline constexpr float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
inline constexpr float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

/// An 8-bit RGB image, row-major, 3 bytes a pixel.
struct rgb_image {
  int height = 0;
  int width = 0;
  std::vector<std::uint8_t> pixels;
};

/// Decodes a PNG or JPEG file (told apart by content, not name) to 8-bit RGB: alpha is dropped,
/// grey and palette images are expanded, 16-bit samples reduced. Problems are reported as
/// "unreadable_file", "empty_image" (zero bytes), "truncated_image", "corrupt_image" (bad data or
/// an unknown format) or "image_too_large" (over 2^28 pixels), and give nullopt.
std::optional<rgb_image> decode_image(const std::filesystem::path& file, input_report& report);

/// Decodes `size` bytes of PNG or JPEG held in memory (a frame from a stream) with decode_image's
/// formats, limits and problem kinds, reporting problems against `shown`.
std::optional<rgb_image> decode_image_bytes(const void* data, std::size_t size, std::string_view shown,
                                            input_report& report);

/// Resizes to size x size (bilinear when enlarging, area averaging when shrinking) and normalises
/// to ImageNet CHW floats.
image_tensor to_tensor(const rgb_image& image, int size);

/// decode_image then to_tensor.
std::optional<image_tensor> load_image(const std::filesystem::path& file, int size, input_report& report);

/// One frame file and what is known about it.
struct frame_file {
  std::filesystem::path path;
  std::int64_t timestamp_ms = -1;  // -1 if unknown
  std::string source_id;
  std::string window_title;
  std::string url;
};

/// Lists the *.png, *.jpg and *.jpeg files under `dir` (recursively). A frame's time comes from a
/// JSON sidecar ("<file>.json", e.g. "a.png.json", or "<stem>.json") with `timestamp` (ISO-8601
/// string or epoch number), `source_id`, `window_title`, `url`; else from its name: "<epoch_ms>.png"
/// or an ISO-8601 stamp inside it ("2026-03-02T09-15-04.250Z.png"). A corrupt sidecar or one with a
/// bad timestamp is reported ("corrupt_json", "bad_timestamp") and the frame keeps the name's time
/// (or -1). A missing directory is reported ("missing_directory"). Sorted by time (unknown last),
/// then path.
std::vector<frame_file> list_frames(const std::filesystem::path& dir, input_report& report);

}  // namespace atn
