// The status file and `atn-node status`: round trip, live and dead pids, feed sizes, and consent off
// meaning the data is neither read nor opened.
#include "runtime/node/node_status.hpp"
#include "messages/bridge_stats.hpp"
#include "runtime/util/file_util.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

atn::node_status sample_status(std::int64_t pid) {
  atn::node_status s;
  s.pid = pid;
  s.started_ms = now_ms() - 60000;
  s.updated_ms = now_ms() - 2000;
  s.activity = "training cycle 3";
  s.train_on_agent_data = true;
  s.sources.push_back({"agent_data", "/home/u/.atn", true, {{"records", 120}, {"excluded", 3}}});
  s.sources.push_back({"capture", "/home/u/.atn/captures", false, {}});
  s.buffered_records = 42;
  s.buffered_bytes = 3 << 20;
  return s;
}

atn::node_config config_in(const fs::path& dir) {
  atn::node_config c;
  c.paths.config_file = dir / "config.yaml";
  c.paths.state_dir = dir / "state";
  c.paths.atn_dir = dir / "atn";
  c.paths.capture_dir = dir / "captures";
  return c;
}

std::int64_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);  // reaped: the pid no longer exists
  return child;
}

std::string run(const std::string& args, int& exit_code) {
  auto r = atn::test::run_node(args);
  exit_code = r.exit_code;
  return r.out;
}

}  // namespace

TEST_CASE("the status file round-trips and is written atomically", "[node_status]") {
  atn::test::temp_dir dir;
  const fs::path state = dir.path / "state";
  CHECK_FALSE(atn::read_node_status(state).has_value());

  const atn::node_status s = sample_status(1234);
  atn::write_node_status(state, s);
  REQUIRE(fs::exists(state / "status.json"));
  const auto back = atn::read_node_status(state);
  REQUIRE(back.has_value());
  CHECK(back->pid == 1234);
  CHECK(back->started_ms == s.started_ms);
  CHECK(back->updated_ms == s.updated_ms);
  CHECK(back->activity == "training cycle 3");
  CHECK(back->train_on_agent_data);
  CHECK_FALSE(back->train_on_capture);
  REQUIRE(back->sources.size() == 2);
  CHECK(back->sources[0].name == "agent_data");
  CHECK(back->sources[0].location == "/home/u/.atn");
  CHECK(back->sources[0].enabled);
  CHECK(back->sources[0].counters.at("records") == 120);
  CHECK(back->sources[0].counters.at("excluded") == 3);
  CHECK_FALSE(back->sources[1].enabled);
  CHECK(back->buffered_records == 42);
  CHECK(back->buffered_bytes == (3u << 20));

  int files = 0;
  for (const auto& e : fs::directory_iterator(state)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);  // no temp file left

  atn::write_file_atomic(state / "status.json", "{\"version\": 1, \"pid\": \"x\"}");
  CHECK_THROWS_WITH(atn::read_node_status(state), Catch::Contains("status.json") && Catch::Contains("pid"));
  atn::write_file_atomic(state / "status.json", "{not json");
  CHECK_THROWS_WITH(atn::read_node_status(state), Catch::Contains("not JSON"));

  // An unreadable status file is reported, not fatal.
  const atn::node_config c = config_in(dir.path);
  const atn::status_report r = atn::gather_status(c);
  CHECK_FALSE(r.node_problem.empty());
  CHECK_THAT(atn::render_status(c, r), Catch::Contains("node:     unknown"));
}

TEST_CASE("status tells a live node from a dead one", "[node_status]") {
  atn::test::temp_dir dir;
  atn::node_config c = config_in(dir.path);
  c.consent.train_on_agent_data = true;

  CHECK(atn::process_alive(::getpid()));
  const std::int64_t gone = dead_pid();
  CHECK_FALSE(atn::process_alive(gone));
  CHECK_FALSE(atn::process_alive(0));

  atn::write_node_status(c.paths.state_dir, sample_status(::getpid()));
  atn::status_report r = atn::gather_status(c);
  REQUIRE(r.node.has_value());
  CHECK(r.node_alive);
  std::string out = atn::render_status(c, r);
  CHECK_THAT(out, Catch::Contains("running, pid " + std::to_string(::getpid())) &&
                      Catch::Contains("training cycle 3") && Catch::Contains("records 120") &&
                      Catch::Contains("excluded 3") && Catch::Contains("not read (consent off)") &&
                      Catch::Contains("reports 42 records (3.0 MiB) buffered"));

  // The node has not yet applied a switch that the file turned off.
  c.consent.train_on_agent_data = false;
  CHECK_THAT(atn::render_status(c, r), Catch::Contains("the node still has agent data ON"));

  atn::write_node_status(c.paths.state_dir, sample_status(gone));
  r = atn::gather_status(c);
  CHECK_FALSE(r.node_alive);
  out = atn::render_status(c, r);
  CHECK_THAT(out, Catch::Contains("not running (pid " + std::to_string(gone) + " has exited") &&
                      Catch::Contains("last reported 42 records"));
  CHECK(out.find("still has") == std::string::npos);

  fs::remove(c.paths.state_dir / "status.json");
  CHECK_THAT(atn::render_status(c, atn::gather_status(c)), Catch::Contains("not running (no status file"));
}

