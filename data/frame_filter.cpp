#include "data/frame_filter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace atn {

namespace {

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = fold(c);
  return out;
}

bool contains_any(std::string_view text, const std::vector<std::string>& lowered_needles) {
  if (lowered_needles.empty()) return false;
  const std::string hay = lower(text);
  for (const auto& needle : lowered_needles)
    if (!needle.empty() && hay.find(needle) != std::string::npos) return true;
  return false;
}

void lower_all(std::vector<std::string>& v) {
  for (auto& s : v) s = lower(s);
}

}  // namespace

frame_filter::frame_filter(frame_filter_options options) : options_(std::move(options)) {
  if (options_.size <= 0) throw std::invalid_argument("frame_filter: size must be positive");
  if (options_.blur_cell < 2) throw std::invalid_argument("frame_filter: blur_cell must be at least 2");
  lower_all(options_.exclude_titles);
  lower_all(options_.exclude_urls);
  lower_all(options_.exclude_sources);
}

frame_exclusion frame_filter::check(std::string_view source_id, std::string_view window_title, std::string_view url) {
  if (contains_any(source_id, options_.exclude_sources)) {
    ++counts_.source;
    return frame_exclusion::source;
  }
  if (contains_any(window_title, options_.exclude_titles)) {
    ++counts_.title;
    return frame_exclusion::title;
  }
  if (contains_any(url, options_.exclude_urls)) {
    ++counts_.url;
    return frame_exclusion::url;
  }
  return frame_exclusion::none;
}

void frame_filter::blur(rgb_image& image) const {
  const int cell = options_.blur_cell;
  for (const auto& r : options_.blur) {
    // Clip in 64 bits: x + w may overflow int for hostile configurations.
    const int x0 = static_cast<int>(std::clamp<std::int64_t>(r.x, 0, image.width));
    const int y0 = static_cast<int>(std::clamp<std::int64_t>(r.y, 0, image.height));
    const int x1 = static_cast<int>(std::clamp<std::int64_t>(std::int64_t{r.x} + std::max(0, r.w), 0, image.width));
    const int y1 = static_cast<int>(std::clamp<std::int64_t>(std::int64_t{r.y} + std::max(0, r.h), 0, image.height));
    for (int cy = y0; cy < y1; cy += cell) {
      for (int cx = x0; cx < x1; cx += cell) {
        const int ex = std::min(cx + cell, x1), ey = std::min(cy + cell, y1);
        std::uint64_t sum[3] = {0, 0, 0};
        for (int y = cy; y < ey; ++y)
          for (int x = cx; x < ex; ++x) {
            const std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
            for (int c = 0; c < 3; ++c) sum[c] += p[c];
          }
        const std::uint64_t n = static_cast<std::uint64_t>(ex - cx) * (ey - cy);
        std::uint8_t mean[3];
        for (int c = 0; c < 3; ++c) mean[c] = static_cast<std::uint8_t>((sum[c] + n / 2) / n);
        for (int y = cy; y < ey; ++y)
          for (int x = cx; x < ex; ++x) {
            std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
            for (int c = 0; c < 3; ++c) p[c] = mean[c];
          }
      }
    }
  }
}

std::vector<std::uint8_t> frame_filter::resize(const rgb_image& image) const {
  // to_tensor's resampler, normalisation undone: one resampling path for stored and loaded images.
  const image_tensor t = to_tensor(image, options_.size);
  const std::size_t plane = static_cast<std::size_t>(options_.size) * options_.size;
  std::vector<std::uint8_t> out(plane * 3);
  for (int c = 0; c < 3; ++c)
    for (std::size_t i = 0; i < plane; ++i) {
      const float v = (t.chw[c * plane + i] * imagenet_std[c] + imagenet_mean[c]) * 255.0f;
      out[i * 3 + c] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
    }
  return out;
}

std::vector<std::uint8_t> frame_filter::prepare(rgb_image image) const {
  blur(image);
  return resize(image);
}

const char* to_string(frame_exclusion reason) {
  switch (reason) {
    case frame_exclusion::source:
      return "source";
    case frame_exclusion::title:
      return "title";
    case frame_exclusion::url:
      return "url";
    case frame_exclusion::none:
      break;
  }
  return "none";
}

}  // namespace atn
