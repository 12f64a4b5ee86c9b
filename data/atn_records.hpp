// ATN records (conversation turns, execution records) parsed from one JSON line each and rendered
// as the text the model learns from. Torch-free; shared by the batch reader and the live subscriber.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atn {

class input_report;
class privacy_filter;

/// One rendered line of text, e.g. "[user] hello", with its time (Unix ms, -1 if unknown).
struct text_line {
  std::int64_t timestamp_ms = -1;
  std::string text;

  bool operator==(const text_line& other) const { return timestamp_ms == other.timestamp_ms && text == other.text; }
};

/// One session: a conversation file or one execution record.
struct text_session {
  /// Stable id: "conversations/<file>.jsonl" (relative path) or "agents/<agent>/<execution_id>".
  std::string id;
  /// The file it was read from.
  std::string source_file;
  /// Agent id; for a conversation, the agent of the first execution its turns refer to, else
  /// "unknown".
  std::string agent;
  std::vector<text_line> lines;

  /// The lines' text joined with '\n'.
  std::string joined() const;
};

/// Where a record came from and what to do with it: problems are reported against `file`/`line`;
/// a non-null `privacy` drops excluded records and scrubs the rendered text.
struct record_context {
  std::string_view file;
  std::uint64_t line = 0;
  input_report* report = nullptr;
  const privacy_filter* privacy = nullptr;
  /// Agent id to use when an execution record has no `agent_id` (e.g. its directory name).
  std::string_view default_agent;
};

/// A parsed conversation turn.
struct parsed_turn {
  std::string role;          // user, assistant or system
  std::string execution_id;  // empty when absent
  bool dropped = false;      // a system turn: not rendered
  bool excluded = false;     // matched an exclusion pattern: not rendered
  text_line line;            // "[role] content", scrubbed; empty when dropped or excluded
};

/// Parses one conversations/*.jsonl line. Returns nullopt for bad input (corrupt JSON, missing or
/// mistyped fields, unknown role), reported through `ctx.report`. Invalid UTF-8 is reported and
/// repaired (each bad sequence becomes U+FFFD); a missing or unparseable timestamp is reported and
/// the turn kept with timestamp -1.
std::optional<parsed_turn> parse_conversation_line(std::string_view json, const record_context& ctx);

/// A parsed execution record.
struct parsed_execution {
  std::string execution_id;
  std::string agent_id;
  std::string status;
  bool skipped = false;   // queued, running or killed: not rendered
  bool excluded = false;  // matched an exclusion pattern: not rendered
  /// "[agent:ID] trigger=T status=S", then per step "[step:NAME] text", "[tool:NAME] {input}",
  /// "[error] ..."; then the record's "[error] ...". Scrubbed; empty when skipped or excluded.
  std::vector<text_line> lines;
};

/// Parses one agents/<agent>/execution.jsonl line. Returns nullopt for bad input (reported).
std::optional<parsed_execution> parse_execution_record(std::string_view json, const record_context& ctx);

/// Parses an ISO-8601 date-time to Unix ms: "2026-03-02T09:15:04Z", fractional seconds, "+hh:mm",
/// "+hhmm" or "+hh" offsets, a space instead of 'T', and '-' instead of ':' in the time (as in file
/// names, "2026-03-02T09-15-04.250Z"). No zone means UTC. Returns nullopt if it is not one.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

/// A timestamp string: ISO-8601 (as above) or a string of digits read like epoch_number_ms.
std::optional<std::int64_t> parse_timestamp_ms(std::string_view text);

/// An epoch number to ms: values >= 1e11 are taken as ms (1973 onwards), smaller ones as seconds.
/// Nullopt for negative, NaN or absurdly large values.
std::optional<std::int64_t> epoch_number_ms(double value);

/// Finds the first ISO-8601 stamp inside `text` (e.g. a file name) and parses it.
std::optional<std::int64_t> find_iso8601_ms(std::string_view text);

}  // namespace atn
