// The sample-data generator: determinism, record shape, cross-references, frames and their timing.
#include "data/sample/sample_data_generator.hpp"
#include "data/frame_renderer.hpp"
#include "data/png_writer.hpp"
#include "data/sample/sample_domain.hpp"
#include "data/sample/sample_json_writer.hpp"
#include "data/sample/sample_random.hpp"
#include "data/sample/sample_slots.hpp"

#include <png.h>
#include <simdjson.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temp dir, removed at scope exit.
struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& tag) {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("atn_sample_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Every regular file under `root`, relative, sorted.
std::vector<std::string> tree(const fs::path& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root).generic_string());
  std::sort(out.begin(), out.end());
  return out;
}

// Parses "YYYY-MM-DDTHH:MM:SS.mmmZ" into epoch milliseconds; -1 when malformed.
long long parse_iso(std::string_view s) {
  if (s.size() != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' ||
      s[23] != 'Z')
    return -1;
  auto num = [&](std::size_t pos, std::size_t len) {
    long long v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1LL;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  long long y = num(0, 4), m = num(5, 2), d = num(8, 2), hh = num(11, 2), mm = num(14, 2), ss = num(17, 2),
            ms = num(20, 3);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 59 || ms < 0) return -1;
  y -= m <= 2;
  const long long era = y / 400, yoe = y - era * 400;
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const long long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return ((days * 24 + hh) * 60 + mm) * 60000 + ss * 1000 + ms;
}

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  REQUIRE(e[key].get_string().get(v) == simdjson::SUCCESS);
  return std::string(v);
}

struct decoded_png {
  bool ok = false;
  unsigned width = 0, height = 0;
  std::vector<unsigned char> rgb;
};

decoded_png read_png(const fs::path& p) {
  decoded_png info;
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, p.string().c_str())) return info;
  image.format = PNG_FORMAT_RGB;
  info.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, info.rgb.data(), 0, nullptr)) {
    png_image_free(&image);
    return info;
  }
  info.ok = true;
  info.width = image.width;
  info.height = image.height;
  return info;
}

struct dataset {
  std::map<std::string, std::vector<long long>> turn_times;  // per session file
  std::vector<long long> all_turns;                          // sorted
  std::map<std::string, std::string> exec_agent;             // execution_id -> agent_id
  std::map<std::string, long long> exec_started;
  std::map<std::string, std::string> exec_status;
  std::set<std::string> trigger_sources;
  std::set<std::string> step_types;
  std::vector<std::pair<std::string, long long>> referenced;  // (session, execution_id) trigger turns
  std::map<std::string, std::vector<std::string>> session_execs;
  std::map<std::string, std::set<std::string>> agent_tools;
  std::string all_content;
  std::size_t lines = 0;
};

