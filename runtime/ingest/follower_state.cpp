#include "runtime/ingest/follower_state.hpp"

#include "data/hex.hpp"
#include "data/input_report.hpp"
#include "runtime/ingest/head_digest.hpp"
#include "runtime/util/file_util.hpp"

#include <optional>
#include <sstream>
#include <system_error>

namespace atn {

namespace {
constexpr std::string_view header = "atn-jsonl-follower 2";
// Version 1 stored each file's first 64 bytes as hex, in the clear: read only to migrate.
constexpr std::string_view header_v1 = "atn-jsonl-follower 1";

// A version-1 head: its bytes from hex (data/hex), or nullopt when the text is not hex.
std::optional<std::string> v1_head(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  if (hex.size() % 2 || !from_hex(hex, reinterpret_cast<std::uint8_t*>(out.data()), out.size())) return std::nullopt;
  return out;
}
}  // namespace

std::vector<followed_file_state> load_follower_state(const std::filesystem::path& file, input_report& report) {
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
  const bool got_header = static_cast<bool>(std::getline(in, line));
  const bool v1 = got_header && line == header_v1;
  if (!got_header || (line != header && !v1)) {
    report.problem("corrupt_state", file.string(), 1, "not a follower state file; reading every file from the start");
    return out;
  }
  ++number;
  std::string key;  // only a version-1 file needs it here
  if (v1) key = load_or_create_head_key(file.has_parent_path() ? file.parent_path() : ".");
  // "<device> <inode> <offset> <lines> <head length> <head digest or -> <origin>" (version 1:
  // "<device> <inode> <offset> <lines> <head hex or -> <origin>"); origin is the rest of the line.
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    followed_file_state s;
    bool ok = static_cast<bool>(fields >> s.device >> s.inode >> s.offset >> s.lines);
    if (ok && !v1) ok = static_cast<bool>(fields >> s.head_length);
    ok = ok && static_cast<bool>(fields >> s.head_digest) && fields.get() == ' ';
    if (s.head_digest == "-") s.head_digest.clear();
    std::optional<std::string> head;
    if (ok && v1) ok = static_cast<bool>(head = v1_head(s.head_digest));
    if (!ok) {
      report.problem("corrupt_state", file.string(), number, "malformed entry; that file is read from the start");
      continue;
    }
    if (v1) {
      s.head_length = head->size();
      s.head_digest = head->empty() ? std::string() : head_digest(key, *head);
    }
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
            std::to_string(s.lines) + ' ' + std::to_string(s.head_length) + ' ' +
            (s.head_digest.empty() ? std::string("-") : s.head_digest) + ' ' + s.origin + '\n';
  }
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  write_file_atomic(file, text);
}

}  // namespace atn
