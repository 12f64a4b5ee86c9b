#include "data/image_loader.hpp"
#include "data/input_report.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <png.h>
#include <unistd.h>

#include <atomic>
#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include <jpeglib.h>

namespace fs = std::filesystem;
using namespace atn;

namespace {

struct temp_dir : test::temp_dir {
  temp_dir() : test::temp_dir("atn_image_test") {}
};

// Writes a PNG with libpng: `data` holds packed rows in the file's own layout.
void write_png(const fs::path& file, int width, int height, int color_type, int bit_depth,
               const std::vector<std::uint8_t>& data, const std::vector<png_color>& palette = {},
               bool interlaced = false) {
  std::FILE* f = std::fopen(file.c_str(), "wb");
  REQUIRE(f != nullptr);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    FAIL("libpng could not write " << file);
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), bit_depth, color_type,
               interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  png_write_info(png, info);
  const std::size_t row_bytes = data.size() / static_cast<std::size_t>(height);
  std::vector<png_bytep> rows(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y)
    rows[static_cast<std::size_t>(y)] = const_cast<png_bytep>(data.data()) + static_cast<std::size_t>(y) * row_bytes;
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

std::vector<std::uint8_t> solid(int width, int height, std::vector<std::uint8_t> pixel) {
  std::vector<std::uint8_t> out;
  for (int i = 0; i < width * height; ++i) out.insert(out.end(), pixel.begin(), pixel.end());
  return out;
}

void write_jpeg(const fs::path& file, int width, int height, int components, const std::vector<std::uint8_t>& data) {
  std::FILE* f = std::fopen(file.c_str(), "wb");
  REQUIRE(f != nullptr);
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, f);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = components;
  cinfo.in_color_space = components == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row =
        const_cast<JSAMPROW>(data.data()) + static_cast<std::size_t>(cinfo.next_scanline) * width * components;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::fclose(f);
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << bytes;
}

float normalised(int channel, double value_0_255) {
  return static_cast<float>((value_0_255 / 255.0 - imagenet_mean[channel]) / imagenet_std[channel]);
}

// Every value of channel c equals the normalised `rgb[c]`, within `tolerance` (in 0-255 units).
void check_solid(const image_tensor& t, std::vector<double> rgb, double tolerance = 1e-3) {
  REQUIRE(t.chw.size() == static_cast<std::size_t>(3 * t.height * t.width));
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < t.height; ++y)
      for (int x = 0; x < t.width; ++x)
        REQUIRE(t.at(c, y, x) ==
                Approx(normalised(c, rgb[static_cast<std::size_t>(c)])).margin(tolerance / 255.0 / imagenet_std[c]));
}

}  // namespace

TEST_CASE("PNG images decode to normalised CHW of the requested size", "[image][png]") {
  temp_dir dir;
  input_report report;

  SECTION("RGB, shrunk") {
    write_png(dir.path / "rgb.png", 20, 10, PNG_COLOR_TYPE_RGB, 8, solid(20, 10, {200, 100, 50}));
    auto t = load_image(dir.path / "rgb.png", 8, report);
    REQUIRE(t);
    CHECK((t->channels == 3 && t->height == 8 && t->width == 8));
    check_solid(*t, {200, 100, 50});
    CHECK(t->at(0, 0, 0) == Approx((200 / 255.0 - 0.485) / 0.229).epsilon(1e-5));
  }
  SECTION("RGBA: alpha is dropped, not composited") {
    write_png(dir.path / "rgba.png", 5, 7, PNG_COLOR_TYPE_RGB_ALPHA, 8, solid(5, 7, {10, 20, 30, 0}));
    auto t = load_image(dir.path / "rgba.png", 16, report);
    REQUIRE(t);
    check_solid(*t, {10, 20, 30});
  }
  SECTION("grey and grey+alpha expand to RGB") {
    write_png(dir.path / "g.png", 4, 4, PNG_COLOR_TYPE_GRAY, 8, solid(4, 4, {128}));
    write_png(dir.path / "ga.png", 4, 4, PNG_COLOR_TYPE_GRAY_ALPHA, 8, solid(4, 4, {64, 255}));
    write_png(dir.path / "g1.png", 8, 2, PNG_COLOR_TYPE_GRAY, 1, solid(1, 2, {0xFF}));  // 1-bit: all white
    check_solid(*load_image(dir.path / "g.png", 3, report), {128, 128, 128});
    check_solid(*load_image(dir.path / "ga.png", 3, report), {64, 64, 64});
    check_solid(*load_image(dir.path / "g1.png", 3, report), {255, 255, 255});
  }
  SECTION("palette images expand to RGB") {
    std::vector<png_color> palette{{255, 0, 0}, {0, 0, 255}};
    // 4x2 image: left half index 0 (red), right half index 1 (blue).
    write_png(dir.path / "p.png", 4, 2, PNG_COLOR_TYPE_PALETTE, 8, {0, 0, 1, 1, 0, 0, 1, 1}, palette);
    auto image = decode_image(dir.path / "p.png", report);
    REQUIRE(image);
    CHECK((image->width == 4 && image->height == 2));
    CHECK(std::vector<std::uint8_t>(image->pixels.begin(), image->pixels.begin() + 12) ==
          std::vector<std::uint8_t>{255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255});
  }
  SECTION("16-bit samples are reduced to 8 bits") {
    write_png(dir.path / "16.png", 3, 3, PNG_COLOR_TYPE_RGB, 16, solid(3, 3, {0xFF, 0x00, 0x80, 0x00, 0x00, 0x10}));
    check_solid(*load_image(dir.path / "16.png", 3, report), {255, 128, 0});
  }
  SECTION("interlaced images decode like plain ones") {
    std::vector<std::uint8_t> gradient;
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 11; ++x)
        gradient.insert(gradient.end(), {static_cast<std::uint8_t>(x * 20), static_cast<std::uint8_t>(y * 25), 7});
    write_png(dir.path / "plain.png", 11, 9, PNG_COLOR_TYPE_RGB, 8, gradient);
    write_png(dir.path / "adam7.png", 11, 9, PNG_COLOR_TYPE_RGB, 8, gradient, {}, true);
    auto plain = decode_image(dir.path / "plain.png", report);
    auto adam7 = decode_image(dir.path / "adam7.png", report);
    REQUIRE((plain && adam7));
    CHECK(plain->pixels == gradient);
    CHECK(adam7->pixels == gradient);
  }
  CHECK(report.total() == 0);
}