// Parses every JSONL line of a generated directory, checking the shape of each record.
dataset load(const fs::path& root) {
  dataset d;
  simdjson::dom::parser parser;
  for (const auto& e : fs::directory_iterator(root / "atn" / "conversations")) {
    const std::string session = e.path().stem().string();
    REQUIRE(e.path().extension() == ".jsonl");
    long long prev = -1;
    int line_no = 0;
    for (const std::string& line : lines_of(e.path())) {
      ++line_no;
      ++d.lines;
      simdjson::dom::element doc;
      INFO(e.path().string() << " line " << line_no << ": " << line);
      REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
      const std::string role = str(doc, "role");
      CHECK((role == "user" || role == "assistant" || role == "system"));
      const std::string content = str(doc, "content");
      CHECK(!content.empty());
      d.all_content += content + "\n";
      const long long ts = parse_iso(str(doc, "timestamp"));
      REQUIRE(ts > 0);
      CHECK(ts > prev);  // strictly increasing within a session
      prev = ts;
      d.turn_times[session].push_back(ts);
      d.all_turns.push_back(ts);
      std::string_view exec;
      if (doc["execution_id"].get_string().get(exec) == simdjson::SUCCESS) {
        CHECK(role == "user");
        d.referenced.emplace_back(session, ts);
        d.session_execs[session].emplace_back(exec);
      }
    }
    CHECK(line_no >= 2);
    CHECK(line_no <= 22);
  }
  std::sort(d.all_turns.begin(), d.all_turns.end());

  for (const auto& e : fs::directory_iterator(root / "atn" / "agents")) {
    const std::string agent = e.path().filename().string();
    const fs::path log = e.path() / "execution.jsonl";
    REQUIRE(fs::exists(log));
    int line_no = 0;
    for (const std::string& line : lines_of(log)) {
      ++line_no;
      ++d.lines;
      simdjson::dom::element doc;
      INFO(log.string() << " line " << line_no << ": " << line);
      REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
      const std::string id = str(doc, "execution_id");
      CHECK(str(doc, "agent_id") == agent);
      const std::string status = str(doc, "status");
      CHECK((status == "completed" || status == "failed" || status == "queued" || status == "running" ||
             status == "killed"));
      const std::string trigger = str(doc, "trigger_source");
      CHECK((trigger == "user" || trigger == "schedule" || trigger == "webhook"));
      d.trigger_sources.insert(trigger);
      CHECK(d.exec_agent.emplace(id, agent).second);  // ids are unique across agents
      d.exec_status[id] = status;

      std::string_view started, completed;
      const bool has_start = doc["started_at"].get_string().get(started) == simdjson::SUCCESS;
      const bool has_end = doc["completed_at"].get_string().get(completed) == simdjson::SUCCESS;
      CHECK(has_start == (status != "queued"));
      CHECK(has_end == (status != "queued" && status != "running"));
      if (!has_start) CHECK(doc["started_at"].is_null());
      if (!has_end) CHECK(doc["completed_at"].is_null());
      if (has_start) {
        d.exec_started[id] = parse_iso(started);
        REQUIRE(d.exec_started[id] > 0);
      }
      if (has_start && has_end) CHECK(parse_iso(completed) > parse_iso(started));

      simdjson::dom::array steps;
      REQUIRE(doc["step_results"].get_array().get(steps) == simdjson::SUCCESS);
      if (status == "queued") CHECK(steps.size() == 0);
      bool any_failed = false;
      for (simdjson::dom::element step : steps) {
        const std::string type = str(step, "step_type");
        d.step_types.insert(type);
        str(step, "step_name");
        const std::string step_status = str(step, "status");
        simdjson::dom::element output, error;
        REQUIRE(step["output"].get(output) == simdjson::SUCCESS);
        REQUIRE(step["error"].get(error) == simdjson::SUCCESS);
        if (step_status == "failed") {
          any_failed = true;
          CHECK(error.is_string());
        }
        if (step_status == "completed") CHECK(error.is_null());
        if (type == "cognitive" && step_status == "completed") {
          std::string_view text;
          CHECK(output["text"].get_string().get(text) == simdjson::SUCCESS);
          simdjson::dom::array calls;
          REQUIRE(output["tool_calls"].get_array().get(calls) == simdjson::SUCCESS);
          for (simdjson::dom::element call : calls) {
            d.agent_tools[agent].insert(str(call, "name"));
            str(call, "id");
            CHECK(call["input"].is_object());
          }
        }
        if (type == "tool" && step_status == "completed") {
          CHECK((output.is_object() || output.is_string()));
          d.agent_tools[agent].insert(str(step, "step_name"));
        }
      }
      if (status == "failed") CHECK(any_failed);
    }
  }
  return d;
}

}  // namespace

TEST_CASE("sample_random is deterministic and uniform enough", "[sample_data][random]") {
  atn::sample_random a(42), b(42), c(43);
  std::vector<std::uint64_t> xs, ys, zs;
  for (int i = 0; i < 64; ++i) {
    xs.push_back(a.next());
    ys.push_back(b.next());
    zs.push_back(c.next());
  }
  CHECK(xs == ys);
  CHECK(xs != zs);
  // Pinned values: a change to the generator would silently change every data set.
  atn::sample_random pinned(7);
  CHECK(pinned.next() == 12923355070828475994ULL);
  CHECK(pinned.next() == 5142052590334782674ULL);
  CHECK(atn::sample_random::derive(7, 1, 2) == 5520860952856039934ULL);
  atn::sample_random r(1);
  int counts[6] = {};
  for (int i = 0; i < 60000; ++i) ++counts[r.between(0, 5)];
  for (int k : counts) CHECK((k > 9000 && k < 11000));
  for (int i = 0; i < 1000; ++i) {
    const auto v = r.between(-3, 3);
    CHECK((v >= -3 && v <= 3));
  }
  CHECK(atn::sample_random::derive(7, 1, 2) != atn::sample_random::derive(7, 2, 1));
}

