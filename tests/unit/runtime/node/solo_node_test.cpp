// `atn-node run` as a user runs it: a real process following a temp ATN directory.
#include "runtime/node/solo_node.hpp"
#include "model/checkpoint.hpp"
#include "runtime/config/node_config.hpp"
#include "runtime/node/node_status.hpp"
#include "runtime/storage/feed_store.hpp"
#include "tests/unit/runtime/node/node_ledger.hpp"
#include "tests/unit/support/node_process.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <sqlite3.h>
#include <catch2/catch.hpp>

#include "tests/unit/support/run_node.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

using namespace atn;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct solo_fixture {
  test::temp_dir dir{"atn_solo"};
  fs::path config = dir.path / "config.yaml";
  fs::path state = dir.path / "state";
  fs::path atn = dir.path / "atn";
  fs::path log = dir.path / "node.log";
  int lines = 0;

  /// `ledger`: the config's ledger section (the default: none, so the node trains without it).
  explicit solo_fixture(bool agent_data, const std::string& ledger = "ledger:\n  enabled: false\n") {
    std::ofstream(config) << "paths:\n  state_dir: state\n  atn_dir: atn\n  capture_dir: captures\n"
                          << "consent:\n  train_on_agent_data: " << (agent_data ? "true" : "false")
                          << "\n  train_on_capture: false\n"
                          << "feed:\n  cycle_min_interactions: 4\n  cycle_min_interval_seconds: 0.2\n"
                          << "train:\n  preset: tiny\n  steps_per_cycle: 2\n  batch: 4\n  threads: 1\n"
                          << "  checkpoint_every_cycles: 1\n"
                          << ledger;
    fs::create_directories(atn / "conversations");
  }

  /// `atn-node run` to its end (the gate's refusals end it at once).
  test::node_run run_to_end(const std::string& extra = "") const {
    return test::run_shell(std::string("OMP_WAIT_POLICY=PASSIVE ") + ATN_NODE_BINARY + " run --config " +
                           config.string() + extra);
  }

  std::unique_ptr<test::node_process> start() {
    return std::make_unique<test::node_process>(ATN_NODE_BINARY,
                                                std::vector<std::string>{"run", "--config", config.string()}, log);
  }

  void append_turns(int n) {
    std::ofstream out(atn / "conversations" / "chat.jsonl", std::ios::app);
    for (int i = 0; i < n; ++i, ++lines)
      out << R"({"role":"user","content":"how do I rebuild module )" << lines
          << R"( without the cache","timestamp":"2026-03-02T09:15:05Z"})"
          << "\n";
  }

  bool log_has(const std::string& text) const { return test::read_text(log).find(text) != std::string::npos; }

  std::optional<node_status> status() const {
    try {
      return read_node_status(state);
    } catch (const std::exception&) {
      return std::nullopt;  // not written yet
    }
  }

  const source_status* source(const node_status& s, const std::string& name) const {
    for (const auto& src : s.sources)
      if (src.name == name) return &src;
    return nullptr;
  }

  std::uint64_t counter(const std::string& name) const {
    auto s = status();
    if (!s) return 0;
    auto* src = source(*s, "agent_data");
    if (!src) return 0;
    auto it = src->counters.find(name);
    return it == src->counters.end() ? 0 : it->second;
  }

  void stop(test::node_process& node) {
    node.signal(SIGINT);
    const auto code = node.wait_exit(30s);
    INFO(test::read_text(log));
    REQUIRE(code.has_value());
    CHECK(*code == 0);
  }
};

std::string run_status(const fs::path& config) { return atn::test::run_node("status --config " + config.string()).out; }

}  // namespace

