#include "runtime/ingest/taken_files.hpp"

#include "data/input_report.hpp"
#include "runtime/util/file_util.hpp"

#include <sys/stat.h>

#include <charconv>
#include <string_view>

namespace atn {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view header = "atn-frame-intake-taken v1";

template <class T>
bool parse_number(std::string_view& line, T& out) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return false;
  auto [end, ec] = std::from_chars(line.data(), line.data() + space, out);
  if (ec != std::errc() || end != line.data() + space) return false;
  line.remove_prefix(space + 1);
  return true;
}
}  // namespace

std::optional<file_stamp> stamp_of(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return file_stamp{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                    static_cast<std::uint64_t>(st.st_size)};
}

taken_files::taken_files(fs::path state_file) : file_(std::move(state_file)) {}

void taken_files::load(input_report& report) {
  if (file_.empty()) return;
  std::optional<std::string> text;
  try {
    text = read_file(file_);
  } catch (const std::exception& e) {
    report.problem("unreadable_file", file_.string(), 0, e.what());
    return;
  }
  if (!text) return;
  std::string_view rest(*text);
  std::uint64_t number = 0;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++number;
    if (number == 1) {
      if (line != header) {
        report.problem("corrupt_state", file_.string(), 1, "not a frame intake state file");
        return;
      }
      continue;
    }
    if (line.empty()) continue;
    entry e;
    e.durable = true;
    if (!parse_number(line, e.stamp.mtime_ns) || !parse_number(line, e.stamp.size) || line.empty()) {
      report.problem("corrupt_state", file_.string(), number, "expected '<mtime_ns> <size> <name>'");
      continue;
    }
    entries_[std::string(line)] = e;
  }
}

bool taken_files::contains(const std::string& name, const file_stamp& stamp) const {
  auto it = entries_.find(name);
  return it != entries_.end() && it->second.stamp == stamp;
}

void taken_files::mark(const std::string& name, const file_stamp& stamp, bool durable) {
  entries_[name] = entry{stamp, durable};
  if (durable) dirty_ = true;
}

void taken_files::settle(const std::string& name, const file_stamp& stamp) {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second.stamp != stamp || it->second.durable) return;
  it->second.durable = true;
  dirty_ = true;
}

void taken_files::forget(const std::string& name) {
  if (entries_.erase(name) > 0) dirty_ = true;
}

bool taken_files::save(input_report& report) {
  if (file_.empty() || !dirty_) return true;
  std::string out(header);
  out += '\n';
  for (const auto& [name, e] : entries_) {
    // A name with a newline cannot be a line of this file; such a file is taken again after a restart.
    if (!e.durable || name.find('\n') != std::string::npos) continue;
    out += std::to_string(e.stamp.mtime_ns) + ' ' + std::to_string(e.stamp.size) + ' ' + name + '\n';
  }
  try {
    if (!file_.parent_path().empty()) fs::create_directories(file_.parent_path());
    write_file_atomic(file_, out);
  } catch (const std::exception& e) {
    report.problem("state_write_failed", file_.string(), 0, e.what());
    return false;
  }
  dirty_ = false;
  return true;
}

}  // namespace atn
