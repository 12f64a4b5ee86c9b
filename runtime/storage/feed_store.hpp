// The storage behind the feed_store_actor (torch-free, actor-free): two ring_logs, one of
// interactions and one of frames, that store each keyed record once, make every batch durable
// before it is acknowledged, age old records out and serve them back for training.
#pragma once

#include "messages/feed_counters.hpp"
#include "messages/feed_messages.hpp"
#include "runtime/storage/feed_key_index.hpp"
#include "runtime/storage/feed_record_codec.hpp"
#include "runtime/storage/ring_log.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

namespace atn {

class input_report;

/// Where and how a feed_store keeps its records.
struct feed_store_options {
  /// The node's state directory; the logs live in `<state_dir>/feed/text` and `<state_dir>/feed/frames`.
  std::filesystem::path state_dir;
  /// On-disk budget of the whole feed (oldest segments are dropped past it); 0 = unbounded.
  std::uint64_t max_bytes = std::uint64_t{1} << 30;
  /// Share of max_bytes given to the interaction log (text is small); frames get the rest.
  double text_share = 0.25;
  /// Records stored longer ago than this are dropped (by whole segments); 0 = keep any age.
  std::int64_t max_age_ms = 0;
  /// ring_fsync::never writes batches without fsync (for throwaway state); any other policy fsyncs
  /// every batch before store() returns, since a batch is acknowledged on return.
  ring_fsync fsync = ring_fsync::every_flush;
  /// Segment size of each log; 0 = the ring_log default (clamped to max_bytes / 2 there).
  std::uint64_t segment_bytes = 0;
  /// Counts bad payloads, torn tails and refused records; nullptr = a report owned by the store.
  /// Must outlive the store.
  input_report* report = nullptr;
};

/// What store() did with a batch.
struct feed_store_result {
  std::uint64_t stored = 0;      ///< records appended (durable on return)
  std::uint64_t duplicates = 0;  ///< records whose key was already held (in the log or the batch)
  std::uint64_t rejected = 0;    ///< malformed records refused and reported
};

/// A record read back with where and when it was stored.
template <class Record>
struct feed_entry {
  std::uint64_t sequence = 0;  ///< its sequence number in its log
  std::int64_t stored_ms = 0;  ///< when it was stored (Unix ms)
  Record record;
};

/// Two ring_logs of feed records with de-duplication by key.
///
/// Records are stamped with the time they are stored (their own timestamps stay in the payload),
/// so age bounds how long data is kept, whatever its origin. The keys of retained records are
/// rebuilt on open by reading both logs, so a batch re-sent after a crash between the fsync and
/// the sender's offset commit is stored once; keys of records that age out or are evicted are
/// forgotten. One thread uses a store; a second store on the same state directory fails to open
/// (the logs are flock-ed; the kernel releases the locks of a killed process).
class feed_store {
 public:
  /// Opens (creating) both logs, recovers torn tails and rebuilds the key index. Throws
  /// std::system_error when the directory cannot be used, std::runtime_error when another
  /// process has it open, std::invalid_argument for a text_share outside (0, 1).
  explicit feed_store(feed_store_options options);
  ~feed_store();

  feed_store(const feed_store&) = delete;
  feed_store& operator=(const feed_store&) = delete;

  /// Appends every interaction whose key is not held yet, then makes the batch durable. Throws
  /// std::system_error when the disk write fails: nothing is acknowledged then, and the records
  /// already taken are made durable by the next store() that succeeds (a re-send finds them held).
  feed_store_result store(const interaction_batch& batch);
  /// store() stamping the records with `now_ms` instead of the wall clock.
  feed_store_result store(const interaction_batch& batch, std::int64_t now_ms);

  /// Appends and makes durable every frame whose key is not held yet, as for interactions.
  feed_store_result store(const frame_batch& batch);
  /// store() stamping the frames with `now_ms` instead of the wall clock.
  feed_store_result store(const frame_batch& batch, std::int64_t now_ms);

  /// Applies the age and byte bounds at `now_ms` to both logs and forgets the keys of dropped
  /// records; returns how many records were dropped.
  std::uint64_t enforce_retention(std::int64_t now_ms);

  /// Retained interactions stored at or after `since_ms`, oldest first.
  std::vector<feed_entry<interaction>> recent_interactions(std::int64_t since_ms) const;
  /// Retained frames stored at or after `since_ms`, oldest first.
  std::vector<feed_entry<frame_record>> recent_frames(std::int64_t since_ms) const;

  /// Up to `max` interactions with sequence >= `cursor` (from the oldest retained when older);
  /// `cursor` is advanced past what was read, so calling again continues.
  std::vector<feed_entry<interaction>> read_interactions(std::uint64_t& cursor, std::size_t max) const;
  /// Up to `max` frames from `cursor` on, as read_interactions.
  std::vector<feed_entry<frame_record>> read_frames(std::uint64_t& cursor, std::size_t max) const;

  /// Retained interactions stored since the last mark_cycle() (across restarts).
  std::uint64_t new_interactions() const;

  /// Marks everything stored so far as seen by a training cycle and saves the mark. Throws
  /// std::system_error when saving fails; the mark then holds until the process ends.
  void mark_cycle();

  /// A snapshot of the counters.
  feed_counters counters() const;

  /// The interaction log (for its metrics, consumer positions and readers).
  const ring_log& text_log() const { return *text_; }
  /// The frame log.
  const ring_log& frame_log() const { return *frames_; }

  /// The report counting problems of both logs and their payloads.
  input_report& report() const { return *report_; }

 private:
  // One log with its keys and the payloads known not to decode.
  struct channel {
    std::unique_ptr<ring_log> log;
    feed_key_index keys;
    mutable std::set<std::uint64_t> bad;  // sequences whose payload does not decode; read past silently
    std::uint64_t cycle_position = 1;
    feed_record_kind kind = feed_record_kind::interaction;
  };

  void open(channel& ch, const std::filesystem::path& dir, std::uint64_t max_bytes);
  template <class Record>
  feed_store_result store_batch(channel& ch, const std::vector<Record>& items, std::int64_t now_ms);
  void make_durable(channel& ch);
  void forget_dropped(channel& ch);
  template <class Record>
  std::vector<feed_entry<Record>> read(const channel& ch, std::uint64_t& cursor, std::size_t max) const;
  std::uint64_t new_records(const channel& ch) const;

  feed_store_options options_;
  std::unique_ptr<input_report> own_report_;
  input_report* report_ = nullptr;
  channel text_channel_;
  channel frame_channel_;
  ring_log* text_ = nullptr;
  ring_log* frames_ = nullptr;
  feed_counters counters_;  // the since-open counters
  mutable std::uint64_t bad_records_ = 0;
};

}  // namespace atn
