// Whether a peer's DEALER is connected, and what to say about it: ZeroMQ redials an unreachable
// peer forever in silence, so a node waiting on one logged nothing (issue 18). The bridge feeds it
// the DEALER's monitor events; it answers with the lines worth logging.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace atn {

/// One peer's link as its DEALER's monitor reports it. Time is passed in, so tests drive it with
/// their own clock.
class peer_link_watch {
 public:
  using clock = std::chrono::steady_clock;

  /// `peer` and `endpoint` as they are to appear in log lines (already escaped); `report_every` is
  /// how often a link that is down says so (at least 1 ms).
  peer_link_watch(std::string peer, std::string endpoint, std::chrono::milliseconds report_every,
                  clock::time_point now);

  /// The handshake succeeded (CURVE keys accepted where CURVE is on): "peer 'b' at E connected
  /// after 12 s".
  std::string connected(clock::time_point now);
  /// The connection dropped: "peer 'b' at E disconnected; reconnecting". Nothing when it was not up.
  std::optional<std::string> disconnected(clock::time_point now);
  /// A dial failed and is retried (no one listening, unreachable host).
  void retried();
  /// The peer refused the handshake: `why` is kept for the next report.
  void handshake_failed(std::string why);

  /// While the link is down, once per `report_every`: "peer 'b' at E not connected after 10 s;
  /// still trying (9 attempts failed; last: WHY)".
  std::optional<std::string> check(clock::time_point now);

  bool is_connected() const { return connected_; }
  std::uint64_t failed_attempts() const { return failed_attempts_; }

 private:
  std::string describe() const;

  std::string peer_;
  std::string endpoint_;
  std::chrono::milliseconds report_every_;
  bool connected_ = false;
  bool ever_connected_ = false;
  clock::time_point down_since_;
  clock::time_point next_report_;
  std::uint64_t failed_attempts_ = 0;  // since the link went down
  std::string last_problem_;
};

}  // namespace atn
