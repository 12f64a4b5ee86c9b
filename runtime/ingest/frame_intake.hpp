// The frame intake's work, without actors: it watches a capture directory (inotify) and a ZeroMQ
// frame stream, and turns what arrives into frame records that passed the exclusions, the blur,
// the fps cap and the resize. actors/frame_intake_actor.hpp drives it behind the consent gate.
#pragma once

#include "data/fps_limiter.hpp"
#include "data/frame_filter.hpp"
#include "data/input_report.hpp"
#include "messages/feed_messages.hpp"
#include "runtime/ingest/taken_files.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace atn {

class capture_dir_watch;

/// What the frame intake reads and how.
struct frame_intake_options {
  /// Directory the capture tool writes frames into (PNG/JPEG, optional JSON sidecars as
  /// list_frames reads them); empty: none.
  std::filesystem::path capture_dir;
  /// ZeroMQ endpoint of a frame publisher to connect a SUB socket to (e.g. "ipc:///run/x.sock",
  /// "tcp://127.0.0.1:5560"); a message is two frames: JSON {timestamp, source_id, window_title,
  /// url} and the PNG/JPEG bytes. Empty: none.
  std::string stream_endpoint;
  /// Where the names of taken capture files are kept across restarts; empty: memory only.
  std::filesystem::path state_file;
  /// Wait for each image's sidecar (up to sidecar_wait, then take the image with its name's time and
  /// report "missing_sidecar"); set it when the capture tool writes sidecars after images.
  bool expect_sidecar = false;
  std::chrono::milliseconds sidecar_wait{2000};
  frame_filter_options filter;
  double fps_cap = 1.0;                      ///< frames per second per source; <= 0: no cap
  std::size_t max_batch = 32;                ///< frames per frame_batch (and stream messages per poll)
  std::size_t max_message_bytes = 64 << 20;  ///< larger stream messages are refused by ZeroMQ
  std::chrono::milliseconds poll_interval{100};
  std::chrono::milliseconds retry_interval{1000};  ///< reopening a missing directory; feed retries
  std::size_t max_unacked_batches = 4;             ///< reading pauses while this many batches are unacknowledged
  /// The capture consent switch: while false nothing is opened. Required.
  std::shared_ptr<std::atomic<bool>> consent;
  /// Where bad input is counted; one is made when null.
  std::shared_ptr<input_report> report;
};

/// A frame ready for the feed and the capture file it came from (empty name for stream frames).
struct intake_frame {
  frame_record record;
  std::string file;
  file_stamp stamp;
};

/// Counters of the intake since it was made (bad input is in the report).
struct intake_counters {
  std::uint64_t files_seen = 0;       ///< complete image files considered
  std::uint64_t stream_messages = 0;  ///< stream messages received
  std::uint64_t frames = 0;           ///< frames that passed everything
  std::uint64_t excluded_source = 0;
  std::uint64_t excluded_title = 0;
  std::uint64_t excluded_url = 0;
  std::uint64_t fps_dropped = 0;
  std::uint64_t rejected = 0;                 ///< unreadable, undecodable or malformed input
  std::uint64_t skipped_without_consent = 0;  ///< files written while consent was off
};

class frame_intake {
 public:
  /// Opens nothing yet. Throws std::invalid_argument for unusable filter options.
  explicit frame_intake(frame_intake_options options);
  ~frame_intake();
  frame_intake(const frame_intake&) = delete;
  frame_intake& operator=(const frame_intake&) = delete;

  /// Starts watching the directory (files present are taken once, except those last modified
  /// between `skip_since` and now: they were written without consent) and subscribes to the stream.
  /// Problems are reported and retried later; nothing throws.
  void open(std::optional<std::chrono::system_clock::time_point> skip_since = std::nullopt);

  /// Stops watching and closes the socket (when open); saves the state.
  void close();

  bool is_open() const { return open_; }
  bool watching() const { return watch_ != nullptr; }
  bool subscribed() const;

  /// Waits up to `timeout` for input and returns the frames it gave.
  std::vector<intake_frame> poll(std::chrono::milliseconds timeout);

  /// The feed holds these frames durably: their files are remembered as taken (saved by
  /// save_state).
  void acknowledge(const std::vector<intake_frame>& frames);

  /// Saves the taken-files state if it changed.
  void save_state();

  intake_counters counters() const;
  input_report& report() { return *options_.report; }
  const frame_intake_options& options() const { return options_; }

 private:
  struct stream;
  void try_watch(std::vector<intake_frame>& out);
  void scan(std::vector<intake_frame>& out);
  void on_image(const std::filesystem::path& path, bool from_scan, std::vector<intake_frame>& out);
  void on_sidecar(const std::filesystem::path& path, std::vector<intake_frame>& out);
  void take_file(const std::filesystem::path& path, const std::string& name, const file_stamp& stamp,
                 const std::optional<std::filesystem::path>& sidecar, std::vector<intake_frame>& out);
  void receive_stream(std::vector<intake_frame>& out);
  void expire_pending(std::vector<intake_frame>& out);
  std::optional<frame_record> make_record(const frame_file& meta, const std::string& fallback_key,
                                          const std::function<std::optional<rgb_image>()>& decode);
  std::string name_of(const std::filesystem::path& path) const;

  frame_intake_options options_;
  frame_filter filter_;
  fps_limiter limiter_;
  taken_files taken_;
  intake_counters counters_;
  bool open_ = false;
  std::optional<std::pair<std::int64_t, std::int64_t>> skip_window_ns_;  // [consent off, consent on)
  std::unique_ptr<capture_dir_watch> watch_;
  bool dir_problem_reported_ = false;
  std::chrono::steady_clock::time_point next_watch_attempt_{};
  std::unique_ptr<stream> stream_;
  std::set<std::filesystem::path> sidecars_;                                        // complete sidecars
  std::map<std::filesystem::path, std::chrono::steady_clock::time_point> waiting_;  // images awaiting a sidecar
};

}  // namespace atn