TEST_CASE("sample_slots fill templates consistently", "[sample_data][slots]") {
  atn::sample_lexicon lex{{"city", {"Lisbon", "Tokyo", "Oslo"}},
                          {"city.code", {"LIS", "HND", "OSL"}},
                          {"hh", {"{%08-09}"}},
                          {"time", {"{hh}:00"}},
                          {"quote", {"say \"hi\"\\"}}};
  atn::sample_random r(3);
  atn::sample_slots s(lex, r);
  s.set("user", "Alex");
  const std::string a = s.text("{city} ({city.code}) then {city2} ({city2.code}) for {user}");
  CHECK(a == s.text("{city} ({city.code}) then {city2} ({city2.code}) for {user}"));
  CHECK(s.value("city") != s.value("city2"));
  const auto i = std::find(lex["city"].begin(), lex["city"].end(), s.value("city")) - lex["city"].begin();
  CHECK(s.value("city.code") == lex["city.code"][static_cast<std::size_t>(i)]);
  // Zero-padded ranges and per-instance scoping of nested slots.
  const std::string t = s.value("time");
  CHECK((t == "08:00" || t == "09:00"));
  CHECK(s.value("hh") + ":00" == t);
  CHECK(s.value("hh2") + ":00" == s.value("time2"));
  // JSON templates: braces that are not placeholders stay, values are escaped.
  const std::string j = s.json(R"({"q": "{quote}", "n": {%5-5}})");
  CHECK(j == R"({"q": "say \"hi\"\\", "n": 5})");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  CHECK(parser.parse(j).get(doc) == simdjson::SUCCESS);
  CHECK_THROWS(s.text("{nosuchslot}"));
  CHECK(atn::sample_json_writer::minify("{\"a\": [1, 2],\n \"b\": \"x \\\" y\"}") == R"({"a":[1,2],"b":"x \" y"})");
  atn::sample_json_writer w;
  w.begin_object()
      .key("k")
      .string("v\n")
      .key("a")
      .begin_array()
      .number(1)
      .null()
      .boolean(true)
      .end_array()
      .end_object();
  CHECK(w.str() == R"({"k":"v\n","a":[1,null,true]})");
}

TEST_CASE("sample domains are distinct and their templates expand to valid JSON", "[sample_data][domains]") {
  const auto& domains = atn::sample_domains();
  REQUIRE(domains.size() >= 6);
  std::set<std::string> names, agents, all_tools;
  for (const auto& d : domains) {
    names.insert(d.name);
    agents.insert(d.agent_id);
    for (const auto& t : d.tool_names()) {
      // A tool belongs to one domain, so tool names alone tell domains apart.
      CHECK(all_tools.insert(t).second);
    }
    CHECK(d.scenarios.size() >= 5);
    CHECK(!d.jobs.empty());
  }
  for (const char* n : {"calendar", "mail", "code", "finance", "health", "travel"}) CHECK(names.count(n) == 1);
  CHECK(agents.size() == domains.size());
  for (const char* t : {"calendar_read", "send_email", "run_tests", "get_quote", "log_vitals", "search_flights"})
    CHECK(all_tools.count(t) == 1);

  // Expand every template many times: unknown slots throw, JSON must parse.
  simdjson::dom::parser parser;
  for (const auto& d : domains) {
    for (int round = 0; round < 20; ++round) {
      atn::sample_random r(static_cast<std::uint64_t>(round));
      atn::sample_slots s(d.lexicon, r);
      for (const char* k : {"user", "user_first", "user_email", "user_phone", "date", "today", "tomorrow",
                            "tomorrow_date", "day", "day_date", "month", "month_start", "error"})
        s.set(k, "x");
      auto check_json = [&](const std::string& tmpl) {
        const std::string j = s.json(tmpl);
        simdjson::dom::element doc;
        INFO(d.name << ": " << j);
        CHECK(parser.parse(j).get(doc) == simdjson::SUCCESS);
      };
      for (const auto& sc : d.scenarios) {
        for (const auto& a : sc.asks) CHECK(!s.text(a).empty());
        for (const auto& a : sc.replies) CHECK(!s.text(a).empty());
        for (const auto& f : sc.follow_ups) CHECK(!(s.text(f.user) + s.text(f.assistant)).empty());
        s.text(sc.plan + sc.clarify_question + sc.clarify_answer);
        for (const auto& t : sc.tools) {
          check_json(t.input);
          check_json(t.result);
        }
      }
      for (const auto& j : d.jobs) {
        s.text(j.plan + j.summary);
        for (const auto& t : j.tools) {
          check_json(t.input);
          check_json(t.result);
        }
      }
      for (const auto& e : d.tool_errors) s.text(e);
      for (const auto& e : d.failure_replies) s.text(e);
      for (const auto& e : d.openers) s.text(e);
      for (const auto& e : d.closings) s.text(e.user + e.assistant);
      s.text(d.window_title + d.url);
    }
  }
}

