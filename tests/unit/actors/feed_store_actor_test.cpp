#include "actors/feed_store_actor.hpp"

#include "data/input_report.hpp"
#include "messages/feed_messages.hpp"
#include "messages/feed_read.hpp"
#include "messages/feed_status.hpp"
#include "runtime/storage/feed_store.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace atn;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr auto reply_timeout = std::chrono::seconds(10);

interaction make_interaction(int i) {
  interaction in;
  in.key = "exec:" + std::to_string(i);
  in.session = "agents/a/" + std::to_string(i);
  in.agent = "a";
  in.timestamp_ms = 1'700'000'000'000 + i;
  in.lines = {"[user] do " + std::to_string(i)};
  return in;
}

interaction_batch interactions(int from, int to) {
  interaction_batch b;
  for (int i = from; i < to; ++i) b.items.push_back(make_interaction(i));
  return b;
}

frame_batch frames(int from, int to, int size) {
  frame_batch b;
  for (int i = from; i < to; ++i) {
    frame_record f;
    f.key = "screen:" + std::to_string(i);
    f.source_id = "screen";
    f.timestamp_ms = 1'700'000'000'000 + i;
    f.size = size;
    f.rgb = std::make_shared<const std::vector<std::uint8_t>>(static_cast<std::size_t>(size) * size * 3, 9);
    b.items.push_back(std::move(f));
  }
  return b;
}

feed_store_actor_options options_in(const fs::path& dir) {
  feed_store_actor_options o;
  o.store.state_dir = dir;
  return o;
}

struct ack {
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
  caf::error error;
};

template <class Batch>
ack send_batch(caf::scoped_actor& self, const caf::actor& feed, Batch batch) {
  ack out;
  self->request(feed, reply_timeout, std::move(batch))
      .receive(
          [&](feed_ack_atom, std::uint64_t stored, std::uint64_t duplicates) {
            out.stored = stored;
            out.duplicates = duplicates;
          },
          [&](caf::error& e) { out.error = std::move(e); });
  return out;
}

feed_status status_of(caf::scoped_actor& self, const caf::actor& feed) {
  feed_status out;
  self->request(feed, reply_timeout, feed_status_atom::value)
      .receive([&](const feed_status& s) { out = s; },
               [&](caf::error& e) { FAIL("feed_status failed: " << self->system().render(e)); });
  return out;
}

// Polls the feed's status until `done` holds or the deadline passes.
bool await_status(caf::scoped_actor& self, const caf::actor& feed, const std::function<bool(const feed_status&)>& done,
                  std::chrono::milliseconds limit = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done(status_of(self, feed))) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done(status_of(self, feed));
}

void stop(caf::scoped_actor& self, const caf::actor& feed) {
  self->send_exit(feed, caf::exit_reason::user_shutdown);
  self->wait_for(feed);
}

}  // namespace

TEST_CASE("ring buffer feed: batches are acknowledged once durable and counted", "[feed_store_actor]") {
  test::temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system system(cfg);
  caf::scoped_actor self(system);
  auto feed = spawn_feed_store(system, options_in(dir.path));
  REQUIRE(feed);

  const ack a = send_batch(self, *feed, interactions(0, 6));
  CHECK_FALSE(a.error);
  CHECK(a.stored == 6);
  CHECK(a.duplicates == 0);
  const ack b = send_batch(self, *feed, interactions(4, 8));
  CHECK(b.stored == 2);
  CHECK(b.duplicates == 2);
  const ack f = send_batch(self, *feed, frames(0, 3, 4));
  CHECK(f.stored == 3);

  const feed_status s = status_of(self, *feed);
  CHECK(s.counters.interactions == 8);
  CHECK(s.counters.frames == 3);
  CHECK(s.counters.duplicates == 2);
  CHECK(s.cycles == 0);
  CHECK_FALSE(s.subscribed);

  // Read back by cursor, then by time.
  self->request(*feed, reply_timeout, feed_read_atom::value, std::uint64_t{0}, std::uint64_t{0}, std::uint64_t{5})
      .receive(
          [&](const feed_slice& slice) {
            REQUIRE(slice.interactions.size() == 5);
            CHECK(slice.interactions[0].key == "exec:0");
            CHECK(slice.frames.size() == 3);
            CHECK(slice.next_text_cursor == 6);
            CHECK(slice.next_frame_cursor == 4);
          },
          [&](caf::error& e) { FAIL(system.render(e)); });
  self->request(*feed, reply_timeout, feed_read_atom::value, std::int64_t{0})
      .receive(
          [&](const feed_slice& slice) {
            CHECK(slice.interactions.size() == 8);
            CHECK(slice.frames.size() == 3);
            CHECK(slice.next_text_cursor == 9);
          },
          [&](caf::error& e) { FAIL(system.render(e)); });

  // The store is released when the feed stops, so the node can open it again.
  stop(self, *feed);
  auto again = spawn_feed_store(system, options_in(dir.path));
  REQUIRE(again);
  CHECK(send_batch(self, *again, interactions(0, 9)).duplicates == 8);
  auto second = spawn_feed_store(system, options_in(dir.path));
  CHECK_FALSE(second);
  stop(self, *again);
}

