// The ledger commands as a user runs them: `ledger init|show|audit`, `stake`, `unstake`, `balance`,
// `jurisdiction`, `rewards`, with the wallets of two state dirs sharing the ledger beside them.
#include "runtime/ledger/wallet.hpp"
#include "tests/unit/support/run_node.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <fstream>

using atn::ledger::wallet;

namespace {
// The passive OpenMP policy set up front spares atn-node its re-exec (each start loads libtorch).
atn::test::node_run node(const std::string& args) {
  return atn::test::run_shell(std::string("OMP_WAIT_POLICY=PASSIVE ") + ATN_NODE_BINARY + " " + args);
}
bool has(const atn::test::node_run& r, const std::string& part) { return r.out.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("ledger commands: init, stake, jurisdictions, balance, rewards, audit, and their refusals", "[ledger][cli]") {
  atn::test::temp_dir dir("atn_ledger_cli");
  const wallet a = wallet::generate(), b = wallet::generate();
  a.save(wallet::default_path(dir.path / "a"));
  b.save(wallet::default_path(dir.path / "b"));
  const std::string sa = " --state-dir " + (dir.path / "a").string(), sb = " --state-dir " + (dir.path / "b").string();
  std::ofstream(dir.path / "genesis.yaml") << "chain_name: cli-test\nbalances:\n  " << a.addr().to_string()
                                           << ": 2000 ATN\n  " << b.addr().to_string() << ": 12.5 ATN\n";

  const auto init = node("ledger init --genesis " + (dir.path / "genesis.yaml").string() + sa);
  INFO(init.out);
  REQUIRE(init.exit_code == 0);
  CHECK(has(init, "supply 2012.5 ATN over 2 accounts"));
  CHECK(std::filesystem::exists(dir.path / "ledger.sqlite"));  // beside the state dirs

  const auto poor = node("stake solver 50" + sb);
  CHECK(poor.exit_code == 1);
  CHECK(poor.out ==
        "stake: refused (insufficient_balance): balance 12.5 ATN < 50 ATN needed to stake 50 ATN as solver (" +
            b.addr().to_string() + "); receive ATN by a transfer first\n");
  const auto staked = node("stake solver 50.25" + sa);
  CHECK(staked.exit_code == 0);
  CHECK(staked.out == "stake solver 50.25 ATN (active)\nbalance 1949.75 ATN\n");

  const auto created = node("jurisdiction create vis --spec visual" + sa);
  CHECK(created.exit_code == 0);
  CHECK(has(created, "created vis; you are its aggregator; staked 500 ATN"));
  const auto listed = node("jurisdiction list" + sb);
  CHECK(listed.out == "vis (visual) aggregator " + a.addr().to_string() + ", 0 members, treasury 500 ATN\n");

  const auto bal = node("balance " + a.addr().to_string() + sb);
  CHECK(bal.out ==
        "address " + a.addr().to_string() + "\nbalance 1449.75 ATN\nstake solver 50.25 ATN (active)\nnonce 2\n");
  const auto early = node("rewards --claim 1" + sa);
  CHECK(early.exit_code == 1);
  CHECK(has(early, "refused (epoch_not_final)"));
  const auto requested = node("unstake --request" + sa);
  CHECK(requested.exit_code == 0);
  CHECK(has(requested, "unstake requested: the solver stake of 50.25 ATN unlocks at "));

  const auto audit = node("ledger audit" + sb);
  CHECK(audit.exit_code == 0);
  CHECK(has(audit, "replayed 3 transactions"));
  CHECK(has(audit, "audit ok"));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.path / "ledger.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE stakes SET amount = '1' || amount", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  const auto tampered = node("ledger audit" + sb);
  CHECK(tampered.exit_code == 1);
  CHECK(has(tampered, "audit FAILED"));

  const auto missing = node("balance --ledger " + (dir.path / "none.sqlite").string() + sa);
  CHECK(missing.exit_code == 1);
  CHECK(has(missing, "no ledger at " + (dir.path / "none.sqlite").string()));
  CHECK(has(missing, "atn-node ledger init --genesis FILE"));
}
