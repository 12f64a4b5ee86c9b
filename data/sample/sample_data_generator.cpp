#include "data/sample/sample_data_generator.hpp"

#include "data/civil_time.hpp"
#include "data/png_writer.hpp"
#include "data/sample/sample_domain.hpp"
#include "data/sample/sample_json_writer.hpp"
#include "data/sample/sample_random.hpp"
#include "data/sample/sample_screen.hpp"
#include "data/sample/sample_slots.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace atn {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t second_ms = 1000;
constexpr std::int64_t minute_ms = 60 * second_ms;
constexpr std::int64_t hour_ms = 60 * minute_ms;
constexpr std::int64_t day_ms = 24 * hour_ms;

// ---- calendar arithmetic (UTC; data/civil_time) ---------------------------------------------
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string iso_date(std::int64_t ms) {
  const civil_date c = civil_from_days(floor_div(ms, day_ms));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
  return buf;
}

std::string iso8601(std::int64_t ms) {
  const std::int64_t in_day = ms - floor_div(ms, day_ms) * day_ms;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%sT%02lld:%02lld:%02lld.%03lldZ", iso_date(ms).c_str(),
                static_cast<long long>(in_day / hour_ms), static_cast<long long>(in_day / minute_ms % 60),
                static_cast<long long>(in_day / second_ms % 60), static_cast<long long>(in_day % 1000));
  return buf;
}

std::int64_t hour_of_day(std::int64_t ms) { return (ms - floor_div(ms, day_ms) * day_ms) / hour_ms; }

const char* weekday_name(std::int64_t ms) {
  static const char* names[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};
  return names[((floor_div(ms, day_ms) % 7) + 7) % 7];  // 1970-01-01 was a Thursday
}

const char* month_name(std::int64_t ms) {
  static const char* names[] = {"January", "February", "March",     "April",   "May",      "June",
                                "July",    "August",   "September", "October", "November", "December"};
  return names[civil_from_days(floor_div(ms, day_ms)).month - 1];
}

std::string hex_digits(std::uint64_t v, int digits) {
  static const char hex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = hex[v & 15];
  return out;
}

// ---- records ------------------------------------------------------------------------------------
struct step_record {
  std::string name, type, status;
  std::string output = "null";  // JSON text
  std::string error;            // empty = null
};

struct execution_record {
  std::string id, agent, status, trigger;
  std::vector<step_record> steps;
  std::int64_t started = -1;    // -1 = null (queued)
  std::int64_t completed = -1;  // -1 = null (queued, running)
  std::int64_t order = 0;       // position in the agent's log
};

struct turn_record {
  std::string role, content, execution_id;
  std::int64_t ts = 0;
  int request = -1;  // index of the request whose slots illustrate it; -1 = none
};

// One request of a session: its slots (shared by its text, tools and frames) and window.
struct request_state {
  std::unique_ptr<sample_slots> slots;
  std::string title, url;
  std::uint64_t layout_seed = 0;
};

const char* const user_name = "Alex Morgan";
const char* const user_first = "Alex";
const char* const user_email = "alex.morgan@examplemail.com";
const char* const user_phone = "+1 415 555 0187";

// Session start times begin here: Monday 2026-03-02, 08:00 UTC.
std::int64_t timeline_start() { return days_from_civil(2026, 3, 2) * day_ms + 8 * hour_ms; }

// A JSON template filled in and compacted to match the writer's style.
std::string fill_json(sample_slots& slots, const std::string& tmpl) {
  return sample_json_writer::minify(slots.json(tmpl));
}

