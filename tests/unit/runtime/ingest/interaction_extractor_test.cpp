#include "runtime/ingest/interaction_extractor.hpp"

#include "data/input_report.hpp"
#include "runtime/ingest/event_bus_subscriber.hpp"
#include "runtime/ingest/jsonl_follower.hpp"

#include <catch2/catch.hpp>

#include <sodium.h>

using namespace atn;

namespace {

const std::string record =
    R"({"execution_id":"e1","agent_id":"a1","status":"completed","trigger_source":"chat",)"
    R"("started_at":"2026-03-02T09:15:04Z","step_results":[)"
    R"({"step_name":"plan","step_type":"cognitive","output":{"text":"call 415-555-0100","tool_calls":[{"name":"dial","input":{"n":1}}]}},)"
    R"({"step_name":"report","output":"sent to bob@example.com","error":"slow"}]})";

followed_line line_of(const std::string& origin, const std::string& text, std::uint64_t number = 1) {
  followed_line l;
  l.origin = origin;
  l.file = "/atn/" + origin;
  l.line_number = number;
  l.text = text;
  return l;
}

bus_event event_of(const std::string& type, const std::string& data, std::uint64_t sequence = 1) {
  bus_event e;
  e.type = type;
  e.data = data;
  e.sequence = sequence;
  e.timestamp_ms = 1772442999000;
  return e;
}

}  // namespace

TEST_CASE("the same execution from execution.jsonl and from the bus gives identical keys and lines",
          "[interaction_extractor]") {
  input_report report;
  interaction_extractor extractor(privacy_config{}, report);
  std::vector<interaction> from_file, from_bus;
  extractor.extract(line_of("agents/a1/execution.jsonl", record), from_file);
  extractor.extract(event_of("execution.completed", record), "bus", from_bus);
  REQUIRE(from_file.size() == 3);
  REQUIRE(from_bus.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(from_file[i].key == from_bus[i].key);
    CHECK(from_file[i].lines == from_bus[i].lines);
    CHECK(from_file[i].session == "agents/a1/e1");
    CHECK(from_file[i].agent == "a1");
    CHECK(from_file[i].timestamp_ms == 1772442904000);
  }
  CHECK(from_file[0].key == "exec:e1");
  CHECK(from_file[0].lines == std::vector<std::string>{"[agent:a1] trigger=chat status=completed"});
  CHECK(from_file[1].key == "step:e1:0");
  CHECK(from_file[1].lines == std::vector<std::string>{"[step:plan] call [PHONE_REDACTED]", R"([tool:dial] {"n":1})"});
  CHECK(from_file[2].key == "step:e1:1");
  CHECK(from_file[2].lines == std::vector<std::string>{"[step:report] sent to [EMAIL_REDACTED]", "[error] slow"});

  // The steps published one by one on the bus match too.
  std::vector<interaction> steps;
  extractor.extract(
      event_of("step.completed", R"({"execution_id":"e1","agent_id":"a1","step_index":1,)"
                                 R"("step_name":"report","output":"sent to bob@example.com","error":"slow"})"),
      "bus", steps);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].key == from_file[2].key);
  CHECK(steps[0].lines == from_file[2].lines);
  CHECK(steps[0].session == "agents/a1/e1");
  CHECK(steps[0].timestamp_ms == 1772442999000);  // the event's time: the step has none
  CHECK(extractor.counters().executions == 2);
  CHECK(extractor.counters().steps == 5);
  CHECK(report.total() == 0);
}

TEST_CASE("turns are keyed by session and a hash of the raw line, excluded, scrubbed and attributed",
          "[interaction_extractor]") {
  input_report report;
  interaction_extractor extractor(privacy_config{{"project x"}, true}, report);
  std::vector<interaction> out;
  const std::string turn =
      R"({"role":"user","content":"mail me at ann@example.com","timestamp":"2026-03-02T09:15:05Z","execution_id":"e7"})";
  extractor.extract(line_of("conversations/c.jsonl", turn), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].lines == std::vector<std::string>{"[user] mail me at [EMAIL_REDACTED]"});
  CHECK(out[0].agent == "unknown");  // e7 not seen yet
  CHECK(out[0].session == "conversations/c.jsonl");
  CHECK(out[0].timestamp_ms == 1772442905000);
  // BLAKE2b-128 of the raw line, first 8 bytes.
  unsigned char digest[16];
  crypto_generichash(digest, 16, reinterpret_cast<const unsigned char*>(turn.data()), turn.size(), nullptr, 0);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  CHECK(out[0].key == "turn:conversations/c.jsonl:" + std::string(hex));
  CHECK(turn_hash_hex(turn) == hex);

  out.clear();
  extractor.extract(line_of("agents/dir-agent/execution.jsonl", R"({"execution_id":"e7","status":"running"})"), out);
  CHECK(out.empty());  // running: skipped, but its agent is now known
  extractor.extract(line_of("conversations/d.jsonl", R"({"role":"assistant","content":"ok","execution_id":"e7"})"),
                    out);
  extractor.extract(line_of("conversations/d.jsonl", R"({"role":"assistant","content":"Re: Project X plans"})", 2),
                    out);
  extractor.extract(line_of("conversations/d.jsonl", R"({"role":"system","content":"be nice"})", 3), out);
  extractor.extract(
      line_of("agents/a1/execution.jsonl", R"({"execution_id":"e8","status":"completed","error":"project x"})"), out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].agent == "dir-agent");
  CHECK(extractor.counters().excluded == 2);
  CHECK(extractor.counters().dropped == 1);
  CHECK(extractor.counters().skipped == 1);
  CHECK(report.count("bad_timestamp") == 3);  // the turns without a timestamp
}

TEST_CASE("bad lines and events are counted with the file and line they came from", "[interaction_extractor]") {
  input_report report;
  interaction_extractor extractor(privacy_config{}, report);
  std::vector<interaction> out;
  extractor.extract(line_of("conversations/c.jsonl", std::string("{\"role\":\0\"user\"}", 16)), out);
  extractor.extract(line_of("conversations/c.jsonl", "{\"role\":\"user\",", 2), out);
  extractor.extract(
      line_of("conversations/c.jsonl", "{\"role\":\"user\",\"content\":\"caf\xe9\",\"timestamp\":1772442905}", 3), out);
  extractor.extract(line_of("agents/a1/execution.jsonl", R"({"status":"completed"})"), out);
  extractor.extract(event_of("step.completed", R"({"execution_id":"e1"})"), "event bus x", out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].lines == std::vector<std::string>{"[user] caf\xEF\xBF\xBD"});
  CHECK(report.count("binary_line") == 1);
  CHECK(report.count("corrupt_json") == 1);
  CHECK(report.count("invalid_utf8") == 1);
  CHECK(report.count("bad_record") == 2);
  CHECK(extractor.counters().rejected == 4);
}
