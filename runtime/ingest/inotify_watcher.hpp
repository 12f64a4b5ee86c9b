// A thin RAII wrapper over one inotify instance watching directories (Linux).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

namespace atn {

/// Watches directories for changes to the entries in them. Not thread-safe.
class inotify_watcher {
 public:
  /// One change: `name` inside `dir` (empty for the directory itself) with inotify's `mask`.
  struct event {
    std::filesystem::path dir;
    std::string name;
    std::uint32_t mask = 0;
  };

  /// Creates the inotify instance. Throws std::system_error when the kernel refuses one.
  inotify_watcher();
  ~inotify_watcher();
  inotify_watcher(const inotify_watcher&) = delete;
  inotify_watcher& operator=(const inotify_watcher&) = delete;

  /// Watches `dir` for IN_MODIFY, IN_CLOSE_WRITE, IN_ATTRIB, IN_CREATE, IN_DELETE,
  /// IN_MOVED_FROM/TO and its own deletion or move. Watching it again is harmless. Returns the
  /// error (e.g. permission denied, not a directory) instead of throwing.
  std::error_code add(const std::filesystem::path& dir);

  /// Whether `dir` is watched.
  bool watching(const std::filesystem::path& dir) const;

  /// Waits up to `timeout` for events and returns those pending (none on timeout). An
  /// IN_Q_OVERFLOW event (mask has IN_Q_OVERFLOW, `dir` empty) means events were lost.
  std::vector<event> read(std::chrono::milliseconds timeout);

  /// Directories watched now (a removed or moved-away directory drops out).
  std::size_t watch_count() const { return dirs_.size(); }

 private:
  int fd_ = -1;
  std::map<int, std::filesystem::path> dirs_;  // watch descriptor -> directory
  std::map<std::filesystem::path, int> wds_;   // and back
};

}  // namespace atn
