#include "runtime/util/file_util.hpp"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace atn {
namespace {

std::system_error io_error(const char* op, const std::filesystem::path& what, int err = errno) {
  return std::system_error(err, std::generic_category(), std::string(op) + " " + what.string());
}

std::atomic<std::uint64_t> temp_counter{0};

// Parses the "<pid>" of ".<name>.tmp-<pid>-<n>"; 0 when the name is not such a temp file.
long temp_owner_pid(std::string_view name) {
  if (name.size() < 2 || name[0] != '.') return 0;
  const auto tag = name.rfind(".tmp-");
  if (tag == std::string_view::npos || tag == 0) return 0;
  const std::string_view rest = name.substr(tag + 5);
  const auto dash = rest.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == rest.size()) return 0;
  long pid = 0;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (i == dash) continue;
    if (c < '0' || c > '9') return 0;
    if (i < dash) {
      if (pid > 100'000'000) return 0;
      pid = pid * 10 + (c - '0');
    }
  }
  return pid;
}

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& what) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("write", what);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void fsync_fd(int fd, const std::filesystem::path& what) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) throw io_error("fsync", what);
  }
}

void fsync_directory(const std::filesystem::path& dir) {
  const std::filesystem::path d = dir.empty() ? std::filesystem::path(".") : dir;
  fd_guard fd(::open(d.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw io_error("open directory", d);
  while (::fsync(fd.get()) != 0) {
    if (errno != EINTR) throw io_error("fsync directory", d);
  }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path dir = path.parent_path();
  const std::string temp_name = "." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                std::to_string(temp_counter.fetch_add(1));
  const std::filesystem::path temp = dir / temp_name;
  fd_guard fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw io_error("create", temp);
  try {
    write_all(fd.get(), contents.data(), contents.size(), temp);
    // fsync, not fdatasync: the new inode's metadata must be durable before the rename points at it.
    while (::fsync(fd.get()) != 0) {
      if (errno != EINTR) throw io_error("fsync", temp);
    }
    if (::close(fd.release()) != 0) throw io_error("close", temp);
    if (::rename(temp.c_str(), path.c_str()) != 0) throw io_error("rename", temp);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  fsync_directory(dir);
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  fd_guard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw io_error("open", path);
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool is_atomic_temp_name(std::string_view file_name) { return temp_owner_pid(file_name) > 0; }

std::size_t remove_stale_temp_files(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return 0;
  std::size_t removed = 0;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    const long pid = temp_owner_pid(name);
    if (pid <= 0 || pid == ::getpid()) continue;
    // A live owner may be between write and rename; EPERM means it exists under another user.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;
    if (std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace atn
