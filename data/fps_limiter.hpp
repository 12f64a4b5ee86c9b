// Frame-rate cap per source, by frame time (not wall clock), so a burst of captured frames or a
// replay of old ones is thinned the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace atn {

/// Per source id, a frame closer than 1/fps_cap seconds (in either direction) to the last accepted
/// frame of that source is dropped and counted; a frame exactly 1/fps_cap away is accepted.
/// Frames with an unknown time (negative) are accepted and do not move the reference. Not
/// thread-safe.
class fps_limiter {
 public:
  /// `fps_cap` <= 0 means no cap.
  explicit fps_limiter(double fps_cap);

  /// Whether accept() would take this frame; changes nothing.
  bool would_accept(std::string_view source_id, std::int64_t timestamp_ms) const;

  /// Takes the frame (it becomes the source's reference) or drops and counts it.
  bool accept(std::string_view source_id, std::int64_t timestamp_ms);

  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t dropped() const { return dropped_; }
  /// The minimum distance between accepted frames of one source, in ms (0 without a cap).
  double interval_ms() const { return interval_ms_; }

 private:
  double interval_ms_ = 0;
  std::unordered_map<std::string, std::int64_t> last_;
  std::uint64_t accepted_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace atn
