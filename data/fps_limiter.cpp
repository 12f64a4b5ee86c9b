#include "data/fps_limiter.hpp"

#include <cmath>

namespace atn {

fps_limiter::fps_limiter(double fps_cap) : interval_ms_(fps_cap > 0 ? 1000.0 / fps_cap : 0.0) {}

bool fps_limiter::would_accept(std::string_view source_id, std::int64_t timestamp_ms) const {
  if (interval_ms_ <= 0 || timestamp_ms < 0) return true;
  auto it = last_.find(std::string(source_id));
  if (it == last_.end()) return true;
  const double gap = std::fabs(static_cast<double>(timestamp_ms - it->second));
  return gap >= interval_ms_;
}

bool fps_limiter::accept(std::string_view source_id, std::int64_t timestamp_ms) {
  if (!would_accept(source_id, timestamp_ms)) {
    ++dropped_;
    return false;
  }
  ++accepted_;
  if (interval_ms_ > 0 && timestamp_ms >= 0) last_[std::string(source_id)] = timestamp_ms;
  return true;
}

}  // namespace atn
