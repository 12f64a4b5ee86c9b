#include "runtime/ingest/follower_state.hpp"

#include "data/input_report.hpp"
#include "runtime/util/file_util.hpp"

#include <sstream>
#include <system_error>

namespace atn {

namespace {
constexpr std::string_view header = "atn-jsonl-follower 1";
}

std::vector<followed_file_state> load_follower_state(const std::filesystem::path& file,
                                                     input_report& report) {
  std::vector<followed_file_state> out;
  std::optional<std::string> text;
  try {
    text = read_file(file);
  } catch (const std::system_error& e) {
    report.problem("corrupt_state", file.string(), 0, std::string("cannot read: ") + e.what());
    return out;
  }
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  std::uint64_t number = 0;
  if (!std::getline(in, line) || line != header) {
    report.problem("corrupt_state", file.string(), 1, "not a follower state file; reading every file from the start");
    return out;
  }
  ++number;
  // "<device> <inode> <offset> <lines> <head hex or -> <origin>"; origin is the rest of the line.
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    followed_file_state s;
    if (!(fields >> s.device >> s.inode >> s.offset >> s.lines >> s.head_hex) || fields.get() != ' ') {
      report.problem("corrupt_state", file.string(), number, "malformed entry; that file is read from the start");
      continue;
    }
    if (s.head_hex == "-") s.head_hex.clear();
    std::getline(fields, s.origin);
    out.push_back(std::move(s));
  }
  return out;
}

void save_follower_state(const std::filesystem::path& file, const std::vector<followed_file_state>& files) {
  std::string text(header);
  text += '\n';
  for (const auto& s : files) {
    if (s.origin.find_first_of("\r\n") != std::string::npos) continue;
    text += std::to_string(s.device) + ' ' + std::to_string(s.inode) + ' ' + std::to_string(s.offset) + ' ' +
            std::to_string(s.lines) + ' ' + (s.head_hex.empty() ? std::string("-") : s.head_hex) + ' ' +
            s.origin + '\n';
  }
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  write_file_atomic(file, text);
}

}  // namespace atn
