#include "runtime/ingest/interaction_extractor.hpp"

#include "data/atn_records.hpp"
#include "data/execution_steps.hpp"
#include "data/input_report.hpp"
#include "runtime/ingest/event_bus_subscriber.hpp"
#include "runtime/ingest/jsonl_follower.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>

namespace atn {

namespace {

constexpr std::size_t max_remembered = 100000;

std::vector<std::string> texts(const std::vector<text_line>& lines) {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

std::int64_t first_time(const std::vector<text_line>& lines, std::int64_t fallback) {
  return !lines.empty() && lines.front().timestamp_ms >= 0 ? lines.front().timestamp_ms : fallback;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string turn_hash_hex(std::string_view raw) {
  unsigned char digest[crypto_generichash_BYTES_MIN];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), nullptr, 0);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

interaction_extractor::interaction_extractor(privacy_config privacy, input_report& report)
    : privacy_(std::move(privacy)), report_(report) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

void interaction_extractor::remember_agent(const std::string& execution_id, const std::string& agent) {
  if (agent_of_execution_.size() >= max_remembered) agent_of_execution_.clear();  // bounded memory
  agent_of_execution_.emplace(execution_id, agent);
}

void interaction_extractor::extract(const followed_line& line, std::vector<interaction>& out) {
  if (std::memchr(line.text.data(), '\0', line.text.size()) != nullptr) {
    ++counters_.rejected;
    report_.problem("binary_line", line.file, line.line_number, "contains NUL bytes, not a JSON line; skipped");
    return;
  }
  if (starts_with(line.origin, "conversations/")) return conversation(line, out);
  if (starts_with(line.origin, "agents/")) {
    // "agents/<agent>/execution.jsonl": the directory names the agent when the record does not.
    const std::string_view rest = std::string_view(line.origin).substr(7);
    const std::string_view dir_agent = rest.substr(0, rest.find('/'));
    return execution(line.text, line.file, line.line_number, dir_agent, -1, out);
  }
}

void interaction_extractor::conversation(const followed_line& line, std::vector<interaction>& out) {
  const record_context ctx{line.file, line.line_number, &report_, &privacy_, {}};
  auto turn = parse_conversation_line(line.text, ctx);
  if (!turn) {
    ++counters_.rejected;
    return;
  }
  const std::string& session = line.origin;
  std::string agent = "unknown";
  auto known = agent_of_session_.find(session);
  if (known != agent_of_session_.end()) {
    agent = known->second;
  } else if (!turn->execution_id.empty()) {
    // As the batch reader does: a conversation belongs to the agent of the first execution it
    // refers to.
    auto it = agent_of_execution_.find(turn->execution_id);
    if (it != agent_of_execution_.end()) {
      agent = it->second;
      if (agent_of_session_.size() >= max_remembered) agent_of_session_.clear();
      agent_of_session_.emplace(session, agent);
    }
  }
  if (turn->dropped) {
    ++counters_.dropped;
    return;
  }
  if (turn->excluded) {
    ++counters_.excluded;
    return;
  }
  ++counters_.turns;
  interaction item;
  item.key = "turn:" + session + ":" + turn_hash_hex(line.text);
  item.session = session;
  item.agent = std::move(agent);
  item.timestamp_ms = turn->line.timestamp_ms;
  item.lines.push_back(std::move(turn->line.text));
  out.push_back(std::move(item));
}

void interaction_extractor::execution(std::string_view json, std::string_view where, std::uint64_t number,
                                      std::string_view dir_agent, std::int64_t fallback_ms,
                                      std::vector<interaction>& out) {
  const record_context ctx{where, number, &report_, &privacy_, dir_agent};
  auto parts = parse_execution_parts(json, ctx);
  if (!parts) {
    ++counters_.rejected;
    return;
  }
  const parsed_execution& rec = parts->record;
  remember_agent(rec.execution_id, rec.agent_id);
  if (rec.skipped) {
    ++counters_.skipped;
    return;
  }
  if (rec.excluded) {
    ++counters_.excluded;
    return;
  }
  const std::string session =
      "agents/" + (dir_agent.empty() ? rec.agent_id : std::string(dir_agent)) + "/" + rec.execution_id;
  const std::int64_t start_ms = first_time(rec.lines, fallback_ms);
  ++counters_.executions;
  out.push_back({"exec:" + rec.execution_id, session, rec.agent_id, start_ms, texts(rec.lines)});
  for (const auto& step : parts->steps) {
    ++counters_.steps;
    out.push_back({"step:" + rec.execution_id + ":" + std::to_string(step.index), session, rec.agent_id,
                   first_time(step.lines, start_ms), texts(step.lines)});
  }
}

void interaction_extractor::extract(const bus_event& event, std::string_view bus_name, std::vector<interaction>& out) {
  if (event.type == "step.completed") {
    const record_context ctx{bus_name, event.sequence, &report_, &privacy_, {}};
    auto step = parse_step_record(event.data, ctx, event.timestamp_ms);
    if (!step) {
      ++counters_.rejected;
      return;
    }
    remember_agent(step->execution_id, step->agent_id);
    if (step->excluded) {
      ++counters_.excluded;
      return;
    }
    ++counters_.steps;
    out.push_back({"step:" + step->execution_id + ":" + std::to_string(step->step.index),
                   "agents/" + step->agent_id + "/" + step->execution_id, step->agent_id,
                   first_time(step->step.lines, event.timestamp_ms), texts(step->step.lines)});
    return;
  }
  execution(event.data, bus_name, event.sequence, {}, event.timestamp_ms, out);
}

}  // namespace atn
