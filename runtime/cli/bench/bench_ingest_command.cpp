// `atn-node bench ingest`: durable ingest through the ring log against a plain sequential write()
// of the same bytes with the same number of fsyncs.
#include "runtime/cli/commands.hpp"
#include "runtime/storage/ring_log.hpp"
#include "runtime/util/file_util.hpp"

#include <spdlog/fmt/fmt.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace atn {
namespace {

struct bench_ingest_settings {
  std::uint64_t records = 200000;
  std::size_t size = 500;
  std::uint64_t fsync_every = 1000;  // records per flush and fsync; 0 = never fsync
  std::string dir;
  int rounds = 3;  // ring and plain alternate; the median round counts
  bool json = false;
};

struct run_result {
  double seconds = 0;
  std::uint64_t fsyncs = 0;
};

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

// Payloads shaped like the feed's interaction records: a JSON object padded to exactly `size`.
std::vector<std::string> make_payloads(std::size_t count, std::size_t size) {
  static const char* const kinds[] = {"message", "tool_call", "tool_result", "frame_ref"};
  static const char* const words[] = {"agent", "context", "token",  "search", "file", "result",  "plan",
                                      "user",  "screen",  "window", "query",  "step", "latency", "cache"};
  std::mt19937_64 rng(42);
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string p = fmt::format(R"({{"v":1,"kind":"{}","session":"s-{:08x}","turn":{},"role":"{}","text":")",
                                kinds[rng() % 4], rng() & 0xFFFFFFFFu, rng() % 400, (rng() & 1) ? "assistant" : "user");
    while (p.size() + 2 < size) {
      p += words[rng() % (sizeof words / sizeof *words)];
      p += ' ';
    }
    p.resize(size >= 2 ? size - 2 : 0);
    if (size >= 2) p += "\"}";
    p.resize(size);
    out.push_back(std::move(p));
  }
  return out;
}

run_result run_ring(const std::filesystem::path& dir, const bench_ingest_settings& s,
                    const std::vector<std::string>& payloads, std::uint64_t batch) {
  ring_log_options options;
  options.max_bytes = 0;  // measure ingest, not eviction
  options.fsync = s.fsync_every > 0 ? ring_fsync::every_flush : ring_fsync::never;
  ring_log log(dir, options);
  const auto start = bench_clock::now();
  for (std::uint64_t i = 0; i < s.records; ++i) {
    log.append(payloads[i % payloads.size()], static_cast<std::int64_t>(i));
    if ((i + 1) % batch == 0) log.flush();
  }
  log.flush();
  run_result r;
  r.seconds = seconds_since(start);
  r.fsyncs = log.metrics().fsyncs;
  if (log.written_sequence() != s.records)
    throw std::runtime_error("ring log wrote " + std::to_string(log.written_sequence()) + " of " +
                             std::to_string(s.records) + " records");
  return r;
}

// Reads every record back once; returns seconds.
double read_ring(const std::filesystem::path& dir, const bench_ingest_settings& s) {
  ring_log_options options;
  options.max_bytes = 0;
  options.fsync = ring_fsync::never;
  ring_log log(dir, options);
  const auto start = bench_clock::now();
  auto reader = log.read_from(0);
  ring_record record;
  std::uint64_t n = 0, bytes = 0;
  while (reader.next(record)) {
    ++n;
    bytes += record.payload.size();
  }
  const double seconds = seconds_since(start);
  if (n != s.records || bytes != s.records * s.size)
    throw std::runtime_error("read back " + std::to_string(n) + " of " + std::to_string(s.records) + " records");
  return seconds;
}

