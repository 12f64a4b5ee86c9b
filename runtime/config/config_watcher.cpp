#include "runtime/config/config_watcher.hpp"

#include "runtime/util/file_util.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace atn {

namespace {
constexpr std::uint32_t watch_mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF;

std::system_error sys_error(const std::string& what) { return std::system_error(errno, std::generic_category(), what); }
}  // namespace

config_watcher::config_watcher(fs::path file, callback on_change)
    : file_(fs::absolute(std::move(file)).lexically_normal()), on_change_(std::move(on_change)) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) throw sys_error("inotify_init1");
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd_ < 0) {
    const auto err = sys_error("eventfd");
    ::close(inotify_fd_);
    throw err;
  }
  try {
    // A symlinked config changes where its target lives: watch both directories.
    std::vector<fs::path> targets{file_};
    std::error_code ec;
    if (fs::is_symlink(file_, ec)) {
      fs::path real = fs::canonical(file_, ec);
      if (!ec && real != file_) targets.push_back(real);
    }
    for (const fs::path& t : targets) {
      const fs::path dir = t.parent_path();
      int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), watch_mask);
      if (wd < 0) throw sys_error("watch " + dir.string());
      watches_.emplace_back(wd, t.filename().string());
    }
    // Watch first, then read: a change in between is then seen as an event, not lost.
    last_text_ = read_config_text(file_);
    current_ = parse_node_config(last_text_, file_);
  } catch (...) {
    ::close(inotify_fd_);
    ::close(stop_fd_);
    throw;
  }
  thread_ = std::thread([this] { run(); });
}

config_watcher::~config_watcher() {
  const std::uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) < 0) spdlog::error("config watcher: cannot wake its thread");
  if (thread_.joinable()) thread_.join();
  ::close(inotify_fd_);
  ::close(stop_fd_);
}

node_config config_watcher::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

std::uint64_t config_watcher::reloads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reloads_;
}

std::uint64_t config_watcher::failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

void config_watcher::run() {
  alignas(inotify_event) char buf[8192];
  pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("config watcher: poll failed: {}; {} is no longer followed", std::strerror(errno), file_.string());
      return;
    }
    if (fds[1].revents != 0) return;
    bool relevant = false;
    for (;;) {
      ssize_t n = ::read(inotify_fd_, buf, sizeof buf);
      if (n <= 0) break;  // EAGAIN: drained
      for (char* p = buf; p < buf + n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
          spdlog::warn(
              "config watcher: the directory of {} was removed or moved; changes are no "
              "longer followed",
              file_.string());
          continue;
        }
        if (ev->len == 0) continue;
        for (const auto& [wd, name] : watches_)
          if (wd == ev->wd && name == ev->name) relevant = true;
      }
    }
    if (relevant) reload();
  }
}

void config_watcher::reload() {
  std::optional<std::string> text;
  try {
    text = read_file(file_);
  } catch (const std::system_error& e) {
    spdlog::warn("config {}: cannot read it ({}); keeping the current settings", file_.string(), e.what());
    return;
  }
  if (!text) {
    if (!missing_logged_) spdlog::warn("config {} was removed; keeping the current settings", file_.string());
    missing_logged_ = true;
    return;
  }
  missing_logged_ = false;
  if (*text == last_text_) return;
  last_text_ = *text;
  node_config loaded;
  try {
    loaded = parse_node_config(*text, file_);
  } catch (const std::exception& e) {
    spdlog::error("{}; keeping the previous settings until it is fixed", e.what());
    std::lock_guard<std::mutex> lock(mutex_);
    ++failures_;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = loaded;
    ++reloads_;
  }
  spdlog::info("config {} reloaded", file_.string());
  try {
    on_change_(loaded);
  } catch (const std::exception& e) {
    spdlog::error("config watcher: the change handler failed: {}", e.what());
  }
}

}  // namespace atn
