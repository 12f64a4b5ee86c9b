// The durable ring log behind the feed_store_actor: a directory of append-only segment files holding
// length- and CRC-checked records, bounded by bytes and by age, recovered after a crash.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

class input_report;

/// When flushed records are made durable with fdatasync.
enum class ring_fsync {
  every_flush,  ///< every flush() that wrote records fsyncs before it returns
  periodic,     ///< flush() fsyncs once fsync_every_records records or fsync_every_ms have passed
  never,        ///< never fsync (the OS writes back when it likes); nothing is acknowledged
};

/// Tuning of a ring_log.
struct ring_log_options {
  /// A segment is sealed and a new one started once it would grow past this (a record larger than
  /// it gets a segment of its own). Clamped to max_bytes / 2 so the budget can drop whole segments.
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;
  /// Oldest whole segments are dropped while the log holds more than this; 0 = unbounded.
  std::uint64_t max_bytes = std::uint64_t{1} << 30;
  /// Oldest whole segments whose newest record is older than this are dropped; 0 = keep any age.
  std::int64_t max_age_ms = 0;
  /// fsync policy; see ring_fsync.
  ring_fsync fsync = ring_fsync::every_flush;
  /// ring_fsync::periodic: fsync once this many records are unsynced (0 = not by count).
  std::uint64_t fsync_every_records = 1000;
  /// ring_fsync::periodic: fsync once the last fsync is this old (0 = not by time).
  std::int64_t fsync_every_ms = 1000;
  /// append() writes the batch out (without fsync) once this much is buffered.
  std::size_t buffer_bytes = std::size_t{1} << 20;
  /// Where corruption and torn tails are counted; nullptr = a report owned by the log. Must outlive
  /// the log.
  input_report* report = nullptr;
};

/// One record as read back.
struct ring_record {
  std::uint64_t sequence = 0;     ///< 1, 2, 3, ... in append order, never reused while retained
  std::int64_t timestamp_ms = 0;  ///< the caller's timestamp (Unix milliseconds)
  std::string payload;            ///< the bytes given to append()
};

/// Counters of a ring_log.
struct ring_log_metrics {
  std::uint64_t records = 0;                  ///< records retained on disk (written, not buffered)
  std::uint64_t bytes = 0;                    ///< bytes of the retained segment files
  std::uint64_t segments = 0;                 ///< retained segment files
  std::uint64_t buffered_records = 0;         ///< appended but not yet written
  std::uint64_t records_aged_out = 0;         ///< dropped because older than max_age_ms
  std::uint64_t records_evicted = 0;          ///< dropped to keep within max_bytes
  std::uint64_t segments_dropped = 0;         ///< segment files removed by either rule
  std::uint64_t bytes_cut_on_recovery = 0;    ///< torn or corrupt tail bytes truncated on open
  std::uint64_t corrupt_records_skipped = 0;  ///< corrupt records readers stepped over
  std::uint64_t fsyncs = 0;                   ///< fdatasync calls on segments
};

/// A durable, bounded, append-only log of records in a directory of segment files
/// `seg-<first sequence, 12 digits>.log`. Each record is a 28-byte little-endian header
/// {magic and version u32, payload length u32, CRC-32C u32 over (sequence ‖ timestamp ‖ payload),
/// sequence u64, timestamp_ms i64} followed by the payload.
///
/// Durability: append() only buffers; flush() writes the batch and, by the fsync policy, fsyncs. A
/// record is acknowledged once durable_sequence() covers it, i.e. once a flush that fsynced it has
/// returned. On open the last segment is scanned and a torn or corrupt tail is cut at the last good
/// record (counted as "ring_torn_tail"); numbering continues after it. A corrupt record inside an
/// older segment is counted ("ring_corrupt_record") and skipped by readers.
///
/// Threads: one writer thread calls append, flush, sync, enforce_retention and close; any number
/// of other threads may at the same time read (read_since, reader objects, the sequence getters,
/// metrics, consumer positions). Readers see records once they are written (written_sequence()),
/// possibly before they are durable. A reader holds its segment open, so retention never pulls a
/// file from under it; it jumps to the oldest retained record when its segment is dropped. One
/// process per directory: a second open fails (the directory is locked with flock).
///
/// I/O errors (disk full, permissions) throw std::system_error; bad bytes on disk never throw.
class ring_log {
 public:
  /// Size of a record header in bytes.
  static constexpr std::size_t header_bytes = 28;
  /// Largest payload append() takes; longer lengths on disk count as corruption.
  static constexpr std::uint32_t max_payload_bytes = std::uint32_t{64} << 20;

  class reader;

  /// Opens the log in `dir` (created if missing), removes leftover temp files, recovers the last
  /// segment and applies the retention rules. Throws std::system_error when the directory cannot be
  /// used, std::runtime_error when another process has it open.
  explicit ring_log(std::filesystem::path dir, ring_log_options options = {});

  /// close(), logging (not throwing) an error.
  ~ring_log();

  ring_log(const ring_log&) = delete;
  ring_log& operator=(const ring_log&) = delete;

  // --- writer thread ---

  /// Buffers one record and returns its sequence number. May write earlier buffered records out
  /// (buffer full, or the segment is full and a new one starts), but never fsyncs except when a
  /// full segment is sealed. Throws std::length_error for payloads over max_payload_bytes.
  std::uint64_t append(std::string_view payload, std::int64_t timestamp_ms);

