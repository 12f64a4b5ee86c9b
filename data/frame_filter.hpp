// Privacy and shape for screen frames before anything is stored: exclusion by window title, URL or
// source id, blurring of fixed screen regions, and resizing to the model's image size (torch-free).
#pragma once

#include "data/image_loader.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// A rectangle in source-image pixels: top-left corner (x, y), width w, height h.
struct blur_region {
  int x = 0;
  int y = 0;
  int w = 0;
  int h = 0;
};

/// What frame_filter does; every list may be empty.
struct frame_filter_options {
  std::vector<std::string> exclude_titles;   ///< case-insensitive substrings of the window title
  std::vector<std::string> exclude_urls;     ///< case-insensitive substrings of the URL
  std::vector<std::string> exclude_sources;  ///< case-insensitive substrings of the source id
  std::vector<blur_region> blur;             ///< regions pixelated before resizing
  int blur_cell = 16;                        ///< pixelation cell, in source pixels (at least 2)
  int size = 32;                             ///< output height = width (the model's image size)
};

/// Why a frame was excluded.
enum class frame_exclusion { none, source, title, url };

/// Frames excluded so far, per reason.
struct frame_filter_counts {
  std::uint64_t source = 0;
  std::uint64_t title = 0;
  std::uint64_t url = 0;
};

/// Decides which frames may be kept and makes kept ones safe and model-sized. Not thread-safe: one
/// instance per intake.
class frame_filter {
 public:
  explicit frame_filter(frame_filter_options options);

  /// The first exclusion that matches (source id, then title, then URL), counted; none if kept.
  frame_exclusion check(std::string_view source_id, std::string_view window_title, std::string_view url);

  /// Pixelates every blur region of `image` in place (clipped to the image): each cell of
  /// blur_cell × blur_cell pixels becomes its mean colour, so text inside cannot be read. Pixels
  /// outside the regions are untouched.
  void blur(rgb_image& image) const;

  /// Resizes to size × size 8-bit RGB with the resampling of to_tensor (area averaging when
  /// shrinking, bilinear when enlarging), so stored frames match directly loaded images.
  std::vector<std::uint8_t> resize(const rgb_image& image) const;

  /// blur, then resize: the bytes a frame_record stores.
  std::vector<std::uint8_t> prepare(rgb_image image) const;

  const frame_filter_counts& excluded() const { return counts_; }
  const frame_filter_options& options() const { return options_; }

 private:
  frame_filter_options options_;
  frame_filter_counts counts_;
};

/// The name of `reason` ("source", "title", "url" or "none").
const char* to_string(frame_exclusion reason);

}  // namespace atn
