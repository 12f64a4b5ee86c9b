// An inotify watch over a capture directory and every directory under it: reports files once they
// are complete (closed after writing, or moved in), removals, queue overflows and the directory's
// disappearance. Linux only.
#pragma once

#include <filesystem>
#include <unordered_map>
#include <vector>

namespace atn {

/// One change under the watched directory.
struct capture_event {
  enum class kind {
    completed,  ///< a file was closed after writing or moved in: it is whole
    removed,    ///< a file was deleted or moved out
    overflow,   ///< the kernel queue overflowed: events were lost, rescan
    gone,       ///< the watched directory itself was removed or moved away
  };
  kind what = kind::completed;
  std::filesystem::path path;  ///< absolute; empty for overflow and gone
};

class capture_dir_watch {
 public:
  /// Watches `root` and the directories under it. Throws std::system_error naming the directory
  /// when it is missing, not a directory, unreadable, or inotify is out of instances or watches.
  explicit capture_dir_watch(std::filesystem::path root);
  ~capture_dir_watch();
  capture_dir_watch(const capture_dir_watch&) = delete;
  capture_dir_watch& operator=(const capture_dir_watch&) = delete;

  /// The inotify descriptor, readable when events are pending (for poll).
  int fd() const { return fd_; }
  const std::filesystem::path& root() const { return root_; }

  /// The events pending now, without blocking. A directory that appears is watched at once and
  /// the files already in it are reported as completed (they may predate its watch).
  std::vector<capture_event> read();

  /// Every regular file under `root`, recursively (symbolic links are not followed); directories
  /// that cannot be listed are appended to `unreadable` and the rest is still listed.
  std::vector<std::filesystem::path> list(std::vector<std::filesystem::path>& unreadable) const;

 private:
  void add_tree(const std::filesystem::path& dir, std::vector<capture_event>* found);

  std::filesystem::path root_;
  int fd_ = -1;
  int root_wd_ = -1;
  std::unordered_map<int, std::filesystem::path> dirs_;  // watch descriptor -> directory
};

}  // namespace atn
