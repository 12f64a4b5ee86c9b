// The crash test: while records keep arriving in the ATN files, `atn-node run` is killed with
// SIGKILL at random moments and restarted. Every record written must end up in the feed exactly
// once, and the feed must open cleanly after every kill with nothing worse than a torn tail cut.
#include "data/input_report.hpp"
#include "runtime/ingest/interaction_extractor.hpp"
#include "runtime/node/node_status.hpp"
#include "runtime/storage/feed_store.hpp"
#include "tests/unit/support/node_process.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

using namespace atn;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Appends uniquely numbered conversation turns (two files) and execution records (with two steps
// each) and remembers the feed key of every record once its line is completely written.
class record_writer {
 public:
  explicit record_writer(fs::path atn) : atn_(std::move(atn)) {
    fs::create_directories(atn_ / "conversations");
    fs::create_directories(atn_ / "agents" / "a1");
    thread_ = std::thread([this] { run(); });
  }
  ~record_writer() { finish(); }

  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  std::vector<std::string> keys() {
    std::lock_guard<std::mutex> lock(mutex_);
    return keys_;
  }

 private:
  void run() {
    for (int n = 0; !stop_; ++n) {
      std::vector<std::string> made;
      std::string line;
      fs::path file;
      if (n % 3 == 2) {
        const std::string id = "e" + std::to_string(n);
        file = atn_ / "agents" / "a1" / "execution.jsonl";
        line = R"({"execution_id":")" + id +
               R"(","agent_id":"a1","status":"completed","trigger_source":"chat",)"
               R"("started_at":"2026-03-02T09:15:04Z","step_results":[{"step_name":"plan","output":"plan )" +
               std::to_string(n) + R"("},{"step_name":"run","output":"ran )" + std::to_string(n) + R"("}]})";
        made = {"exec:" + id, "step:" + id + ":0", "step:" + id + ":1"};
      } else {
        const std::string name = "conversations/chat" + std::to_string(n % 2) + ".jsonl";
        file = atn_ / name;
        line = R"({"role":"user","content":"question )" + std::to_string(n) +
               R"( about the parser","timestamp":"2026-03-02T09:15:05Z"})";
        made = {"turn:" + name + ":" + turn_hash_hex(line)};
      }
      {
        std::ofstream out(file, std::ios::binary | std::ios::app);
        out << line << "\n";
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        keys_.insert(keys_.end(), made.begin(), made.end());
      }
      std::this_thread::sleep_for(4ms);  // a steady trickle, like an agent at work
    }
  }

  fs::path atn_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> keys_;
  std::thread thread_;
};

// Problems other than a torn tail cut on open, as "kind=count" strings.
std::vector<std::string> other_problems(const input_report& report) {
  std::vector<std::string> out;
  for (const auto& [kind, n] : report.counts())
    if (kind != "ring_torn_tail") out.push_back(kind + "=" + std::to_string(n));
  return out;
}

// Opens the feed the node left behind (it must open) and checks it holds nothing damaged.
void check_store_opens(const fs::path& state) {
  input_report report;
  feed_store_options o;
  o.state_dir = state;
  o.report = &report;
  std::unique_ptr<feed_store> store;
  REQUIRE_NOTHROW(store = std::make_unique<feed_store>(o));
  const feed_counters c = store->counters();
  CHECK(c.bad_records == 0);
  CHECK(c.rejected == 0);
  CHECK(other_problems(report).empty());
}

}  // namespace

TEST_CASE("a node killed with SIGKILL at random moments keeps every record written exactly once", "[crash]") {
  test::temp_dir dir{"atn_crash"};
  const fs::path config = dir.path / "config.yaml", state = dir.path / "state", log = dir.path / "node.log";
  // Training never starts: the test is about ingestion.
  std::ofstream(config) << "paths:\n  state_dir: state\n  atn_dir: atn\n  capture_dir: captures\n"
                        << "consent:\n  train_on_agent_data: true\n  train_on_capture: false\n"
                        << "feed:\n  cycle_min_interactions: 1000000000\n"
                        << "train:\n  preset: tiny\n  threads: 1\n"
                        << "ledger:\n  enabled: false\n";  // attestation's crash test: attestation_crash_test.cpp
  const std::vector<std::string> args{"run", "--config", config.string()};
  record_writer writer(dir.path / "atn");

  std::mt19937 rng(20260302);
  std::uniform_int_distribution<int> lifetime_ms(150, 1500);
  for (int kill = 0; kill < 9; ++kill) {
    {
      test::node_process node(ATN_NODE_BINARY, args, log);
      // The random moment is the point: startup, mid-batch, mid-fsync, mid-commit.
      std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(rng)));
      node.signal(SIGKILL);
      const auto code = node.wait_exit(10s);
      REQUIRE(code.has_value());
      CHECK(*code == 128 + SIGKILL);
    }
    INFO("after kill " << kill + 1);
    check_store_opens(state);
  }
  writer.finish();
  const std::vector<std::string> written = writer.keys();
  REQUIRE(written.size() > 100);

  {
    // A clean run catches up with everything written, then stops on SIGINT.
    test::node_process node(ATN_NODE_BINARY, args, log);
    const bool caught_up = test::eventually(
        [&] {
          try {
            auto s = read_node_status(state);
            return s && s->pid == node.pid() && s->buffered_records >= written.size();
          } catch (const std::exception&) {
            return false;  // being replaced
          }
        },
        30s);
    INFO(test::read_text(log).substr(0, 20000));
    CHECK(caught_up);
    node.signal(SIGINT);
    const auto code = node.wait_exit(30s);
    REQUIRE(code.has_value());
    CHECK(*code == 0);
  }

  input_report report;
  feed_store_options o;
  o.state_dir = state;
  o.report = &report;
  feed_store store(o);
  std::uint64_t cursor = 0;
  std::map<std::string, int> held;
  for (auto& e : store.read_interactions(cursor, std::size_t(-1))) ++held[e.record.key];
  std::vector<std::string> missing, twice;
  for (const auto& key : written) {
    auto it = held.find(key);
    if (it == held.end())
      missing.push_back(key);
    else if (it->second != 1)
      twice.push_back(key);
  }
  auto first = [](const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < std::min<std::size_t>(5, v.size()); ++i) out += v[i] + " ";
    return out;
  };
  INFO(written.size() << " records written, " << held.size() << " keys held; missing e.g. " << first(missing)
                      << "; twice e.g. " << first(twice));
  CHECK(missing.size() == 0);
  CHECK(twice.size() == 0);
  CHECK(held.size() == written.size());
  CHECK(store.counters().bad_records == 0);
  CHECK(other_problems(report).empty());
}