std::string tool_calls_json(const std::vector<std::pair<const sample_tool*, std::string>>& calls, sample_slots& slots) {
  sample_json_writer w;
  w.begin_array();
  for (const auto& [tool, id] : calls) {
    w.begin_object()
        .key("name")
        .string(tool->name)
        .key("input")
        .raw(fill_json(slots, tool->input))
        .key("id")
        .string(id);
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::string cognitive_output(const std::string& text, const std::string& tool_calls) {
  sample_json_writer w;
  w.begin_object().key("text").string(text).key("tool_calls").raw(tool_calls).end_object();
  return w.str();
}

// ---- the generator's working state ---------------------------------------------------------------
class builder {
 public:
  builder(const sample_data_options& options, const std::vector<sample_domain>& domains, const fs::path& out)
      : options_(options), out_(out), domains_(domains), executions_(domains_.size()) {}

  sample_data_summary run();

 private:
  std::int64_t build_session(std::size_t dom, int index, std::int64_t start);
  void build_job(std::size_t dom, std::uint64_t stream, std::int64_t at, const char* forced_status);
  void set_context(sample_slots& slots, std::int64_t now, int day_offset) const;
  std::string new_id(sample_random& random, const std::string& prefix);
  std::string new_uuid(sample_random& random);
  void write_frame(const sample_domain& domain, std::int64_t ts, const std::string& title, const std::string& url,
                   const std::vector<sample_chat_line>& chat, const sample_slots& slots, std::uint64_t layout_seed,
                   bool idle);
  void write_file(const fs::path& path, const std::string& content);
  std::string readme() const;

  const sample_data_options& options_;
  fs::path out_;
  const std::vector<sample_domain>& domains_;
  std::vector<std::vector<execution_record>> executions_;  // per domain
  std::set<std::string> ids_;
  std::set<std::int64_t> frame_times_;
  std::vector<std::unique_ptr<sample_screen>> screens_;
  png_writer png_{true};
  sample_data_summary summary_;
  std::int64_t first_ts_ = 0, last_ts_ = 0;
};

void builder::set_context(sample_slots& slots, std::int64_t now, int day_offset) const {
  std::int64_t target = now + day_offset * day_ms;
  // Requests name working days: a weekend target moves to the Monday after.
  if (std::string(weekday_name(target)) == "Saturday") target += 2 * day_ms;
  if (std::string(weekday_name(target)) == "Sunday") target += day_ms;
  const civil_date c = civil_from_days(floor_div(now, day_ms));
  char month_start[16];
  std::snprintf(month_start, sizeof month_start, "%04lld-%02u-01", static_cast<long long>(c.year), c.month);
  slots.set("user", user_name);
  slots.set("user_first", user_first);
  slots.set("user_email", user_email);
  slots.set("user_phone", user_phone);
  slots.set("date", iso_date(now));
  slots.set("today", weekday_name(now));
  slots.set("tomorrow", weekday_name(now + day_ms));
  slots.set("tomorrow_date", iso_date(now + day_ms));
  slots.set("day", weekday_name(target));
  slots.set("day_date", iso_date(target));
  slots.set("month", month_name(now));
  slots.set("month_start", month_start);
}

std::string builder::new_id(sample_random& random, const std::string& prefix) {
  for (;;) {
    std::string id = prefix + hex_digits(random.next(), 16);
    if (ids_.insert(id).second) return id;
  }
}

std::string builder::new_uuid(sample_random& random) {
  for (;;) {
    const std::string a = hex_digits(random.next(), 16), b = hex_digits(random.next(), 16);
    std::string id = a.substr(0, 8) + "-" + a.substr(8, 4) + "-4" + a.substr(13, 3) + "-" +
                     std::string(1, "89ab"[b[0] & 3]) + b.substr(1, 3) + "-" + b.substr(4, 12);
    if (ids_.insert(id).second) return id;
  }
}

void builder::write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) throw std::runtime_error("sample-data: cannot write " + path.string());
  ++summary_.files;
  summary_.bytes += content.size();
}

