#include "data/atn_reader.hpp"
#include "data/input_report.hpp"
#include "data/line_reader.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace atn;

namespace {

struct temp_dir : test::temp_dir {
  temp_dir() : test::temp_dir("atn_reader_test") {}
};

void write_file(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

const text_session* find_session(const std::vector<text_session>& sessions, const std::string& id) {
  for (const auto& s : sessions)
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<std::string> texts(const text_session& s) {
  std::vector<std::string> out;
  for (const auto& l : s.lines) out.push_back(l.text);
  return out;
}

long max_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("ISO-8601 timestamps parse to Unix ms", "[atn_reader][timestamp]") {
  CHECK(parse_iso8601_ms("2026-03-02T09:15:04Z") == 1772442904000);
  CHECK(parse_iso8601_ms("2026-03-02T09:15:05.250Z") == 1772442905250);
  CHECK(parse_iso8601_ms("2026-03-02T09:15:05.25Z") == 1772442905250);
  CHECK(parse_iso8601_ms("2026-03-02T09:15:05.250123456Z") == 1772442905250);
  CHECK(parse_iso8601_ms("2026-03-02T10:15:04+01:00") == 1772442904000);
  CHECK(parse_iso8601_ms("2026-03-02T04:45:04-04:30") == 1772442904000);
  CHECK(parse_iso8601_ms("2026-03-02T10:15:04+0100") == 1772442904000);
  CHECK(parse_iso8601_ms("2026-03-02 09:15:04") == 1772442904000);
  CHECK(parse_iso8601_ms("2026-03-02T09-15-04.250Z") == 1772442904250);
  CHECK(parse_iso8601_ms("2000-02-29T23:59:59.999Z") == 951868799999);
  CHECK(parse_iso8601_ms("1969-12-31T23:59:59Z") == -1000);
  CHECK(parse_iso8601_ms("2026-03-02") == 1772409600000);

  CHECK_FALSE(parse_iso8601_ms("2026-13-01T00:00:00Z"));
  CHECK_FALSE(parse_iso8601_ms("2025-02-29T00:00:00Z"));
  CHECK_FALSE(parse_iso8601_ms("2026-03-02T24:00:00Z"));
  CHECK_FALSE(parse_iso8601_ms("2026-03-02T09:15:04Zjunk"));
  CHECK_FALSE(parse_iso8601_ms("yesterday"));
  CHECK_FALSE(parse_iso8601_ms(""));

  CHECK(find_iso8601_ms("screen_2026-03-02T09-15-04.250Z.png") == 1772442904250);
  CHECK(find_iso8601_ms("2026-03-02T09-15-04.png") == 1772442904000);
  CHECK_FALSE(find_iso8601_ms("frame_0001.png"));
  CHECK(parse_timestamp_ms("1772442904250") == 1772442904250);
  CHECK(parse_timestamp_ms("1772442904") == 1772442904000);
}

TEST_CASE("conversations render user and assistant turns and drop system turns", "[atn_reader][conversation]") {
  temp_dir dir;
  write_file(
      dir.path / "conversations" / "s1.jsonl",
      R"({"role":"system","content":"You are helpful","timestamp":"2026-03-02T09:15:00Z"})"
      "\n"
      R"({"role":"user","content":"hello","timestamp":"2026-03-02T09:15:04Z"})"
      "\n"
      R"({"role":"assistant","content":"hi there\nhow can I help?","timestamp":"2026-03-02T09:15:05.250Z"})"
      "\r\n"
      "\n   \n"
      R"({"role":"user","content":[{"type":"text","text":"part one"},{"type":"text","text":"part two"}],"timestamp":"2026-03-02T10:15:06+01:00"})"
      "\n"
      R"({"role":"assistant","content":null,"timestamp":"2026-03-02T09:15:07Z"})");  // no final newline
  input_report report;
  atn_read_stats stats;
  auto sessions = read_atn_directory(dir.path, {}, report, &stats);
  CHECK(report.total() == 0);
  REQUIRE(sessions.size() == 1);
  const text_session& s = sessions[0];
  CHECK(s.id == "conversations/s1.jsonl");
  CHECK(s.source_file == (dir.path / "conversations" / "s1.jsonl").string());
  CHECK(s.agent == "unknown");
  REQUIRE(s.lines.size() == 3);
  CHECK(s.lines[0] == text_line{1772442904000, "[user] hello"});
  CHECK(s.lines[1] == text_line{1772442905250, "[assistant] hi there\nhow can I help?"});
  CHECK(s.lines[2] == text_line{1772442906000, "[user] part one\npart two"});
  CHECK(s.joined() == "[user] hello\n[assistant] hi there\nhow can I help?\n[user] part one\npart two");
  CHECK(stats.turns == 3);
  CHECK(stats.turns_dropped == 2);
  CHECK(stats.files == 1);
  CHECK(stats.lines == 5);
}

TEST_CASE("execution records render steps, tools and errors", "[atn_reader][execution]") {
  temp_dir dir;
  const std::string completed =
      R"({"execution_id":"e1","agent_id":"alpha","status":"completed","trigger_source":"user",)"
      R"("started_at":"2026-03-02T10:00:00Z","completed_at":"2026-03-02T10:00:07Z","error":null,"step_results":[)"
      R"({"step_name":"think","step_type":"cognitive","status":"completed","output":{"text":"Look up the weather.",)"
      R"("tool_calls":[{"name":"web_search","input":{"q":"weather Paris", "n" : 3},"id":"t1"},{"name":"clock","input":"now","id":"t2"}]}},)"
      R"({"step_name":"search","step_type":"tool","status":"completed","output":"sunny, 21 C"},)"
      R"({"step_name":"parse","step_type":"tool","status":"completed","output":{"temp": 21, "unit": "C"}},)"
      R"({"step_name":"list","step_type":"tool","status":"completed","output":[1, 2, "three"]},)"
      R"({"step_name":"noop","step_type":"tool","status":"completed","output":null},)"
      R"({"step_name":"fetch","step_type":"tool","status":"failed","output":null,"error":"timeout after 30s"}]})";
  const std::string failed =
      R"({"execution_id":"e2","status":"failed","trigger_source":"cron","started_at":"2026-03-02T11:00:00Z",)"
      R"("error":{"code":500,"message":"boom"},"step_results":[{"step_name":"plan","step_type":"cognitive","status":"completed","output":{"text":"Try it."}}]})";
  write_file(
      dir.path / "agents" / "alpha" / "execution.jsonl",
      completed + "\n" +
          R"({"execution_id":"q1","agent_id":"alpha","status":"queued","trigger_source":"user"})"
          "\n" +
          R"({"execution_id":"r1","agent_id":"alpha","status":"running","trigger_source":"user","step_results":[]})"
          "\n" +
          R"({"execution_id":"k1","agent_id":"alpha","status":"killed","trigger_source":"user","error":"killed"})"
          "\n");
  // No agent_id: the directory names the agent.
  write_file(dir.path / "agents" / "beta" / "execution.jsonl", failed + "\n");

  input_report report;
  atn_read_stats stats;
  auto sessions = read_atn_directory(dir.path, {}, report, &stats);
  CHECK(report.total() == 0);
  CHECK(stats.records == 2);
  CHECK(stats.records_skipped == 3);
  REQUIRE(sessions.size() == 2);

  const text_session* e1 = find_session(sessions, "agents/alpha/e1");
  REQUIRE(e1 != nullptr);
  CHECK(e1->agent == "alpha");
  CHECK(e1->source_file == (dir.path / "agents" / "alpha" / "execution.jsonl").string());
  CHECK(texts(*e1) == std::vector<std::string>{
                          "[agent:alpha] trigger=user status=completed",
                          "[step:think] Look up the weather.",
                          R"([tool:web_search] {"q":"weather Paris","n":3})",
                          R"([tool:clock] "now")",
                          "[step:search] sunny, 21 C",
                          R"([step:parse] {"temp":21,"unit":"C"})",
                          R"([step:list] [1,2,"three"])",
                          "[step:noop]",
                          "[step:fetch]",
                          "[error] timeout after 30s",
                      });
  for (const auto& l : e1->lines) CHECK(l.timestamp_ms == 1772445600000);

  const text_session* e2 = find_session(sessions, "agents/beta/e2");
  REQUIRE(e2 != nullptr);
  CHECK(e2->agent == "beta");
  CHECK(texts(*e2) == std::vector<std::string>{
                          "[agent:beta] trigger=cron status=failed",
                          "[step:plan] Try it.",
                          R"([error] {"code":500,"message":"boom"})",
                      });
}

TEST_CASE("conversations take the agent of the first execution they refer to", "[atn_reader][attribution]") {
  temp_dir dir;
  write_file(dir.path / "agents" / "alpha" / "execution.jsonl",
             R"({"execution_id":"e1","agent_id":"alpha","status":"completed","trigger_source":"user"})"
             "\n");
  write_file(dir.path / "agents" / "beta" / "execution.jsonl",
             R"({"execution_id":"e2","agent_id":"beta","status":"completed","trigger_source":"user"})"
             "\n"
             R"({"execution_id":"q2","agent_id":"beta","status":"queued","trigger_source":"user"})"
             "\n");
  const std::string ts = R"(,"timestamp":"2026-03-02T09:15:04Z")";
  write_file(dir.path / "conversations" / "a.jsonl", R"({"role":"user","content":"one")" + ts + "}\n" +
                                                         R"({"role":"assistant","content":"two","execution_id":"e1")" +
                                                         ts + "}\n");
  write_file(dir.path / "conversations" / "b.jsonl",
             R"({"role":"user","content":"one","execution_id":"missing")" + ts + "}\n" +
                 R"({"role":"user","content":"two","execution_id":"e2")" + ts + "}\n" +
                 R"({"role":"user","content":"three","execution_id":"e1")" + ts + "}\n");
  write_file(dir.path / "conversations" / "c.jsonl",
             R"({"role":"user","content":"one","execution_id":"missing")" + ts + "}\n");
  write_file(dir.path / "conversations" / "d.jsonl", R"({"role":"system","content":"sys","execution_id":"q2")" + ts +
                                                         "}\n" + R"({"role":"user","content":"hi")" + ts + "}\n");
  write_file(dir.path / "conversations" / "nested" / "e.jsonl",
             R"({"role":"user","content":"deep","execution_id":"e1")" + ts + "}\n");
  write_file(dir.path / "conversations" / "notes.txt", "not a conversation\n");

  input_report report;
  auto sessions = read_atn_directory(dir.path, {}, report);
  CHECK(report.total() == 0);
  REQUIRE(sessions.size() == 7);
  CHECK(find_session(sessions, "conversations/a.jsonl")->agent == "alpha");
  CHECK(find_session(sessions, "conversations/b.jsonl")->agent == "beta");
  CHECK(find_session(sessions, "conversations/c.jsonl")->agent == "unknown");
  CHECK(find_session(sessions, "conversations/d.jsonl")->agent == "beta");  // a skipped execution still names its agent
  CHECK(find_session(sessions, "conversations/nested/e.jsonl")->agent == "alpha");
  CHECK(std::is_sorted(sessions.begin(), sessions.end(),
                       [](const text_session& x, const text_session& y) { return x.id < y.id; }));
  CHECK(sessions.front().id == "agents/alpha/e1");
  CHECK(sessions.back().id == "conversations/nested/e.jsonl");
}

TEST_CASE("privacy exclusions drop turns and records, and PII is scrubbed", "[atn_reader][privacy]") {
  temp_dir dir;
  const std::string ts = R"(,"timestamp":"2026-03-02T09:15:04Z")";
  write_file(dir.path / "conversations" / "p.jsonl",
             R"({"role":"user","content":"Tell me about the SECRET Project")" + ts + "}\n" +
                 R"({"role":"user","content":"mail me at jane.doe@example.com or call (415) 555-0100")" + ts + "}\n" +
                 R"({"role":"assistant","content":"noted, SSN 123-45-6789 and card 4111 1111 1111 1111")" + ts + "}\n");
  write_file(dir.path / "conversations" / "only_secret.jsonl",
             R"({"role":"user","content":"the secret project again")" + ts + "}\n");
  write_file(
      dir.path / "agents" / "alpha" / "execution.jsonl",
      R"({"execution_id":"x1","agent_id":"alpha","status":"completed","trigger_source":"user","step_results":[{"step_name":"think","step_type":"cognitive","output":{"text":"ok","tool_calls":[{"name":"note","input":{"body":"secret project plans"}}]}}]})"
      "\n"
      R"({"execution_id":"x2","agent_id":"alpha","status":"completed","trigger_source":"user","step_results":[{"step_name":"lookup","step_type":"tool","output":{"phone":"+44 20 7946 0958","email":"bob@corp.example.org"}}]})"
      "\n");

  atn_read_options options;
  options.privacy.exclusion_patterns = {"secret project"};
  input_report report;
  atn_read_stats stats;
  auto sessions = read_atn_directory(dir.path, options, report, &stats);
  CHECK(report.total() == 0);
  CHECK(stats.turns_excluded == 2);
  CHECK(stats.records_excluded == 1);
  REQUIRE(sessions.size() == 2);  // only_secret.jsonl and x1 leave nothing
  const text_session* p = find_session(sessions, "conversations/p.jsonl");
  REQUIRE(p != nullptr);
  CHECK(texts(*p) == std::vector<std::string>{
                         "[user] mail me at [EMAIL_REDACTED] or call [PHONE_REDACTED]",
                         "[assistant] noted, SSN [SSN_REDACTED] and card [CC_REDACTED]",
                     });
  const text_session* x2 = find_session(sessions, "agents/alpha/x2");
  REQUIRE(x2 != nullptr);
  CHECK(texts(*x2)[1] == R"([step:lookup] {"phone":"[PHONE_REDACTED]","email":"[EMAIL_REDACTED]"})");

  // Without the privacy settings the same data comes through whole.
  atn_read_options open_options;
  open_options.privacy.scrub_pii = false;
  input_report report2;
  auto raw = read_atn_directory(dir.path, open_options, report2);
  CHECK(raw.size() == 4);
  CHECK(find_session(raw, "conversations/p.jsonl")->joined().find("jane.doe@example.com") != std::string::npos);
}

TEST_CASE("bad lines are reported and skipped, reading goes on", "[atn_reader][bad_input]") {
  temp_dir dir;
  const std::string ts = R"(,"timestamp":"2026-03-02T09:15:04Z")";
  std::string conv;
  conv += R"({"role":"user","content":"first")" + ts + "}\n";
  conv += R"({"role":"user","content":"broken)"
          "\n";                                                   // corrupt JSON
  conv += "[1,2,3]\n";                                            // not an object
  conv += R"({"content":"no role")" + ts + "}\n";                 // missing role
  conv += R"({"role":"tool","content":"odd role")" + ts + "}\n";  // unknown role
  conv += R"({"role":"user")" + ts + "}\n";                       // missing content
  conv += R"({"role":"user","content":"when?","timestamp":"last tuesday"})"
          "\n";  // bad timestamp, kept
  conv += R"({"role":"user","content":"no time"})"
          "\n";                                                                       // missing timestamp, kept
  conv += "{\"role\":\"user\",\"content\":\"caf\xC3\xA9 \xFF\xFE ok\"" + ts + "}\n";  // invalid UTF-8, kept
  conv += "\x01\x02\x7F garbage \xC0\xAF\n";                                          // binary garbage
  conv += R"({"role":"user","content":"last")" + ts + "}\n";
  write_file(dir.path / "conversations" / "bad.jsonl", conv);
  write_file(dir.path / "conversations" / "binary.jsonl", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  write_file(dir.path / "conversations" / "empty.jsonl", "");
  write_file(dir.path / "agents" / "alpha" / "execution.jsonl",
             R"({"execution_id":"e1","status":"done"})"
             "\n"  // unknown status
             R"({"status":"completed"})"
             "\n"  // missing id
             R"({"execution_id":"e2","status":"completed","started_at":12})"
             "\n"  // epoch seconds are fine
             R"({"execution_id":"e3","status":"completed","started_at":"soon","step_results":{"a":1}})"
             "\n"
             "{not json at all\n");
  fs::create_directories(dir.path / "agents" / "gamma" / "execution.jsonl");  // a directory: unreadable

  input_report report;
  atn_read_stats stats;
  auto sessions = read_atn_directory(dir.path, {}, report, &stats);
  CHECK(report.count("corrupt_json") == 3);
  CHECK(report.count("bad_record") == 7);
  CHECK(report.count("bad_timestamp") == 3);
  CHECK(report.count("invalid_utf8") == 1);
  CHECK(report.count("binary_file") == 1);
  CHECK(report.count("unreadable_file") == 1);
  CHECK(report.total() == 16);

  const text_session* bad = find_session(sessions, "conversations/bad.jsonl");
  REQUIRE(bad != nullptr);
  CHECK(texts(*bad) == std::vector<std::string>{
                           "[user] first",
                           "[user] when?",
                           "[user] no time",
                           "[user] caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD ok",
                           "[user] last",
                       });
  CHECK(bad->lines[1].timestamp_ms == -1);
  CHECK(bad->lines[2].timestamp_ms == -1);
  CHECK(bad->lines[3].timestamp_ms == 1772442904000);
  CHECK(find_session(sessions, "conversations/binary.jsonl") == nullptr);
  CHECK(find_session(sessions, "conversations/empty.jsonl") == nullptr);
  const text_session* e2 = find_session(sessions, "agents/alpha/e2");
  REQUIRE(e2 != nullptr);
  CHECK(e2->lines[0].timestamp_ms == 12000);
  CHECK(find_session(sessions, "agents/alpha/e3") != nullptr);  // bad time and steps, header kept
}

TEST_CASE("a missing or unusable directory is reported", "[atn_reader][bad_input]") {
  temp_dir dir;
  input_report report;
  CHECK(read_atn_directory(dir.path / "does-not-exist", {}, report).empty());
  CHECK(report.count("missing_directory") == 1);

  write_file(dir.path / "plain_file", "x");
  CHECK(read_atn_directory(dir.path / "plain_file", {}, report).empty());
  CHECK(report.count("missing_directory") == 2);

  // An ATN directory with neither conversations nor agents is simply empty.
  input_report quiet;
  CHECK(read_atn_directory(dir.path, {}, quiet).empty());
  CHECK(quiet.total() == 0);
}

TEST_CASE("status updates of one execution keep the latest rendered record", "[atn_reader][execution]") {
  temp_dir dir;
  write_file(dir.path / "agents" / "alpha" / "execution.jsonl",
             R"({"execution_id":"e1","agent_id":"alpha","status":"queued","trigger_source":"user"})"
             "\n"
             R"({"execution_id":"e1","agent_id":"alpha","status":"running","trigger_source":"user"})"
             "\n"
             R"({"execution_id":"e1","agent_id":"alpha","status":"failed","trigger_source":"user","error":"first try"})"
             "\n"
             R"({"execution_id":"e1","agent_id":"alpha","status":"completed","trigger_source":"retry"})"
             "\n");
  input_report report;
  atn_read_stats stats;
  auto sessions = read_atn_directory(dir.path, {}, report, &stats);
  REQUIRE(sessions.size() == 1);
  CHECK(texts(sessions[0]) == std::vector<std::string>{"[agent:alpha] trigger=retry status=completed"});
  CHECK(stats.records_skipped == 2);
  CHECK(stats.records_superseded == 1);
  CHECK(report.total() == 0);
}

TEST_CASE("over-long lines are skipped while streaming", "[atn_reader][bad_input][long_line]") {
  temp_dir dir;
  const fs::path file = dir.path / "conversations" / "big.jsonl";
  fs::create_directories(file.parent_path());
  {
    std::ofstream out(file, std::ios::binary);
    out << R"({"role":"user","content":"before","timestamp":"2026-03-02T09:15:04Z"})" << '\n';
    out << R"({"role":"user","content":")";
    const std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 100; ++i) out << chunk;  // a real 100 MiB line, written without holding it
    out << R"(","timestamp":"2026-03-02T09:15:05Z"})" << '\n';
    out << R"({"role":"user","content":"after","timestamp":"2026-03-02T09:15:06Z"})" << '\n';
    REQUIRE(out.good());
  }
  const long rss_before = max_rss_kib();
  const auto start = std::chrono::steady_clock::now();
  input_report report;
  auto sessions = read_atn_directory(dir.path, {}, report);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long rss_growth_mib = (max_rss_kib() - rss_before) / 1024;
  CHECK(report.count("line_too_long") == 1);
  CHECK(report.total() == 1);
  REQUIRE(sessions.size() == 1);
  CHECK(texts(sessions[0]) == std::vector<std::string>{"[user] before", "[user] after"});
  CHECK(seconds < 30.0);       // ~0.1 s: the line is scanned, never parsed
  CHECK(rss_growth_mib < 48);  // buffer (1 MiB) + at most max_line_bytes (8 MiB) of the line
}

