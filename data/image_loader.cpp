#include "data/image_loader.hpp"

#include "data/frame_meta.hpp"
#include "data/input_report.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

// jpeglib.h needs size_t and FILE declared first (<cstdio> above).
#include <jerror.h>
#include <jpeglib.h>

namespace atn {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t max_pixels = std::uint64_t{1} << 28;
constexpr std::uintmax_t max_file_bytes = std::uintmax_t{1} << 30;

// Decoder state lives on the heap, set up before setjmp: longjmp must not skip C++ destructors
// or leave locals indeterminate.
struct decode_state {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  bool truncated = false;
  bool too_large = false;
  char message[JMSG_LENGTH_MAX] = {};
  rgb_image image;
  std::vector<std::uint8_t*> rows;
  std::vector<std::uint8_t> scratch;  // one CMYK row
};

// ---- PNG ----------------------------------------------------------------------------------------

void png_read_bytes(png_structp png, png_bytep out, png_size_t n) {
  auto* st = static_cast<decode_state*>(png_get_io_ptr(png));
  if (st->size - st->pos < n) {
    st->truncated = true;
    png_error(png, "unexpected end of file");
  }
  std::memcpy(out, st->data + st->pos, n);
  st->pos += n;
}

void png_fail(png_structp png, png_const_charp message) {
  auto* st = static_cast<decode_state*>(png_get_error_ptr(png));
  std::snprintf(st->message, sizeof st->message, "%s", message);
  png_longjmp(png, 1);
}

void png_ignore_warning(png_structp, png_const_charp) {}

bool decode_png(decode_state& st) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, png_fail, png_ignore_warning);
  if (png == nullptr) {
    std::snprintf(st.message, sizeof st.message, "libpng could not start");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
    return false;
  }
  png_set_read_fn(png, &st, png_read_bytes);
  png_read_info(png, info);
  png_uint_32 width = png_get_image_width(png, info);
  png_uint_32 height = png_get_image_height(png, info);
  if (static_cast<std::uint64_t>(width) * height > max_pixels) {
    st.too_large = true;
    png_error(png, "image too large");
  }
  int color = png_get_color_type(png, info);
  int depth = png_get_bit_depth(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_strip_16(png);
  if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != static_cast<png_size_t>(width) * 3) png_error(png, "unexpected row layout");
  st.image.width = static_cast<int>(width);
  st.image.height = static_cast<int>(height);
  st.image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  st.rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) st.rows[y] = st.image.pixels.data() + std::size_t{y} * width * 3;
  png_read_image(png, st.rows.data());
  // The trailing chunks are not needed: a file cut after its image data still decodes.
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

// ---- JPEG ---------------------------------------------------------------------------------------

struct jpeg_failure {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  decode_state* state;
};

void jpeg_fail(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<jpeg_failure*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->state->message);
  std::longjmp(err->jump, 1);
}

void jpeg_note(j_common_ptr cinfo, int level) {
  // Warnings (level -1): the memory source reports running out of data as JWRN_JPEG_EOF and pads
  // with a fake end marker, so this is how a cut file shows.
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    reinterpret_cast<jpeg_failure*>(cinfo->err)->state->truncated = true;
  }
}