TEST_CASE("atn-node run trains a cycle on appended conversations, attests it, checkpoints, stops on SIGINT and resumes",
          "[solo_node]") {
  solo_fixture fx(true, "");  // with the ledger, as by default
  const test::node_ledger money(fx.state);
  const std::string address = money.wallet.addr().to_string();
  {
    auto node = fx.start();
    fx.append_turns(6);
    const bool cycled = test::eventually(
        [&] { return fx.log_has("cycle 1: samples text") && fs::exists(solo_checkpoint_path(fx.state)); }, 60s);
    INFO(test::read_text(fx.log));
    REQUIRE(cycled);
    CHECK(fx.log_has("agent data: ON"));
    CHECK(fx.log_has("no checkpoint at"));
    CHECK(fx.log_has("text loss"));
    CHECK(fx.log_has("2 steps (0 skipped)"));
    // The gate staked the solver minimum, and the cycle's steps were attested before its checkpoint.
    CHECK(fx.log_has("ledger " + money.file.string() + ": wallet " + address +
                     ": active solver stake; staked 50 ATN as solver"));
    CHECK(money.attested() == 2);
    CHECK(fx.log_has("ledger applied solo/attest/solo/2 (attest_usage)"));
    // The status file says what is read and how much is buffered.
    REQUIRE(test::eventually([&] { return fx.counter("stored") == 6; }, 10s));
    auto s = fx.status();
    REQUIRE(s);
    CHECK(s->pid == node->pid());
    CHECK(s->train_on_agent_data);
    CHECK_FALSE(s->train_on_capture);
    CHECK(s->buffered_records == 6);
    REQUIRE(test::eventually(
        [&] {
          auto st = fx.status();
          return st && st->economy && st->economy->applied == 1;
        },
        10s));
    const economy_status e = *fx.status()->economy;
    CHECK(e.enabled);
    CHECK(e.ledger == money.file.string());
    CHECK(e.address == address);
    CHECK(e.balance == "50 ATN");
    CHECK(e.stake == "50 ATN solver");
    CHECK(e.stake_active);
    CHECK(e.attested_units == 2);
    CHECK(e.pending == 0);
    CHECK(e.refused == 0);
    CHECK(e.last_error.empty());
    const std::string report = run_status(fx.config);
    CHECK(report.find("economy:  wallet " + address + " on the ledger " + money.file.string() +
                      ": balance 50 ATN, stake 50 ATN solver (active), 2 training steps attested this epoch\n") !=
          std::string::npos);
    CHECK(report.find("outbox: 0 pending; since the node started 1 applied, 0 refused") != std::string::npos);
    fx.stop(*node);
  }
  CHECK(fx.log_has("stopped: "));
  {
    auto node = fx.start();
    REQUIRE(test::eventually([&] { return fx.log_has("resumed from checkpoint"); }, 30s));
    CHECK(fx.log_has("(2 steps trained)"));
    fx.stop(*node);
  }
  CHECK(money.attested() == 2);  // nothing trained since: nothing more attested
  auto l = money.open();
  CHECK(l->check_invariants().empty());
  CHECK(l->audit().ok);
  // The feed was closed cleanly and keeps each turn once.
  feed_store_options o;
  o.state_dir = fx.state;
  feed_store store(o);
  CHECK(store.counters().interactions == 6);
}