TEST_CASE("frame_renderer draws clipped shapes and 5x7 text", "[sample_data][frame_renderer]") {
  const atn::rgb_color bg = atn::rgb_color::hex(0x102030), ink = atn::rgb_color::hex(0xffffff);
  atn::frame_renderer f(40, 20, bg);
  CHECK(f.pixels().size() == 40u * 20u * 3u);
  CHECK(f.pixel(0, 0) == bg);
  f.fill_rect(-5, -5, 10, 10, ink);  // clipped, no crash
  CHECK(f.pixel(4, 4) == ink);
  CHECK(f.pixel(5, 5) == bg);
  atn::frame_renderer t(40, 20, bg);
  const int end = t.text(1, 1, "I", ink);
  CHECK(end == 1 + atn::frame_renderer::glyph_advance);
  // 'I' is a vertical bar in the middle column with serifs: column 2 is lit on all seven rows.
  for (int row = 0; row < 7; ++row) CHECK(t.pixel(1 + 2, 1 + row) == ink);
  CHECK(t.pixel(1 + 2, 1 + 7) == bg);
  t.text(30, 15, "WWWWWW", ink);  // runs off the canvas: clipped
  CHECK(atn::frame_renderer::text_width("abc") == 17);
  CHECK(atn::frame_renderer::clip("abcdefghij", 30) == "abc..");
  const auto lines = atn::frame_renderer::wrap("the quick brown fox jumps", 60);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "the quick");
  for (const auto& l : lines) CHECK(atn::frame_renderer::text_width(l) <= 60);
  CHECK(atn::frame_renderer::wrap("abcdefghijklmnopqrstuvwxyz", 30).size() == 6);  // long words split
}

TEST_CASE("png_writer output decodes to the same pixels", "[sample_data][png]") {
  atn::frame_renderer f(37, 23, atn::rgb_color::hex(0x336699));
  f.text(2, 2, "Hi!", atn::rgb_color::hex(0xffcc00));
  f.line(0, 22, 36, 0, atn::rgb_color::hex(0xff0000));
  temp_dir dir("png");
  for (bool fast : {true, false}) {
    const fs::path p = dir.path / (fast ? "fast.png" : "small.png");
    const auto bytes = atn::png_writer(fast).write(p, f.pixels(), f.width(), f.height());
    CHECK(bytes == fs::file_size(p));
    const decoded_png info = read_png(p);
    REQUIRE(info.ok);
    CHECK(info.width == 37);
    CHECK(info.height == 23);
    CHECK(info.rgb == f.pixels());
  }
  CHECK(atn::png_writer().encode(f.pixels(), f.width(), f.height()) ==
        atn::png_writer().encode(f.pixels(), f.width(), f.height()));
  CHECK_THROWS_AS(atn::png_writer().encode(f.pixels(), 100, 100), std::runtime_error);
}