TEST_CASE("the line limit is exact", "[atn_reader][bad_input][long_line]") {
  temp_dir dir;
  const std::string a = R"({"role":"user","content":"aaaa","timestamp":"2026-03-02T09:15:04Z"})";
  const std::string b = R"({"role":"user","content":"bbbbb","timestamp":"2026-03-02T09:15:04Z"})";
  write_file(dir.path / "conversations" / "c.jsonl", a + "\n" + b + "\n" + a);
  atn_read_options options;
  options.max_line_bytes = a.size();
  input_report report;
  auto sessions = read_atn_directory(dir.path, options, report);
  CHECK(report.count("line_too_long") == 1);
  REQUIRE(sessions.size() == 1);
  CHECK(texts(sessions[0]) == std::vector<std::string>{"[user] aaaa", "[user] aaaa"});
}

TEST_CASE("line_reader reports line numbers, lengths and resume offsets", "[atn_reader][line_reader]") {
  temp_dir dir;
  const fs::path file = dir.path / "lines.txt";
  write_file(file, "one\r\n\n" + std::string(3 << 20, 'z') + "\nfour\npartial");
  line_reader reader(file, 1 << 20);
  REQUIRE(reader.ok());
  line_reader::line line;
  REQUIRE(reader.next(line));
  CHECK((line.text == "one" && line.number == 1 && line.complete));
  REQUIRE(reader.next(line));
  CHECK((line.text.empty() && line.number == 2 && !line.too_long));
  REQUIRE(reader.next(line));
  CHECK((line.too_long && line.bytes == (3u << 20) && line.number == 3 && line.text.empty()));
  REQUIRE(reader.next(line));
  CHECK((line.text == "four" && line.number == 4));
  const std::uint64_t resume = reader.offset();
  REQUIRE(reader.next(line));
  CHECK((line.text == "partial" && !line.complete));
  CHECK(reader.offset() == resume);  // an unfinished last line is not consumed
  CHECK_FALSE(reader.next(line));

  line_reader again(file, 1 << 20, resume);
  REQUIRE(again.next(line));
  CHECK(line.text == "partial");

  line_reader missing(dir.path / "nope.txt", 100);
  CHECK_FALSE(missing.ok());
  CHECK_FALSE(missing.next(line));
}

