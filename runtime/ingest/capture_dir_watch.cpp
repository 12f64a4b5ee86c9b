#include "runtime/ingest/capture_dir_watch.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace atn {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t dir_mask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

std::system_error sys_error(int err, const std::string& what) {
  return std::system_error(err, std::generic_category(), what);
}

}  // namespace

capture_dir_watch::capture_dir_watch(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) throw sys_error(ec ? ec.value() : ENOTDIR, "capture directory " + root_.string());
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw sys_error(errno, "inotify_init1 for " + root_.string());
  root_wd_ = ::inotify_add_watch(fd_, root_.c_str(), dir_mask);
  if (root_wd_ < 0) {
    const int err = errno;
    ::close(fd_);
    throw sys_error(err, "cannot watch capture directory " + root_.string());
  }
  dirs_[root_wd_] = root_;
  // Subdirectories: files already in them are found by the caller's scan, not reported here.
  fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_directory(type_ec) || it->is_symlink(type_ec)) continue;
    const int wd = ::inotify_add_watch(fd_, it->path().c_str(), dir_mask);
    if (wd >= 0) dirs_[wd] = it->path();
  }
}

capture_dir_watch::~capture_dir_watch() {
  if (fd_ >= 0) ::close(fd_);
}

void capture_dir_watch::add_tree(const fs::path& dir, std::vector<capture_event>* found) {
  const int wd = ::inotify_add_watch(fd_, dir.c_str(), dir_mask);
  if (wd < 0) return;
  dirs_[wd] = dir;
  std::error_code ec;
  for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_symlink(type_ec)) continue;
    if (it->is_directory(type_ec))
      add_tree(it->path(), found);
    else if (it->is_regular_file(type_ec) && found)
      found->push_back({capture_event::kind::completed, it->path()});
  }
}

std::vector<capture_event> capture_dir_watch::read() {
  std::vector<capture_event> events;
  alignas(inotify_event) char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      if (e->mask & IN_Q_OVERFLOW) {
        events.push_back({capture_event::kind::overflow, {}});
        continue;
      }
      auto dir = dirs_.find(e->wd);
      if (dir == dirs_.end()) continue;
      if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
        if (e->wd == root_wd_) {
          events.push_back({capture_event::kind::gone, {}});
        } else if (e->mask & IN_IGNORED) {
          dirs_.erase(dir);
        }
        continue;
      }
      if (e->len == 0) continue;
      const fs::path path = dir->second / e->name;
      if (e->mask & IN_ISDIR) {
        if (e->mask & (IN_CREATE | IN_MOVED_TO)) add_tree(path, &events);
        continue;
      }
      if (e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
        events.push_back({capture_event::kind::completed, path});
      else if (e->mask & (IN_DELETE | IN_MOVED_FROM))
        events.push_back({capture_event::kind::removed, path});
    }
  }
  return events;
}

std::vector<fs::path> capture_dir_watch::list(std::vector<fs::path>& unreadable) const {
  std::vector<fs::path> files;
  std::vector<fs::path> pending{root_};
  while (!pending.empty()) {
    const fs::path dir = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_symlink(type_ec)) continue;
      if (it->is_directory(type_ec))
        pending.push_back(it->path());
      else if (it->is_regular_file(type_ec))
        files.push_back(it->path());
    }
    if (ec) unreadable.push_back(dir);
  }
  return files;
}

}  // namespace atn
