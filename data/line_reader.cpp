#include "data/line_reader.hpp"

#include <simdjson.h>

#include <cerrno>
#include <cstring>

namespace atn {

namespace {
constexpr std::size_t buffer_bytes = 1 << 20;
}

line_reader::line_reader(const std::filesystem::path& file, std::size_t max_line_bytes, std::uint64_t start_offset)
    : max_line_bytes_(max_line_bytes), offset_(start_offset) {
  file_ = std::fopen(file.c_str(), "rb");
  if (file_ == nullptr) {
    error_ = std::strerror(errno);
    return;
  }
  if (start_offset > 0 && std::fseek(file_, static_cast<long>(start_offset), SEEK_SET) != 0) {
    error_ = std::strerror(errno);
    return;
  }
  buffer_.resize(buffer_bytes);
}

line_reader::~line_reader() {
  if (file_ != nullptr) std::fclose(file_);
}

bool line_reader::fill() {
  if (eof_ || !ok()) return false;
  std::size_t n = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  if (n == 0) {
    if (std::ferror(file_)) error_ = std::string("read failed: ") + std::strerror(errno);
    eof_ = true;
    return false;
  }
  begin_ = 0;
  end_ = n;
  return true;
}

std::string_view line_reader::peek(std::size_t n) {
  if (begin_ == end_) fill();
  return {buffer_.data() + begin_, std::min(n, end_ - begin_)};
}

bool line_reader::next(line& out) {
  if (!ok()) return false;
  current_.clear();
  std::uint64_t bytes = 0;
  bool too_long = false;
  bool in_buffer = false;  // the whole line lies in buffer_: hand out a view, no copy
  std::string_view text;
  bool complete = false;
  for (;;) {
    if (begin_ == end_ && !fill()) {
      if (bytes == 0 && !too_long) return false;
      break;  // a last line without '\n'
    }
    const char* start = buffer_.data() + begin_;
    std::size_t avail = end_ - begin_;
    auto* nl = static_cast<const char*>(std::memchr(start, '\n', avail));
    std::size_t take = nl != nullptr ? static_cast<std::size_t>(nl - start) : avail;
    bytes += take;
    if (!too_long) {
      if (bytes > max_line_bytes_) {
        // Past the limit: forget what we have and only count until the newline.
        too_long = true;
        current_.clear();
      } else if (nl != nullptr && bytes == take) {
        in_buffer = true;
        text = {start, take};
      } else {
        current_.append(start, take);
      }
    }
    begin_ += take;
    if (nl != nullptr) {
      ++begin_;
      complete = true;
      break;
    }
  }
  if (!in_buffer) text = current_;
  if (too_long) text = {};
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (complete) offset_ += bytes + 1;
  out.text = text;
  out.number = ++number_;
  out.bytes = too_long ? bytes : text.size();
  out.too_long = too_long;
  out.complete = complete;
  return true;
}

bool is_valid_utf8(std::string_view text) { return simdjson::validate_utf8(text); }

std::string repair_utf8(std::string_view text) {
  static constexpr char replacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size() + 16);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Expected length and the allowed range of the second byte (Unicode Table 3-7).
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    if (len == 0) {
      out += replacement;
      ++i;
      continue;
    }
    // Consume the maximal well-formed prefix; an ill-formed one becomes one U+FFFD.
    std::size_t k = 1;
    while (k < len && i + k < n) {
      unsigned char b = s[i + k];
      bool good = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
      if (!good) break;
      ++k;
    }
    if (k == len) {
      out.append(text.data() + i, len);
    } else {
      out += replacement;
    }
    i += k;
  }
  return out;
}

}  // namespace atn