TEST_CASE("atn-node run without agent-data consent reads nothing and trains nothing until it is given", "[solo_node]") {
  solo_fixture fx(false);
  fx.append_turns(8);
  auto node = fx.start();
  // Two status writes after the start: the inputs have had time to be read, had they been open.
  std::int64_t first = -1;
  REQUIRE(test::eventually(
      [&] {
        auto s = fx.status();
        if (!s || s->pid != node->pid()) return false;
        if (first < 0) first = s->updated_ms;
        return s->updated_ms >= first + 1000;
      },
      30s));
  auto s = fx.status();
  REQUIRE(s);
  CHECK_FALSE(s->train_on_agent_data);
  auto* agent = fx.source(*s, "agent_data");
  REQUIRE(agent != nullptr);
  CHECK_FALSE(agent->enabled);
  CHECK(s->buffered_records == 0);
  const std::string report = run_status(fx.config);
  CHECK(report.find("agent_data (" + fx.atn.string() + "): not read (consent off)") != std::string::npos);
  CHECK(report.find("agent data: OFF") != std::string::npos);
  CHECK_FALSE(fx.log_has("cycle 1:"));

  // Consent given while it runs: reading starts without a restart.
  set_consent(fx.config, consent_switch::agent_data, true);
  REQUIRE(test::eventually([&] { return fx.counter("stored") == 8; }, 20s));
  REQUIRE(test::eventually([&] { return fx.log_has("cycle 1: samples text"); }, 60s));
  // And taken away: lines written after that are not read.
  set_consent(fx.config, consent_switch::agent_data, false);
  REQUIRE(test::eventually(
      [&] {
        auto st = fx.status();
        return st && !st->train_on_agent_data;
      },
      20s));
  auto one_more_status = [&] {
    const auto since = fx.status()->updated_ms;
    REQUIRE(test::eventually(
        [&] {
          auto st = fx.status();
          return st && st->updated_ms >= since + 1000;
        },
        20s));
  };
  one_more_status();  // the subscriber has looked at the switch since
  fx.append_turns(3);
  one_more_status();
  fx.stop(*node);
  feed_store_options o;
  o.state_dir = fx.state;
  feed_store store(o);
  CHECK(store.counters().interactions == 8);
}

TEST_CASE(
    "atn-node run does not train without a wallet, the ledger or a stake: one line naming the fix, exit 1, "
    "the ledger unchanged",
    "[solo_node][ledger]") {
  solo_fixture fx(true, "");
  fx.append_turns(6);
  const test::node_ledger money(fx.state, "12", false);  // the wallet is not written yet
  const std::string address = money.wallet.addr().to_string();
  const std::string before = money.digest();
  const auto refused = [&](const test::node_run& r, const std::vector<std::string>& parts) {
    INFO(r.out);
    CHECK(r.exit_code == 1);
    const auto error_lines = [&] {
      int n = 0;
      for (std::size_t at = r.out.find("[error]"); at != std::string::npos; at = r.out.find("[error]", at + 1)) ++n;
      return n;
    }();
    CHECK(error_lines == 1);
    for (const auto& part : parts) CHECK(r.out.find(part) != std::string::npos);
    CHECK(money.digest() == before);
    CHECK_FALSE(fs::exists(solo_checkpoint_path(fx.state)));
    CHECK_FALSE(fs::exists(fx.state / "status.json"));
  };

  refused(fx.run_to_end(), {"not training: no wallet at " + (fx.state / "wallet.key").string(),
                            "`atn-node wallet new --state-dir " + fx.state.string() + "`"});
  money.save_wallet();
  const fs::path elsewhere = fx.dir.path / "elsewhere.sqlite";
  refused(fx.run_to_end(" --ledger " + elsewhere.string()),
          {"not training: no ledger at " + elsewhere.string(),
           "`atn-node ledger init --genesis FILE --ledger " + elsewhere.string() + "`"});
  CHECK_FALSE(fs::exists(elsewhere));
  std::ofstream(fx.dir.path / "notes.sqlite") << "not a ledger\n";
  refused(fx.run_to_end(" --ledger " + (fx.dir.path / "notes.sqlite").string()),
          {"not training: " + (fx.dir.path / "notes.sqlite").string() + " is not an atn ledger"});
  refused(fx.run_to_end(), {"not training: wallet " + address + " has no solver stake and its balance 12 ATN < 50 ATN",
                            "atn-node transfer " + address + " AMOUNT"});

  // Without auto_stake the gate names the stake command instead of staking.
  solo_fixture manual(true, "ledger:\n  auto_stake: false\n");
  const test::node_ledger rich(manual.state, "80");
  const std::string rich_before = rich.digest();
  const auto r = manual.run_to_end();
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("has no solver stake; run `atn-node stake solver 50 ATN --state-dir " + manual.state.string() +
                   "`") != std::string::npos);
  CHECK(rich.digest() == rich_before);
}