void builder::write_frame(const sample_domain& domain, std::int64_t ts, const std::string& title,
                          const std::string& url, const std::vector<sample_chat_line>& chat, const sample_slots& slots,
                          std::uint64_t layout_seed, bool idle) {
  while (!frame_times_.insert(ts).second) ++ts;  // one frame per millisecond: names stay unique
  const std::size_t dom = static_cast<std::size_t>(&domain - domains_.data());
  sample_random layout(layout_seed);
  sample_slots view(slots, layout);  // draws for the picture never disturb the text's stream
  const frame_renderer frame = screens_[dom]->paint(title, url, chat, view, layout);
  const std::string stem = std::to_string(ts);
  const fs::path dir = out_ / "frames";
  summary_.bytes += png_.write(dir / (stem + ".png"), frame.pixels(), frame.width(), frame.height());
  ++summary_.files;
  sample_json_writer w;
  w.begin_object()
      .key("timestamp")
      .string(iso8601(ts))
      .key("source_id")
      .string(domain.source_id)
      .key("window_title")
      .string(title)
      .key("url")
      .string(url)
      .end_object();
  write_file(dir / (stem + ".json"), w.str() + "\n");
  ++summary_.frames;
  if (idle) ++summary_.idle_frames;
}

std::int64_t builder::build_session(std::size_t dom, int index, std::int64_t start) {
  const sample_domain& domain = domains_[dom];
  sample_random rnd(sample_random::derive(options_.seed, 1 + dom, static_cast<std::uint64_t>(index)));
  // Frames use their own stream, so --no-frames leaves the text byte-identical.
  sample_random frame_rnd(sample_random::derive(options_.seed, 0x100 + dom, static_cast<std::uint64_t>(index)));

  const std::string session_id = new_uuid(rnd);
  const int day_offset = static_cast<int>(rnd.between(1, 6));
  sample_slots session_slots(domain.lexicon, rnd);
  set_context(session_slots, start, day_offset);

  std::vector<turn_record> turns;
  std::vector<request_state> requests;
  std::int64_t t = start;
  auto add_turn = [&](const char* role, std::string content, int request, std::string exec_id = {}) {
    turns.push_back({role, std::move(content), std::move(exec_id), t, request});
  };

  if (rnd.percent(30)) {
    add_turn("system", session_slots.text(rnd.pick(domain.openers)), -1);
    t += rnd.between(300, 1500);
  }

  const int roll = static_cast<int>(rnd.below(100));
  const int n_requests = std::min<int>(roll < 35   ? 1
                                       : roll < 75 ? 2
                                       : roll < 93 ? 3
                                                   : 4,
                                       static_cast<int>(domain.scenarios.size()));
  std::vector<std::size_t> order(domain.scenarios.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  rnd.shuffle(order);

  static const std::vector<std::string> connectors = {"Thanks. ", "OK, next. ", "One more thing. ", "Great. "};
  static const std::vector<sample_exchange> cancels = {
      {"Actually, stop - don't do that.", "Stopped. Nothing was changed."},
      {"Wait, cancel that.", "OK, I cancelled it before it finished."},
      {"Never mind, stop.", "Cancelled - no changes were made."}};

  // Sessions stay within about 20 turns.
  for (int k = 0; k < n_requests && turns.size() < 14; ++k) {
    const sample_scenario& sc = domain.scenarios[order[static_cast<std::size_t>(k)]];
    request_state req;
    // Requests often continue the topic of the one before (same people, repo, trip); the first
    // one continues the opener.
    if (k == 0)
      req.slots = std::make_unique<sample_slots>(session_slots, rnd);
    else if (rnd.percent(60))
      req.slots = std::make_unique<sample_slots>(*requests.back().slots, rnd);
    else
      req.slots = std::make_unique<sample_slots>(domain.lexicon, rnd);
    sample_slots& slots = *req.slots;
    set_context(slots, start, day_offset);
    req.title = slots.text(domain.window_title);
    req.url = slots.text(domain.url);
    req.layout_seed = sample_random::derive(options_.seed, 0x200 + dom, static_cast<std::uint64_t>(index) * 8 + k);
    requests.push_back(std::move(req));

    if (!turns.empty()) t += rnd.between(6 * second_ms, 45 * second_ms);
    std::string ask = slots.text(rnd.pick(sc.asks));
    if (k > 0 && rnd.percent(50)) ask = rnd.pick(connectors) + ask;
    const bool clarify = !sc.clarify_question.empty() && rnd.percent(60);
    const std::string exec_id = new_id(rnd, "exec_");
    if (clarify) {
      add_turn("user", ask, k);
      t += rnd.between(1500, 5000);
      add_turn("assistant", slots.text(sc.clarify_question), k);
      t += rnd.between(4 * second_ms, 20 * second_ms);
      add_turn("user", slots.text(sc.clarify_answer), k, exec_id);
    } else {
      add_turn("user", ask, k, exec_id);
    }

    // The execution the trigger turn started.
    execution_record ex;
    ex.id = exec_id;
    ex.agent = domain.agent_id;
    ex.trigger = "user";
    const int fate = static_cast<int>(rnd.below(100));
    ex.status = fate < 87 ? "completed" : fate < 97 ? "failed" : "killed";
    std::int64_t clock = t + rnd.between(150, 900);
    ex.started = clock;
    ex.order = clock;

    std::vector<std::pair<const sample_tool*, std::string>> calls;
    for (const auto& tool : sc.tools) calls.emplace_back(&tool, new_id(rnd, "call_").substr(0, 17));
    clock += rnd.between(600, 2400);
    {  // separate statements: argument evaluation order is unspecified, and both draw slots
      const std::string plan = slots.text(sc.plan);
      const std::string call_json = tool_calls_json(calls, slots);
      ex.steps.push_back({"plan", "cognitive", "completed", cognitive_output(plan, call_json), ""});
    }
    if (clarify) {
      clock += rnd.between(5, 60);
      ex.steps.push_back({"confirm_with_user", "approval", "completed", R"({"approved":true,"by":"user"})", ""});
    }

    const std::size_t n_tools = calls.size();
    const std::size_t stop_at = ex.status == "completed" ? n_tools : static_cast<std::size_t>(rnd.below(n_tools));
    std::string reply;
    std::int64_t cancel_ts = 0;
    std::size_t cancel_pick = 0;
    for (std::size_t i = 0; i < n_tools; ++i) {
      const sample_tool& tool = *calls[i].first;
      if (i < stop_at) {
        clock += rnd.between(150, 3500);
        ex.steps.push_back({tool.name, "tool", "completed", fill_json(slots, tool.result), ""});
      } else if (i == stop_at && ex.status == "failed") {
        clock += rnd.between(200, 10 * second_ms);
        const std::string error = slots.text(rnd.pick(domain.tool_errors));
        slots.set("error", error);
        ex.steps.push_back({tool.name, "tool", "failed", "null", error});
      } else if (i == stop_at) {  // killed while this tool ran: the user typed a cancel
        cancel_ts = std::max(clock + 300, t + rnd.between(2500, 7000));
        cancel_pick = static_cast<std::size_t>(rnd.below(cancels.size()));
        clock = cancel_ts + rnd.between(80, 400);
        ex.steps.push_back({tool.name, "tool", "killed", "null", "execution killed by user"});
      } else {
        ex.steps.push_back({tool.name, "tool", "skipped", "null", ""});
      }
    }
    if (ex.status == "completed")
      reply = slots.text(rnd.pick(sc.replies));
    else if (ex.status == "failed")
      reply = slots.text(rnd.pick(domain.failure_replies));
    if (ex.status != "killed") {
      clock += rnd.between(400, 1800);
      ex.steps.push_back({"respond", "cognitive", "completed", cognitive_output(reply, "[]"), ""});
    }
    ex.completed = clock;

    if (ex.status == "killed") {
      t = cancel_ts;
      add_turn("user", cancels[cancel_pick].user, k);
      t = clock + rnd.between(300, 1200);
      add_turn("assistant", cancels[cancel_pick].assistant, k);
    } else {
      t = clock + rnd.between(150, 700);
      add_turn("assistant", reply, k);
      if (rnd.percent(8)) {
        t += rnd.between(50, 400);
        const std::int64_t took = ex.completed - ex.started;
        add_turn("system",
                 "Execution " + ex.id + " " + ex.status + ": " + std::to_string(ex.steps.size()) + " steps in " +
                     std::to_string(took / 1000) + "." + std::to_string(took / 100 % 10) + " s.",
                 k);
      }
    }
    if (ex.status == "completed" && !sc.follow_ups.empty()) {
      std::vector<std::size_t> picks(sc.follow_ups.size());
      for (std::size_t i = 0; i < picks.size(); ++i) picks[i] = i;
      rnd.shuffle(picks);
      const std::size_t n = static_cast<std::size_t>(rnd.below(std::min<std::size_t>(picks.size(), 2) + 1));
      for (std::size_t i = 0; i < n && turns.size() < 18; ++i) {
        const sample_exchange& fu = sc.follow_ups[picks[i]];
        t += rnd.between(5 * second_ms, 40 * second_ms);
        add_turn("user", slots.text(fu.user), k);
        t += rnd.between(1500, 6000);
        add_turn("assistant", slots.text(fu.assistant), k);
      }
    }
    executions_[dom].push_back(std::move(ex));
    ++summary_.executions;
  }

  if (rnd.percent(45) && turns.size() < 20) {
    const sample_exchange& bye = rnd.pick(domain.closings);
    const int last = static_cast<int>(requests.size()) - 1;
    t += rnd.between(5 * second_ms, 30 * second_ms);
    add_turn("user", requests.back().slots->text(bye.user), last);
    t += rnd.between(800, 3000);
    add_turn("assistant", requests.back().slots->text(bye.assistant), last);
  }

  std::string jsonl;
  for (const auto& turn : turns) {
    sample_json_writer w;
    w.begin_object()
        .key("role")
        .string(turn.role)
        .key("content")
        .string(turn.content)
        .key("timestamp")
        .string(iso8601(turn.ts));
    if (!turn.execution_id.empty()) w.key("execution_id").string(turn.execution_id);
    w.end_object();
    jsonl += w.str();
    jsonl += '\n';
  }
  write_file(out_ / "atn" / "conversations" / (session_id + ".jsonl"), jsonl);
  ++summary_.sessions;
  summary_.turns += static_cast<int>(turns.size());

  // Roughly half the sessions were recorded on screen: one frame shortly after each turn.
  if (options_.frames && frame_rnd.percent(50)) {
    for (std::size_t i = 0; i < turns.size(); ++i) {
      const turn_record& turn = turns[i];
      if (turn.role == "system" || turn.request < 0) continue;
      std::vector<sample_chat_line> chat;
      for (std::size_t j = i >= 3 ? i - 3 : 0; j <= i; ++j) chat.push_back({turns[j].role, turns[j].content});
      const request_state& req = requests[static_cast<std::size_t>(turn.request)];
      write_frame(domain, turn.ts + frame_rnd.between(250, 1200), req.title, req.url, chat, *req.slots, req.layout_seed,
                  false);
    }
  }
  return t;
}

void builder::build_job(std::size_t dom, std::uint64_t stream, std::int64_t at, const char* forced_status) {
  const sample_domain& domain = domains_[dom];
  sample_random rnd(sample_random::derive(options_.seed, 0x300 + dom, stream));
  const sample_job& job = rnd.pick(domain.jobs);
  sample_slots slots(domain.lexicon, rnd);
  set_context(slots, at, static_cast<int>(rnd.between(1, 6)));

  execution_record ex;
  ex.id = new_id(rnd, "exec_");
  ex.agent = domain.agent_id;
  ex.trigger = job.trigger;
  ex.order = at;
  ex.status = forced_status ? forced_status : rnd.percent(92) ? "completed" : "failed";
  if (ex.status == "queued") {
    executions_[dom].push_back(std::move(ex));
    ++summary_.executions;
    return;
  }
  std::int64_t clock = at;
  ex.started = clock;
  std::vector<std::pair<const sample_tool*, std::string>> calls;
  for (const auto& tool : job.tools) calls.emplace_back(&tool, new_id(rnd, "call_").substr(0, 17));
  clock += rnd.between(400, 2000);
  {
    const std::string plan = slots.text(job.plan);
    const std::string call_json = tool_calls_json(calls, slots);
    ex.steps.push_back({"plan", "cognitive", "completed", cognitive_output(plan, call_json), ""});
  }
  const bool running = ex.status == "running";
  const std::size_t fail_at = ex.status == "failed" ? static_cast<std::size_t>(rnd.below(calls.size())) : calls.size();
  std::string error;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const sample_tool& tool = *calls[i].first;
    if (running) {
      ex.steps.push_back({tool.name, "tool", i == 0 ? "running" : "pending", "null", ""});
      continue;
    }
    if (i < fail_at) {
      clock += rnd.between(150, 4000);
      ex.steps.push_back({tool.name, "tool", "completed", fill_json(slots, tool.result), ""});
    } else if (i == fail_at) {
      clock += rnd.between(200, 10 * second_ms);
      error = slots.text(rnd.pick(domain.tool_errors));
      ex.steps.push_back({tool.name, "tool", "failed", "null", error});
    } else {
      ex.steps.push_back({tool.name, "tool", "skipped", "null", ""});
    }
  }
  if (!running) {
    clock += rnd.between(300, 1500);
    const std::string text =
        error.empty() ? slots.text(job.summary) : "Run failed: " + error + ". Will retry on the next trigger.";
    ex.steps.push_back({"respond", "cognitive", "completed", cognitive_output(text, "[]"), ""});
    ex.completed = clock;
  }
  executions_[dom].push_back(std::move(ex));
  ++summary_.executions;
}