TEST_CASE("sample data is byte-identical for equal seeds", "[sample_data][determinism]") {
  temp_dir a("det_a"), b("det_b"), c("det_c"), d("det_d");
  atn::sample_data_options opt;
  opt.sessions_per_agent = 6;
  const auto sa = atn::generate_sample_data(a.path, opt);
  const auto sb = atn::generate_sample_data(b.path, opt);
  const auto files = tree(a.path);
  REQUIRE(files == tree(b.path));
  CHECK(files.size() == sa.files);
  for (const auto& f : files) {
    INFO(f);
    CHECK(slurp(a.path / f) == slurp(b.path / f));
  }
  CHECK(sa.bytes == sb.bytes);

  opt.seed = 8;
  atn::generate_sample_data(c.path, opt);
  CHECK(slurp(a.path / "atn/agents/mail-agent/execution.jsonl") !=
        slurp(c.path / "atn/agents/mail-agent/execution.jsonl"));

  // Frames come from their own random stream: without them the text is unchanged.
  opt.seed = 7;
  opt.frames = false;
  const auto sd = atn::generate_sample_data(d.path, opt);
  CHECK(sd.frames == 0);
  CHECK(!fs::exists(d.path / "frames"));
  for (const auto& f : tree(d.path)) {
    if (f == "README.txt") continue;
    INFO(f);
    CHECK(slurp(a.path / f) == slurp(d.path / f));
  }
}

TEST_CASE("sample data records are well formed and cross-referenced", "[sample_data][jsonl]") {
  temp_dir dir("jsonl");
  atn::sample_data_options opt;
  opt.sessions_per_agent = 12;
  const auto summary = atn::generate_sample_data(dir.path, opt);
  CHECK(summary.agents == 6);
  CHECK(summary.sessions == 72);

  const dataset d = load(dir.path);
  CHECK(static_cast<int>(d.turn_times.size()) == summary.sessions);
  std::size_t turns = 0;
  for (const auto& [s, times] : d.turn_times) turns += times.size();
  CHECK(static_cast<int>(turns) == summary.turns);
  CHECK(static_cast<int>(d.exec_agent.size()) == summary.executions);

  // Every referenced execution exists, was started by (just after) its turn, and all executions of
  // one conversation belong to one agent.
  REQUIRE(!d.referenced.empty());
  for (const auto& [session, execs] : d.session_execs) {
    std::set<std::string> agents;
    for (const auto& id : execs) {
      INFO(session << " -> " << id);
      REQUIRE(d.exec_agent.count(id) == 1);
      agents.insert(d.exec_agent.at(id));
    }
    CHECK(agents.size() == 1);
  }
  std::size_t k = 0;
  for (const auto& [session, execs] : d.session_execs) {
    (void)session;
    k += execs.size();
  }
  CHECK(k == d.referenced.size());
  // Trigger turns precede their execution's start by under a second.
  std::map<std::string, long long> trigger_time;
  {
    simdjson::dom::parser parser;
    for (const auto& e : fs::directory_iterator(dir.path / "atn" / "conversations"))
      for (const std::string& line : lines_of(e.path())) {
        simdjson::dom::element doc;
        REQUIRE(parser.parse(line).get(doc) == simdjson::SUCCESS);
        std::string_view id;
        if (doc["execution_id"].get_string().get(id) == simdjson::SUCCESS)
          trigger_time[std::string(id)] = parse_iso(str(doc, "timestamp"));
      }
  }
  for (const auto& [id, ts] : trigger_time) {
    INFO(id);
    REQUIRE(d.exec_started.count(id) == 1);
    const long long lag = d.exec_started.at(id) - ts;
    CHECK((lag > 0 && lag < 1000));
  }

  // The mix the task asks for.
  std::map<std::string, int> statuses;
  for (const auto& [id, st] : d.exec_status) ++statuses[st];
  CHECK(statuses["completed"] > statuses["failed"]);
  CHECK(statuses["failed"] > 0);
  CHECK(statuses["queued"] > 0);
  CHECK(statuses["running"] > 0);
  CHECK(d.trigger_sources == std::set<std::string>{"schedule", "user", "webhook"});
  CHECK(d.step_types.count("cognitive") == 1);
  CHECK(d.step_types.count("tool") == 1);
  CHECK(d.agent_tools.size() == 6);
  for (const auto& [agent, tools] : d.agent_tools) CHECK(tools.size() >= 4);
  CHECK(d.all_content.find('@') != std::string::npos);     // e-mail addresses for the scrubber
  CHECK(d.all_content.find(" 555") != std::string::npos);  // phone numbers
  CHECK(fs::exists(dir.path / "README.txt"));
  CHECK(slurp(dir.path / "README.txt").find("seed: 7") != std::string::npos);
}