TEST_CASE("ring buffer feed: a cycle needs both enough new interactions and the interval",
          "[feed_store_actor][cycle]") {
  test::temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system system(cfg);
  caf::scoped_actor self(system);
  feed_store_actor_options o = options_in(dir.path);
  o.cycle_min_interactions = 5;
  o.cycle_min_interval = 300ms;
  auto feed = spawn_feed_store(system, o);
  REQUIRE(feed);
  self->send(*feed, cycle_ready_atom::value, caf::actor{self});

  // Single messages below the count never trigger: the trigger runs before each ack.
  for (int i = 0; i < 4; ++i) REQUIRE(send_batch(self, *feed, interactions(i, i + 1)).stored == 1);
  CHECK(send_batch(self, *feed, interactions(0, 4)).duplicates == 4);  // duplicates are not new
  CHECK(status_of(self, *feed).cycles == 0);

  std::uint64_t notified = 0;
  auto await_cycle = [&] {
    bool got = false;
    self->receive(
        [&](cycle_ready_atom, std::uint64_t n) {
          notified = n;
          got = true;
        },
        caf::after(reply_timeout) >> [] {});
    return got;
  };
  REQUIRE(send_batch(self, *feed, interactions(4, 5)).stored == 1);
  REQUIRE(await_cycle());
  CHECK(notified == 5);
  feed_status s = status_of(self, *feed);
  CHECK(s.cycles == 1);
  CHECK(s.counters.new_interactions == 0);
  const std::int64_t first_cycle_ms = s.last_cycle_ms;

  // The count is reached again at once; the notice waits for the interval (a delayed re-check,
  // since nothing else arrives), and comes once.
  for (int i = 5; i < 12; ++i) REQUIRE(send_batch(self, *feed, interactions(i, i + 1)).stored == 1);
  REQUIRE(await_cycle());
  CHECK(notified == 7);
  s = status_of(self, *feed);
  CHECK(s.cycles == 2);
  CHECK(s.subscribed);
  // The feed's own send times (whole wall-clock ms, hence the 1 ms).
  CHECK(s.last_cycle_ms - first_cycle_ms >= o.cycle_min_interval.count() - 1);

  // Below the count again: no third notice however long the interval has passed.
  REQUIRE(send_batch(self, *feed, interactions(12, 16)).stored == 4);
  self->receive([&](cycle_ready_atom, std::uint64_t) { FAIL("a cycle with only 4 new interactions"); },
                caf::after(o.cycle_min_interval + 100ms) >> [] {});
  CHECK(status_of(self, *feed).cycles == 2);
  stop(self, *feed);
}

