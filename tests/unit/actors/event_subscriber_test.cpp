#include "actors/event_subscriber.hpp"

#include "messages/feed_messages.hpp"
#include "runtime/ingest/follower_state.hpp"
#include "tests/unit/support/temp_dir.hpp"
#include "tests/unit/support/test_publisher.hpp"

#include <catch2/catch.hpp>

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>

#include <sys/stat.h>
#include <unistd.h>

using namespace atn;
namespace fs = std::filesystem;
using std::chrono::milliseconds;

namespace {

const std::string record = R"({"execution_id":"e1","agent_id":"a1","status":"completed","trigger_source":"chat",)"
                           R"("started_at":"2026-03-02T09:15:04Z","step_results":[)"
                           R"({"step_name":"plan","output":"call 415-555-0100"},)"
                           R"({"step_name":"send","output":"mailed bob@example.com"}]})";

// What the test feed received; it acknowledges like the feed_store_actor (a known key is a duplicate).
struct feed_log {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<interaction> items;
  std::set<std::string> keys;
  std::uint64_t batches = 0, duplicates = 0;
  int fail_next = 0;                                            // refuse this many requests first
  std::vector<std::chrono::steady_clock::time_point> requests;  // when each request arrived

  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(10), [&] { return pred(*this); });
  }
  bool has(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    return keys.count(key) > 0;
  }
};

caf::behavior test_feed(caf::event_based_actor*, std::shared_ptr<feed_log> log) {
  return {
      [=](interaction_batch& batch) -> caf::result<feed_ack_atom, std::uint64_t, std::uint64_t> {
        std::lock_guard<std::mutex> lock(log->mutex);
        log->requests.push_back(std::chrono::steady_clock::now());
        if (log->fail_next > 0) {
          --log->fail_next;
          log->changed.notify_all();
          return caf::make_error(caf::sec::runtime_error, "disk full");
        }
        std::uint64_t stored = 0, duplicates = 0;
        for (auto& item : batch.items) {
          if (log->keys.insert(item.key).second) {
            ++stored;
            log->items.push_back(item);
          } else {
            ++duplicates;
          }
        }
        ++log->batches;
        log->duplicates += duplicates;
        log->changed.notify_all();
        return caf::result<feed_ack_atom, std::uint64_t, std::uint64_t>(feed_ack_atom::value, stored, duplicates);
      },
  };
}

struct fixture {
  test::temp_dir dir;
  fs::path atn = dir.path / "atn";
  test::test_publisher pub{dir.path};
  std::shared_ptr<std::atomic<bool>> consent = std::make_shared<std::atomic<bool>>(true);
  std::shared_ptr<input_report> report = std::make_shared<input_report>();
  std::shared_ptr<feed_log> log = std::make_shared<feed_log>();
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  caf::actor feed = system.spawn(test_feed, log);

  event_subscriber_options options() const {
    event_subscriber_options o;
    o.files.atn_dir = atn;
    o.files.state_file = dir.path / "state" / "follower.state";
    o.bus.endpoint = pub.endpoint;
    o.privacy = privacy_config{{"secret project"}, true};
    o.consent = consent;
    o.report = report;
    o.poll_interval = milliseconds(20);
    o.retry_interval = milliseconds(20);
    o.feed_timeout = milliseconds(5000);
    return o;
  }

  event_subscriber_status status(const caf::actor& sub) {
    event_subscriber_status out;
    self->request(sub, std::chrono::seconds(10), feed_status_atom::value)
        .receive([&](event_subscriber_status& s) { out = s; },
                 [&](caf::error& err) { FAIL("no status: " << system.render(err)); });
    return out;
  }

  template <class Pred>
  bool status_until(const caf::actor& sub, Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline)
      if (pred(status(sub))) return true;
    return false;
  }

  // Publishes pings until the subscriber's bus has one (ZeroMQ subscriptions arrive late).
  void join_bus(const caf::actor& sub) {
    const std::string ping = R"({"type":"agent.heartbeat","data":{}})";
    REQUIRE(status_until(sub, [&](const event_subscriber_status& s) {
      pub.send(ping);
      return s.bus.ignored > 0;
    }));
  }

  void stop(const caf::actor& sub) {
    self->send_exit(sub, caf::exit_reason::user_shutdown);
    self->wait_for(sub);
  }

  ~fixture() { self->send_exit(feed, caf::exit_reason::user_shutdown); }
};

void append(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary | std::ios::app) << text;
}

// Open descriptors on anything below `dir`, and inotify watches on any directory below it.
struct fd_usage {
  int files = 0;
  int watches = 0;
};

