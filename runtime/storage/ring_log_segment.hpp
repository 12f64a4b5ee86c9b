// Internals of runtime/ring_log shared by its writing side (ring_log.cpp) and its reading side
// (ring_log_reader.cpp): the record format's constants, the segment bookkeeping and the scanner.
#pragma once

#include "runtime/storage/ring_log.hpp"
#include "runtime/util/crc32c.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

namespace atn {
namespace ring_log_detail {

// Bytes D1 5E A7 01 on disk: D1 5E never occurs in UTF-8 text, so payloads rarely fake a header
// while resynchronising; the last byte is the format version.
inline constexpr std::uint32_t record_magic = 0x01A75ED1u;
inline constexpr int record_magic_first_byte = 0xD1;
// One index entry per this many bytes of a segment bounds the scan of a seek.
inline constexpr std::uint64_t index_interval = 64 * 1024;
inline constexpr std::size_t scan_read_bytes = std::size_t{1} << 20;
inline constexpr std::size_t reader_read_bytes = std::size_t{256} << 10;
inline constexpr std::string_view cursor_prefix = "atn-ring-consumer 1 ";
inline constexpr std::int64_t no_timestamp = std::numeric_limits<std::int64_t>::min();

inline std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline std::uint64_t index_lookup(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& index,
                                  std::uint64_t sequence) {
  auto it = std::upper_bound(index.begin(), index.end(), sequence,
                             [](std::uint64_t s, const auto& entry) { return s < entry.first; });
  return it == index.begin() ? 0 : std::prev(it)->second;
}

inline std::string hex32(std::uint32_t v) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", v);
  return text;
}

}  // namespace ring_log_detail

// One segment file. The fd stays open while anyone (the log or a reader) holds the segment.
struct ring_log::segment {
  segment(std::uint64_t first, std::filesystem::path file, int descriptor)
      : first_sequence(first), path(std::move(file)), fd(descriptor), last_sequence(first - 1) {}
  ~segment() { ::close(fd); }
  segment(const segment&) = delete;
  segment& operator=(const segment&) = delete;

  const std::uint64_t first_sequence;
  const std::filesystem::path path;
  const int fd;
  // Set once the segment is removed; readers check it without the lock.
  std::atomic<bool> dropped{false};
  // The rest is guarded by ring_log::mutex_.
  std::uint64_t size = 0;       // bytes readers may read; always ends on a record boundary
  std::uint64_t last_sequence;  // first_sequence - 1 while empty
  bool sealed = false;          // no more appends; a later segment exists
  bool summarized = false;      // index and max_timestamp cover [0, size)
  std::int64_t max_timestamp = ring_log_detail::no_timestamp;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> index;  // (sequence, offset), ascending
  std::mutex scan_mutex;                                       // one summary scan at a time
};

// Reads the records of one segment in order through a large buffer, checking each header and CRC.
class ring_log::scanner {
 public:
  struct view {
    std::uint64_t sequence;
    std::int64_t timestamp_ms;
    const char* payload;  // valid until the next call
    std::uint32_t size;
    std::uint64_t offset;
  };
  enum class status { record, end, bad };

  scanner(int fd, std::size_t read_bytes) : fd_(fd), read_bytes_(read_bytes) {}

  void seek(std::uint64_t offset) { offset_ = offset; }
  void set_limit(std::uint64_t limit) { limit_ = limit; }
  std::uint64_t offset() const { return offset_; }
  std::uint64_t limit() const { return limit_; }

  /// The record at offset() (then advances past it), end at the limit, or bad: a damaged header,
  /// length or CRC, or a record running past the limit.
  status next(view& out) {
    if (offset_ >= limit_) return status::end;
    if (!parse(offset_, out)) return status::bad;
    offset_ += header_bytes + out.size;
    return status::record;
  }

  /// After bad: moves to the next offset where a valid record starts, or to the limit. Returns the
  /// bytes stepped over.
  std::uint64_t resync() {
    const std::uint64_t start = offset_;
    view v{};
    for (std::uint64_t p = start + 1; p + header_bytes <= limit_;) {
      if (!fill(p, header_bytes)) break;
      const char* base = at(p);
      const std::size_t window = static_cast<std::size_t>(buffer_offset_ + buffer_size_ - p) - header_bytes + 1;
      const void* hit = std::memchr(base, ring_log_detail::record_magic_first_byte, window);
      if (hit == nullptr) {
        p += window;
        continue;
      }
      p += static_cast<std::uint64_t>(static_cast<const char*>(hit) - base);
      if (parse(p, v)) {
        offset_ = p;
        return p - start;
      }
      ++p;
    }
    offset_ = limit_;
    return limit_ - start;
  }

 private:
  bool parse(std::uint64_t p, view& out) {
    if (!fill(p, header_bytes)) return false;
    const char* h = at(p);
    if (ring_log_detail::get_u32(h) != ring_log_detail::record_magic) return false;
    const std::uint32_t size = ring_log_detail::get_u32(h + 4);
    if (size > max_payload_bytes || !fill(p, header_bytes + size)) return false;
    h = at(p);
    // The CRC covers sequence, timestamp and payload, which lie contiguously from byte 12.
    if (crc32c(h + 12, 16 + std::size_t{size}) != ring_log_detail::get_u32(h + 8)) return false;
    out = view{ring_log_detail::get_u64(h + 12), static_cast<std::int64_t>(ring_log_detail::get_u64(h + 20)),
               h + header_bytes, size, p};
    return true;
  }

  // Makes [p, p + n) available in the buffer; false when that passes the limit or the file's end
  // (an unreadable range reads as damaged rather than failing the reader).
  bool fill(std::uint64_t p, std::size_t n) {
    if (p >= buffer_offset_ && p + n <= buffer_offset_ + buffer_size_) return true;
    if (p + n > limit_) return false;
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(std::max(n, read_bytes_), limit_ - p));
    if (buffer_.size() < want) buffer_.resize(want);
    std::size_t got = 0;
    while (got < want) {
      const ssize_t r = ::pread(fd_, buffer_.data() + got, want - got, static_cast<off_t>(p + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    buffer_offset_ = p;
    buffer_size_ = got;
    return got >= n;
  }

  const char* at(std::uint64_t p) const { return buffer_.data() + (p - buffer_offset_); }

  int fd_;
  std::size_t read_bytes_;
  std::uint64_t offset_ = 0;
  std::uint64_t limit_ = 0;
  std::vector<char> buffer_;
  std::uint64_t buffer_offset_ = 0;
  std::size_t buffer_size_ = 0;
};

}  // namespace atn
