// Bad input is counted and logged, never fatal: every problem names its file (and line).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace atn {

/// Counts problems with input data by kind ("corrupt_json", "invalid_utf8", "line_too_long",
/// "truncated_image", "missing_directory", ...) and logs each one with the file and line it came from.
/// Thread-safe; one instance is shared by everything that reads one data source.
class input_report {
 public:
  /// Records one problem. `line` is 1-based, or 0 when the problem is not about one line.
  void problem(std::string_view kind, std::string_view file, std::uint64_t line, std::string_view what);

  /// Problems of one kind so far.
  std::uint64_t count(std::string_view kind) const;

  /// Problems of every kind so far.
  std::uint64_t total() const;

  /// A copy of the per-kind counters.
  std::map<std::string, std::uint64_t> counts() const;

  /// One line such as "corrupt_json=2 invalid_utf8=1", or "none".
  std::string summary() const;

  /// Stop logging after this many messages per kind (counting goes on); 0 = never stop.
  void set_log_limit_per_kind(std::uint64_t limit) { log_limit_ = limit; }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
  std::uint64_t log_limit_ = 20;
};

}  // namespace atn
