#include "runtime/storage/feed_store.hpp"

#include "data/input_report.hpp"
#include "runtime/storage/feed_record_codec.hpp"
#include "runtime/storage/ring_log.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace atn;
namespace fs = std::filesystem;

namespace {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

interaction make_interaction(int i) {
  interaction in;
  in.key = "step:exec-" + std::to_string(i) + ":0";
  in.session = "agents/a/exec-" + std::to_string(i);
  in.agent = "a";
  in.timestamp_ms = 1'700'000'000'000 + i;
  in.lines = {"[user] question " + std::to_string(i), "[assistant] answer"};
  return in;
}

frame_record make_frame(int i, int size = 8) {
  frame_record f;
  f.key = "screen:" + std::to_string(i);
  f.source_id = "screen";
  f.timestamp_ms = 1'700'000'000'000 + i;
  f.size = size;
  f.rgb = std::make_shared<const std::vector<std::uint8_t>>(static_cast<std::size_t>(size) * size * 3,
                                                            static_cast<std::uint8_t>(i));
  return f;
}

interaction_batch interactions(int from, int to) {
  interaction_batch b;
  for (int i = from; i < to; ++i) b.items.push_back(make_interaction(i));
  return b;
}

std::vector<std::string> keys_of(const std::vector<feed_entry<interaction>>& entries) {
  std::vector<std::string> keys;
  for (const auto& e : entries) keys.push_back(e.record.key);
  return keys;
}

std::vector<std::string> expected_keys(int from, int to) {
  std::vector<std::string> keys;
  for (int i = from; i < to; ++i) keys.push_back(make_interaction(i).key);
  return keys;
}

feed_store_options options_in(const fs::path& dir) {
  feed_store_options o;
  o.state_dir = dir;
  return o;
}

fs::path newest_segment(const fs::path& dir) {
  std::vector<fs::path> segs;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("seg-", 0) == 0) segs.push_back(e.path());
  REQUIRE(!segs.empty());
  return *std::max_element(segs.begin(), segs.end());
}

// Runs `body` in a child process that is then killed with SIGKILL, as a crash would.
template <class Body>
void in_killed_child(Body&& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      ::_exit(3);
    }
    ::raise(SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
}

}  // namespace

TEST_CASE("feed store: batches are stored, read back and counted", "[feed_store]") {
  test::temp_dir dir;
  feed_store store(options_in(dir.path));
  const auto r = store.store(interactions(0, 10));
  CHECK(r.stored == 10);
  CHECK(r.duplicates == 0);
  frame_batch frames;
  for (int i = 0; i < 3; ++i) frames.items.push_back(make_frame(i));
  CHECK(store.store(frames).stored == 3);
  CHECK(fs::exists(dir.path / "feed" / "text"));
  CHECK(fs::exists(dir.path / "feed" / "frames"));
  CHECK(store.text_log().durable_sequence() == 10);
  CHECK(store.frame_log().durable_sequence() == 3);

  std::uint64_t cursor = 0;
  const auto first = store.read_interactions(cursor, 4);
  CHECK(keys_of(first) == expected_keys(0, 4));
  CHECK(first.front().record.lines == make_interaction(0).lines);
  CHECK(cursor == 5);
  CHECK(keys_of(store.read_interactions(cursor, 100)) == expected_keys(4, 10));
  CHECK(store.read_interactions(cursor, 100).empty());

  std::uint64_t frame_cursor = 0;
  const auto back = store.read_frames(frame_cursor, 10);
  REQUIRE(back.size() == 3);
  CHECK(*back[2].record.rgb == *make_frame(2).rgb);

  const feed_counters c = store.counters();
  CHECK(c.interactions == 10);
  CHECK(c.frames == 3);
  CHECK(c.stored == 13);
  CHECK(c.text_bytes > 0);
  CHECK(c.frame_bytes > 8 * 8 * 3 * 3);
  CHECK(c.new_interactions == 10);
  CHECK(c.new_frames == 3);
  CHECK(store.report().total() == 0);
}

