#include "runtime/util/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>

namespace atn {

progress_bar::progress_bar(std::string label, std::int64_t total, std::FILE* out,
                           std::function<clock::time_point()> now)
    : label_(std::move(label)),
      total_(std::max<std::int64_t>(1, total)),
      out_(out),
      tty_(isatty(fileno(out)) != 0),
      now_(std::move(now)) {}

void progress_bar::update(std::int64_t done, const std::string& detail) {
  const auto now = now_();
  if (first_done_ < 0) {
    first_done_ = done;
    first_time_ = now;
  }
  // Off a terminal, print about every 5 % (or after quiet_limit) so logs stay readable.
  const std::int64_t every = std::max<std::int64_t>(1, total_ / 20);
  if (!tty_ && last_printed_ >= 0 && done != total_ && done - last_printed_ < every &&
      now - last_print_time_ < quiet_limit)
    return;
  last_printed_ = done;
  last_print_time_ = now;

  const double elapsed = std::chrono::duration<double>(now - first_time_).count();
  std::string timing = "-/s | ETA -";
  if (done > first_done_ && elapsed > 0) {
    const double rate = (done - first_done_) / elapsed;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f/s | ETA %s", rate, format_duration((total_ - done) / rate).c_str());
    timing = buf;
  }
  constexpr int width = 24;
  const int filled = static_cast<int>(width * std::clamp<std::int64_t>(done, 0, total_) / total_);
  std::string bar(filled, '=');
  if (filled < width) bar += '>' + std::string(width - filled - 1, ' ');
  std::fprintf(out_, "%s%s %lld/%lld [%s] %s | %s%s", tty_ ? "\r" : "", label_.c_str(), static_cast<long long>(done),
               static_cast<long long>(total_), bar.c_str(), detail.c_str(), timing.c_str(), tty_ ? "\033[K" : "\n");
  std::fflush(out_);
}

void progress_bar::finish() {
  if (tty_) std::fputc('\n', out_);
  std::fflush(out_);
}

std::string format_duration(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

}  // namespace atn
