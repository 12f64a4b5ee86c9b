// Economic gating (backlog 4.1): a node takes part in a role only with a wallet, a reachable ledger and
// an active stake of that role (and, for a jurisdiction's round, membership of it). With auto_stake
// the node stakes the role's minimum and joins its jurisdiction itself when its balance allows;
// an aggregator founds its jurisdiction; otherwise the gate says in one line what is missing and the command that fixes it.
#pragma once

#include "runtime/ledger/ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <string>
#include <vector>

namespace atn::ledger {

struct gate_options {
  role r = role::solver;
  std::string jurisdiction;  ///< empty: no jurisdiction (solo mode)
  bool auto_stake = true;
  /// An aggregator whose jurisdiction does not exist yet creates it (auto_stake) with this specialisation.
  specialisation spec = specialisation::text;
  std::string state_dir;  ///< named in the fixes the message suggests
};

struct gate_result {
  bool open = false;
  std::string message;                ///< closed: what is missing and the fix; open: what the gate did
  std::vector<receipt> transactions;  ///< the stake / join it submitted
};

/// Checks (and with auto_stake, establishes) `w`'s standing for `o.r`; ledger_unavailable passes
/// through (the caller retries or reports the ledger unreachable).
gate_result pass_gate(ledger& l, const wallet& w, const gate_options& o);

}  // namespace atn::ledger
