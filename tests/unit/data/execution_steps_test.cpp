#include "data/execution_steps.hpp"

#include "data/input_report.hpp"
#include "data/privacy_filter.hpp"

#include <catch2/catch.hpp>

using namespace atn;

namespace {

const std::string record_json =
    R"({"execution_id":"e1","agent_id":"a1","status":"failed","trigger_source":"cron",)"
    R"("started_at":"2026-03-02T09:15:04Z","completed_at":"2026-03-02T09:15:09Z","error":"timeout",)"
    R"("step_results":[)"
    R"({"step_name":"plan","step_type":"cognitive","output":{"text":"look it up","tool_calls":[{"name":"search","input":{"q":"x"}},{"name":"open"}]}},)"
    R"("not a step",)"
    R"({"step_type":"tool","output":{"rows":3},"started_at":"2026-03-02T09:15:06Z","error":"partial"},)"
    R"({"step_name":"reply","output":"done, mail bob@example.com"}]})";

std::vector<std::string> texts(const std::vector<text_line>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

}  // namespace

TEST_CASE("execution parts concatenate to parse_execution_record's lines", "[execution_steps]") {
  privacy_filter privacy(privacy_config{{}, true});
  input_report whole_report, parts_report;
  const auto whole = parse_execution_record(record_json, {"f", 1, &whole_report, &privacy, "dir"});
  const auto parts = parse_execution_parts(record_json, {"f", 1, &parts_report, &privacy, "dir"});
  REQUIRE(whole);
  REQUIRE(parts);
  CHECK(parts_report.counts() == whole_report.counts());  // reported once, like the record parser
  CHECK(parts_report.count("bad_record") == 1);           // "not a step"
  REQUIRE(parts->steps.size() == 3);
  CHECK(parts->steps[0].index == 0);
  CHECK(parts->steps[1].index == 2);  // the bad entry keeps its position
  CHECK(parts->steps[2].index == 3);
  CHECK(texts(parts->steps[0].lines) ==
        std::vector<std::string>{"[step:plan] look it up", R"([tool:search] {"q":"x"})", "[tool:open] null"});
  CHECK(texts(parts->steps[1].lines) == std::vector<std::string>{R"([step:step3] {"rows":3})", "[error] partial"});
  CHECK(texts(parts->steps[2].lines) == std::vector<std::string>{"[step:reply] done, mail [EMAIL_REDACTED]"});
  CHECK(texts(parts->record.lines) ==
        std::vector<std::string>{"[agent:a1] trigger=cron status=failed", "[error] timeout"});

  std::vector<text_line> joined{parts->record.lines.front()};
  for (const auto& s : parts->steps) joined.insert(joined.end(), s.lines.begin(), s.lines.end());
  joined.push_back(parts->record.lines.back());
  CHECK(joined == whole->lines);
}

TEST_CASE("execution parts skip running records and drop excluded ones whole", "[execution_steps]") {
  privacy_filter privacy(privacy_config{{"LOOK IT"}, true});
  input_report report;
  const auto excluded = parse_execution_parts(record_json, {"f", 1, &report, &privacy, {}});
  REQUIRE(excluded);
  CHECK(excluded->record.excluded);
  CHECK(excluded->record.lines.empty());
  CHECK(excluded->steps.empty());

  const auto running =
      parse_execution_parts(R"({"execution_id":"e2","status":"running"})", {"f", 2, &report, nullptr, "d"});
  REQUIRE(running);
  CHECK(running->record.skipped);
  CHECK(running->record.agent_id == "d");
  CHECK(running->steps.empty());

  CHECK_FALSE(parse_execution_parts("{\"execution_id\":", {"f", 3, &report, nullptr, {}}));
  CHECK(report.count("corrupt_json") == 1);
}

TEST_CASE("a step published alone renders as the same step inside its record", "[execution_steps]") {
  privacy_filter privacy(privacy_config{{}, true});
  input_report record_report, report;
  const auto parts = parse_execution_parts(record_json, {"f", 1, &record_report, &privacy, {}});
  REQUIRE(parts);
  const std::string step2 =
      R"({"execution_id":"e1","agent_id":"a1","step_index":2,"step_type":"tool","output":{"rows":3},)"
      R"("started_at":"2026-03-02T09:15:06Z","error":"partial"})";
  const auto alone = parse_step_record(step2, {"bus", 7, &report, &privacy, {}});
  REQUIRE(alone);
  CHECK(alone->execution_id == "e1");
  CHECK(alone->agent_id == "a1");
  CHECK(alone->step.index == 2);
  CHECK(alone->step.lines == parts->steps[1].lines);

  const std::string step3 =
      R"({"execution_id":"e1","step_index":3,"step_name":"reply","output":"done, mail bob@example.com"})";
  const auto scrubbed = parse_step_record(step3, {"bus", 8, &report, &privacy, {}}, 42);
  REQUIRE(scrubbed);
  CHECK(scrubbed->agent_id == "unknown");
  CHECK(texts(scrubbed->step.lines) == texts(parts->steps[2].lines));
  CHECK(scrubbed->step.lines[0].timestamp_ms == 42);

  privacy_filter excluding(privacy_config{{"ROWS"}, true});
  const auto excluded = parse_step_record(step2, {"bus", 9, &report, &excluding, {}});
  REQUIRE(excluded);
  CHECK(excluded->excluded);
  CHECK(excluded->step.lines.empty());

  CHECK(report.total() == 0);
  CHECK_FALSE(parse_step_record(R"({"execution_id":"e1","step_index":-1})", {"bus", 10, &report, nullptr, {}}));
  CHECK_FALSE(parse_step_record(R"({"step_index":1})", {"bus", 11, &report, nullptr, {}}));
  CHECK_FALSE(parse_step_record(R"({"execution_id":"e1","step_index":"1"})", {"bus", 12, &report, nullptr, {}}));
  CHECK(report.count("bad_record") == 3);
}
