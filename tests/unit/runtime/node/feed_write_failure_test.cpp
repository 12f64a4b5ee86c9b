// `atn-node run` whose feed cannot write (issue 18, "Disk full"): a file size limit on the node's
// process makes its segment writes fail with EFBIG as a full disk fails them with ENOSPC. The node
// must back off, log a few lines rather than four a second, say in `status` that writes fail and
// why, and write every held record once the space is back.
#include "runtime/node/node_status.hpp"
#include "runtime/storage/feed_store.hpp"
#include "tests/unit/support/node_process.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"

#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace atn;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int turns = 100;
constexpr rlim_t file_limit = 64 * 1024;  // above the status and log files, below the turns' bytes

// SIGXFSZ would kill the node at the limit; ignored, the write fails with EFBIG instead. The
// disposition is inherited by the node across fork and exec.
struct ignore_sigxfsz {
  void (*previous)(int) = std::signal(SIGXFSZ, SIG_IGN);
  ~ignore_sigxfsz() { std::signal(SIGXFSZ, previous); }
};

std::uint64_t agent_counter(const node_status& s, const std::string& name) {
  for (const auto& src : s.sources)
    if (src.name == "agent_data") {
      const auto it = src.counters.find(name);
      return it == src.counters.end() ? 0 : it->second;
    }
  return 0;
}

}  // namespace

TEST_CASE("atn-node run backs off while feed writes fail, says so in status, and writes the records once space returns",
          "[solo_node][feed_failure]") {
  test::temp_dir dir{"atn_diskfull"};
  const fs::path config = dir.path / "config.yaml", state = dir.path / "state", atn = dir.path / "atn",
                 log = dir.path / "node.log";
  std::ofstream(config) << "paths:\n  state_dir: state\n  atn_dir: atn\n  capture_dir: captures\n"
                        << "consent:\n  train_on_agent_data: true\n  train_on_capture: false\n"
                        << "feed:\n  cycle_min_interactions: 100000\n"  // no training: only the feed writes
                        << "train:\n  preset: tiny\n  steps_per_cycle: 2\n  batch: 4\n  threads: 1\n"
                        << "ledger:\n  enabled: false\n";  // nothing trains, so nothing would be attested
  fs::create_directories(atn / "conversations");
  const auto status = [&]() -> std::optional<node_status> {
    try {
      return read_node_status(state);
    } catch (const std::exception&) {
      return std::nullopt;  // not written yet
    }
  };
  const auto log_count = [&](const std::string& text) {
    const std::string all = test::read_text(log);
    std::size_t n = 0;
    for (auto at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) ++n;
    return n;
  };

  ignore_sigxfsz guard;
  test::node_process node(ATN_NODE_BINARY, {"run", "--config", config.string()}, log);
  REQUIRE(test::eventually([&] { return status().has_value(); }, 60s));

  // From now on no file of the node may grow past 64 KiB: the feed's segment will have to.
  rlimit unlimited{};
  REQUIRE(::prlimit(node.pid(), RLIMIT_FSIZE, nullptr, &unlimited) == 0);
  const rlimit small{file_limit, unlimited.rlim_max};
  REQUIRE(::prlimit(node.pid(), RLIMIT_FSIZE, &small, nullptr) == 0);
  {
    std::ostringstream text;
    for (int i = 0; i < turns; ++i)
      text << R"({"role":"user","content":"turn )" << i << " " << std::string(2000, 'x')
           << R"(","timestamp":"2026-03-02T09:15:05Z"})"
           << "\n";
    std::ofstream(atn / "conversations" / "chat.jsonl") << text.str();
  }

  // The status says that writes fail, why and since when.
  REQUIRE(test::eventually([&] { return status() && !status()->feed_write_error.empty(); }, 30s));
  const auto failing = *status();
  INFO(test::read_text(log));
  CHECK_THAT(failing.feed_write_error, Catch::Contains("File too large") && Catch::Contains("seg-"));
  CHECK(failing.feed_write_failing_since_ms > 0);
  CHECK(agent_counter(failing, "interactions") < turns);
  const std::string report = test::run_node("status --config " + config.string()).out;
  CHECK_THAT(report, Catch::Contains("WRITES FAILING since") && Catch::Contains("File too large"));

  // Retries back off: over 6 s the half-second retry of old made 12 attempts and 24 log lines.
  const std::uint64_t attempts_before = agent_counter(failing, "feed_errors");
  const std::size_t lines_before = log_count("feed");
  std::this_thread::sleep_for(6s);  // the measured period itself: nothing to await
  REQUIRE(test::eventually([&] { return status().has_value(); }, 5s));
  const std::uint64_t attempts = agent_counter(*status(), "feed_errors") - attempts_before;
  CHECK(attempts >= 1);  // still retrying
  CHECK(attempts <= 4);
  CHECK(log_count("feed") - lines_before <= 2);
  CHECK(log_count("feed writes fail: ") == 1);

  // Space returns: the held records are written at the next retry, and the status clears.
  REQUIRE(::prlimit(node.pid(), RLIMIT_FSIZE, &unlimited, nullptr) == 0);
  CHECK(test::eventually(
      [&] {
        const auto s = status();
        return s && agent_counter(*s, "interactions") == turns && s->feed_write_error.empty();
      },
      40s));
  CHECK(log_count("feed writes work again after") == 1);
  CHECK(test::run_node("status --config " + config.string()).out.find("FAILING") == std::string::npos);

  node.signal(SIGINT);
  const auto code = node.wait_exit(30s);
  REQUIRE(code.has_value());
  CHECK(*code == 0);
  feed_store_options o;
  o.state_dir = state;
  feed_store store(o);
  CHECK(store.counters().interactions == turns);
}
