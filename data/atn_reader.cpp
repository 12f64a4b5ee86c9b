#include "data/atn_reader.hpp"

#include "data/input_report.hpp"
#include "data/line_reader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <unordered_map>

namespace atn {

namespace fs = std::filesystem;

namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Streams the non-empty lines of `file` to on_line(text, number). Unreadable files, binary files
// and over-long lines are reported; returns false if the file could not be read at all.
template <class F>
bool for_each_line(const fs::path& file, std::size_t max_line_bytes, input_report& report, atn_read_stats& stats,
                   F&& on_line) {
  const std::string shown = file.string();
  line_reader reader(file, max_line_bytes);
  if (!reader.ok()) {
    report.problem("unreadable_file", shown, 0, "cannot open: " + reader.error());
    return false;
  }
  std::string_view head = reader.peek(4096);
  if (std::memchr(head.data(), '\0', head.size()) != nullptr) {
    report.problem("binary_file", shown, 0, "contains NUL bytes, not JSON lines; file skipped");
    return false;
  }
  ++stats.files;
  line_reader::line line;
  while (reader.next(line)) {
    if (line.too_long) {
      report.problem("line_too_long", shown, line.number,
                     "line of " + std::to_string(line.bytes) + " bytes exceeds the limit of " +
                         std::to_string(max_line_bytes) + "; skipped");
      continue;
    }
    if (blank(line.text)) continue;
    ++stats.lines;
    on_line(line.text, line.number);
  }
  if (!reader.ok()) report.problem("unreadable_file", shown, 0, reader.error());
  return true;
}

// The entries of `dir` (sorted), reporting a directory that cannot be listed.
std::vector<fs::path> list_directory(const fs::path& dir, bool recursive, input_report& report) {
  std::vector<fs::path> out;
  std::error_code ec;
  auto note = [&](const std::error_code& e) {
    report.problem("unreadable_directory", dir.string(), 0, "cannot list: " + e.message());
  };
  if (recursive) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) note(ec);
    for (; !ec && it != end; it.increment(ec)) out.push_back(it->path());
    if (ec) note(ec);
  } else {
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) note(ec);
    for (; !ec && it != end; it.increment(ec)) out.push_back(it->path());
    if (ec) note(ec);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<text_session> read_atn_directory(const fs::path& atn_dir, const atn_read_options& options,
                                             input_report& report, atn_read_stats* stats_out) {
  atn_read_stats stats;
  std::error_code ec;
  if (!fs::is_directory(atn_dir, ec)) {
    report.problem("missing_directory", atn_dir.string(), 0,
                   fs::exists(atn_dir, ec) ? "not a directory" : "no such directory");
    if (stats_out != nullptr) *stats_out = stats;
    return {};
  }
  const privacy_filter privacy(options.privacy);
  std::map<std::string, text_session> sessions;
  std::unordered_map<std::string, std::string> agent_of_execution;  // first one found

  // Executions first: conversations are attributed to the agent of the execution they refer to.
  const fs::path agents_dir = atn_dir / "agents";
  if (fs::is_directory(agents_dir, ec)) {
    for (const fs::path& agent_dir : list_directory(agents_dir, false, report)) {
      const fs::path file = agent_dir / "execution.jsonl";
      if (!fs::is_directory(agent_dir, ec) || !fs::exists(file, ec)) continue;
      const std::string agent_name = agent_dir.filename().string();
      const std::string shown = file.string();
      for_each_line(file, options.max_line_bytes, report, stats, [&](std::string_view text, std::uint64_t number) {
        record_context ctx{shown, number, &report, &privacy, agent_name};
        auto rec = parse_execution_record(text, ctx);
        if (!rec) return;
        agent_of_execution.emplace(rec->execution_id, rec->agent_id);
        if (rec->skipped) {
          ++stats.records_skipped;
          return;
        }
        if (rec->excluded) {
          ++stats.records_excluded;
          return;
        }
        text_session session;
        session.id = "agents/" + agent_name + "/" + rec->execution_id;
        session.source_file = shown;
        session.agent = rec->agent_id;
        session.lines = std::move(rec->lines);
        ++stats.records;
        auto [it, inserted] = sessions.try_emplace(session.id);
        if (!inserted) ++stats.records_superseded;  // a later status update of the same execution
        it->second = std::move(session);
      });
    }
  } else {
    spdlog::debug("{}: no agents/ directory", atn_dir.string());
  }

  const fs::path conversations_dir = atn_dir / "conversations";
  if (fs::is_directory(conversations_dir, ec)) {
    for (const fs::path& file : list_directory(conversations_dir, true, report)) {
      if (file.extension() != ".jsonl" || !fs::is_regular_file(file, ec)) continue;
      const std::string shown = file.string();
      text_session session;
      session.id = file.lexically_relative(atn_dir).generic_string();
      session.source_file = shown;
      session.agent = "unknown";
      bool attributed = false;
      for_each_line(file, options.max_line_bytes, report, stats, [&](std::string_view text, std::uint64_t number) {
        record_context ctx{shown, number, &report, &privacy, {}};
        auto turn = parse_conversation_line(text, ctx);
        if (!turn) return;
        if (!attributed && !turn->execution_id.empty()) {
          auto it = agent_of_execution.find(turn->execution_id);
          if (it != agent_of_execution.end()) {
            session.agent = it->second;
            attributed = true;
          }
        }
        if (turn->dropped) {
          ++stats.turns_dropped;
        } else if (turn->excluded) {
          ++stats.turns_excluded;
        } else {
          ++stats.turns;
          session.lines.push_back(std::move(turn->line));
        }
      });
      if (!session.lines.empty()) sessions.emplace(session.id, std::move(session));
    }
  } else {
    spdlog::debug("{}: no conversations/ directory", atn_dir.string());
  }

  std::vector<text_session> out;
  out.reserve(sessions.size());
  for (auto& [id, session] : sessions) out.push_back(std::move(session));
  if (stats_out != nullptr) *stats_out = stats;
  return out;
}

}  // namespace atn
