// Which capture files the frame intake has already taken, persisted in a small state file so a
// restart neither repeats them nor misses them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace atn {

class input_report;

/// A file's identity beyond its name: a rewrite under the same name changes it.
struct file_stamp {
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
  bool operator==(const file_stamp& o) const { return mtime_ns == o.mtime_ns && size == o.size; }
  bool operator!=(const file_stamp& o) const { return !(*this == o); }
};

/// The stamp of `file` now, or nullopt when it cannot be stat'ed (e.g. already gone).
std::optional<file_stamp> stamp_of(const std::filesystem::path& file);

/// Taken files by name (relative to the capture directory) with their stamps. An entry is durable
/// once what it gave is safe (acknowledged by the feed, or nothing to keep: excluded, dropped, bad);
/// only durable entries are saved. The state file is one line per entry, "<mtime_ns> <size> <name>",
/// after a header line; names are removed when their files are.
class taken_files {
 public:
  /// `state_file` empty: remembered in memory only.
  explicit taken_files(std::filesystem::path state_file = {});

  /// Reads the state file when there is one; bad lines are reported as "corrupt_state" and
  /// skipped, an unreadable file as "unreadable_file". A missing file is an empty state.
  void load(input_report& report);

  /// Whether `name` was taken with this very stamp (in flight or durable).
  bool contains(const std::string& name, const file_stamp& stamp) const;

  /// Records `name` as taken with `stamp`.
  void mark(const std::string& name, const file_stamp& stamp, bool durable);

  /// Makes the entry durable if it still has `stamp` (a newer take is left as it is).
  void settle(const std::string& name, const file_stamp& stamp);

  /// Forgets `name` (its file was removed).
  void forget(const std::string& name);

  /// Writes the durable entries when they changed since the last save (atomic replace). Problems
  /// are reported as "state_write_failed"; returns whether the file is now up to date.
  bool save(input_report& report);

  std::size_t size() const { return entries_.size(); }
  bool dirty() const { return dirty_; }
  const std::filesystem::path& state_file() const { return file_; }

 private:
  struct entry {
    file_stamp stamp;
    bool durable = false;
  };
  std::filesystem::path file_;
  std::map<std::string, entry> entries_;
  bool dirty_ = false;
};

}  // namespace atn
