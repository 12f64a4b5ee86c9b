#include "runtime/storage/ring_log.hpp"

#include "data/input_report.hpp"
#include "runtime/util/file_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using atn::ring_log;
using atn::ring_log_options;
using atn::ring_record;

namespace {

struct scratch_dir {
  scratch_dir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("atn-ring-log-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

// A payload that identifies its sequence number and varies in length.
std::string payload_for(std::uint64_t seq) {
  return "{\"seq\":" + std::to_string(seq) + ",\"text\":\"" + std::string(seq % 97, static_cast<char>('a' + seq % 26)) +
         "\"}";
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::vector<fs::path> segment_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("seg-", 0) == 0 && e.path().extension() == ".log") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_bytes(const fs::path& p) { return atn::read_file(p).value(); }

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Checks that `records` are exactly the sequences [first, last], each with its payload.
void check_contiguous(const std::vector<ring_record>& records, std::uint64_t first, std::uint64_t last) {
  REQUIRE(records.size() == last + 1 - first);
  for (std::size_t i = 0; i < records.size(); ++i) {
    REQUIRE(records[i].sequence == first + i);
    REQUIRE(records[i].payload == payload_for(first + i));
  }
}

std::vector<ring_record> read_all(const ring_log& log) { return log.read_since(0, 1u << 30); }

}  // namespace

TEST_CASE("ring log: append, flush and reopen round trip", "[ring_log]") {
  scratch_dir dir;
  const std::int64_t base = now_ms();
  {
    ring_log log(dir.path);
    CHECK(log.last_sequence() == 0);
    CHECK(log.first_sequence() == 1);
    CHECK(read_all(log).empty());
    for (std::uint64_t i = 1; i <= 100; ++i)
      CHECK(log.append(payload_for(i), base + static_cast<std::int64_t>(i)) == i);
    // Appended but not flushed: invisible and not acknowledged.
    CHECK(log.written_sequence() == 0);
    CHECK(log.durable_sequence() == 0);
    CHECK(log.metrics().buffered_records == 100);
    CHECK(read_all(log).empty());
    log.flush();
    CHECK(log.written_sequence() == 100);
    CHECK(log.durable_sequence() == 100);
    const auto records = read_all(log);
    check_contiguous(records, 1, 100);
    CHECK(records[9].timestamp_ms == base + 10);
    const auto m = log.metrics();
    CHECK(m.records == 100);
    CHECK(m.buffered_records == 0);
    CHECK(m.segments == 1);
    CHECK(m.fsyncs >= 1);
    CHECK(m.bytes == fs::file_size(segment_files(dir.path).at(0)));
  }
  ring_log log(dir.path);
  CHECK(log.durable_sequence() == 100);
  CHECK(log.metrics().records == 100);
  CHECK(log.metrics().bytes_cut_on_recovery == 0);
  CHECK(log.report().total() == 0);
  check_contiguous(read_all(log), 1, 100);
  check_contiguous(log.read_since(40, 10), 40, 49);
  CHECK(log.read_since(101, 10).empty());
  CHECK(log.read_since(1, 0).empty());
  CHECK(log.append(payload_for(101)) == 101);
  log.sync();
  check_contiguous(read_all(log), 1, 101);
}

TEST_CASE("ring log: sequence numbers continue across reopen and segments", "[ring_log]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 1024;
  for (int round = 0; round < 4; ++round) {
    ring_log log(dir.path, options);
    CHECK(log.last_sequence() == static_cast<std::uint64_t>(round) * 50);
    for (int i = 0; i < 50; ++i) {
      const std::uint64_t seq = log.last_sequence() + 1;
      CHECK(log.append(payload_for(seq)) == seq);
      if (i % 7 == 0) log.flush();
    }
  }
  ring_log log(dir.path, options);
  check_contiguous(read_all(log), 1, 200);
  const auto m = log.metrics();
  CHECK(m.segments > 5);
  CHECK(m.segments == segment_files(dir.path).size());
  CHECK(m.records == 200);
  // Seeks land inside any segment.
  for (std::uint64_t s : {1u, 2u, 17u, 99u, 150u, 199u, 200u})
    check_contiguous(log.read_since(s, 3), s, std::min<std::uint64_t>(s + 2, 200));
  // Segment files are named after their first record.
  CHECK(segment_files(dir.path).front().filename() == "seg-000000000001.log");
}

TEST_CASE("ring log: a torn tail is cut at every byte offset inside the last record", "[ring_log][recovery]") {
  scratch_dir dir;
  {
    ring_log log(dir.path);
    for (std::uint64_t i = 1; i <= 5; ++i) log.append(payload_for(i), 1000 + static_cast<std::int64_t>(i));
    log.flush();
  }
  const fs::path seg = segment_files(dir.path).at(0);
  const std::string pristine = read_bytes(seg);
  const std::size_t last_start = pristine.size() - ring_log::header_bytes - payload_for(5).size();
  for (std::size_t cut = last_start; cut < pristine.size(); ++cut) {
    write_bytes(seg, pristine.substr(0, cut));
    atn::input_report report;
    ring_log_options options;
    options.report = &report;
    ring_log log(dir.path, options);
    INFO("file cut at " << cut << " of " << pristine.size());
    CHECK(log.metrics().bytes_cut_on_recovery == cut - last_start);
    CHECK(report.count("ring_torn_tail") == (cut > last_start ? 1u : 0u));
    CHECK(fs::file_size(seg) == last_start);
    CHECK(log.durable_sequence() == 4);
    check_contiguous(read_all(log), 1, 4);
    CHECK(log.append(payload_for(5), 1005) == 5);
    log.flush();
    check_contiguous(read_all(log), 1, 5);
  }
  CHECK(read_bytes(seg) == pristine);
}

TEST_CASE("ring log: garbage after the last record is cut", "[ring_log][recovery]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 700;  // several segments; the garbage goes into the last
  {
    ring_log log(dir.path, options);
    for (std::uint64_t i = 1; i <= 30; ++i) log.append(payload_for(i));
    log.flush();
  }
  const fs::path last = segment_files(dir.path).back();
  const std::string pristine = read_bytes(last);
  std::mt19937 rng(3);
  std::vector<std::string> tails = {std::string(1, '\0'), std::string(27, '\0'), std::string(4096, '\0'), "garbage",
                                    std::string(5000, 'x')};
  // A tail that starts like a record header but fails its CRC.
  std::string fake = pristine.substr(0, ring_log::header_bytes + 5);
  fake[ring_log::header_bytes] ^= 0x55;
  tails.push_back(fake);
  std::string random(3000, '\0');
  for (auto& c : random) c = static_cast<char>(rng());
  tails.push_back(random);
  for (const auto& tail : tails) {
    write_bytes(last, pristine + tail);
    atn::input_report report;
    options.report = &report;
    ring_log log(dir.path, options);
    CHECK(log.metrics().bytes_cut_on_recovery == tail.size());
    CHECK(report.count("ring_torn_tail") == 1);
    CHECK(fs::file_size(last) == pristine.size());
    check_contiguous(read_all(log), 1, 30);
    CHECK(log.last_sequence() == 30);
  }
}

TEST_CASE("ring log: an empty or wholly torn newest segment resumes the one before", "[ring_log][recovery]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 600;
  {
    ring_log log(dir.path, options);
    for (std::uint64_t i = 1; i <= 20; ++i) log.append(payload_for(i));
    log.flush();
  }
  // A crash right after a roll leaves an empty segment named after the next record.
  write_bytes(dir.path / "seg-000000000021.log", "");
  {
    ring_log log(dir.path, options);
    CHECK_FALSE(fs::exists(dir.path / "seg-000000000021.log"));
    CHECK(log.last_sequence() == 20);
    CHECK(log.append(payload_for(21)) == 21);
    log.flush();
    check_contiguous(read_all(log), 1, 21);
  }
  // The newest segment holds only a torn first record.
  const fs::path last = segment_files(dir.path).back();
  const std::uint64_t last_first = std::stoull(last.filename().string().substr(4, 12));
  write_bytes(last, read_bytes(last).substr(0, 10));
  ring_log log(dir.path, options);
  CHECK(log.last_sequence() == last_first - 1);
  CHECK(log.metrics().bytes_cut_on_recovery == 10);
  check_contiguous(read_all(log), 1, last_first - 1);
}

TEST_CASE("ring log: a corrupt record in an older segment is reported and skipped", "[ring_log][corruption]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 2048;
  {
    ring_log log(dir.path, options);
    for (std::uint64_t i = 1; i <= 100; ++i) log.append(payload_for(i));
    log.flush();
  }
  const fs::path seg = segment_files(dir.path).at(1);
  const std::uint64_t first = std::stoull(seg.filename().string().substr(4, 12));
  const std::string pristine = read_bytes(seg);
  // Offsets of the second record in this segment.
  const std::size_t second = ring_log::header_bytes + payload_for(first).size();
  const std::uint64_t victim = first + 1;

  struct damage {
    const char* what;
    std::size_t offset;
    char mask;
  };
  const damage cases[] = {{"payload byte", second + ring_log::header_bytes + 3, 0x20},
                          {"crc", second + 8, 0x01},
                          {"sequence", second + 12, 0x02},
                          {"magic", second, 0x40},
                          {"length, larger", second + 6, 0x01},
                          {"length, smaller", second + 4, 0x03}};
  for (const auto& d : cases) {
    INFO("damaged " << d.what);
    std::string bytes = pristine;
    bytes[d.offset] = static_cast<char>(bytes[d.offset] ^ d.mask);
    write_bytes(seg, bytes);
    atn::input_report report;
    options.report = &report;
    ring_log log(dir.path, options);
    CHECK(log.metrics().bytes_cut_on_recovery == 0);  // not the last segment: nothing is cut
    auto reader = log.read_from(0);
    ring_record r;
    std::vector<std::uint64_t> seen;
    while (reader.next(r)) {
      REQUIRE(r.payload == payload_for(r.sequence));
      seen.push_back(r.sequence);
    }
    CHECK(seen.size() == 99);
    CHECK(std::find(seen.begin(), seen.end(), victim) == seen.end());
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(reader.skipped() == 1);
    CHECK(report.count("ring_corrupt_record") == 1);
    CHECK(log.metrics().corrupt_records_skipped == 1);
    // Seeking past the damage and onto it.
    check_contiguous(log.read_since(victim + 1, 5), victim + 1, victim + 5);
    const auto from_victim = log.read_since(victim, 1);
    REQUIRE(from_victim.size() == 1);
    CHECK(from_victim[0].sequence == victim + 1);
  }
  write_bytes(seg, pristine);
}

TEST_CASE("ring log: the byte budget drops the oldest whole segments", "[ring_log][retention]") {
  scratch_dir dir;
  ring_log_options options;
  options.max_bytes = 8192;
  options.segment_bytes = 1500;
  atn::input_report report;
  options.report = &report;
  std::uint64_t last = 0;
  {
    ring_log log(dir.path, options);
    for (int i = 0; i < 400; ++i) {
      last = log.append(payload_for(last + 1));
      if (i % 10 == 9) log.flush();
      CHECK(log.metrics().bytes <= options.max_bytes);
    }
    log.flush();
    const auto m = log.metrics();
    CHECK(m.bytes <= options.max_bytes);
    CHECK(m.bytes > options.max_bytes / 2);
    CHECK(m.segments == segment_files(dir.path).size());
    CHECK(m.segments_dropped > 0);
    const std::uint64_t first = log.first_sequence();
    CHECK(first > 1);
    CHECK(m.records_evicted == first - 1);
    CHECK(m.records_aged_out == 0);
    CHECK(m.records == last + 1 - first);
    // Readers asking for evicted records start at the oldest retained one and count the rest.
    check_contiguous(log.read_since(1, 1u << 20), first, last);
    auto reader = log.read_from(1);
    ring_record r;
    REQUIRE(reader.next(r));
    CHECK(r.sequence == first);
    CHECK(reader.skipped() == first - 1);
  }
  ring_log log(dir.path, options);
  CHECK(log.metrics().bytes <= options.max_bytes);
  check_contiguous(read_all(log), log.first_sequence(), last);
  CHECK(report.total() == 0);
}

TEST_CASE("ring log: the age window drops segments older than it", "[ring_log][retention]") {
  scratch_dir dir;
  ring_log_options options;
  options.max_age_ms = 10'000;
  options.segment_bytes = 1000;
  const std::int64_t now = now_ms();
  {
    ring_log log(dir.path, options);
    for (std::uint64_t i = 1; i <= 100; ++i) log.append(payload_for(i), i <= 50 ? now - 60'000 : now);
    log.flush();  // retention at the wall clock: the old half goes, segment by segment
    const std::uint64_t first = log.first_sequence();
    CHECK(first > 1);
    CHECK(first <= 51);
    const auto m = log.metrics();
    CHECK(m.records_aged_out == first - 1);
    CHECK(m.records_evicted == 0);
    check_contiguous(read_all(log), first, 100);
    // Twenty seconds later every record is too old, including those of the segment being written.
    CHECK(log.enforce_retention(now + 20'000) > 0);
    CHECK(log.metrics().records == 0);
    CHECK(log.metrics().records_aged_out == 100);
    CHECK(log.first_sequence() == 101);
    CHECK(read_all(log).empty());
    CHECK(log.append(payload_for(101), now) == 101);
    log.flush();
  }
  ring_log log(dir.path, options);
  CHECK(log.first_sequence() == 101);
  check_contiguous(read_all(log), 101, 101);
  CHECK(log.append(payload_for(102)) == 102);
}

TEST_CASE("ring log: records aged out on open when the log was idle", "[ring_log][retention]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 800;
  {
    ring_log log(dir.path, options);
    for (std::uint64_t i = 1; i <= 40; ++i) log.append(payload_for(i), now_ms() - 3'600'000);
    log.flush();
  }
  options.max_age_ms = 60'000;
  ring_log log(dir.path, options);
  CHECK(log.metrics().records == 0);
  CHECK(log.metrics().records_aged_out == 40);
  CHECK(log.first_sequence() == 41);
  CHECK(log.append(payload_for(41)) == 41);
}

TEST_CASE("ring log: fsync policies decide what is acknowledged", "[ring_log]") {
  scratch_dir dir;
  SECTION("periodic by count") {
    ring_log_options options;
    options.fsync = atn::ring_fsync::periodic;
    options.fsync_every_records = 10;
    options.fsync_every_ms = 0;
    ring_log log(dir.path, options);
    for (std::uint64_t i = 1; i <= 4; ++i) log.append(payload_for(i));
    log.flush();
    CHECK(log.written_sequence() == 4);
    CHECK(log.durable_sequence() == 0);
    for (std::uint64_t i = 5; i <= 12; ++i) log.append(payload_for(i));
    log.flush();
    CHECK(log.durable_sequence() == 12);
    CHECK(log.metrics().fsyncs == 1);
  }
  SECTION("never, until sync()") {
    ring_log_options options;
    options.fsync = atn::ring_fsync::never;
    options.segment_bytes = 300;
    ring_log log(dir.path, options);
    for (std::uint64_t i = 1; i <= 20; ++i) log.append(payload_for(i));
    log.flush();
    CHECK(log.written_sequence() == 20);
    CHECK(log.durable_sequence() == 0);
    CHECK(log.metrics().fsyncs == 0);
    log.sync();
    CHECK(log.durable_sequence() == 20);
    CHECK(log.metrics().fsyncs == log.metrics().segments);  // the sealed segments are synced too
  }
}

TEST_CASE("ring log: bad arguments and a second writer are refused", "[ring_log]") {
  scratch_dir dir;
  ring_log log(dir.path);
  CHECK_THROWS_AS(log.append(std::string(ring_log::max_payload_bytes + 1, 'x')), std::length_error);
  CHECK(log.append("") == 1);
  CHECK_THROWS_AS(ring_log(dir.path), std::runtime_error);
  CHECK_THROWS_AS(log.save_consumer_position("../escape", 1), std::invalid_argument);
  CHECK_THROWS_AS(log.save_consumer_position("", 1), std::invalid_argument);
  log.close();
  CHECK_THROWS_AS(log.append("late"), std::logic_error);
  const auto records = read_all(log);
  REQUIRE(records.size() == 1);
  CHECK(records[0].payload.empty());
}

TEST_CASE("ring log: consumer positions persist", "[ring_log][cursor]") {
  scratch_dir dir;
  atn::input_report report;
  ring_log_options options;
  options.report = &report;
  {
    ring_log log(dir.path, options);
    CHECK_FALSE(log.load_consumer_position("trainer").has_value());
    log.save_consumer_position("trainer", 41);
    log.save_consumer_position("trainer", 42);
    log.save_consumer_position("aligner_2", 7);
  }
  // A write of the cursor interrupted before its rename, by a process long gone.
  write_bytes(dir.path / ".consumer-trainer.pos.tmp-99999999-0", "atn-ring-consumer 1 99 00000000\n");
  {
    ring_log log(dir.path, options);
    CHECK_FALSE(fs::exists(dir.path / ".consumer-trainer.pos.tmp-99999999-0"));
    CHECK(log.load_consumer_position("trainer") == std::optional<std::uint64_t>(42));
    CHECK(log.load_consumer_position("aligner_2") == std::optional<std::uint64_t>(7));
    CHECK_FALSE(log.load_consumer_position("other").has_value());
    CHECK(report.total() == 0);
  }
  // A damaged file is reported and ignored.
  const fs::path file = dir.path / "consumer-trainer.pos";
  std::string text = read_bytes(file);
  text[text.find("42")] = '5';
  write_bytes(file, text);
  ring_log log(dir.path, options);
  CHECK_FALSE(log.load_consumer_position("trainer").has_value());
  write_bytes(file, "nonsense");
  CHECK_FALSE(log.load_consumer_position("trainer").has_value());
  CHECK(report.count("ring_bad_cursor") == 2);
  log.save_consumer_position("trainer", 3);
  CHECK(log.load_consumer_position("trainer") == std::optional<std::uint64_t>(3));
}

TEST_CASE("ring log: a reader follows the writer across segments", "[ring_log]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 512;
  ring_log log(dir.path, options);
  auto reader = log.read_from(0);
  ring_record r;
  CHECK_FALSE(reader.next(r));
  std::uint64_t expected = 1;
  for (int batch = 0; batch < 20; ++batch) {
    for (int i = 0; i < 7; ++i) log.append(payload_for(log.last_sequence() + 1));
    // Only what append() already wrote out (on a segment roll) is visible before the flush.
    for (int phase = 0; phase < 2; ++phase) {
      while (reader.next(r)) {
        REQUIRE(r.sequence == expected);
        REQUIRE(r.payload == payload_for(expected));
        ++expected;
      }
      CHECK(expected == log.written_sequence() + 1);
      log.flush();
    }
  }
  CHECK(reader.position() == 141);
  CHECK(reader.skipped() == 0);
}

TEST_CASE("ring log: readers run concurrently with the writer", "[ring_log][threads]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 4096;
  options.max_bytes = 64 * 1024;
  options.fsync = atn::ring_fsync::never;
  ring_log log(dir.path, options);
  constexpr std::uint64_t total = 20000;
  std::atomic<bool> done{false};
  std::atomic<bool> failed{false};
  std::vector<std::uint64_t> read_counts(3, 0);
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      auto reader = log.read_from(0);
      ring_record r;
      std::uint64_t last = 0;
      for (;;) {
        const bool finished = done.load();
        while (reader.next(r)) {
          if (r.sequence <= last || r.payload != payload_for(r.sequence)) failed = true;
          last = r.sequence;
          ++read_counts[t];
        }
        if (finished) break;
        std::this_thread::yield();
      }
      if (last != total) failed = true;
    });
  }
  for (std::uint64_t i = 1; i <= total; ++i) {
    log.append(payload_for(i));
    if (i % 50 == 0) log.flush();
  }
  log.flush();
  done = true;
  for (auto& t : readers) t.join();
  CHECK_FALSE(failed.load());
  for (auto n : read_counts) CHECK(n > 0);
  CHECK(log.report().total() == 0);
  CHECK(log.metrics().records_evicted > 0);
}

TEST_CASE("ring log: every acknowledged record survives SIGKILL exactly once", "[ring_log][crash]") {
  scratch_dir dir;
  ring_log_options options;
  options.segment_bytes = 32 * 1024;
  std::mt19937 rng(11);
  std::uint64_t acked = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  int rounds = 0;
  while (rounds < 5 && std::chrono::steady_clock::now() < deadline) {
    ++rounds;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      try {
        ring_log log(dir.path, options);
        std::mt19937 child_rng(static_cast<unsigned>(::getpid()));
        for (int flushes = 0; flushes < 200000; ++flushes) {
          const int n = 1 + static_cast<int>(child_rng() % 20);
          for (int i = 0; i < n; ++i) log.append(payload_for(log.last_sequence() + 1));
          log.flush();
          const std::uint64_t durable = log.durable_sequence();
          if (::write(fds[1], &durable, sizeof durable) != sizeof durable) ::_exit(2);
        }
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 400));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    std::uint64_t value = 0;
    while (::read(fds[0], &value, sizeof value) == sizeof value) acked = std::max(acked, value);
    ::close(fds[0]);

    ring_log log(dir.path, options);
    INFO("round " << rounds << ", acknowledged up to " << acked);
    CHECK(log.last_sequence() >= acked);
    const auto records = read_all(log);
    check_contiguous(records, 1, log.last_sequence());
    CHECK(log.report().count("ring_corrupt_record") == 0);
  }
  CHECK(acked > 0);
}
