// Whether the feed's disk writes work, and what is worth saying about it: on a full disk every
// retry failed again and was logged again (four lines a second, issue 18), while `status` showed
// nothing. This keeps the failure's cause and start for the status, and yields one line per change
// (failing, a different error, working again) plus a periodic reminder while it lasts.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace atn {

/// The feed's write health. Time is passed in, so tests drive it with their own clock.
class feed_write_health {
 public:
  using clock = std::chrono::steady_clock;

  /// A line worth logging.
  struct note {
    enum class kind { failing, still_failing, recovered } what;
    std::string text;
  };

  /// `remind_every`: how often a failure that lasts is mentioned again.
  explicit feed_write_health(std::chrono::milliseconds remind_every = std::chrono::minutes(1));

  /// A batch could not be written because of `error` (the exception's text, naming the file and
  /// the errno); `now_unix_ms` dates the start of a failure for the status.
  std::optional<note> failed(const std::string& error, clock::time_point now, std::int64_t now_unix_ms);
  /// A batch was written.
  std::optional<note> succeeded(clock::time_point now);

  bool failing() const { return failing_; }
  /// The last failure's text; empty while writes work.
  const std::string& error() const { return error_; }
  /// Unix ms of the first failure in the current run of failures; 0 while writes work.
  std::int64_t failing_since_ms() const { return failing_ ? since_unix_ms_ : 0; }
  /// Batches refused in the current run of failures.
  std::uint64_t failures() const { return failures_; }

 private:
  std::chrono::milliseconds remind_every_;
  bool failing_ = false;
  std::string error_;
  clock::time_point since_{};
  clock::time_point next_reminder_{};
  std::int64_t since_unix_ms_ = 0;
  std::uint64_t failures_ = 0;
};

}  // namespace atn
