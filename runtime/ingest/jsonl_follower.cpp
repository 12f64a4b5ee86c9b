#include "runtime/ingest/jsonl_follower.hpp"

#include "data/input_report.hpp"
#include "runtime/ingest/follower_state.hpp"
#include "runtime/ingest/head_digest.hpp"
#include "runtime/ingest/inotify_watcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace atn {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

using file_id = std::pair<std::uint64_t, std::uint64_t>;  // (device, inode)

constexpr std::size_t head_bytes = 64;
constexpr std::size_t read_chunk = 1 << 20;

enum class dir_role { none, root, conversations, agents, agent };

struct tracked_file {
  fs::path path;
  std::string origin;
  std::uint64_t generation = 0;
  std::uint64_t committed_offset = 0, committed_lines = 0;
  std::uint64_t consumed_offset = 0, consumed_lines = 0;  // past the last complete line
  std::uint64_t delivered_offset = 0;                     // past the last line handed out
  std::uint64_t scan_offset = 0;                          // next byte to read
  std::string partial;                                    // bytes [consumed_offset, scan_offset) of an unfinished line
  bool skipping = false;  // the unfinished line is over the limit: its bytes are dropped
  std::string head;       // the file's first bytes, up to head_bytes
  bool dirty = true;
  bool unreadable = false;  // reported; retried after a change to the file
  bool seen = false;
};

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

}  // namespace

struct jsonl_follower::impl {
  jsonl_follower_options opt;
  input_report& report;
  inotify_watcher watcher;
  std::map<file_id, tracked_file> files;
  std::unordered_map<std::string, file_id> by_path;
  std::map<file_id, followed_file_state> saved;  // loaded, not yet matched to a file
  std::set<fs::path> dirs_to_scan;
  std::set<fs::path> scanned;         // visited by the current scan
  std::set<std::string> failed_dirs;  // reported until they can be read again
  bool full_rescan = true;
  bool state_dirty = false;
  clock_type::time_point next_rescan;
  std::vector<char> buffer;
  std::string head_key;  // keys the head digests in the state file

  impl(jsonl_follower_options o, input_report& r) : opt(std::move(o)), report(r) {
    opt.atn_dir = opt.atn_dir.lexically_normal();
    if (!opt.atn_dir.has_filename() && opt.atn_dir.has_parent_path()) opt.atn_dir = opt.atn_dir.parent_path();
    if (!opt.state_file.empty()) {
      fs::create_directories(opt.state_file.has_parent_path() ? opt.state_file.parent_path() : fs::path("."));
      head_key = load_or_create_head_key(opt.state_file.has_parent_path() ? opt.state_file.parent_path() : ".");
      for (auto& s : load_follower_state(opt.state_file, report)) saved[{s.device, s.inode}] = std::move(s);
    }
  }

  dir_role role_of(const fs::path& dir) const {
    const fs::path rel = dir.lexically_relative(opt.atn_dir);
    auto it = rel.begin();
    if (rel.empty() || *it == ".") return dir_role::root;
    const std::size_t depth = static_cast<std::size_t>(std::distance(rel.begin(), rel.end()));
    if (*it == "conversations") return dir_role::conversations;
    if (*it == "agents") return depth == 1 ? dir_role::agents : depth == 2 ? dir_role::agent : dir_role::none;
    return dir_role::none;
  }

  static bool adoptable(dir_role role, const std::string& name) {
    if (role == dir_role::conversations) return name.size() > 6 && name.compare(name.size() - 6, 6, ".jsonl") == 0;
    return role == dir_role::agent && name == "execution.jsonl";
  }

  void dir_problem(const fs::path& dir, std::string_view kind, const std::string& what) {
    if (failed_dirs.insert(dir.string()).second) report.problem(kind, dir.string(), 0, what);
  }

