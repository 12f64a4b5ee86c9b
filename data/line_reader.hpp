// Streams a file line by line in bounded memory: lines longer than a limit are skipped while
// reading, never held whole.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

/// Reads '\n'-terminated lines (a trailing '\r' is stripped) from a file with a fixed-size buffer.
/// Memory stays O(buffer + max_line_bytes) whatever the file holds.
class line_reader {
 public:
  /// One line. `text` is valid until the next call to next(); it is empty when `too_long`.
  struct line {
    std::string_view text;
    std::uint64_t number = 0;  // 1-based
    std::uint64_t bytes = 0;   // length without the terminator (the full length when too_long)
    bool too_long = false;     // longer than max_line_bytes: skipped
    bool complete = false;     // ended with '\n' (false only for a last line without one)
  };

  /// Opens `file` at byte `start_offset`. Check ok() before reading.
  line_reader(const std::filesystem::path& file, std::size_t max_line_bytes, std::uint64_t start_offset = 0);
  ~line_reader();
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  /// False if the file could not be opened or a read failed; error() says why.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  /// Reads the next line; false at the end of the file or on a read error.
  bool next(line& out);

  /// Byte offset just past the last line returned (where a follower resumes).
  std::uint64_t offset() const { return offset_; }

  /// The first `n` bytes of the file as it is read (to sniff binary files before parsing).
  std::string_view peek(std::size_t n);

 private:
  bool fill();

  std::FILE* file_ = nullptr;
  std::size_t max_line_bytes_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;  // unread bytes in buffer_
  std::string current_;              // a line spanning buffer refills
  std::uint64_t offset_ = 0;
  std::uint64_t number_ = 0;
  bool eof_ = false;
  std::string error_;
};

/// True if `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

/// `text` with each maximal invalid UTF-8 sequence replaced by U+FFFD.
std::string repair_utf8(std::string_view text);

}  // namespace atn
