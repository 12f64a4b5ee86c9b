#include "runtime/transport/refusal_log_limiter.hpp"

#include <algorithm>

namespace atn {

refusal_log_limiter::refusal_log_limiter(refusal_log_options options) : options_(options) {
  if (options_.summary_interval.count() <= 0) options_.summary_interval = std::chrono::milliseconds(1);
}

bool refusal_log_limiter::admit(const std::string& peer, const std::string& reason, clock::time_point now) {
  auto it = entries_.find({peer, reason});
  if (it == entries_.end()) {
    // Untracked peers beyond the bound share one name; the pairs of other_peers stay bounded by
    // the number of reasons.
    key k{entries_.size() < options_.max_keys ? peer : std::string(other_peers), reason};
    it = entries_.find(k);
    if (it == entries_.end()) {
      it = entries_.emplace(std::move(k), entry{now}).first;
      next_due_ = std::min(next_due_, now + options_.summary_interval);
    }
  }
  entry& e = it->second;
  if (e.logged < options_.first_lines) {
    ++e.logged;
    return true;
  }
  ++e.held_back;
  return false;
}

std::vector<refusal_log_limiter::summary> refusal_log_limiter::due(clock::time_point now) {
  if (now < next_due_) return {};
  return collect(now, false);
}

std::vector<refusal_log_limiter::summary> refusal_log_limiter::flush(clock::time_point now) {
  return collect(now, true);
}

std::vector<refusal_log_limiter::summary> refusal_log_limiter::collect(clock::time_point now, bool all) {
  std::vector<summary> out;
  next_due_ = clock::time_point::max();
  for (auto it = entries_.begin(); it != entries_.end();) {
    entry& e = it->second;
    const bool ended = now - e.window_start >= options_.summary_interval;
    if (ended || all) {
      if (e.held_back > 0) {
        out.push_back({it->first.first, it->first.second, e.held_back,
                       std::chrono::duration_cast<std::chrono::milliseconds>(now - e.window_start)});
        e.held_back = 0;
        e.window_start = now;
      } else if (ended) {
        // Quiet for a whole interval: the next refusal is news again and gets its full lines.
        it = entries_.erase(it);
        continue;
      }
    }
    next_due_ = std::min(next_due_, e.window_start + options_.summary_interval);
    ++it;
  }
  return out;
}

}  // namespace atn
