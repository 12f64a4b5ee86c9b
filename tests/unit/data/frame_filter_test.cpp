#include "data/frame_filter.hpp"
#include "data/frame_meta.hpp"
#include "data/image_loader.hpp"
#include "data/input_report.hpp"
#include "data/png_writer.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace atn;

namespace {

// Fine 1-pixel detail (like small text) over a gradient: every pixel differs from its neighbours.
rgb_image detailed(int width, int height) {
  rgb_image img;
  img.width = width;
  img.height = height;
  img.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        img.pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c] =
            static_cast<std::uint8_t>(((x + y) % 2 ? 120 : 10) + 2 * x + y + c * 5);
  return img;
}

const std::uint8_t* pixel(const rgb_image& img, int x, int y) {
  return &img.pixels[(static_cast<std::size_t>(y) * img.width + x) * 3];
}

bool inside(const blur_region& r, int x, int y) { return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h; }

}  // namespace

TEST_CASE("frame_filter excludes by source, title and URL, case-insensitively, counted per reason", "[frame_filter]") {
  frame_filter_options o;
  o.exclude_sources = {"Private-Browser"};
  o.exclude_titles = {"password", "BANK"};
  o.exclude_urls = {"mail.example.com"};
  frame_filter f(o);
  CHECK(f.check("screen-0", "Editor - notes.txt", "") == frame_exclusion::none);
  CHECK(f.check("my-PRIVATE-browser-2", "Editor", "") == frame_exclusion::source);
  CHECK(f.check("screen-0", "Enter Password", "") == frame_exclusion::title);
  CHECK(f.check("screen-0", "My bank account", "") == frame_exclusion::title);
  CHECK(f.check("screen-0", "Inbox", "https://MAIL.Example.com/u/0") == frame_exclusion::url);
  CHECK(f.check("screen-0", "Inbox", "https://example.com/mail") == frame_exclusion::none);
  CHECK(f.excluded().source == 1);
  CHECK(f.excluded().title == 2);
  CHECK(f.excluded().url == 1);
}

TEST_CASE("frame_filter blur pixelates the regions and nothing else", "[frame_filter]") {
  frame_filter_options o;
  o.blur = {{8, 4, 20, 12}};
  o.blur_cell = 8;
  frame_filter f(o);
  const rgb_image original = detailed(48, 32);
  rgb_image blurred = original;
  f.blur(blurred);
  std::size_t changed_inside = 0, pixels_inside = 0;
  for (int y = 0; y < original.height; ++y)
    for (int x = 0; x < original.width; ++x) {
      const bool same = std::equal(pixel(original, x, y), pixel(original, x, y) + 3, pixel(blurred, x, y));
      if (inside(o.blur[0], x, y)) {
        ++pixels_inside;
        changed_inside += same ? 0 : 1;
      } else {
        INFO("outside pixel " << x << "," << y);
        REQUIRE(same);
      }
    }
  CHECK(pixels_inside == 20 * 12);
  CHECK(changed_inside > pixels_inside * 9 / 10);
  // Each cell is one colour: the fine detail is gone.
  for (int y = 4; y < 12; ++y)
    for (int x = 8; x < 16; ++x)
      CHECK(std::equal(pixel(blurred, 8, 4), pixel(blurred, 8, 4) + 3, pixel(blurred, x, y)));
  CHECK_FALSE(std::equal(pixel(blurred, 8, 4), pixel(blurred, 8, 4) + 3, pixel(blurred, 16, 4)));
}

TEST_CASE("frame_filter blur clips regions to the image", "[frame_filter]") {
  frame_filter_options o;
  o.blur = {{40, 24, 1000, 1000}, {-5, -5, 10, 10}, {100, 100, 5, 5}, {3, 3, 0, 4}};
  frame_filter f(o);
  const rgb_image original = detailed(48, 32);
  rgb_image blurred = original;
  f.blur(blurred);
  for (int y = 0; y < original.height; ++y)
    for (int x = 0; x < original.width; ++x) {
      const bool in = (x >= 40 && y >= 24) || (x < 5 && y < 5);
      const bool same = std::equal(pixel(original, x, y), pixel(original, x, y) + 3, pixel(blurred, x, y));
      if (!in) REQUIRE(same);
    }
  CHECK_FALSE(std::equal(original.pixels.begin(), original.pixels.end(), blurred.pixels.begin()));
}

