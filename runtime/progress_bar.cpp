#include "runtime/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>

namespace atn {

progress_bar::progress_bar(std::string label, std::int64_t total, std::FILE* out)
    : label_(std::move(label)), total_(std::max<std::int64_t>(1, total)), out_(out),
      tty_(isatty(fileno(out)) != 0), start_(std::chrono::steady_clock::now()) {}

void progress_bar::update(std::int64_t done, const std::string& detail) {
  // Off a terminal, print about every 5 % so logs stay readable.
  const std::int64_t every = std::max<std::int64_t>(1, total_ / 20);
  if (!tty_ && done != total_ && done - last_printed_ < every && last_printed_ >= 0) return;
  last_printed_ = done;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  constexpr int width = 24;
  const int filled = static_cast<int>(width * done / total_);
  std::string bar(filled, '=');
  if (filled < width) bar += '>' + std::string(width - filled - 1, ' ');
  std::fprintf(out_, "%s%s %lld/%lld [%s] %s | %.2f/s | ETA %s%s", tty_ ? "\r" : "", label_.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), bar.c_str(), detail.c_str(), rate,
               format_duration(eta).c_str(), tty_ ? "\033[K" : "\n");
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