TEST_CASE("JPEG images decode to normalised CHW", "[image][jpeg]") {
  temp_dir dir;
  input_report report;
  write_jpeg(dir.path / "rgb.jpg", 32, 24, 3, solid(32, 24, {200, 100, 50}));
  write_jpeg(dir.path / "grey.jpeg", 16, 16, 1, solid(16, 16, {77}));
  auto t = load_image(dir.path / "rgb.jpg", 10, report);
  REQUIRE(t);
  CHECK((t->height == 10 && t->width == 10 && t->chw.size() == 300));
  check_solid(*t, {200, 100, 50}, 4.0);  // lossy: a few levels either way
  check_solid(*load_image(dir.path / "grey.jpeg", 4, report), {77, 77, 77}, 2.0);
  CHECK(report.total() == 0);
}

TEST_CASE("resizing averages areas when shrinking and interpolates when enlarging", "[image][resize]") {
  SECTION("a 1-pixel checkerboard shrinks to its mean") {
    rgb_image image{4, 4, {}};
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        std::uint8_t v = (x + y) % 2 == 0 ? 255 : 0;
        image.pixels.insert(image.pixels.end(), {v, v, v});
      }
    check_solid(to_tensor(image, 2), {127.5, 127.5, 127.5});
  }
  SECTION("2x2 blocks shrink to their colours, in CHW row-major order") {
    rgb_image image{4, 4, {}};
    const std::uint8_t colours[4][3] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255}};
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        const auto* c = colours[(y / 2) * 2 + x / 2];
        image.pixels.insert(image.pixels.end(), {c[0], c[1], c[2]});
      }
    image_tensor t = to_tensor(image, 2);
    for (int block = 0; block < 4; ++block)
      for (int c = 0; c < 3; ++c)
        CHECK(t.at(c, block / 2, block % 2) == Approx(normalised(c, colours[block][c])).margin(1e-4));
  }
  SECTION("bilinear enlargement with half-pixel centres") {
    rgb_image image{1, 2, {0, 0, 0, 255, 255, 255}};  // one row: black, white
    image_tensor t = to_tensor(image, 4);
    const double expected[4] = {0, 63.75, 191.25, 255};
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) CHECK(t.at(1, y, x) == Approx(normalised(1, expected[x])).margin(1e-4));
  }
  SECTION("a large shrink stays exact on a solid colour") {
    rgb_image image{300, 500, {}};
    image.pixels = solid(500, 300, {1, 2, 3});
    check_solid(to_tensor(image, 7), {1, 2, 3});
  }
}

