// The solo node's economy at start (issue 15, backlog 4.1): the wallet `<state_dir>/wallet.key`, the
// ledger (`ledger.path`, or `ledger.sqlite` beside the state dir as the ledger commands use) and the
// gate for the solver role without a jurisdiction. What is missing is one line naming the fix.
#pragma once

#include "runtime/config/node_config.hpp"
#include "runtime/ledger/ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace atn {

/// `c.ledger.path`, or `<state_dir>/../ledger.sqlite` when it is empty.
std::filesystem::path solo_ledger_path(const node_config& c);

/// The node may not train: what() names what is missing (the wallet, the ledger, the stake) and the
/// command that fixes it.
struct economy_closed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct solo_economy {
  std::shared_ptr<ledger::ledger> ledger;
  std::shared_ptr<const ledger::wallet> wallet;
  std::filesystem::path ledger_path;
  std::string standing;  ///< what the gate found or did ("wallet 0x…: active solver stake; staked 50 ATN …")
};

/// Opens the wallet and the ledger and passes the gate (solver, no jurisdiction, `c.ledger.auto_stake`,
/// so it may stake the minimum). Throws economy_closed when the node may not train; the ledger is
/// unchanged then unless the gate's own stake was applied.
solo_economy open_solo_economy(const node_config& c);

}  // namespace atn
