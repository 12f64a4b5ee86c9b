#include "runtime/ingest/inotify_watcher.hpp"

#include <cerrno>
#include <cstring>

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace atn {

namespace {
constexpr std::uint32_t watch_mask = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                     IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
}

inotify_watcher::inotify_watcher() {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
}

inotify_watcher::~inotify_watcher() {
  if (fd_ >= 0) ::close(fd_);
}

std::error_code inotify_watcher::add(const std::filesystem::path& dir) {
  const int wd = ::inotify_add_watch(fd_, dir.c_str(), watch_mask);
  if (wd < 0) return {errno, std::generic_category()};
  auto known = dirs_.find(wd);  // the same directory under another name
  if (known != dirs_.end() && known->second != dir) wds_.erase(known->second);
  dirs_[wd] = dir;
  wds_[dir] = wd;
  return {};
}

bool inotify_watcher::watching(const std::filesystem::path& dir) const { return wds_.count(dir) > 0; }

std::vector<inotify_watcher::event> inotify_watcher::read(std::chrono::milliseconds timeout) {
  std::vector<event> out;
  pollfd pfd{fd_, POLLIN, 0};
  const int ready = ::poll(&pfd, 1, static_cast<int>(std::max<std::int64_t>(0, timeout.count())));
  if (ready <= 0) return out;
  alignas(inotify_event) char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) break;  // EAGAIN: drained
    for (char* p = buffer; p < buffer + n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + e->len;
      if ((e->mask & IN_Q_OVERFLOW) != 0) {
        out.push_back({{}, {}, e->mask});
        continue;
      }
      auto it = dirs_.find(e->wd);
      if (it == dirs_.end()) continue;
      event ev{it->second, e->len > 0 ? std::string(e->name) : std::string(), e->mask};
      // The kernel drops the watch after IN_IGNORED (directory deleted or unmounted); a moved
      // directory keeps its watch under a stale name, so forget it and let a rescan re-add it.
      if ((e->mask & (IN_IGNORED | IN_MOVE_SELF)) != 0) {
        if ((e->mask & IN_MOVE_SELF) != 0) ::inotify_rm_watch(fd_, e->wd);
        auto back = wds_.find(it->second);
        if (back != wds_.end() && back->second == e->wd) wds_.erase(back);
        dirs_.erase(it);
      }
      out.push_back(std::move(ev));
    }
  }
  return out;
}

}  // namespace atn