TEST_CASE("frame_filter resizes to the model's size as 8-bit RGB, blurring first", "[frame_filter]") {
  frame_filter_options o;
  o.size = 16;
  frame_filter plain(o);
  rgb_image flat;
  flat.width = 64;
  flat.height = 40;
  for (int i = 0; i < 64 * 40; ++i) flat.pixels.insert(flat.pixels.end(), {200, 100, 50});
  const auto small = plain.resize(flat);
  REQUIRE(small.size() == 16 * 16 * 3);
  for (std::size_t i = 0; i < small.size(); i += 3) {
    CHECK(small[i] == 200);
    CHECK(small[i + 1] == 100);
    CHECK(small[i + 2] == 50);
  }
  o.blur = {{0, 0, 32, 32}};
  frame_filter blurring(o);
  const rgb_image img = detailed(64, 64);
  rgb_image blurred = img;
  blurring.blur(blurred);
  CHECK(blurring.prepare(img) == plain.resize(blurred));
  CHECK(blurring.prepare(img) != plain.resize(img));
}

TEST_CASE("frame_filter refuses unusable options", "[frame_filter]") {
  frame_filter_options o;
  o.size = 0;
  CHECK_THROWS_AS(frame_filter(o), std::invalid_argument);
  o.size = 8;
  o.blur_cell = 1;
  CHECK_THROWS_AS(frame_filter(o), std::invalid_argument);
}

TEST_CASE("frame metadata follows list_frames' sidecar rules", "[frame_filter][frame_meta]") {
  test::temp_dir dir("atn_frame_meta");
  const auto image = dir.path / "1767225600000.png";
  CHECK(is_frame_image_name(image));
  CHECK(is_frame_image_name(dir.path / "a.JPEG"));
  CHECK_FALSE(is_frame_image_name(dir.path / "a.png.json"));
  CHECK_FALSE(find_sidecar(image));
  std::ofstream(dir.path / "1767225600000.json") << R"({"timestamp": "2026-01-01T00:00:01Z", "source_id": "s"})";
  REQUIRE(find_sidecar(image) == dir.path / "1767225600000.json");
  std::ofstream(dir.path / "1767225600000.png.json") << R"({"timestamp": 1767225602, "window_title": "T", "url": "u"})";
  REQUIRE(find_sidecar(image) == dir.path / "1767225600000.png.json");
  input_report report;
  auto frame = describe_frame(image, find_sidecar(image), report);
  CHECK(frame.timestamp_ms == 1767225602000);
  CHECK(frame.window_title == "T");
  CHECK(frame.url == "u");
  CHECK(describe_frame(image, std::nullopt, report).timestamp_ms == 1767225600000);

  std::ofstream(dir.path / "1767225600000.png.json", std::ios::trunc)
      << R"({"timestamp": "yesterday", "source_id": "x"})";
  frame = describe_frame(image, find_sidecar(image), report);
  CHECK(report.count("bad_timestamp") == 1);
  CHECK(frame.timestamp_ms == 1767225600000);  // the name's time stays
  CHECK(frame.source_id == "x");
  std::ofstream(dir.path / "1767225600000.png.json", std::ios::trunc) << "{not json";
  describe_frame(image, find_sidecar(image), report);
  CHECK(report.count("corrupt_json") == 1);
}

TEST_CASE("decode_image_bytes decodes in memory and reports bad bytes against the given name",
          "[frame_filter][image_bytes]") {
  std::vector<std::uint8_t> rgb(6 * 4 * 3, 77);
  const auto png = png_writer().encode(rgb, 6, 4);
  input_report report;
  auto image = decode_image_bytes(png.data(), png.size(), "stream message 1", report);
  REQUIRE(image);
  CHECK(image->width == 6);
  CHECK(image->height == 4);
  CHECK(image->pixels == rgb);
  CHECK_FALSE(decode_image_bytes(png.data(), png.size() / 2, "stream message 2", report));
  CHECK(report.count("truncated_image") == 1);
  const char junk[] = "not an image at all";
  CHECK_FALSE(decode_image_bytes(junk, sizeof junk, "stream message 3", report));
  CHECK(report.count("corrupt_image") == 1);
  CHECK_FALSE(decode_image_bytes(junk, 0, "stream message 4", report));
  CHECK(report.count("empty_image") == 1);
}