sample_data_summary builder::run() {
  for (const auto& domain : domains_) screens_.push_back(std::make_unique<sample_screen>(domain, options_.frame_size));
  fs::create_directories(out_ / "atn" / "conversations");
  for (const auto& domain : domains_) fs::create_directories(out_ / "atn" / "agents" / domain.agent_id);
  if (options_.frames) fs::create_directories(out_ / "frames");
  summary_.agents = static_cast<int>(domains_.size());

  // One person's activity: sessions of all agents interleaved on one timeline, never overlapping,
  // mostly in the daytime, with scheduled and webhook runs and idle screen time in the gaps.
  sample_random timeline(sample_random::derive(options_.seed, 0));
  sample_random idle_plan(sample_random::derive(options_.seed, 0x500));
  std::vector<std::pair<std::size_t, int>> order;
  for (int i = 0; i < options_.sessions_per_agent; ++i)
    for (std::size_t d = 0; d < domains_.size(); ++d) order.emplace_back(d, i);
  timeline.shuffle(order);

  std::int64_t t = timeline_start() + timeline.between(0, 20 * minute_ms);
  first_ts_ = t;
  std::uint64_t jobs = 0, idle = 0;
  for (const auto& [dom, index] : order) {
    const std::int64_t end = build_session(dom, index, t);
    const std::int64_t gap = timeline.between(4 * minute_ms, 95 * minute_ms);
    if (timeline.percent(50)) build_job(timeline.below(domains_.size()), jobs++, end + gap / 2, nullptr);
    // The app stays open with nobody talking to the agent. Its own stream: --no-frames must not
    // change the text.
    if (options_.frames && idle_plan.percent(30)) {
      const int n = static_cast<int>(idle_plan.between(1, 2));
      for (int i = 0; i < n; ++i) {
        const std::int64_t at = end + 90 * second_ms + idle_plan.between(0, gap - 180 * second_ms);
        const sample_domain& domain = domains_[dom];
        sample_random idle_rnd(sample_random::derive(options_.seed, 0x400, idle++));
        sample_slots slots(domain.lexicon, idle_rnd);
        set_context(slots, at, static_cast<int>(idle_rnd.between(1, 6)));
        const std::string title = slots.text(domain.window_title);
        const std::string url = slots.text(domain.url);
        const std::uint64_t layout_seed = idle_rnd.next();
        write_frame(domain, at, title, url, {}, slots, layout_seed, true);
      }
    }
    last_ts_ = end;
    t = end + gap;
    if (hour_of_day(t) >= 21 || hour_of_day(t) < 7)  // resume the next morning
      t = (floor_div(t - 7 * hour_ms, day_ms) + 1) * day_ms + 7 * hour_ms + 30 * minute_ms +
          timeline.between(0, 90 * minute_ms);
  }
  // The newest runs have not finished: each agent ends its log with a queued or running one.
  for (std::size_t d = 0; d < domains_.size(); ++d)
    if (d < 2 || timeline.percent(40))
      build_job(d, jobs++, t + static_cast<std::int64_t>(d) * 17 * second_ms, d % 2 == 0 ? "queued" : "running");

  for (std::size_t d = 0; d < domains_.size(); ++d) {
    auto& log = executions_[d];
    std::stable_sort(log.begin(), log.end(),
                     [](const execution_record& a, const execution_record& b) { return a.order < b.order; });
    std::string jsonl;
    for (const auto& ex : log) {
      sample_json_writer w;
      w.begin_object()
          .key("execution_id")
          .string(ex.id)
          .key("agent_id")
          .string(ex.agent)
          .key("status")
          .string(ex.status);
      w.key("trigger_source").string(ex.trigger).key("step_results").begin_array();
      for (const auto& s : ex.steps) {
        w.begin_object().key("step_name").string(s.name).key("step_type").string(s.type).key("status").string(s.status);
        w.key("output").raw(s.output).key("error");
        if (s.error.empty())
          w.null();
        else
          w.string(s.error);
        w.end_object();
      }
      w.end_array().key("started_at");
      if (ex.started < 0)
        w.null();
      else
        w.string(iso8601(ex.started));
      w.key("completed_at");
      if (ex.completed < 0)
        w.null();
      else
        w.string(iso8601(ex.completed));
      w.end_object();
      jsonl += w.str();
      jsonl += '\n';
    }
    write_file(out_ / "atn" / "agents" / domains_[d].agent_id / "execution.jsonl", jsonl);
  }
  write_file(out_ / "README.txt", readme());
  return summary_;
}