bool decode_jpeg(decode_state& st) {
  auto cinfo = std::make_unique<jpeg_decompress_struct>();
  auto err = std::make_unique<jpeg_failure>();
  cinfo->err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = jpeg_fail;
  err->mgr.emit_message = jpeg_note;
  err->state = &st;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(cinfo.get());
    return false;
  }
  jpeg_create_decompress(cinfo.get());
  jpeg_mem_src(cinfo.get(), st.data, static_cast<unsigned long>(st.size));
  jpeg_read_header(cinfo.get(), TRUE);
  bool cmyk = cinfo->num_components == 4;
  cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  if (static_cast<std::uint64_t>(cinfo->image_width) * cinfo->image_height > max_pixels) {
    st.too_large = true;
    std::snprintf(st.message, sizeof st.message, "image too large");
    jpeg_destroy_decompress(cinfo.get());
    return false;
  }
  jpeg_start_decompress(cinfo.get());
  const std::size_t width = cinfo->output_width, height = cinfo->output_height;
  const std::size_t comps = static_cast<std::size_t>(cinfo->output_components);
  st.image.width = static_cast<int>(width);
  st.image.height = static_cast<int>(height);
  st.image.pixels.resize(width * height * 3);
  std::vector<std::uint8_t>& cmyk_row = st.scratch;
  for (std::size_t y = 0; y < height; ++y) {
    if (cmyk) {
      if (cmyk_row.size() < width * comps) cmyk_row.resize(width * comps);
      JSAMPROW row = cmyk_row.data();
      jpeg_read_scanlines(cinfo.get(), &row, 1);
      // Adobe writes inverted CMYK; convert to RGB.
      bool inverted = cinfo->saw_Adobe_marker;
      std::uint8_t* out = st.image.pixels.data() + y * width * 3;
      for (std::size_t x = 0; x < width; ++x) {
        int c = cmyk_row[x * 4], m = cmyk_row[x * 4 + 1], ye = cmyk_row[x * 4 + 2], k = cmyk_row[x * 4 + 3];
        if (!inverted) {
          c = 255 - c;
          m = 255 - m;
          ye = 255 - ye;
          k = 255 - k;
        }
        out[x * 3] = static_cast<std::uint8_t>(c * k / 255);
        out[x * 3 + 1] = static_cast<std::uint8_t>(m * k / 255);
        out[x * 3 + 2] = static_cast<std::uint8_t>(ye * k / 255);
      }
    } else {
      JSAMPROW row = st.image.pixels.data() + y * width * 3;
      jpeg_read_scanlines(cinfo.get(), &row, 1);
    }
  }
  jpeg_finish_decompress(cinfo.get());
  jpeg_destroy_decompress(cinfo.get());
  return true;
}

// ---- resizing -----------------------------------------------------------------------------------

struct contribution {
  int first = 0;
  std::vector<float> weights;
};

// Per output index, the input pixels and weights: area averaging when shrinking, bilinear with
// half-pixel centres when enlarging.
std::vector<contribution> contributions(int in, int out) {
  std::vector<contribution> result(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    contribution& c = result[static_cast<std::size_t>(o)];
    if (scale > 1.0) {
      const double lo = o * scale, hi = (o + 1) * scale;
      c.first = static_cast<int>(std::floor(lo));
      const int last = std::min(in, static_cast<int>(std::ceil(hi)));
      for (int i = c.first; i < last; ++i) {
        double w = std::min(hi, i + 1.0) - std::max(lo, static_cast<double>(i));
        c.weights.push_back(static_cast<float>(std::max(0.0, w) / scale));
      }
    } else {
      double centre = std::clamp((o + 0.5) * scale - 0.5, 0.0, static_cast<double>(in - 1));
      c.first = static_cast<int>(std::floor(centre));
      const float f = static_cast<float>(centre - c.first);
      c.weights.push_back(1.0f - f);
      if (c.first + 1 < in) c.weights.push_back(f);
    }
  }
  return result;
}

bool starts_with(std::string_view data, std::string_view prefix) { return data.substr(0, prefix.size()) == prefix; }

}  // namespace

std::optional<rgb_image> decode_image(const fs::path& file, input_report& report) {
  const std::string shown = file.string();
  std::error_code ec;
  const auto bytes = fs::file_size(file, ec);
  if (ec) {
    report.problem("unreadable_file", shown, 0, "cannot read: " + ec.message());
    return std::nullopt;
  }
  if (bytes > max_file_bytes) {
    report.problem("image_too_large", shown, 0, "file of " + std::to_string(bytes) + " bytes");
    return std::nullopt;
  }
  std::vector<char> data(static_cast<std::size_t>(bytes));
  std::ifstream in(file, std::ios::binary);
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
    report.problem("unreadable_file", shown, 0, "cannot read the file");
    return std::nullopt;
  }
  return decode_image_bytes(data.data(), data.size(), shown, report);
}

