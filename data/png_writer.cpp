#include "data/png_writer.hpp"

#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

namespace atn {

namespace {
struct sink {
  std::vector<std::uint8_t>* out;
  bool out_of_memory;
  char message[128];
};

void write_bytes(png_structp png, png_bytep data, png_size_t size) {
  auto* s = static_cast<sink*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    s->out->insert(s->out->end(), data, data + size);
  } catch (...) {
    failed = true;
  }
  // png_error longjmps: call it outside the catch block, with no C++ object alive here.
  if (failed) {
    s->out_of_memory = true;
    png_error(png, "out of memory");
  }
}

void flush_bytes(png_structp) {}

void record_error(png_structp png, png_const_charp message) {
  auto* s = static_cast<sink*>(png_get_error_ptr(png));
  std::snprintf(s->message, sizeof s->message, "%s", message);
  png_longjmp(png, 1);
}

void ignore_warning(png_structp, png_const_charp) {}

// libpng reports errors by longjmp, so this function holds only trivially destructible locals
// between setjmp and the end. Returns false with `s.message` set on failure.
bool encode_rows(sink& s, const std::uint8_t* rgb, int width, int height, bool fast) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &s, record_error, ignore_warning);
  if (png == nullptr) return false;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_set_write_fn(png, &s, write_bytes, flush_bytes);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  // Flat UI colours compress well without row filters; level 1 is several times faster than 6.
  png_set_compression_level(png, fast ? 1 : 9);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, fast ? PNG_FILTER_NONE : PNG_ALL_FILTERS);
  png_write_info(png, info);
  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  for (int y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(rgb + stride * static_cast<std::size_t>(y)));
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return true;
}
}  // namespace

std::vector<std::uint8_t> png_writer::encode(const std::vector<std::uint8_t>& rgb, int width, int height) const {
  if (width <= 0 || height <= 0) throw std::runtime_error("png_writer: image size must be positive");
  if (rgb.size() < static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3)
    throw std::runtime_error("png_writer: pixel buffer smaller than " + std::to_string(width) + "x" +
                             std::to_string(height) + " RGB");
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) / 4 + 1024);
  sink s{&out, false, "libpng failed"};
  if (!encode_rows(s, rgb.data(), width, height, fast_)) {
    if (s.out_of_memory) throw std::bad_alloc();
    throw std::runtime_error(std::string("png_writer: ") + s.message);
  }
  return out;
}

std::uint64_t png_writer::write(const std::filesystem::path& path, const std::vector<std::uint8_t>& rgb, int width,
                                int height) const {
  const std::vector<std::uint8_t> bytes = encode(rgb, width, height);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw std::runtime_error("png_writer: cannot write " + path.string());
  return bytes.size();
}

}  // namespace atn
