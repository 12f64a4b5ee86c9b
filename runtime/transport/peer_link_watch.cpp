#include "runtime/transport/peer_link_watch.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace atn {
namespace {

// "12 s", "1.5 s", "3 min 20 s".
std::string duration_text(std::chrono::milliseconds d) {
  const auto ms = std::max<std::int64_t>(0, d.count());
  char buf[48];
  if (ms < 10000 && ms % 1000 != 0)
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000);
  else if (ms < 120000)
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(ms / 1000));
  else
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(ms / 60000),
                  static_cast<long long>(ms / 1000 % 60));
  return buf;
}

std::chrono::milliseconds since(peer_link_watch::clock::time_point from, peer_link_watch::clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - from);
}

}  // namespace

peer_link_watch::peer_link_watch(std::string peer, std::string endpoint, std::chrono::milliseconds report_every,
                                 clock::time_point now)
    : peer_(std::move(peer)),
      endpoint_(std::move(endpoint)),
      report_every_(std::max(report_every, std::chrono::milliseconds(1))),
      down_since_(now),
      next_report_(now + report_every_) {}

std::string peer_link_watch::describe() const { return "peer '" + peer_ + "' at " + endpoint_; }

std::string peer_link_watch::connected(clock::time_point now) {
  const bool again = ever_connected_;
  connected_ = ever_connected_ = true;
  failed_attempts_ = 0;
  last_problem_.clear();
  return describe() + (again ? " connected again after " : " connected after ") +
         duration_text(since(down_since_, now));
}

std::optional<std::string> peer_link_watch::disconnected(clock::time_point now) {
  if (!connected_) return std::nullopt;  // a failed handshake also ends in a disconnect
  connected_ = false;
  down_since_ = now;
  next_report_ = now + report_every_;
  return describe() + " disconnected; reconnecting";
}

void peer_link_watch::retried() {
  if (!connected_) ++failed_attempts_;
}

void peer_link_watch::handshake_failed(std::string why) {
  ++failed_attempts_;
  last_problem_ = std::move(why);
}

std::optional<std::string> peer_link_watch::check(clock::time_point now) {
  if (connected_ || now < next_report_) return std::nullopt;
  // Reports stay on the grid of the interval, whenever they are checked.
  while (next_report_ <= now) next_report_ += report_every_;
  std::string line = describe() + " not connected after " + duration_text(since(down_since_, now)) +
                     "; still trying (" + std::to_string(failed_attempts_) + " attempt" +
                     (failed_attempts_ == 1 ? "" : "s") + " failed";
  if (!last_problem_.empty()) line += "; last: " + last_problem_;
  return line + ")";
}

}  // namespace atn