TEST_CASE("ring buffer feed: new interactions from before a restart count for the next cycle",
          "[feed_store_actor][cycle]") {
  test::temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system system(cfg);
  caf::scoped_actor self(system);
  feed_store_actor_options o = options_in(dir.path);
  o.cycle_min_interactions = 3;
  auto feed = spawn_feed_store(system, o);
  REQUIRE(feed);
  REQUIRE(send_batch(self, *feed, interactions(0, 3)).stored == 3);
  CHECK(status_of(self, *feed).cycles == 0);  // nobody subscribed yet
  stop(self, *feed);

  feed = spawn_feed_store(system, o);
  REQUIRE(feed);
  self->send(*feed, cycle_ready_atom::value, caf::actor{self});
  bool got = false;
  self->receive([&](cycle_ready_atom, std::uint64_t n) { got = n == 3; }, caf::after(reply_timeout) >> [] {});
  CHECK(got);
  stop(self, *feed);
}

TEST_CASE("ring buffer feed: records age out as time passes", "[feed_store_actor][retention]") {
  test::temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system system(cfg);
  caf::scoped_actor self(system);
  feed_store_actor_options o = options_in(dir.path);
  o.store.max_age_ms = 100;
  o.retention_interval = 20ms;
  auto feed = spawn_feed_store(system, o);
  REQUIRE(feed);
  REQUIRE(send_batch(self, *feed, interactions(0, 5)).stored == 5);
  CHECK(await_status(self, *feed, [](const feed_status& s) { return s.counters.interactions == 0; }));
  const feed_status s = status_of(self, *feed);
  CHECK(s.counters.aged_out == 5);
  CHECK(s.counters.keys_forgotten == 5);
  stop(self, *feed);
}

TEST_CASE("ring buffer feed: a failed disk write is answered with an error and nothing is acknowledged",
          "[feed_store_actor][failure]") {
  test::temp_dir dir;
  // The file size limit makes writes fail with EFBIG, as a full disk would; it is process-wide,
  // so the feed runs in a child process that reports by exit code.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 0;
    try {
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit unlimited{};
      ::getrlimit(RLIMIT_FSIZE, &unlimited);
      const rlimit limit{64 * 1024, unlimited.rlim_max};  // the soft limit alone: it can be raised again
      ::setrlimit(RLIMIT_FSIZE, &limit);
      caf::actor_system_config cfg;
      caf::actor_system system(cfg);
      caf::scoped_actor self(system);
      auto feed = spawn_feed_store(system, options_in(dir.path));
      if (!feed) ::_exit(10);
      if (send_batch(self, *feed, frames(0, 2, 64)).stored != 2) code = 11;
      const ack big = send_batch(self, *feed, frames(2, 20, 64));  // ~220 KiB more than fits
      if (!big.error || big.stored != 0) code = code ? code : 12;
      const feed_status s = status_of(self, *feed);
      if (s.failed_batches != 1 || s.counters.frames != 2) code = code ? code : 13;
      // The status names the cause and its start (issue 18: status showed nothing).
      if (s.write_error.find("File too large") == std::string::npos || s.write_failing_since_ms <= 0)
        code = code ? code : 15;
      // Space returns: the next write works and clears it.
      ::setrlimit(RLIMIT_FSIZE, &unlimited);
      if (send_batch(self, *feed, frames(0, 1, 8)).error) code = code ? code : 16;
      const feed_status after = status_of(self, *feed);
      if (!after.write_error.empty() || after.write_failing_since_ms != 0) code = code ? code : 17;
      stop(self, *feed);
    } catch (...) {
      code = 14;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  // Without the limit the state opens cleanly (a partial write is cut as a torn tail) and holds
  // what was acknowledged; whole records of the failed batch may have reached the disk, and a
  // re-send stores each frame exactly once.
  input_report report;
  feed_store_options o;
  o.state_dir = dir.path;
  o.report = &report;
  feed_store store(o);
  const std::uint64_t survived = store.counters().frames;
  CHECK(survived >= 2);
  const auto r = store.store(frames(0, 20, 64));
  CHECK(r.duplicates == survived);
  CHECK(r.stored + r.duplicates == 20);
  std::uint64_t cursor = 0;
  const auto back = store.read_frames(cursor, 100);
  REQUIRE(back.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(back[i].record.key == "screen:" + std::to_string(i));
}