fd_usage usage_below(const fs::path& dir) {
  std::set<std::string> inodes;  // hex, as /proc/self/fdinfo shows them
  std::error_code ec;
  auto note = [&](const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      char hex[32];
      std::snprintf(hex, sizeof hex, "%lx", static_cast<unsigned long>(st.st_ino));
      inodes.insert(hex);
    }
  };
  note(dir);
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) note(it->path());
  fd_usage out;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    const std::string target = fs::read_symlink(entry.path(), ec).string();
    if (ec) continue;
    if (target.rfind(dir.string(), 0) == 0) ++out.files;
    if (target != "anon_inode:inotify") continue;
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    std::string line;
    while (std::getline(info, line)) {
      const auto at = line.find(" ino:");
      if (line.rfind("inotify", 0) != 0 || at == std::string::npos) continue;
      const std::string ino = line.substr(at + 5, line.find(' ', at + 5) - (at + 5));
      if (inodes.count(ino) > 0) ++out.watches;
    }
  }
  return out;
}

bool any_line_contains(feed_log& log, const std::string& needle) {
  std::lock_guard<std::mutex> lock(log.mutex);
  for (const auto& item : log.items)
    for (const auto& line : item.lines)
      if (line.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE(
    "the subscriber hands file and bus interactions to the feed, filtered and scrubbed, and commits after the ack",
    "[event_subscriber]") {
  fixture fx;
  append(fx.atn / "agents" / "a1" / "execution.jsonl", record + "\n");
  append(fx.atn / "conversations" / "c.jsonl",
         R"({"role":"user","content":"reach me at ann@example.com","timestamp":"2026-03-02T09:15:05Z"})"
         "\n"
         R"({"role":"user","content":"the Secret Project budget","timestamp":"2026-03-02T09:15:06Z"})"
         "\n");
  auto sub = spawn_event_subscriber(fx.system, fx.options(), fx.feed);
  REQUIRE(fx.log->wait([](feed_log& l) { return l.keys.size() == 4; }));
  CHECK(fx.log->has("exec:e1"));
  CHECK(fx.log->has("step:e1:0"));
  CHECK(fx.log->has("step:e1:1"));
  CHECK_FALSE(any_line_contains(*fx.log, "ann@example.com"));
  CHECK_FALSE(any_line_contains(*fx.log, "bob@example.com"));
  CHECK_FALSE(any_line_contains(*fx.log, "555-0100"));
  CHECK_FALSE(any_line_contains(*fx.log, "Secret"));
  CHECK(any_line_contains(*fx.log, "[user] reach me at [EMAIL_REDACTED]"));

  // Committed once acknowledged: the status answer comes after the round that committed.
  auto st = fx.status(sub);
  CHECK(st.open);
  CHECK(st.subscribed);
  CHECK(st.files == 2);
  CHECK(st.interactions == 4);
  CHECK(st.extracted.excluded == 1);
  for (const auto& s : load_follower_state(fx.options().files.state_file, *fx.report))
    CHECK(s.offset == fs::file_size(fx.atn / s.origin));

  // The same execution on the bus: identical keys, so the feed holds each once.
  fx.join_bus(sub);
  fx.pub.send(R"({"type":"execution.completed","source":"atn","event_id":"x1","data":)" + record + "}");
  fx.pub.send(R"({"type":"step.completed","event_id":"x2","data":{"execution_id":"e1","agent_id":"a1","step_index":1,)"
              R"("step_name":"send","output":"mailed bob@example.com"}})");
  fx.pub.send(
      R"({"type":"execution.failed","event_id":"x3","data":{"execution_id":"e2","status":"failed","error":"secret project leak"}})");
  fx.pub.send(
      R"({"type":"execution.failed","event_id":"x4","data":{"execution_id":"e3","agent_id":"a9","status":"failed","error":"call 415-555-0100"}})");
  REQUIRE(fx.log->wait([](feed_log& l) { return l.duplicates == 4 && l.keys.size() == 5; }));
  CHECK(fx.log->has("exec:e3"));
  CHECK_FALSE(fx.log->has("exec:e2"));  // excluded before it left the subscriber
  CHECK_FALSE(any_line_contains(*fx.log, "555-0100"));
  CHECK(fx.report->total() == 0);
  fx.stop(sub);
}

TEST_CASE("without consent nothing is opened; consent given starts it, withdrawn closes everything",
          "[event_subscriber]") {
  fixture fx;
  fx.consent->store(false);
  append(fx.atn / "conversations" / "c.jsonl", R"({"role":"user","content":"hello","timestamp":"2026-03-02T09:15:05Z"})"
                                               "\n{corrupt\n");
  auto sub = spawn_event_subscriber(fx.system, fx.options(), fx.feed);
  for (int i = 0; i < 3; ++i) {  // a few rounds
    auto st = fx.status(sub);
    CHECK_FALSE(st.consent);
    CHECK_FALSE(st.open);
    CHECK(st.watches == 0);
    CHECK_FALSE(st.subscribed);
  }
  auto off = usage_below(fx.dir.path);
  CHECK(off.files == 0);
  CHECK(off.watches == 0);
  fx.pub.pump(milliseconds(50));
  CHECK(fx.pub.accepted == 0);     // no socket ever connected
  CHECK(fx.report->total() == 0);  // the corrupt line was not even looked at
  CHECK(fx.log->batches == 0);

  fx.consent->store(true);
  REQUIRE(fx.log->wait([](feed_log& l) { return l.keys.size() == 1; }));
  REQUIRE(fx.status_until(sub, [](const event_subscriber_status& s) { return s.open && s.subscribed; }));
  CHECK(usage_below(fx.dir.path).watches >= 2);  // atn and conversations: the check sees watches
  for (int i = 0; i < 100 && fx.pub.accepted == 0; ++i) fx.pub.pump(milliseconds(100));
  CHECK(fx.pub.accepted == 1);
  CHECK(fx.report->count("corrupt_json") == 1);

  fx.consent->store(false);
  REQUIRE(fx.status_until(sub, [](const event_subscriber_status& s) { return !s.open; }));
  auto closed = usage_below(fx.dir.path);
  CHECK(closed.files == 0);
  CHECK(closed.watches == 0);
  for (int i = 0; i < 100 && fx.pub.disconnected == 0; ++i) fx.pub.pump(milliseconds(100));
  CHECK(fx.pub.disconnected == 1);

  // Written while off, read when consent returns; what was committed is not sent again.
  append(fx.atn / "conversations" / "c.jsonl",
         R"({"role":"assistant","content":"hi","timestamp":"2026-03-02T09:15:07Z"})"
         "\n");
  fx.consent->store(true);
  REQUIRE(fx.log->wait([](feed_log& l) { return l.keys.size() == 2; }));
  CHECK(fx.log->duplicates == 0);
  CHECK(fx.report->count("corrupt_json") == 1);
  fx.stop(sub);
}

TEST_CASE("a refused batch is sent again; positions commit only after the ack; a restart neither loses nor repeats",
          "[event_subscriber]") {
  fixture fx;
  const fs::path file = fx.atn / "conversations" / "c.jsonl";
  append(file, R"({"role":"user","content":"one","timestamp":1772442905})"
               "\n"
               R"({"role":"assistant","content":"two","timestamp":1772442906})"
               "\n");
  fx.log->fail_next = 2;
  auto options = fx.options();
  options.bus.endpoint.clear();
  auto sub = spawn_event_subscriber(fx.system, options, fx.feed);
  REQUIRE(fx.log->wait([](feed_log& l) { return l.keys.size() == 2; }));
  auto st = fx.status(sub);
  CHECK(st.feed_errors == 2);
  CHECK(st.batches_sent == 3);
  CHECK_FALSE(st.subscribed);
  auto state = load_follower_state(options.files.state_file, *fx.report);
  REQUIRE(state.size() == 1);
  CHECK(state[0].offset == fs::file_size(file));
  fx.stop(sub);

  append(file, R"({"role":"user","content":"three","timestamp":1772442907})"
               "\n");
  auto again = spawn_event_subscriber(fx.system, options, fx.feed);
  REQUIRE(fx.log->wait([](feed_log& l) { return l.keys.size() == 3; }));
  CHECK(fx.status(again).lines == 1);  // only the new line was read
  CHECK(fx.log->duplicates == 0);
  fx.stop(again);
}

TEST_CASE("a batch the feed keeps refusing is retried with a doubling interval up to the cap (issue 18)",
          "[event_subscriber][backoff]") {
  fixture fx;
  append(fx.atn / "conversations" / "c.jsonl", R"({"role":"user","content":"one","timestamp":1772442905})"
                                               "\n");
  fx.log->fail_next = 5;
  auto options = fx.options();
  options.bus.endpoint.clear();
  options.retry_interval = milliseconds(40);
  options.max_retry_interval = milliseconds(160);
  auto sub = spawn_event_subscriber(fx.system, options, fx.feed);
  REQUIRE(fx.log->wait([](feed_log& l) { return l.keys.size() == 1; }));
  std::vector<std::chrono::steady_clock::time_point> at;
  {
    std::lock_guard<std::mutex> lock(fx.log->mutex);
    at = fx.log->requests;
  }
  REQUIRE(at.size() == 6);  // five refusals, then the ack
  // A fixed interval waited 40 ms each time; backed off, the waits are 40, 80, 160, 160, 160 ms.
  const milliseconds least[] = {milliseconds(40), milliseconds(80), milliseconds(160), milliseconds(160),
                                milliseconds(160)};
  for (std::size_t i = 0; i + 1 < at.size(); ++i) {
    INFO("wait before attempt " << i + 2);
    CHECK(at[i + 1] - at[i] >= least[i]);
  }
  CHECK(fx.status(sub).feed_errors == 5);
  fx.stop(sub);
}
