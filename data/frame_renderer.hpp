// A tiny software renderer for synthetic screen frames: rectangles, lines, circles and text in a
// built-in 5x7 bitmap font, on an 8-bit RGB canvas. Integer arithmetic only, so every machine
// draws the same pixels.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// One 8-bit RGB colour.
struct rgb_color {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
  /// From 0xRRGGBB.
  static constexpr rgb_color hex(std::uint32_t v) {
    return rgb_color{static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
                     static_cast<std::uint8_t>(v)};
  }
  friend bool operator==(rgb_color a, rgb_color b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
  friend bool operator!=(rgb_color a, rgb_color b) { return !(a == b); }
};

/// An RGB canvas with drawing primitives; everything is clipped to the canvas.
class frame_renderer {
 public:
  /// Horizontal advance of one glyph at scale 1 (5 columns and a 1-pixel gap).
  static constexpr int glyph_advance = 6;
  /// Height of one text line at scale 1 (7 rows and 2 pixels of leading).
  static constexpr int line_height = 9;

  /// A width x height canvas filled with `background`; sizes must be positive.
  frame_renderer(int width, int height, rgb_color background);

  int width() const { return width_; }
  int height() const { return height_; }
  /// Row-major RGB bytes, top row first, 3 * width * height of them.
  const std::vector<std::uint8_t>& pixels() const { return pixels_; }
  /// The colour at (x, y), which must be inside the canvas.
  rgb_color pixel(int x, int y) const;

  /// Sets one pixel (ignored outside the canvas).
  void plot(int x, int y, rgb_color c);
  /// Fills the rectangle [x, x+w) x [y, y+h).
  void fill_rect(int x, int y, int w, int h, rgb_color c);
  /// Draws the 1-pixel outline of a rectangle.
  void stroke_rect(int x, int y, int w, int h, rgb_color c);
  /// Draws a 1-pixel line between two points, both included (Bresenham).
  void line(int x0, int y0, int x1, int y1, rgb_color c);
  /// Fills a disc of radius r around (cx, cy).
  void fill_circle(int cx, int cy, int r, rgb_color c);
  /// Draws `text` with its top-left corner at (x, y), each font pixel a scale x scale square;
  /// characters outside printable ASCII draw as '?'. Returns the x just past the last glyph.
  int text(int x, int y, std::string_view text, rgb_color c, int scale = 1);

  /// Pixel width of `text` at `scale` (no trailing gap).
  static int text_width(std::string_view text, int scale = 1);
  /// `text` cut to fit `max_width` pixels, ending in ".." when cut.
  static std::string clip(std::string_view text, int max_width, int scale = 1);
  /// `text` word-wrapped into lines of at most `max_width` pixels; over-long words are split.
  static std::vector<std::string> wrap(std::string_view text, int max_width, int scale = 1);

 private:
  int width_;
  int height_;
  std::vector<std::uint8_t> pixels_;
};

}  // namespace atn
