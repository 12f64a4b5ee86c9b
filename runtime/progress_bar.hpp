// A one-line progress bar for long work: step, a bar, the caller's figures, rate and ETA. On a
// terminal it redraws in place; otherwise it prints a line every few percent.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace atn {

class progress_bar {
 public:
  progress_bar(std::string label, std::int64_t total, std::FILE* out = stderr);
  /// Shows `done` of total with `detail` (e.g. "loss 0.41").
  void update(std::int64_t done, const std::string& detail);
  /// Ends the line.
  void finish();

 private:
  std::string label_;
  std::int64_t total_;
  std::FILE* out_;
  bool tty_;
  std::int64_t last_printed_ = -1;
  std::chrono::steady_clock::time_point start_;
};

/// "1:05" or "1:02:03".
std::string format_duration(double seconds);

}  // namespace atn