TEST_CASE("status shows failing feed writes and the bridge's refusal counters (issue 18)", "[node_status]") {
  atn::test::temp_dir dir;
  const atn::node_config c = config_in(dir.path);
  atn::node_status s = sample_status(::getpid());
  s.feed_write_error = "write " + (dir.path / "state/feed/text/seg-000000000001.log").string() + ": File too large";
  s.feed_write_failing_since_ms = now_ms() - 90'000;
  s.feed_failed_batches = 7;
  atn::bridge_stats stats;
  stats.received.accepted = 3;
  stats.received.accepted_bytes = 2048;
  stats.received.rejected[static_cast<std::size_t>(atn::wire_reject::malformed)] = 5000;
  stats.unknown_sender = 5000;
  stats.impersonation = 2;     // CURVE: another peer's id with a key
  stats.handshake_failed = 3;  // plaintext to a CURVE node
  stats.sent_messages = 4;
  s.bridge = stats.counters();
  atn::write_node_status(c.paths.state_dir, s);

  const auto back = atn::read_node_status(c.paths.state_dir);
  REQUIRE(back);
  CHECK(back->feed_write_error == s.feed_write_error);
  CHECK(back->feed_write_failing_since_ms == s.feed_write_failing_since_ms);
  CHECK(back->feed_failed_batches == 7);
  CHECK(back->bridge == s.bridge);
  CHECK(back->bridge.at("rejected_malformed") == 5000);

  const std::string out = atn::render_status(c, atn::gather_status(c));
  INFO(out);
  CHECK_THAT(out, Catch::Contains("WRITES FAILING since ") && Catch::Contains("(90 s ago): write ") &&
                      Catch::Contains("File too large; 7 batches refused so far"));
  CHECK_THAT(out, Catch::Contains("bridge:   3 messages accepted (2.0 KiB), 10005 refused (handshake_failed 3, "
                                  "impersonation 2, malformed 5000, unknown_sender 5000); 4 sent (0 B)"));

  // Writes that work and a node without a bridge: neither line.
  s.feed_write_error.clear();
  s.bridge.clear();
  atn::write_node_status(c.paths.state_dir, s);
  const std::string fine = atn::render_status(c, atn::gather_status(c));
  CHECK(fine.find("FAILING") == std::string::npos);
  CHECK(fine.find("bridge:") == std::string::npos);
}

TEST_CASE("status shows the solo node's economy: wallet, balance, stake, attested steps, outbox, last error",
          "[node_status][ledger]") {
  atn::test::temp_dir dir;
  const atn::node_config c = config_in(dir.path);
  atn::node_status s = sample_status(::getpid());
  atn::economy_status& e = s.economy.emplace();
  e.enabled = true;
  e.ledger = (dir.path / "ledger.sqlite").string();
  e.address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  e.balance = "950.5 ATN";
  e.stake = "50 ATN solver";
  e.stake_active = true;
  e.attested_units = 120;
  e.pending = 2;
  e.applied = 60;
  e.refused = 1;
  e.last_error = "ledger unavailable: database is locked";
  atn::write_node_status(c.paths.state_dir, s);

  const auto back = atn::read_node_status(c.paths.state_dir);
  REQUIRE(back);
  REQUIRE(back->economy);
  CHECK(back->economy->enabled);
  CHECK(back->economy->ledger == e.ledger);
  CHECK(back->economy->address == e.address);
  CHECK(back->economy->balance == "950.5 ATN");
  CHECK(back->economy->stake == "50 ATN solver");
  CHECK(back->economy->stake_active);
  CHECK(back->economy->attested_units == 120);
  CHECK(back->economy->pending == 2);
  CHECK(back->economy->applied == 60);
  CHECK(back->economy->refused == 1);
  CHECK(back->economy->last_error == e.last_error);

  const std::string out = atn::render_status(c, atn::gather_status(c));
  INFO(out);
  CHECK_THAT(out,
             Catch::Contains("economy:  wallet 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed on the ledger " + e.ledger +
                             ": balance 950.5 ATN, stake 50 ATN solver (active), 120 training steps attested "
                             "this epoch\n          outbox: 2 pending; since the node started 60 applied, 1 "
                             "refused\n          last error: ledger unavailable: database is locked\n"));

  s.economy = atn::economy_status{};  // run without the ledger
  atn::write_node_status(c.paths.state_dir, s);
  CHECK_THAT(atn::render_status(c, atn::gather_status(c)), Catch::Contains("economy:  OFF — the node runs without "
                                                                           "the ledger; its training is not attested "
                                                                           "and earns nothing"));
  s.economy.reset();  // a node that reports none (federation): no line
  atn::write_node_status(c.paths.state_dir, s);
  const auto none = atn::read_node_status(c.paths.state_dir);
  REQUIRE(none);
  CHECK_FALSE(none->economy);
  CHECK(atn::render_status(c, atn::gather_status(c)).find("economy:") == std::string::npos);
}