TEST_CASE("atn-node run --no-ledger trains without the ledger and says that nothing is attested or earned",
          "[solo_node][ledger]") {
  solo_fixture fx(true, "");  // the config asks for the ledger; the option turns it off
  auto node = std::make_unique<test::node_process>(
      ATN_NODE_BINARY, std::vector<std::string>{"run", "--config", fx.config.string(), "--no-ledger"}, fx.log);
  REQUIRE(test::eventually(
      [&] {
        auto s = fx.status();
        return s && s->pid == node->pid() && s->economy;
      },
      30s));
  CHECK_FALSE(fx.status()->economy->enabled);
  CHECK(
      fx.log_has("[warning] ledger off (ledger.enabled: false or --no-ledger): this node's training is not "
                 "attested and earns nothing"));
  CHECK(run_status(fx.config).find("economy:  OFF") != std::string::npos);
  fx.stop(*node);
  CHECK_FALSE(fs::exists(fx.state / "treasury_outbox.sqlite"));
}

TEST_CASE(
    "atn-node run keeps training while the ledger is busy: the attestation waits in the outbox, status says "
    "why, and it is applied once the ledger frees",
    "[solo_node][ledger]") {
  solo_fixture fx(true, "");
  const test::node_ledger money(fx.state);
  auto node = fx.start();
  REQUIRE(test::eventually([&] { return fx.log_has("running: preset tiny"); }, 30s));  // the gate staked
  sqlite3* lock = nullptr;
  REQUIRE(sqlite3_open(money.file.c_str(), &lock) == SQLITE_OK);
  REQUIRE(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);  // another writer
  fx.append_turns(6);
  // The cycle's checkpoint is written once the attestation is in the outbox, not on the ledger.
  const bool waiting = test::eventually(
      [&] {
        auto s = fx.status();
        return s && s->economy && s->economy->pending == 1 && fs::exists(solo_checkpoint_path(fx.state));
      },
      40s);
  INFO(test::read_text(fx.log));
  REQUIRE(waiting);
  CHECK(fx.log_has("attestation solo/attest/solo/2 of 2 steps is queued"));
  CHECK(fx.status()->economy->last_error.rfind("ledger unavailable: ", 0) == 0);
  CHECK(run_status(fx.config).find("last error: ledger unavailable: ") != std::string::npos);
  CHECK(money.attested() == 0);
  REQUIRE(sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(lock);
  REQUIRE(test::eventually(
      [&] {
        auto s = fx.status();
        return s && s->economy && s->economy->pending == 0 && s->economy->applied == 1;
      },
      40s));
  CHECK(money.attested() == 2);
  fx.stop(*node);
}

TEST_CASE("a clean stop in the middle of a cycle attests the steps the checkpoint keeps", "[solo_node][ledger]") {
  solo_fixture fx(true, "ledger:\n  enabled: true\n");
  {  // long cycles, so the stop comes in the middle of one
    std::string text = test::read_text(fx.config);
    text.replace(text.find("steps_per_cycle: 2"), 18, "steps_per_cycle: 500");
    std::ofstream(fx.config) << text;
  }
  const test::node_ledger money(fx.state);
  auto node = fx.start();
  fx.append_turns(6);
  REQUIRE(test::eventually(
      [&] {
        auto s = fx.status();
        return s && s->activity.rfind("training cycle 1, step ", 0) == 0;
      },
      60s));
  fx.stop(*node);
  const std::string bytes = test::read_text(solo_checkpoint_path(fx.state));
  REQUIRE_FALSE(bytes.empty());
  const std::int64_t steps = decode_checkpoint(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "ckpt").steps;
  CHECK(steps > 0);
  CHECK(steps < 500);
  CHECK(money.attested() == static_cast<std::uint64_t>(steps));
  CHECK(fx.log_has("ledger applied solo/attest/solo/" + std::to_string(steps) + " (attest_usage)"));
}
