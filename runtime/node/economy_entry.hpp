// A node's entry into the economy at start (issue 15, backlog 4.1), for `run` and `node` alike: the
// wallet `<state_dir>/wallet.key`, the ledger (given, or `ledger.sqlite` beside the state dir as the
// ledger commands use) and the gate for the node's role. What is missing is one line naming the fix.
#pragma once

#include "runtime/ledger/ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace atn {

/// `<state_dir>/../ledger.sqlite`: the nodes of a machine share the file beside their state dirs.
std::filesystem::path default_ledger_path(const std::filesystem::path& state_dir);

/// The node may not take part: what() names what is missing (the wallet, the ledger, the stake) and the
/// command that fixes it.
struct economy_closed : std::runtime_error {
  explicit economy_closed(const std::string& what, bool busy_ledger = false)
      : std::runtime_error(what), busy(busy_ledger) {}
  bool busy;  ///< only because another process held the ledger's write lock: trying again may pass
};

struct economy_request {
  std::filesystem::path state_dir;
  std::filesystem::path ledger_path;  ///< empty: default_ledger_path(state_dir)
  ledger::role role = ledger::role::solver;
  std::string jurisdiction;  ///< empty: solo mode
  bool auto_stake = true;
  std::string opt_out;  ///< how to take part without the economy, appended to a missing wallet or ledger
};

struct economy_entry {
  std::shared_ptr<ledger::ledger> ledger;
  std::shared_ptr<const ledger::wallet> wallet;
  std::filesystem::path ledger_path;
  std::string standing;  ///< what the gate found or did ("wallet 0x…: active solver stake; staked 50 ATN …")
};

/// Opens the wallet and the ledger and passes the gate (runtime/ledger/gate), which with auto_stake may
/// stake the role's minimum and join — or, for an aggregator, found — the jurisdiction. Throws
/// economy_closed when the node may not take part; the ledger is unchanged then unless the gate's own
/// stake was applied.
economy_entry enter_economy(const economy_request& r);

}  // namespace atn