std::optional<rgb_image> decode_image_bytes(const void* bytes, std::size_t size, std::string_view shown,
                                            input_report& report) {
  if (size == 0) {
    report.problem("empty_image", shown, 0, "zero-byte image");
    return std::nullopt;
  }
  if (size > max_file_bytes) {
    report.problem("image_too_large", shown, 0, "image of " + std::to_string(size) + " bytes");
    return std::nullopt;
  }
  const std::string_view data(static_cast<const char*>(bytes), size);
  static constexpr std::string_view png_signature("\x89PNG\r\n\x1a\n", 8);
  static constexpr std::string_view jpeg_signature("\xFF\xD8\xFF", 3);
  auto st = std::make_unique<decode_state>();
  st->data = reinterpret_cast<const std::uint8_t*>(bytes);
  st->size = data.size();
  bool ok;
  const char* format;
  if (starts_with(data, png_signature)) {
    format = "PNG";
    ok = decode_png(*st);
  } else if (starts_with(data, jpeg_signature)) {
    format = "JPEG";
    ok = decode_jpeg(*st);
  } else {
    // A signature cut short is a truncated file; anything else is not an image we read.
    const bool cut = png_signature.substr(0, data.size()) == data || jpeg_signature.substr(0, data.size()) == data;
    report.problem(cut ? "truncated_image" : "corrupt_image", shown, 0,
                   cut ? "data ends inside the image signature" : "neither PNG nor JPEG");
    return std::nullopt;
  }
  if (st->too_large) {
    report.problem("image_too_large", shown, 0, std::string(format) + " image over 2^28 pixels");
    return std::nullopt;
  }
  if (st->truncated) {
    report.problem("truncated_image", shown, 0, std::string(format) + " data ends early");
    return std::nullopt;
  }
  if (!ok) {
    report.problem("corrupt_image", shown, 0, std::string(format) + " decode failed: " + st->message);
    return std::nullopt;
  }
  if (st->image.width <= 0 || st->image.height <= 0) {
    report.problem("corrupt_image", shown, 0, std::string(format) + " image has no pixels");
    return std::nullopt;
  }
  return std::move(st->image);
}

image_tensor to_tensor(const rgb_image& image, int size) {
  image_tensor t;
  t.height = t.width = size;
  const int w = image.width, h = image.height;
  const auto cols = contributions(w, size);
  const auto rows = contributions(h, size);
  // Horizontal pass: h x size x 3.
  std::vector<float> horizontal(static_cast<std::size_t>(h) * size * 3, 0.0f);
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* src = image.pixels.data() + static_cast<std::size_t>(y) * w * 3;
    float* dst = horizontal.data() + static_cast<std::size_t>(y) * size * 3;
    for (int x = 0; x < size; ++x) {
      const contribution& c = cols[static_cast<std::size_t>(x)];
      float acc[3] = {0, 0, 0};
      for (std::size_t k = 0; k < c.weights.size(); ++k) {
        const std::uint8_t* p = src + static_cast<std::size_t>(c.first + static_cast<int>(k)) * 3;
        for (int ch = 0; ch < 3; ++ch) acc[ch] += c.weights[k] * p[ch];
      }
      for (int ch = 0; ch < 3; ++ch) dst[x * 3 + ch] = acc[ch];
    }
  }
  // Vertical pass, then normalise into CHW.
  const std::size_t plane = static_cast<std::size_t>(size) * size;
  t.chw.assign(plane * 3, 0.0f);
  for (int y = 0; y < size; ++y) {
    const contribution& c = rows[static_cast<std::size_t>(y)];
    for (int x = 0; x < size; ++x) {
      float acc[3] = {0, 0, 0};
      for (std::size_t k = 0; k < c.weights.size(); ++k) {
        const float* p = horizontal.data() + (static_cast<std::size_t>(c.first + static_cast<int>(k)) * size + x) * 3;
        for (int ch = 0; ch < 3; ++ch) acc[ch] += c.weights[k] * p[ch];
      }
      for (int ch = 0; ch < 3; ++ch)
        t.chw[ch * plane + static_cast<std::size_t>(y) * size + x] =
            (acc[ch] / 255.0f - imagenet_mean[ch]) / imagenet_std[ch];
    }
  }
  return t;
}

std::optional<image_tensor> load_image(const fs::path& file, int size, input_report& report) {
  auto image = decode_image(file, report);
  if (!image) return std::nullopt;
  return to_tensor(*image, size);
}

std::vector<frame_file> list_frames(const fs::path& dir, input_report& report) {
  std::vector<frame_file> frames;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    report.problem("missing_directory", dir.string(), 0, fs::exists(dir, ec) ? "not a directory" : "no such directory");
    return frames;
  }
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (!is_frame_image_name(path)) continue;
    std::error_code file_ec;
    if (!fs::is_regular_file(path, file_ec)) continue;
    frames.push_back(describe_frame(path, find_sidecar(path), report));
  }
  if (ec) report.problem("unreadable_directory", dir.string(), 0, "cannot list: " + ec.message());
  std::sort(frames.begin(), frames.end(), [](const frame_file& a, const frame_file& b) {
    bool ua = a.timestamp_ms < 0, ub = b.timestamp_ms < 0;
    if (ua != ub) return ub;
    if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
    return a.path < b.path;
  });
  return frames;
}

}  // namespace atn