TEST_CASE("sample frames are PNGs with sidecars aligned to the conversation", "[sample_data][frames]") {
  temp_dir dir("frames");
  atn::sample_data_options opt;
  opt.sessions_per_agent = 8;
  opt.frame_size = 160;
  const auto summary = atn::generate_sample_data(dir.path, opt);
  const dataset d = load(dir.path);
  REQUIRE(summary.frames > 20);
  REQUIRE(summary.idle_frames > 0);

  simdjson::dom::parser parser;
  int pngs = 0, near = 0, far = 0;
  for (const auto& e : fs::directory_iterator(dir.path / "frames")) {
    if (e.path().extension() != ".png") continue;
    ++pngs;
    INFO(e.path().string());
    const decoded_png info = read_png(e.path());
    REQUIRE(info.ok);
    CHECK(info.width == 160);
    CHECK(info.height == 160);
    fs::path side = e.path();
    side.replace_extension(".json");
    REQUIRE(fs::exists(side));
    simdjson::dom::element doc;
    const std::string text = slurp(side);
    REQUIRE(parser.parse(text).get(doc) == simdjson::SUCCESS);
    const long long ts = parse_iso(str(doc, "timestamp"));
    CHECK(std::to_string(ts) == e.path().stem().string());
    const std::string source = str(doc, "source_id");
    CHECK((source == "screen" || source == "browser"));
    CHECK(!str(doc, "window_title").empty());
    const std::string url = str(doc, "url");
    CHECK(url.empty() == (source == "screen"));
    auto it = std::lower_bound(d.all_turns.begin(), d.all_turns.end(), ts - 2000);
    if (it != d.all_turns.end() && *it <= ts + 2000)
      ++near;
    else
      ++far;
  }
  CHECK(pngs == summary.frames);
  CHECK(far == summary.idle_frames);
  CHECK(near * 10 >= pngs * 8);  // most frames pair with a turn under a +-2 s aligner
  // Frames are not blank: the title bar and the view differ in colour.
  bool varied = false;
  for (const auto& e : fs::directory_iterator(dir.path / "frames")) {
    if (e.path().extension() != ".png") continue;
    const decoded_png info = read_png(e.path());
    std::set<std::uint32_t> colours;
    for (std::size_t i = 0; i + 2 < info.rgb.size(); i += 3)
      colours.insert((info.rgb[i] << 16) | (info.rgb[i + 1] << 8) | info.rgb[i + 2]);
    varied = colours.size() >= 5;
    break;
  }
  CHECK(varied);
}

TEST_CASE("sample data at the default size is fast and complete", "[sample_data][default]") {
  temp_dir dir("default");
  const auto t0 = std::chrono::steady_clock::now();
  const auto s = atn::generate_sample_data(dir.path, atn::sample_data_options{});
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("default sample data: " << s.sessions << " sessions, " << s.turns << " turns, " << s.executions
                               << " executions, " << s.frames << " frames, " << s.bytes << " bytes in " << secs
                               << " s");
  CHECK(s.agents == 6);
  CHECK(s.sessions == 240);
  CHECK(s.frames > 500);
  CHECK(secs < 30.0);  // generous for a loaded 2-core machine; typically well under 2 s
  std::uint64_t bytes = 0, files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path))
    if (e.is_regular_file()) {
      bytes += e.file_size();
      ++files;
    }
  CHECK(files == s.files);
  CHECK(bytes == s.bytes);
}

TEST_CASE("sample data refuses foreign directories and replaces its own output", "[sample_data][out_dir]") {
  temp_dir dir("outdir");
  atn::sample_data_options opt;
  opt.sessions_per_agent = 1;
  opt.frames = false;
  { std::ofstream(dir.path / "notes.txt") << "mine"; }
  CHECK_THROWS_AS(atn::generate_sample_data(dir.path, opt), std::runtime_error);
  CHECK(slurp(dir.path / "notes.txt") == "mine");

  temp_dir own("outdir_own");
  atn::generate_sample_data(own.path, opt);
  { std::ofstream(own.path / "atn" / "conversations" / "stale.jsonl") << "{}\n"; }
  opt.seed = 99;
  atn::generate_sample_data(own.path, opt);
  CHECK(!fs::exists(own.path / "atn" / "conversations" / "stale.jsonl"));
  CHECK(slurp(own.path / "README.txt").find("seed: 99") != std::string::npos);

  opt.frame_size = 10;
  CHECK_THROWS_AS(atn::sample_data_generator(opt), std::invalid_argument);
}