run_result run_plain(const std::filesystem::path& file, const bench_ingest_settings& s,
                     const std::vector<std::string>& payloads, std::uint64_t batch) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "create " + file.string());
  std::vector<char> chunk(batch * s.size);
  run_result r;
  const auto start = bench_clock::now();
  try {
    std::size_t used = 0;
    for (std::uint64_t i = 0; i < s.records; ++i) {
      const std::string& p = payloads[i % payloads.size()];
      std::copy(p.begin(), p.end(), chunk.begin() + static_cast<std::ptrdiff_t>(used));
      used += p.size();
      if ((i + 1) % batch == 0 || i + 1 == s.records) {
        write_all(fd, chunk.data(), used, file);
        used = 0;
        if (s.fsync_every > 0) {
          fsync_fd(fd, file);
          ++r.fsyncs;
        }
      }
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  r.seconds = seconds_since(start);
  ::close(fd);
  return r;
}

int bench_ingest(const bench_ingest_settings& s) {
  if (s.records == 0) throw std::invalid_argument("--records must be at least 1");
  if (s.rounds < 1) throw std::invalid_argument("--rounds must be at least 1");
  if (s.size > ring_log::max_payload_bytes) throw std::invalid_argument("--size is over the record limit");
  const bool own_dir = s.dir.empty();
  std::filesystem::path base =
      own_dir ? std::filesystem::temp_directory_path() / ("atn-bench-ingest-" + std::to_string(::getpid()))
              : std::filesystem::path(s.dir);
  const std::filesystem::path ring_dir = base / "ring";
  const std::filesystem::path plain_file = base / "plain.dat";
  std::filesystem::remove_all(ring_dir);
  std::filesystem::create_directories(base);

  // Flushes (and fsyncs) come every fsync_every records; without fsync, write in batches of 1000.
  const std::uint64_t batch = s.fsync_every > 0 ? s.fsync_every : 1000;
  const auto payloads = make_payloads(1024, s.size);
  // Whichever runs first on a fresh directory pays for warming the file system, so the two
  // alternate in order and the median round of each is reported.
  std::vector<run_result> rings, plains;
  for (int round = 0; round < s.rounds; ++round) {
    const bool ring_first = round % 2 == 0;
    if (!ring_first) plains.push_back(run_plain(plain_file, s, payloads, batch));
    std::filesystem::remove_all(ring_dir);
    rings.push_back(run_ring(ring_dir, s, payloads, batch));
    if (ring_first) plains.push_back(run_plain(plain_file, s, payloads, batch));
  }
  const double read_seconds = read_ring(ring_dir, s);
  const auto median = [](std::vector<run_result> runs) {
    std::sort(runs.begin(), runs.end(), [](const run_result& a, const run_result& b) { return a.seconds < b.seconds; });
    return runs[runs.size() / 2];
  };
  const run_result ring = median(rings);
  const run_result plain = median(plains);

  std::filesystem::remove_all(ring_dir);
  std::filesystem::remove(plain_file);
  if (own_dir) std::filesystem::remove_all(base);

  const double mb = static_cast<double>(s.records) * static_cast<double>(s.size) / 1e6;
  const double n = static_cast<double>(s.records);
  const double ratio = plain.seconds / ring.seconds;
  if (s.json) {
    const nlohmann::ordered_json j = {
        {"records", s.records},
        {"size", s.size},
        {"fsync_every", s.fsync_every},
        {"rounds", s.rounds},
        {"ring",
         {{"seconds", ring.seconds},
          {"records_per_s", n / ring.seconds},
          {"mb_per_s", mb / ring.seconds},
          {"fsyncs", ring.fsyncs}}},
        {"ring_read",
         {{"seconds", read_seconds}, {"records_per_s", n / read_seconds}, {"mb_per_s", mb / read_seconds}}},
        {"plain",
         {{"seconds", plain.seconds},
          {"records_per_s", n / plain.seconds},
          {"mb_per_s", mb / plain.seconds},
          {"fsyncs", plain.fsyncs}}},
        {"ratio", ratio},
    };
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("bench ingest: %llu records x %zu bytes, fsync every %llu records, median of %d rounds, in %s\n",
                static_cast<unsigned long long>(s.records), s.size, static_cast<unsigned long long>(s.fsync_every),
                s.rounds, base.string().c_str());
    std::printf("  ring log  : %10.0f records/s %8.1f MB/s  %7.3f s  %llu fsyncs\n", n / ring.seconds,
                mb / ring.seconds, ring.seconds, static_cast<unsigned long long>(ring.fsyncs));
    std::printf("  plain     : %10.0f records/s %8.1f MB/s  %7.3f s  %llu fsyncs\n", n / plain.seconds,
                mb / plain.seconds, plain.seconds, static_cast<unsigned long long>(plain.fsyncs));
    std::printf("  ratio     : %.2f (ring log / plain write)\n", ratio);
    std::printf("  read back : %10.0f records/s %8.1f MB/s  %7.3f s\n", n / read_seconds, mb / read_seconds,
                read_seconds);
  }
  return 0;
}

}  // namespace

void add_bench_ingest_command(CLI::App& app) {
  CLI::App* bench = bench_group(app);
  auto settings = std::make_shared<bench_ingest_settings>();
  CLI::App* sub = bench->add_subcommand(
      "ingest", "Durable ingest through the ring log versus a plain sequential write() of the same bytes");
  sub->add_option("--records", settings->records, "Records to write")->capture_default_str();
  sub->add_option("--size", settings->size, "Payload bytes per record")->capture_default_str();
  sub->add_option("--fsync-every", settings->fsync_every, "Flush and fsync every N records; 0 = never fsync")
      ->capture_default_str();
  sub->add_option("--rounds", settings->rounds, "Alternating rounds of each; the median counts")->capture_default_str();
  sub->add_option("--dir", settings->dir, "Directory to write in (default: a fresh temp directory)");
  sub->add_flag("--json", settings->json, "Print one JSON object");
  bind_command(sub, [settings] { return bench_ingest(*settings); });
}

}  // namespace atn
