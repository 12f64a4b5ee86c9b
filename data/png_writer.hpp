// PNG encoding of 8-bit RGB images through libpng's simplified API.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace atn {

/// Encodes RGB pixel buffers as PNG. The output depends only on the pixels (no time or text
/// chunks), so equal images give equal files.
class png_writer {
 public:
  /// `fast`: zlib level 1 without row filters (several times faster); otherwise level 9 with
  /// adaptive filters (about 20 % smaller).
  explicit png_writer(bool fast = true) : fast_(fast) {}

  /// PNG bytes of a width x height image given as row-major RGB, top row first.
  /// Throws std::runtime_error when libpng fails or the buffer is too small.
  std::vector<std::uint8_t> encode(const std::vector<std::uint8_t>& rgb, int width, int height) const;

  /// Encodes and writes to `path`; returns the number of bytes written.
  std::uint64_t write(const std::filesystem::path& path, const std::vector<std::uint8_t>& rgb, int width,
                      int height) const;

 private:
  bool fast_;
};

}  // namespace atn
