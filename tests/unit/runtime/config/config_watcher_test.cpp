// config_watcher: a running node sees consent toggled by `atn-node consent`, keeps its config when
// the file breaks, and stops promptly.
#include "runtime/config/config_watcher.hpp"
#include "runtime/config/config_text.hpp"
#include "runtime/util/file_util.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Collects the configs a watcher reports and lets the test wait for one.
struct recorder {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<atn::node_config> seen;

  atn::config_watcher::callback callback() {
    return [this](const atn::node_config& c) {
      std::lock_guard<std::mutex> lock(mutex);
      seen.push_back(c);
      cv.notify_all();
    };
  }
  bool wait_for(const std::function<bool(const atn::node_config&)>& pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return !seen.empty() && pred(seen.back()); });
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return seen.size();
  }
};

bool poll_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace

TEST_CASE("config_watcher sees `atn-node consent agent-data on` from another process", "[config_watcher][consent]") {
  atn::test::temp_dir dir;
  const fs::path file = dir.path / "config.yaml";
  atn::write_file_atomic(file, atn::default_config_text());

  recorder rec;
  atn::config_watcher watcher(file, rec.callback());
  CHECK_FALSE(watcher.current().consent.train_on_agent_data);

  const std::string cmd =
      std::string(ATN_NODE_BINARY) + " consent agent-data on --config " + file.string() + " > /dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  REQUIRE(rec.wait_for([](const atn::node_config& c) { return c.consent.train_on_agent_data; }));
  CHECK(watcher.current().consent.train_on_agent_data);
  CHECK_FALSE(watcher.current().consent.train_on_capture);
  CHECK(watcher.reloads() == 1);

  const std::string off =
      std::string(ATN_NODE_BINARY) + " consent agent-data off --config " + file.string() + " > /dev/null 2>&1";
  REQUIRE(std::system(off.c_str()) == 0);
  REQUIRE(rec.wait_for([](const atn::node_config& c) { return !c.consent.train_on_agent_data; }));
  CHECK(*atn::read_file(file) == atn::default_config_text());
}

TEST_CASE("config_watcher keeps the old config when the file breaks, and sees in-place writes", "[config_watcher]") {
  atn::test::temp_dir dir;
  const fs::path file = dir.path / "config.yaml";
  atn::write_file_atomic(file, "consent:\n  train_on_capture: true\n");

  recorder rec;
  atn::config_watcher watcher(file, rec.callback());
  REQUIRE(watcher.current().consent.train_on_capture);

  atn::write_file_atomic(file, "consent:\n  train_on_capture: perhaps\n");
  REQUIRE(poll_until([&] { return watcher.failures() == 1; }));
  CHECK(watcher.current().consent.train_on_capture);
  CHECK(rec.count() == 0);

  // Another file in the same directory is not the config.
  atn::write_file_atomic(dir.path / "other.yaml", "consent:\n  train_on_capture: false\n");

  {  // an editor that writes in place
    std::ofstream out(file, std::ios::trunc);
    out << "consent:\n  train_on_capture: false\n";
  }
  REQUIRE(rec.wait_for([](const atn::node_config& c) { return !c.consent.train_on_capture; }));
  CHECK_FALSE(watcher.current().consent.train_on_capture);
  CHECK(watcher.reloads() == 1);
  CHECK(rec.count() == 1);
}

TEST_CASE("config_watcher refuses a config it cannot load and stops promptly", "[config_watcher]") {
  atn::test::temp_dir dir;
  CHECK_THROWS(atn::config_watcher(dir.path / "missing.yaml", [](const atn::node_config&) {}));
  CHECK_THROWS(atn::config_watcher(dir.path / "no-dir" / "config.yaml", [](const atn::node_config&) {}));

  const fs::path file = dir.path / "config.yaml";
  atn::write_file_atomic(file, "");
  const auto start = std::chrono::steady_clock::now();
  {
    atn::config_watcher watcher(file, [](const atn::node_config&) {});
  }
  CHECK(std::chrono::steady_clock::now() - start < 2s);
}
