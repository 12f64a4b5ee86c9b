// Bounds the bridge's refusal warnings: junk from a peer must not turn into one log line per message
// (10,000 junk messages gave 10,000 lines in under a second, issue 18), yet every refusal is counted
// and the log still says who sends what.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace atn {

/// How many refusal lines the bridge writes.
struct refusal_log_options {
  /// Lines written in full per (peer, reason) before only summaries follow.
  std::size_t first_lines = 5;
  /// How often a summary counts the lines held back; a (peer, reason) quiet for this long starts
  /// afresh with `first_lines` lines.
  std::chrono::milliseconds summary_interval{10000};
  /// Distinct (peer, reason) pairs tracked; beyond them, refusals are counted under the peer
  /// `other_peers` (a sender can choose any routing id, so the pairs must not grow without bound).
  std::size_t max_keys = 256;
};

/// The name refusals of untracked peers are counted under.
inline constexpr const char* other_peers = "(other peers)";

/// Decides, per (peer, reason), which refusals are logged in full and counts the rest for a
/// periodic summary. Time is passed in, so tests drive it with their own clock. Not thread-safe:
/// one bridge, one thread.
class refusal_log_limiter {
 public:
  using clock = std::chrono::steady_clock;

  /// Lines held back for one (peer, reason) over one summary interval.
  struct summary {
    std::string peer;
    std::string reason;
    std::uint64_t held_back = 0;       ///< refusals not logged since the last line or summary
    std::chrono::milliseconds span{};  ///< how long they were counted over
  };

  explicit refusal_log_limiter(refusal_log_options options = {});

  /// Counts one refusal of `peer` for `reason` at `now`; true when its line is to be written.
  bool admit(const std::string& peer, const std::string& reason, clock::time_point now);

  /// The summaries whose interval has passed by `now`, each (peer, reason) with held-back lines
  /// once; their counts start again from zero. Pairs quiet for a whole interval are forgotten.
  std::vector<summary> due(clock::time_point now);

  /// Every held-back count, due or not (for a last summary when the bridge stops).
  std::vector<summary> flush(clock::time_point now);

  /// (peer, reason) pairs currently tracked.
  std::size_t tracked() const { return entries_.size(); }

 private:
  struct entry {
    clock::time_point window_start;
    std::size_t logged = 0;  // full lines written since the pair was (re)started
    std::uint64_t held_back = 0;
  };
  using key = std::pair<std::string, std::string>;

  std::vector<summary> collect(clock::time_point now, bool all);

  refusal_log_options options_;
  std::map<key, entry> entries_;
  clock::time_point next_due_ = clock::time_point::max();  // no summary can be due before it
};

}  // namespace atn