TEST_CASE("buffered on disk sums the feed's segment files only", "[node_status]") {
  atn::test::temp_dir dir;
  const fs::path feed = dir.path / "feed";
  fs::create_directories(feed / "interactions");
  fs::create_directories(feed / "frames");
  atn::write_file_atomic(feed / "interactions" / "seg-000000000001.log", std::string(100, 'a'));
  atn::write_file_atomic(feed / "interactions" / "seg-000000000101.log", std::string(20, 'a'));
  atn::write_file_atomic(feed / "frames" / "seg-000000000001.log", std::string(50, 'b'));
  atn::write_file_atomic(feed / "frames" / "cursor.json", std::string(999, 'c'));
  atn::write_file_atomic(dir.path / "seg-000000000001.log", std::string(999, 'd'));  // not the feed
  const auto [segments, bytes] = atn::feed_disk_usage(dir.path);
  CHECK(segments == 3);
  CHECK(bytes == 170);
  CHECK(atn::feed_disk_usage(dir.path / "nothing-here") == std::pair<std::uint64_t, std::uint64_t>{0, 0});
}

TEST_CASE("atn-node status with consent off says so and opens no ATN or capture data",
          "[node_status][consent][command]") {
  atn::test::temp_dir dir;
  const fs::path atn_dir = dir.path / "atn";
  const fs::path captures = dir.path / "captures";
  fs::create_directories(atn_dir / "conversations");
  atn::write_file_atomic(atn_dir / "conversations" / "s1.jsonl", "{\"role\":\"user\"}\n");
  fs::create_directories(captures);
  atn::write_file_atomic(captures / "f1.png", "png");
  const fs::path config = dir.path / "config.yaml";
  atn::write_file_atomic(config,
                         "paths:\n  state_dir: state\n  atn_dir: atn\n  capture_dir: captures\n"
                         "consent:\n  train_on_agent_data: false\n  train_on_capture: false\n");
  fs::create_directories(dir.path / "state" / "feed");
  atn::write_file_atomic(dir.path / "state" / "feed" / "seg-000000000001.log", std::string(2048, 'x'));

  // Any open or listing of the data directories shows up as an inotify event.
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(fd >= 0);
  for (const fs::path& p : {atn_dir, atn_dir / "conversations", captures})
    REQUIRE(::inotify_add_watch(fd, p.c_str(), IN_OPEN | IN_ACCESS) >= 0);

  int code = -1;
  const std::string out = run("status --config " + config.string(), code);
  INFO(out);
  CHECK(code == 0);
  CHECK_THAT(out, Catch::Contains("agent data: OFF — " + atn_dir.string() + " is not read") &&
                      Catch::Contains("capture: OFF — " + captures.string() + " is not read") &&
                      Catch::Contains("not running (no status file") &&
                      Catch::Contains("2.0 KiB buffered on disk in 1 segment file"));

  char buf[4096];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  CHECK(n < 0);  // EAGAIN: nothing opened them
  ::close(fd);

  // Consent on: the command says so, and status shows it.
  REQUIRE(run("consent agent-data on --config " + config.string(), code).find("agent data: ON") != std::string::npos);
  CHECK(code == 0);
  CHECK_THAT(run("status --config " + config.string(), code),
             Catch::Contains("agent data: ON — reading ATN conversations and executions from " + atn_dir.string()));
}
