// Follows the JSONL files of an ATN directory as they grow (inotify), handing out complete lines
// with their position, and persisting read positions only when the caller commits them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace atn {

class input_report;

/// What to follow and how.
struct jsonl_follower_options {
  /// The ATN directory: `conversations/**/*.jsonl` and `agents/<agent>/execution.jsonl` are
  /// followed, including directories and files that appear later.
  std::filesystem::path atn_dir;
  /// Where committed positions are kept (atomic replace); empty: nothing is persisted.
  std::filesystem::path state_file;
  /// Longer lines are skipped while reading, never held whole ("line_too_long").
  std::size_t max_line_bytes = std::size_t{64} << 20;
  /// At most this many lines per poll (the rest stays for the next one).
  std::size_t max_lines_per_poll = 4096;
  /// Every directory is listed again this often, as a safety net for lost events.
  std::chrono::milliseconds rescan_interval{5000};
};

/// One complete line of a followed file.
struct followed_line {
  std::string file;  ///< the file's path now (it may have been renamed since)
  /// The file's path relative to the ATN directory when it was first seen, e.g.
  /// "conversations/active.jsonl" or "agents/a1/execution.jsonl": stays with the file across
  /// renames (its session name).
  std::string origin;
  std::uint64_t device = 0;  ///< with `inode`, identifies the file
  std::uint64_t inode = 0;
  std::uint64_t end_offset = 0;   ///< byte offset just past the line's '\n'
  std::uint64_t line_number = 0;  ///< 1-based
  std::uint64_t generation = 0;   ///< bumped when the file is truncated (older lines no longer commit)
  std::string text;               ///< without the '\n' (and a trailing '\r')
};

/// Follows `<atn>/conversations/**/*.jsonl` and `<atn>/agents/*/execution.jsonl`.
///
/// Files are identified by (device, inode): a renamed file (e.g. `active.jsonl` rotated into an
/// archive) is finished under its new name while the new `active.jsonl` starts from 0. A file
/// that shrinks below the read position was truncated ("file_truncated") and is read again from 0;
/// a deleted file is forgotten. A line is taken only once its '\n' has arrived; blank lines are
/// skipped. Files present at the first start are read from the beginning; after a restart each
/// file resumes from its committed position (a reused inode is told apart by the file's first
/// bytes). Problems go to the input_report. Not thread-safe; holds no file open between polls.
class jsonl_follower {
 public:
  /// Loads the state file and starts watching. Throws std::system_error only when no inotify
  /// instance can be had; a missing or unreadable directory is reported and retried later.
  jsonl_follower(jsonl_follower_options options, input_report& report);
  ~jsonl_follower();
  jsonl_follower(const jsonl_follower&) = delete;
  jsonl_follower& operator=(const jsonl_follower&) = delete;

  /// New complete lines, in file order per file; waits up to `timeout` when there are none.
  std::vector<followed_line> poll(std::chrono::milliseconds timeout);

  /// Marks everything up to these lines (per file, up to the furthest one) as consumed and writes
  /// the state file. Skipped lines (blank, too long) past a file's last handed-out line are
  /// committed with it, so commit({}) persists progress over skipped lines alone. Lines handed
  /// out earlier and not committed are read again after a restart. Throws std::system_error when
  /// the state file cannot be written.
  void commit(const std::vector<followed_line>& lines);

  /// Directories under inotify watch now.
  std::size_t watch_count() const;

  /// Files being followed now.
  std::size_t file_count() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace atn