std::string builder::readme() const {
  std::string agents;
  for (const auto& d : domains_) {
    agents += "  " + d.agent_id + " (" + d.name + ", frames from \"" + d.source_id + "\"): tools";
    for (const auto& t : d.tool_names()) agents += " " + t;
    agents += "\n";
  }
  std::string text = sample_data_generator::readme_marker();
  text +=
      "\n\nSynthetic data for atn-node, written by `atn-node sample-data`. Nothing here is real: people,\n"
      "e-mail addresses and phone numbers are invented (phone numbers use ranges reserved for fiction)\n"
      "and exist so that the privacy scrubber has something to remove.\n\n";
  text += "seed: " + std::to_string(options_.seed) + "\n";
  text += "sessions per agent: " + std::to_string(options_.sessions_per_agent) + "\n";
  text += std::string("frames: ") +
          (options_.frames
               ? "yes, " + std::to_string(options_.frame_size) + "x" + std::to_string(options_.frame_size) + " PNG"
               : "no") +
          "\n";
  text += "activity: " + iso8601(first_ts_) + " to " + iso8601(last_ts_) + "\n\n";
  text += "counts: " + std::to_string(summary_.agents) + " agents, " + std::to_string(summary_.sessions) +
          " sessions, " + std::to_string(summary_.turns) + " turns, " + std::to_string(summary_.executions) +
          " executions, " + std::to_string(summary_.frames) + " frames (" + std::to_string(summary_.idle_frames) +
          " with no conversation nearby)\n\n";
  text += "agents:\n" + agents + "\n";
  text +=
      "layout:\n"
      "  atn/conversations/<session>.jsonl   one session per file; one turn per line:\n"
      "      {role: user|assistant|system, content, timestamp (ISO-8601 UTC), execution_id (on the\n"
      "       user turn that started an execution)}; timestamps increase within a file.\n"
      "  atn/agents/<agent>/execution.jsonl  one execution per line: {execution_id, agent_id, status\n"
      "      (completed|failed|killed|queued|running), trigger_source (user|schedule|webhook),\n"
      "      step_results [{step_name, step_type (cognitive|approval|tool), status, output, error}],\n"
      "      started_at, completed_at}. Cognitive outputs are {text, tool_calls [{name, input, id}]};\n"
      "      tool outputs are the tool's result (object or string). started_at is null while queued,\n"
      "      completed_at while queued or running.\n"
      "  frames/<epoch_ms>.png + <epoch_ms>.json   screen frames and sidecars {timestamp, source_id\n"
      "      (screen|browser), window_title, url (\"\" for desktop apps)}. Frames of a recorded session\n"
      "      follow each non-system turn by 0.25-1.2 s; idle frames are at least 90 s from any turn.\n\n"
      "The same seed and options give byte-identical files on every run and machine.\n";
  return text;
}

