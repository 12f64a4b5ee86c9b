// Follows the node's config file so that a running node picks up changes (a consent switch turned
// off, a new exclusion) without a restart.
#pragma once

#include "runtime/config/node_config.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace atn {

/// Watches one config file with inotify on its directory (so the atomic rename that set_consent and
/// most editors do is seen) from a background thread. On every change of the file's contents it
/// reloads the config and calls the callback with it, on the watcher's thread. A config that fails to
/// load is logged with the reason and the previous one kept. Stops cleanly in the destructor.
class config_watcher {
 public:
  using callback = std::function<void(const node_config&)>;

  /// Starts watching `file` and loads it now; current() is the config to start with (it may be newer
  /// than one loaded before). Throws std::system_error when the directory cannot be watched and
  /// std::runtime_error (as load_node_config) when the file cannot be loaded now.
  config_watcher(std::filesystem::path file, callback on_change);
  ~config_watcher();
  config_watcher(const config_watcher&) = delete;
  config_watcher& operator=(const config_watcher&) = delete;

  /// The config as last loaded successfully.
  node_config current() const;

  /// Successful reloads after the first load (each one called the callback).
  std::uint64_t reloads() const;

  /// Changes that could not be loaded (each one logged; the previous config kept).
  std::uint64_t failures() const;

 private:
  void run();
  void reload();

  std::filesystem::path file_;
  callback on_change_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;                                  // eventfd: the destructor wakes the thread with it
  std::vector<std::pair<int, std::string>> watches_;  // watch descriptor, file name in its directory
  mutable std::mutex mutex_;
  node_config current_;
  std::string last_text_;  // contents last seen, loadable or not: unchanged files are not reloaded
  bool missing_logged_ = false;
  std::uint64_t reloads_ = 0;
  std::uint64_t failures_ = 0;
  std::thread thread_;
};

}  // namespace atn