TEST_CASE("broken image files are reported", "[image][bad_input]") {
  temp_dir dir;
  input_report report;
  write_png(dir.path / "good.png", 64, 64, PNG_COLOR_TYPE_RGB, 8, [] {
    std::vector<std::uint8_t> noise(64 * 64 * 3);
    std::mt19937 rng(7);
    for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
    return noise;
  }());
  write_jpeg(dir.path / "good.jpg", 64, 64, 3, solid(64, 64, {9, 99, 199}));
  const std::string png = read_bytes(dir.path / "good.png");
  const std::string jpg = read_bytes(dir.path / "good.jpg");

  write_bytes(dir.path / "empty.png", "");
  write_bytes(dir.path / "half.png", png.substr(0, png.size() / 2));
  write_bytes(dir.path / "header_only.png", png.substr(0, 20));
  write_bytes(dir.path / "sig_only.png", png.substr(0, 4));
  write_bytes(dir.path / "half.jpg", jpg.substr(0, jpg.size() / 2));
  write_bytes(dir.path / "garbage.png", "this is not an image at all");
  std::string flipped = png;
  for (std::size_t i = png.size() / 2; i < png.size() / 2 + 64; ++i) flipped[i] = static_cast<char>(~flipped[i]);
  write_bytes(dir.path / "flipped.png", flipped);
  write_bytes(dir.path / "no_iend.png", png.substr(0, png.size() - 12));  // only the end chunk missing

  CHECK_FALSE(load_image(dir.path / "empty.png", 8, report));
  CHECK(report.count("empty_image") == 1);
  CHECK_FALSE(load_image(dir.path / "half.png", 8, report));
  CHECK_FALSE(load_image(dir.path / "header_only.png", 8, report));
  CHECK_FALSE(load_image(dir.path / "sig_only.png", 8, report));
  CHECK_FALSE(load_image(dir.path / "half.jpg", 8, report));
  CHECK(report.count("truncated_image") == 4);
  CHECK_FALSE(load_image(dir.path / "garbage.png", 8, report));
  CHECK_FALSE(load_image(dir.path / "flipped.png", 8, report));
  CHECK(report.count("corrupt_image") == 2);
  CHECK_FALSE(load_image(dir.path / "missing.png", 8, report));
  CHECK(report.count("unreadable_file") == 1);
  CHECK(report.total() == 8);

  CHECK(load_image(dir.path / "no_iend.png", 8, report));
  CHECK(load_image(dir.path / "good.jpg", 8, report));
  CHECK(report.total() == 8);
}

TEST_CASE("frames are listed with times from names and sidecars", "[image][frames]") {
  temp_dir dir;
  const fs::path d = dir.path / "frames";
  write_bytes(d / "1772442904000.png", "x");
  write_bytes(d / "screen_2026-03-02T09-15-05.250Z.png", "x");
  write_bytes(d / "frame_a.jpg", "x");
  write_bytes(
      d / "frame_a.jpg.json",
      R"({"timestamp":"2026-03-02T09:15:06Z","source_id":"screen0","window_title":"Editor — main.cpp","url":"https://example.com/x"})");
  write_bytes(d / "frame_b.png", "x");
  write_bytes(d / "frame_b.json", R"({"timestamp":1772442907000,"source_id":"screen1"})");
  write_bytes(d / "1772442908000.png", "x");
  write_bytes(d / "1772442908000.png.json", R"({"timestamp":"garbage","window_title":"Kept"})");
  write_bytes(d / "nots.png", "x");
  write_bytes(d / "nots.json", "{broken");
  write_bytes(d / "sub" / "1772442903000.PNG", "x");
  write_bytes(d / "readme.txt", "not a frame");

  input_report report;
  auto frames = list_frames(d, report);
  CHECK(report.count("bad_timestamp") == 1);
  CHECK(report.count("corrupt_json") == 1);
  CHECK(report.total() == 2);
  REQUIRE(frames.size() == 7);
  std::vector<std::int64_t> times;
  for (const auto& f : frames) times.push_back(f.timestamp_ms);
  CHECK(times == std::vector<std::int64_t>{1772442903000, 1772442904000, 1772442905250, 1772442906000, 1772442907000,
                                           1772442908000, -1});
  CHECK(frames[0].path == d / "sub" / "1772442903000.PNG");
  CHECK(frames[3].path == d / "frame_a.jpg");
  CHECK(frames[3].source_id == "screen0");
  CHECK(frames[3].window_title == "Editor — main.cpp");
  CHECK(frames[3].url == "https://example.com/x");
  CHECK(frames[4].source_id == "screen1");
  CHECK(frames[5].window_title == "Kept");
  CHECK(frames[6].path == d / "nots.png");

  input_report missing;
  CHECK(list_frames(dir.path / "nope", missing).empty());
  CHECK(missing.count("missing_directory") == 1);
}