  /// append() stamped with the current wall-clock time.
  std::uint64_t append(std::string_view payload);

  /// Writes the buffered records, fsyncs according to the policy, then applies retention.
  void flush();

  /// flush() followed by an fsync whatever the policy: everything appended is then acknowledged.
  void sync();

  /// Drops the oldest whole segments that are over the byte budget or entirely older than
  /// `now_ms - max_age_ms`. When even the segment being written is too old, it is sealed and
  /// dropped. Returns how many segments were dropped. flush() calls it with the current time.
  std::size_t enforce_retention(std::int64_t now_ms);

  /// Flushes and (unless the policy is never) fsyncs; later appends throw std::logic_error.
  void close();

  /// Sequence number of the last appended record (0 when none); writer thread only.
  std::uint64_t last_sequence() const { return next_sequence_ - 1; }

  // --- any thread ---

  /// Highest sequence number that is durable (0 when none). Records found on open count as durable.
  std::uint64_t durable_sequence() const { return durable_sequence_.load(std::memory_order_acquire); }

  /// Highest sequence number written to the segment files and visible to readers.
  std::uint64_t written_sequence() const { return written_sequence_.load(std::memory_order_acquire); }

  /// Sequence number of the oldest retained record (written_sequence() + 1 when the log is empty).
  std::uint64_t first_sequence() const;

  /// Up to `max` records with sequence >= `sequence` (from the oldest retained if older), in order.
  std::vector<ring_record> read_since(std::uint64_t sequence, std::size_t max) const;

  /// A cursor positioned at `sequence` (0 = the oldest retained record).
  reader read_from(std::uint64_t sequence) const;

  /// Persists `next_sequence` as the position of `consumer` (letters, digits, '-', '_') with an
  /// atomic write, so a trainer can resume where it stopped.
  void save_consumer_position(std::string_view consumer, std::uint64_t next_sequence) const;

  /// The position saved for `consumer`, or nullopt when none (a damaged file is reported as
  /// "ring_bad_cursor" and treated as none).
  std::optional<std::uint64_t> load_consumer_position(std::string_view consumer) const;

  /// A snapshot of the counters.
  ring_log_metrics metrics() const;

  /// The directory holding the segments.
  const std::filesystem::path& directory() const { return dir_; }

  /// The report counting torn tails, corrupt records and damaged cursor files.
  input_report& report() const { return *report_; }

 private:
  struct segment;
  class scanner;

  std::shared_ptr<segment> create_segment(std::uint64_t first_sequence);
  void recover();
  void write_buffer();
  void sync_active();
  void maybe_sync();
  void roll();
  std::size_t enforce_budget();
  void drop_front(bool by_age);
  void summarize(const std::shared_ptr<segment>& seg) const;
  std::shared_ptr<segment> locate(std::uint64_t sequence, std::uint64_t& offset) const;
  std::shared_ptr<segment> next_segment(const segment& seg) const;
  void report_corrupt(const segment& seg, std::uint64_t offset, std::uint64_t skipped_bytes) const;
  std::filesystem::path consumer_path(std::string_view consumer) const;

  std::filesystem::path dir_;
  ring_log_options options_;
  std::unique_ptr<input_report> own_report_;
  input_report* report_ = nullptr;
  int lock_fd_ = -1;
  bool closed_ = false;

  // Guards segments_ and the mutable fields of every segment, plus the counters below.
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<segment>> segments_;
  std::uint64_t total_bytes_ = 0;
  mutable ring_log_metrics counters_;

  std::atomic<std::uint64_t> written_sequence_{0};
  std::atomic<std::uint64_t> durable_sequence_{0};

  // Writer-thread state.
  std::shared_ptr<segment> active_;
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_capacity_ = 0;
  std::size_t buffer_used_ = 0;
  std::atomic<std::uint64_t> buffered_records_{0};  // written by the writer only; read by metrics()
  std::int64_t buffered_max_timestamp_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> buffered_index_;  // (sequence, offset)
  std::uint64_t next_index_offset_ = 0;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t unsynced_records_ = 0;
  std::vector<std::shared_ptr<segment>> unsynced_sealed_;  // sealed under ring_fsync::never
  std::int64_t last_sync_ms_ = 0;
};

/// A forward cursor over a ring_log, for one thread. It must not outlive its log. next() returns
/// false when it has caught up with the writer; call it again later to get newer records.
class ring_log::reader {
 public:
  reader(reader&&) noexcept;
  reader& operator=(reader&&) noexcept;
  ~reader();

  /// Reads the next record into `out` (reusing its storage); false when there is none yet.
  bool next(ring_record& out);

  /// The sequence number the next record will have at least.
  std::uint64_t position() const { return next_sequence_; }

  /// Records passed over because they were aged out, evicted or corrupt.
  std::uint64_t skipped() const { return skipped_; }

 private:
  friend class ring_log;
  reader(const ring_log& log, std::uint64_t sequence);
  bool refresh();

  const ring_log* log_;
  std::shared_ptr<segment> segment_;
  std::unique_ptr<scanner> scanner_;
  std::uint64_t next_sequence_ = 0;
  std::uint64_t skipped_ = 0;
  bool sealed_ = false;
};

}  // namespace atn