bool directory_empty(const fs::path& dir) { return fs::directory_iterator(dir) == fs::directory_iterator(); }

bool made_by_us(const fs::path& dir) {
  std::ifstream in(dir / "README.txt");
  std::string first;
  return in && std::getline(in, first) && first == sample_data_generator::readme_marker();
}

}  // namespace

const char* sample_data_generator::readme_marker() { return "atn-node sample data"; }

sample_data_generator::sample_data_generator(sample_data_options options)
    : sample_data_generator(options, sample_domains()) {}

sample_data_generator::sample_data_generator(sample_data_options options, std::vector<sample_domain> domains)
    : options_(options), domains_(std::move(domains)) {
  if (domains_.empty()) throw std::invalid_argument("sample-data: no agent domains to generate");
  if (options_.sessions_per_agent < 0 || options_.sessions_per_agent > 100000)
    throw std::invalid_argument("sample-data: sessions per agent must be between 0 and 100000");
  if (options_.frame_size < 64 || options_.frame_size > 4096)
    throw std::invalid_argument("sample-data: frame size must be between 64 and 4096");
}

sample_data_summary sample_data_generator::run(const fs::path& out_dir) const {
  if (fs::exists(out_dir)) {
    if (!fs::is_directory(out_dir))
      throw std::runtime_error("sample-data: " + out_dir.string() + " is not a directory");
    if (!directory_empty(out_dir)) {
      if (!made_by_us(out_dir))
        throw std::runtime_error("sample-data: refusing to write into " + out_dir.string() +
                                 ": it is not empty and holds no earlier sample data");
      // Replace exactly what an earlier run wrote; anything else in the directory stays.
      fs::remove_all(out_dir / "atn");
      fs::remove_all(out_dir / "frames");
      fs::remove(out_dir / "README.txt");
    }
  }
  builder b(options_, domains_, out_dir);
  return b.run();
}

sample_data_summary generate_sample_data(const fs::path& out_dir, const sample_data_options& options) {
  return sample_data_generator(options).run(out_dir);
}

}  // namespace atn
