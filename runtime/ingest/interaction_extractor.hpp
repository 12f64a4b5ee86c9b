// Turns followed JSONL lines and event-bus events into interactions for the feed_store_actor,
// with the privacy filter applied before anything leaves it.
#pragma once

#include "data/privacy_filter.hpp"
#include "messages/feed_messages.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace atn {

class input_report;
struct bus_event;
struct followed_line;

/// What the extractor made of its input so far (bad input is in the input_report).
struct extractor_counters {
  std::uint64_t turns = 0;       ///< conversation turns turned into interactions
  std::uint64_t executions = 0;  ///< completed or failed executions (one "exec:" each)
  std::uint64_t steps = 0;       ///< steps (one "step:" each)
  std::uint64_t dropped = 0;     ///< system turns and turns without content
  std::uint64_t excluded = 0;    ///< records matching an exclusion pattern
  std::uint64_t skipped = 0;     ///< queued, running or killed executions
  std::uint64_t rejected = 0;    ///< bad lines and events (reported)
};

/// Makes interactions (see messages/feed_messages.hpp) with these keys:
/// - "exec:<execution_id>": the header "[agent:ID] trigger=T status=S" and the record's own
///   "[error] …" line, session "agents/<agent>/<execution_id>";
/// - "step:<execution_id>:<index>": one step's lines ("[step:NAME] …", "[tool:NAME] …",
///   "[error] …"), 0-based index, same session;
/// - "turn:<session>:<hex>": one conversation turn, session "conversations/<file>.jsonl" (the
///   file's path when first seen), hex = the first 8 bytes of the BLAKE2b-128 of the raw line
///   (libsodium's generichash makes no output shorter than 16 bytes).
/// So an execution read from execution.jsonl and the same execution or its steps seen on the bus
/// get identical keys and lines. Rendering is data/atn_records.hpp's; queued and running
/// executions and system turns are skipped; excluded records are dropped whole and PII is
/// scrubbed. Conversations take the agent of the execution their turns refer to when it has been
/// seen, else "unknown". Not thread-safe.
class interaction_extractor {
 public:
  interaction_extractor(privacy_config privacy, input_report& report);

  /// Appends what one line of conversations/**.jsonl or agents/<agent>/execution.jsonl gives.
  void extract(const followed_line& line, std::vector<interaction>& out);

  /// Appends what one bus event gives; `bus_name` names the bus in problem reports.
  void extract(const bus_event& event, std::string_view bus_name, std::vector<interaction>& out);

  const extractor_counters& counters() const { return counters_; }

 private:
  void conversation(const followed_line& line, std::vector<interaction>& out);
  void execution(std::string_view json, std::string_view where, std::uint64_t number, std::string_view dir_agent,
                 std::int64_t fallback_ms, std::vector<interaction>& out);
  void remember_agent(const std::string& execution_id, const std::string& agent);

  privacy_filter privacy_;
  input_report& report_;
  extractor_counters counters_;
  std::unordered_map<std::string, std::string> agent_of_execution_;  // bounded
  std::unordered_map<std::string, std::string> agent_of_session_;    // bounded
};

/// The hex key part of a turn: the first 8 bytes of BLAKE2b-128(`raw`).
std::string turn_hash_hex(std::string_view raw);

}  // namespace atn
