#include "data/input_report.hpp"

#include <spdlog/spdlog.h>

namespace atn {

void input_report::problem(std::string_view kind, std::string_view file, std::uint64_t line, std::string_view what) {
  std::uint64_t seen;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = counts_.find(kind);
    if (it == counts_.end()) it = counts_.emplace(std::string(kind), 0).first;
    seen = ++it->second;
  }
  if (log_limit_ != 0 && seen > log_limit_) return;
  if (line > 0)
    spdlog::warn("bad input ({}) in {} line {}: {}", kind, file, line, what);
  else
    spdlog::warn("bad input ({}) in {}: {}", kind, file, what);
  if (log_limit_ != 0 && seen == log_limit_) spdlog::warn("further '{}' problems are counted but not logged", kind);
}

std::uint64_t input_report::count(std::string_view kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = counts_.find(kind);
  return it == counts_.end() ? 0 : it->second;
}

std::uint64_t input_report::total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t sum = 0;
  for (const auto& [kind, n] : counts_) sum += n;
  return sum;
}

std::map<std::string, std::uint64_t> input_report::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {counts_.begin(), counts_.end()};
}

std::string input_report::summary() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (counts_.empty()) return "none";
  std::string out;
  for (const auto& [kind, n] : counts_) {
    if (!out.empty()) out += ' ';
    out += kind + "=" + std::to_string(n);
  }
  return out;
}

}  // namespace atn
