#include "runtime/storage/feed_write_health.hpp"

#include <algorithm>

namespace atn {
namespace {

std::string seconds_since(feed_write_health::clock::time_point from, feed_write_health::clock::time_point now) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - from).count()) + " s";
}

std::string batches(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " batch" : " batches"); }

}  // namespace

feed_write_health::feed_write_health(std::chrono::milliseconds remind_every)
    : remind_every_(std::max(remind_every, std::chrono::milliseconds(1))) {}

std::optional<feed_write_health::note> feed_write_health::failed(const std::string& error, clock::time_point now,
                                                                 std::int64_t now_unix_ms) {
  ++failures_;
  if (!failing_) {
    failing_ = true;
    error_ = error;
    since_ = now;
    since_unix_ms_ = now_unix_ms;
    next_reminder_ = now + remind_every_;
    return note{note::kind::failing,
                "feed writes fail: " + error + "; nothing is acknowledged, the readers keep the records and retry"};
  }
  if (error != error_) {  // a new cause is news
    error_ = error;
    next_reminder_ = now + remind_every_;
    return note{note::kind::failing, "feed writes now fail with: " + error};
  }
  if (now < next_reminder_) return std::nullopt;
  while (next_reminder_ <= now) next_reminder_ += remind_every_;
  return note{note::kind::still_failing, "feed writes still fail after " + seconds_since(since_, now) + " (" +
                                             batches(failures_) + " refused): " + error};
}

std::optional<feed_write_health::note> feed_write_health::succeeded(clock::time_point now) {
  if (!failing_) return std::nullopt;
  note n{note::kind::recovered, "feed writes work again after " + seconds_since(since_, now) + "; " +
                                    batches(failures_) + " had been refused"};
  failing_ = false;
  error_.clear();
  failures_ = 0;
  since_unix_ms_ = 0;
  return n;
}

}  // namespace atn
