// `atn-node transfer ADDRESS AMOUNT` as a user runs it: the balances it prints, and its refusals (bad
// address, bad amount, insufficient balance), each one line, exit 1, the ledger exactly as it was.
#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"
#include "tests/unit/support/run_node.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

using atn::ledger::amount;
using atn::ledger::wallet;

namespace {
atn::test::node_run node(const std::string& args) {
  return atn::test::run_shell(std::string("OMP_WAIT_POLICY=PASSIVE ") + ATN_NODE_BINARY + " " + args);
}
}  // namespace

TEST_CASE("atn-node transfer sends ATN from the wallet and prints both balances; refusals change nothing",
          "[ledger][cli]") {
  atn::test::temp_dir dir("atn_transfer_cli");
  const wallet a = wallet::generate(), b = wallet::generate();
  a.save(wallet::default_path(dir.path / "a"));
  const std::string sa = " --state-dir " + (dir.path / "a").string();
  std::ofstream(dir.path / "genesis.yaml")
      << "chain_name: transfer-test\nbalances:\n  " << a.addr().to_string() << ": 100 ATN\n";
  REQUIRE(node("ledger init --genesis " + (dir.path / "genesis.yaml").string() + sa).exit_code == 0);
  const auto ledger_file = dir.path / "ledger.sqlite";
  const auto digest = [&] {
    return atn::ledger::to_hex(
        atn::ledger::sqlite_ledger::open(ledger_file, atn::ledger::system_clock_seconds())->state_digest());
  };

  const auto sent = node("transfer " + b.addr().to_lower() + " 12.5" + sa);
  INFO(sent.out);
  CHECK(sent.exit_code == 0);
  CHECK(sent.out == "sent 12.5 ATN to " + b.addr().to_string() + "\nbalance " + a.addr().to_string() +
                        " 87.5 ATN\nbalance " + b.addr().to_string() + " 12.5 ATN\n");
  {
    auto l = atn::ledger::sqlite_ledger::open(ledger_file, atn::ledger::system_clock_seconds());
    CHECK(l->balance(b.addr()) == amount::parse("12.5"));
    CHECK(l->check_invariants().empty());
  }

  const std::string before = digest();
  const auto poor = node("transfer " + b.addr().to_string() + " '87.6 ATN'" + sa);
  CHECK(poor.exit_code == 1);
  CHECK(poor.out ==
        "transfer: refused (insufficient_balance): balance 87.5 ATN < 87.6 ATN needed to transfer 87.6 "
        "ATN (" +
            a.addr().to_string() + "); receive ATN by a transfer first\n");
  const auto bad_address = node("transfer 0x1234 5" + sa);
  CHECK(bad_address.exit_code == 1);
  CHECK(bad_address.out == "transfer: address \"0x1234\" must be 0x and 40 hex digits\n");
  const auto bad_amount = node("transfer " + b.addr().to_string() + " 1.5e3" + sa);
  CHECK(bad_amount.exit_code == 1);
  CHECK(bad_amount.out.rfind("transfer: ", 0) == 0);
  CHECK(bad_amount.out.find("1.5e3") != std::string::npos);
  CHECK(std::count(bad_amount.out.begin(), bad_amount.out.end(), '\n') == 1);
  const auto zero = node("transfer " + b.addr().to_string() + " 0" + sa);
  CHECK(zero.exit_code == 1);
  CHECK(zero.out == "transfer: amount \"0\" is 0 ATN; transfer a positive amount\n");
  const auto to_self = node("transfer " + a.addr().to_string() + " 1" + sa);
  CHECK(to_self.exit_code == 1);
  CHECK(to_self.out.find("is the wallet's own") != std::string::npos);
  const auto no_wallet = node("transfer " + b.addr().to_string() + " 1 --state-dir " + (dir.path / "b").string() +
                              " --ledger " + ledger_file.string());
  CHECK(no_wallet.exit_code == 1);
  CHECK(no_wallet.out.find("atn-node wallet new") != std::string::npos);
  CHECK(digest() == before);
}