TEST_CASE("UTF-8 validation and repair", "[atn_reader][utf8]") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  CHECK_FALSE(is_valid_utf8("bad \xFF"));
  CHECK_FALSE(is_valid_utf8("overlong \xC0\xAF"));
  CHECK_FALSE(is_valid_utf8("surrogate \xED\xA0\x80"));
  CHECK(repair_utf8("a\xFF"
                    "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(repair_utf8("cut \xE2\x82") == "cut \xEF\xBF\xBD");    // one maximal subpart
  CHECK(repair_utf8("\xE2\x82\xAC ok") == "\xE2\x82\xAC ok");  // valid is untouched
  CHECK(repair_utf8("\xF0\x9F\x98") == "\xEF\xBF\xBD");
  CHECK(is_valid_utf8(repair_utf8(std::string("\xC0\xAF\xED\xA0\x80\xF5\x80", 7))));
}

TEST_CASE("per-line parsers work without a report or privacy filter", "[atn_reader][parser]") {
  record_context ctx;
  ctx.file = "live";
  auto turn = parse_conversation_line(
      R"({"role":"user","content":"hi","timestamp":"2026-03-02T09:15:04Z","execution_id":"e9"})", ctx);
  REQUIRE(turn);
  CHECK(turn->line == text_line{1772442904000, "[user] hi"});
  CHECK(turn->execution_id == "e9");
  CHECK_FALSE(parse_conversation_line("{oops", ctx));

  ctx.default_agent = "dir_agent";
  auto rec = parse_execution_record(R"({"execution_id":"e9","status":"running"})", ctx);
  REQUIRE(rec);
  CHECK(rec->skipped);
  CHECK(rec->agent_id == "dir_agent");
  CHECK(rec->lines.empty());
  CHECK_FALSE(parse_execution_record("", ctx));
}
