// A one-line progress bar for long work: step, a bar, the caller's figures, rate and ETA. On a
// terminal it redraws in place; otherwise it prints a line every few percent, and at least every
// few seconds so a slow run still shows it is alive.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace atn {

class progress_bar {
 public:
  using clock = std::chrono::steady_clock;

  /// `now` is the time source (tests pass their own).
  progress_bar(std::string label, std::int64_t total, std::FILE* out = stderr,
               std::function<clock::time_point()> now = clock::now);
  /// Shows `done` of total with `detail` (e.g. "loss 0.41").
  void update(std::int64_t done, const std::string& detail);
  /// Ends the line.
  void finish();

  /// Off a terminal, a line is printed at least this often while updates keep coming.
  static constexpr std::chrono::seconds quiet_limit{10};

 private:
  std::string label_;
  std::int64_t total_;
  std::FILE* out_;
  bool tty_;
  std::function<clock::time_point()> now_;
  std::int64_t last_printed_ = -1;
  clock::time_point last_print_time_;
  // Rate and ETA count from the first update: the work before it (loading, a first evaluation)
  // is not the work being timed, and one update alone gives no rate.
  std::int64_t first_done_ = -1;
  clock::time_point first_time_;
};

/// "1:05" or "1:02:03".
std::string format_duration(double seconds);

}  // namespace atn
