// A solo node's economy for tests: a wallet in the node's state dir and a ledger beside it (where
// `atn-node run` looks by default) whose genesis gives the wallet a balance.
#pragma once

#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace atn::test {

struct node_ledger {
  std::filesystem::path state_dir;
  std::filesystem::path file;  ///< <state_dir>/../ledger.sqlite
  ledger::wallet wallet = ledger::wallet::generate();

  /// Creates the ledger, whose genesis gives the wallet `balance` ATN (none: no ledger), and, when
  /// `with_wallet`, the wallet file `<state_dir>/wallet.key`.
  explicit node_ledger(const std::filesystem::path& state, const std::string& balance = "100", bool with_wallet = true)
      : state_dir(state), file(state.parent_path() / "ledger.sqlite") {
    if (with_wallet) save_wallet();
    if (balance.empty()) return;
    ledger::genesis g;
    g.chain_name = "solo-node-test";
    g.balances = {{wallet.addr(), ledger::amount::parse(balance)}};
    ledger::sqlite_ledger::create(file, g, ledger::system_clock_seconds());
  }

  void save_wallet() const { wallet.save(ledger::wallet::default_path(state_dir)); }

  std::unique_ptr<ledger::sqlite_ledger> open() const {
    return ledger::sqlite_ledger::open(file, ledger::system_clock_seconds());
  }

  /// Training steps the wallet attested, over every epoch so far.
  std::uint64_t attested() const {
    auto l = open();
    std::uint64_t sum = 0;
    for (std::uint64_t e = 1; e <= l->current_epoch(); ++e) sum += l->attested_units(wallet.addr(), e);
    return sum;
  }

  std::string digest() const { return ledger::to_hex(open()->state_digest()); }
};

}  // namespace atn::test