  // Lists `dir`, watching it first so nothing created meanwhile is missed. Subdirectories are
  // scanned when `recursive` or not yet watched (just created).
  void scan_dir(const fs::path& dir, bool recursive) {
    const dir_role role = role_of(dir);
    if (role == dir_role::none || !scanned.insert(dir).second) return;
    if (std::error_code err = watcher.add(dir)) {
      if (err == std::errc::no_such_file_or_directory) {
        if (role == dir_role::root) dir_problem(dir, "missing_directory", "no such directory; watching for it");
      } else {
        dir_problem(dir, "unreadable_directory", "cannot watch: " + err.message());
      }
      return;
    }
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
      if (ec != std::errc::no_such_file_or_directory)
        dir_problem(dir, "unreadable_directory", "cannot list: " + ec.message());
      return;
    }
    failed_dirs.erase(dir.string());
    for (; it != end; it.increment(ec)) {
      const fs::path path = it->path();
      const std::string name = path.filename().string();
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        // A dangling link or a loop where a directory should be is worth a word.
        if (role == dir_role::root && (name == "conversations" || name == "agents"))
          dir_problem(path, "unreadable_directory", std::string("cannot open: ") + std::strerror(errno));
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        const bool wanted = role == dir_role::root ? (name == "conversations" || name == "agents")
                                                   : role == dir_role::conversations || role == dir_role::agents;
        // Linked subdirectories are not followed below the top level: they could loop.
        if (wanted && (role == dir_role::root || !it->is_symlink(ec)) && (recursive || !watcher.watching(path)))
          scan_dir(path, recursive);
      } else if (S_ISREG(st.st_mode)) {
        see_file(path, name, role, st);
      }
    }
    if (ec) dir_problem(dir, "unreadable_directory", "listing failed: " + ec.message());
  }

  void see_file(const fs::path& path, const std::string& name, dir_role role, const struct stat& st) {
    const file_id id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    auto it = files.find(id);
    if (it != files.end()) {
      tracked_file& f = it->second;
      f.seen = true;
      if (f.path != path) {  // renamed: finish it under its new name
        spdlog::debug("{} is now {}", f.path.string(), path.string());
        by_path.erase(f.path.string());
        f.path = path;
        by_path[path.string()] = id;
      }
      if (static_cast<std::uint64_t>(st.st_size) != f.scan_offset) f.dirty = true;
      return;
    }
    auto s = saved.find(id);
    if (s == saved.end() && !adoptable(role, name)) return;
    const std::string origin = path.lexically_relative(opt.atn_dir).generic_string();
    if (origin.find_first_of("\r\n") != std::string::npos) {
      if (failed_dirs.insert(path.string()).second)
        report.problem("unsupported_file_name", path.string(), 0, "a line break in the file name; not followed");
      return;
    }
    tracked_file f;
    f.path = path;
    f.origin = origin;
    f.seen = true;
    if (s != saved.end()) {
      resume(f, s->second, static_cast<std::uint64_t>(st.st_size));
      saved.erase(s);
    }
    by_path[path.string()] = id;
    files.emplace(id, std::move(f));
    state_dirty = true;
  }

  // Continues a file from its committed state, unless it shrank or is another file on a reused
  // inode; then it is read from the start.
  void resume(tracked_file& f, const followed_file_state& s, std::uint64_t size) {
    if (size < s.offset) {
      report.problem("file_truncated", f.path.string(), 0,
                     "size " + std::to_string(size) + " is below the committed offset " + std::to_string(s.offset) +
                         "; reading it again from the start");
      return;
    }
    std::string head(static_cast<std::size_t>(std::min<std::uint64_t>(s.head_length, head_bytes)), '\0');
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    const ssize_t n = fd >= 0 ? ::pread(fd, head.data(), head.size(), 0) : -1;
    if (fd >= 0) ::close(fd);
    if (n >= 0 && (static_cast<std::size_t>(n) != head.size() ||
                   (!head.empty() && head_digest(head_key, head) != s.head_digest))) {
      spdlog::info("{}: inode reused by another file; reading it from the start", f.path.string());
      return;
    }
    f.origin = s.origin;
    f.head = head;
    f.committed_offset = f.consumed_offset = f.delivered_offset = f.scan_offset = s.offset;
    f.committed_lines = f.consumed_lines = s.lines;
  }

  void scan(const std::set<fs::path>& dirs, bool full) {
    scanned.clear();
    for (auto& [id, f] : files) f.seen = false;
    for (const auto& d : dirs) scan_dir(d, full);
    for (auto it = files.begin(); it != files.end();) {
      tracked_file& f = it->second;
      if (!f.seen && (full || scanned.count(f.path.parent_path()) > 0)) {
        spdlog::debug("{}: deleted or moved away; no longer followed", f.path.string());
        by_path.erase(f.path.string());
        it = files.erase(it);
        state_dirty = true;
      } else {
        ++it;
      }
    }
  }

  void handle(const std::vector<inotify_watcher::event>& events) {
    for (const auto& e : events) {
      if ((e.mask & IN_Q_OVERFLOW) != 0 || (e.mask & IN_MOVE_SELF) != 0) {
        full_rescan = true;
      } else if (e.name.empty()) {
        dirs_to_scan.insert(e.dir);  // the directory itself went away: forget its files
      } else if ((e.mask & IN_ISDIR) != 0) {
        dirs_to_scan.insert(e.dir);
        if ((e.mask & IN_MOVED_FROM) != 0) full_rescan = true;  // files below it changed paths
      } else if ((e.mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) != 0) {
        dirs_to_scan.insert(e.dir);
      } else {
        auto it = by_path.find((e.dir / e.name).string());
        if (it != by_path.end()) {
          tracked_file& f = files.at(it->second);
          f.dirty = true;
          if ((e.mask & IN_ATTRIB) != 0) f.unreadable = false;
        } else if (adoptable(role_of(e.dir), e.name)) {
          dirs_to_scan.insert(e.dir);
        }
      }
    }
  }

  void do_scans() {
    if (full_rescan || clock_type::now() >= next_rescan) {
      dirs_to_scan.clear();
      scan({opt.atn_dir}, true);
      full_rescan = false;
      next_rescan = clock_type::now() + opt.rescan_interval;
      if (failed_dirs.empty() && !saved.empty()) {
        saved.clear();  // their files are gone
        state_dirty = true;
      }
    } else if (!dirs_to_scan.empty()) {
      std::set<fs::path> dirs;
      dirs.swap(dirs_to_scan);
      scan(dirs, false);
    }
  }

  void truncated(tracked_file& f, std::uint64_t size) {
    report.problem("file_truncated", f.path.string(), 0,
                   "size " + std::to_string(size) + " is below the read position " + std::to_string(f.scan_offset) +
                       "; reading it again from the start");
    ++f.generation;
    f.committed_offset = f.committed_lines = f.consumed_offset = f.consumed_lines = 0;
    f.delivered_offset = f.scan_offset = 0;
    std::string().swap(f.partial);
    f.skipping = false;
    f.head.clear();
    state_dirty = true;
  }

  // Reads what `f` has gained since the last read, up to `budget` lines.
  void read_file(const file_id& id, tracked_file& f, std::vector<followed_line>& out, std::size_t budget) {
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int err = errno;
      if (err == ENOENT) {
        dirs_to_scan.insert(f.path.parent_path());
      } else if (!f.unreadable) {
        report.problem("unreadable_file", f.path.string(), 0, std::string("cannot open: ") + std::strerror(err));
      }
      f.unreadable = err != ENOENT;
      f.dirty = false;
      return;
    }
    struct stat st {};
    ::fstat(fd, &st);
    if (file_id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)} != id) {
      ::close(fd);  // the name now belongs to another file: find where this one went
      dirs_to_scan.insert(f.path.parent_path());
      return;
    }
    f.unreadable = false;
    if (static_cast<std::uint64_t>(st.st_size) < f.scan_offset) truncated(f, static_cast<std::uint64_t>(st.st_size));
    buffer.resize(read_chunk);
    while (budget > 0) {
      const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(f.scan_offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        report.problem("unreadable_file", f.path.string(), 0, std::string("read failed: ") + std::strerror(errno));
        f.unreadable = true;
        break;
      }
      if (n == 0) {
        f.dirty = false;
        break;
      }
      const char* data = buffer.data();
      if (f.scan_offset < head_bytes && f.head.size() == f.scan_offset)
        f.head.append(data, std::min<std::size_t>(static_cast<std::size_t>(n), head_bytes - f.scan_offset));
      std::size_t pos = 0;
      while (pos < static_cast<std::size_t>(n) && budget > 0) {
        const auto* nl = static_cast<const char*>(std::memchr(data + pos, '\n', static_cast<std::size_t>(n) - pos));
        const std::size_t take =
            nl != nullptr ? static_cast<std::size_t>(nl - (data + pos)) : static_cast<std::size_t>(n) - pos;
        if (!f.skipping && f.partial.size() + take > opt.max_line_bytes) {
          f.skipping = true;
          std::string().swap(f.partial);  // give the memory back now
        }
        if (!f.skipping) f.partial.append(data + pos, take);
        pos += take;
        f.scan_offset += take;
        if (nl == nullptr) break;
        ++pos;
        ++f.scan_offset;
        const std::uint64_t line_bytes = f.scan_offset - 1 - f.consumed_offset;
        ++f.consumed_lines;
        f.consumed_offset = f.scan_offset;
        if (f.skipping) {
          report.problem("line_too_long", f.path.string(), f.consumed_lines,
                         "line of " + std::to_string(line_bytes) + " bytes exceeds the limit of " +
                             std::to_string(opt.max_line_bytes) + "; skipped");
          f.skipping = false;
        } else {
          if (!f.partial.empty() && f.partial.back() == '\r') f.partial.pop_back();
          if (!blank(f.partial)) {
            out.push_back({f.path.string(), f.origin, id.first, id.second, f.scan_offset, f.consumed_lines,
                           f.generation, f.partial});
            f.delivered_offset = f.scan_offset;
            --budget;
          }
        }
        f.partial.clear();
      }
    }
    ::close(fd);
  }

  std::vector<followed_line> poll(std::chrono::milliseconds timeout) {
    const auto deadline = clock_type::now() + timeout;
    std::vector<followed_line> out;
    for (;;) {
      handle(watcher.read(std::chrono::milliseconds(0)));
      for (int round = 0; round < 3; ++round) {  // a renamed file may need a second look
        do_scans();
        for (auto& [id, f] : files) {
          if (out.size() >= opt.max_lines_per_poll) break;
          if (f.dirty) read_file(id, f, out, opt.max_lines_per_poll - out.size());
        }
        if (dirs_to_scan.empty()) break;
      }
      const auto now = clock_type::now();
      if (!out.empty() || now >= deadline) return out;
      const auto wake = std::min(deadline, next_rescan);
      handle(watcher.read(std::chrono::duration_cast<std::chrono::milliseconds>(wake - now) +
                          std::chrono::milliseconds(1)));
    }
  }

  void commit(const std::vector<followed_line>& lines) {
    std::map<file_id, std::pair<std::uint64_t, std::uint64_t>> upto;  // (offset, lines)
    for (const auto& l : lines) {
      const file_id id{l.device, l.inode};
      auto it = files.find(id);
      if (it == files.end() || it->second.generation != l.generation) continue;
      auto& u = upto[id];
      if (l.end_offset > u.first) u = {l.end_offset, l.line_number};
    }
    for (auto& [id, f] : files) {
      std::pair<std::uint64_t, std::uint64_t> next{f.committed_offset, f.committed_lines};
      auto u = upto.find(id);
      if (u != upto.end() && u->second.first > next.first) next = u->second;
      // Nothing handed out is left uncommitted: the skipped lines after it are done too.
      if (next.first >= f.delivered_offset) next = {f.consumed_offset, f.consumed_lines};
      if (next.first != f.committed_offset) {
        f.committed_offset = next.first;
        f.committed_lines = next.second;
        state_dirty = true;
      }
    }
    if (!state_dirty || opt.state_file.empty()) return;
    std::vector<followed_file_state> state;
    for (const auto& [id, f] : files) {
      const auto head = std::string_view(f.head).substr(0, std::min<std::size_t>(f.head.size(), f.committed_offset));
      state.push_back({id.first, id.second, f.committed_offset, f.committed_lines, head.size(),
                       head.empty() ? std::string() : head_digest(head_key, head), f.origin});
    }
    for (const auto& [id, s] : saved) state.push_back(s);  // files not seen since the start (yet)
    save_follower_state(opt.state_file, state);
    state_dirty = false;
  }
};

jsonl_follower::jsonl_follower(jsonl_follower_options options, input_report& report)
    : impl_(std::make_unique<impl>(std::move(options), report)) {}

jsonl_follower::~jsonl_follower() = default;

std::vector<followed_line> jsonl_follower::poll(std::chrono::milliseconds timeout) { return impl_->poll(timeout); }

void jsonl_follower::commit(const std::vector<followed_line>& lines) { impl_->commit(lines); }

std::size_t jsonl_follower::watch_count() const { return impl_->watcher.watch_count(); }

std::size_t jsonl_follower::file_count() const { return impl_->files.size(); }

}  // namespace atn