TEST_CASE("feed store: a key is stored once, also across reopen", "[feed_store][dedup]") {
  test::temp_dir dir;
  {
    feed_store store(options_in(dir.path));
    auto batch = interactions(0, 5);
    batch.items.push_back(make_interaction(2));  // repeated inside the batch
    const auto r = store.store(batch);
    CHECK(r.stored == 5);
    CHECK(r.duplicates == 1);
    const auto again = store.store(interactions(3, 8));
    CHECK(again.stored == 3);
    CHECK(again.duplicates == 2);
    frame_batch frames;
    frames.items = {make_frame(1), make_frame(1)};
    CHECK(store.store(frames).duplicates == 1);
  }
  feed_store store(options_in(dir.path));
  const auto r = store.store(interactions(0, 10));
  CHECK(r.stored == 2);
  CHECK(r.duplicates == 8);
  frame_batch frames;
  frames.items = {make_frame(1), make_frame(2)};
  const auto f = store.store(frames);
  CHECK(f.stored == 1);
  CHECK(f.duplicates == 1);
  std::uint64_t cursor = 0;
  CHECK(keys_of(store.read_interactions(cursor, 100)) == expected_keys(0, 10));
  CHECK(store.counters().duplicates == 9);
}

TEST_CASE("feed store: records without a key are refused and reported", "[feed_store]") {
  test::temp_dir dir;
  feed_store store(options_in(dir.path));
  interaction_batch batch = interactions(0, 2);
  batch.items.push_back(interaction{});
  frame_batch frames;
  frames.items.push_back(make_frame(1));
  frames.items.back().size = 3;  // pixels no longer match
  const auto r = store.store(batch);
  CHECK(r.stored == 2);
  CHECK(r.rejected == 1);
  CHECK(store.store(frames).rejected == 1);
  CHECK(store.report().count("feed_record_without_key") == 1);
  CHECK(store.report().count("feed_bad_frame") == 1);
  CHECK(store.counters().rejected == 2);
}

TEST_CASE("feed store: old records age out and their keys are forgotten", "[feed_store][retention]") {
  test::temp_dir dir;
  feed_store_options o = options_in(dir.path);
  o.max_age_ms = 1000;
  o.segment_bytes = 100;  // smaller than a record: one record per segment, so age drops them one by one
  feed_store store(o);
  const std::int64_t t = now_ms();
  REQUIRE(store.store(interactions(0, 1), t).stored == 1);
  REQUIRE(store.store(interactions(1, 2), t + 5000).stored == 1);
  CHECK(store.enforce_retention(t + 500) == 0);
  CHECK(store.counters().interactions == 2);

  CHECK(store.enforce_retention(t + 2000) == 1);
  feed_counters c = store.counters();
  CHECK(c.interactions == 1);
  CHECK(c.aged_out == 1);
  CHECK(c.keys_forgotten == 1);
  std::uint64_t cursor = 0;
  CHECK(keys_of(store.read_interactions(cursor, 10)) == expected_keys(1, 2));
  CHECK(keys_of(store.recent_interactions(t + 4000)) == expected_keys(1, 2));
  CHECK(store.recent_interactions(t + 6000).empty());

  // The forgotten key is new again; the retained one is still a duplicate.
  const auto r = store.store(interactions(0, 2));
  CHECK(r.stored == 1);
  CHECK(r.duplicates == 1);
}

TEST_CASE("feed store: the byte bound drops the oldest records and their keys", "[feed_store][retention]") {
  test::temp_dir dir;
  feed_store_options o = options_in(dir.path);
  o.max_bytes = 8 * 1024;
  o.text_share = 0.5;
  o.segment_bytes = 1024;
  feed_store store(o);
  for (int i = 0; i < 100; ++i) REQUIRE(store.store(interactions(i, i + 1)).stored == 1);
  const feed_counters c = store.counters();
  CHECK(c.text_bytes <= 4 * 1024);
  CHECK(c.evicted > 0);
  CHECK(c.interactions + c.evicted == 100);
  CHECK(c.keys_forgotten == c.evicted);
  std::uint64_t cursor = 0;
  CHECK(keys_of(store.read_interactions(cursor, 1000)) == expected_keys(100 - static_cast<int>(c.interactions), 100));
  CHECK(store.store(interactions(0, 1)).stored == 1);
  CHECK(store.store(interactions(99, 100)).duplicates == 1);
}

TEST_CASE("feed store: recent reads and the cycle mark persist across reopen", "[feed_store]") {
  test::temp_dir dir;
  const std::int64_t t = now_ms();
  {
    feed_store store(options_in(dir.path));
    store.store(interactions(0, 4), t - 10'000);
    store.store(interactions(4, 6), t);
    CHECK(keys_of(store.recent_interactions(t - 1)) == expected_keys(4, 6));
    CHECK(store.new_interactions() == 6);
    store.mark_cycle();
    CHECK(store.new_interactions() == 0);
    store.store(interactions(6, 9));
    CHECK(store.new_interactions() == 3);
  }
  feed_store store(options_in(dir.path));
  CHECK(store.new_interactions() == 3);
  CHECK(keys_of(store.recent_interactions(t - 1)) == expected_keys(4, 9));
  CHECK(store.recent_interactions(t - 20'000).size() == 9);
}

TEST_CASE("feed store: a second store on the same state directory is refused", "[feed_store]") {
  test::temp_dir dir;
  feed_store store(options_in(dir.path));
  CHECK_THROWS_AS(feed_store(options_in(dir.path)), std::runtime_error);
}

TEST_CASE("feed store: after SIGKILL every acknowledged record is there and a re-sent batch is stored once",
          "[feed_store][crash]") {
  test::temp_dir dir;
  // The sender's view: these batches were acknowledged, then the node died before the sender
  // committed its offsets, so it sends the last one again.
  in_killed_child([&] {
    feed_store store(options_in(dir.path));
    if (store.store(interactions(0, 20)).stored != 20) ::_exit(5);
    frame_batch frames;
    for (int i = 0; i < 4; ++i) frames.items.push_back(make_frame(i));
    if (store.store(frames).stored != 4) ::_exit(6);
  });

  bool torn = GENERATE(false, true);
  if (torn) {
    // A write the crash cut short: garbage after the last whole record.
    std::ofstream out(newest_segment(dir.path / "feed" / "text"), std::ios::binary | std::ios::app);
    out << std::string("\xD1\x5E\xA7\x01 torn record", 16);
  }
  input_report report;
  feed_store_options o = options_in(dir.path);
  o.report = &report;
  feed_store store(o);
  CHECK(report.count("ring_torn_tail") == (torn ? 1u : 0u));
  CHECK(store.counters().interactions == 20);
  const auto r = store.store(interactions(0, 20));
  CHECK(r.stored == 0);
  CHECK(r.duplicates == 20);
  frame_batch frames;
  for (int i = 0; i < 5; ++i) frames.items.push_back(make_frame(i));
  const auto f = store.store(frames);
  CHECK(f.stored == 1);
  CHECK(f.duplicates == 4);
  std::uint64_t cursor = 0;
  CHECK(keys_of(store.read_interactions(cursor, 100)) == expected_keys(0, 20));
  CHECK(report.count("feed_bad_record") == 0);
}

TEST_CASE("feed store: a payload that does not decode is counted once and skipped", "[feed_store][corruption]") {
  test::temp_dir dir;
  {
    ring_log log(dir.path / "feed" / "text");
    log.append("not a feed record");
    log.append(encode_feed_record(make_interaction(1)));
    log.append(encode_feed_record(make_frame(1)));  // the wrong kind for this log
    log.append(encode_feed_record(make_interaction(2)));
    log.sync();
  }
  input_report report;
  feed_store_options o = options_in(dir.path);
  o.report = &report;
  feed_store store(o);
  CHECK(report.count("feed_bad_record") == 2);
  CHECK(store.counters().bad_records == 2);
  std::uint64_t cursor = 0;
  CHECK(keys_of(store.read_interactions(cursor, 100)) == expected_keys(1, 3));
  cursor = 0;
  CHECK(store.read_interactions(cursor, 100).size() == 2);
  CHECK(report.count("feed_bad_record") == 2);
  const auto r = store.store(interactions(1, 4));
  CHECK(r.stored == 1);
  CHECK(r.duplicates == 2);
}
