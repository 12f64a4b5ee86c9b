// The ledger side of `atn-node simulate`: before the nodes start, a wallet for every node and a fresh
// SQLite ledger from a genesis that funds them (the jurisdictions' aggregators are its slashers); while
// they run, each node's standing for the per-round table; at the end, the rewards claimed once their
// epochs are final, and the audit.
#pragma once

#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace atn {

struct simulation_participant {
  std::string id;
  std::filesystem::path state_dir;  ///< holds its wallet.key
  bool aggregator = false;          ///< a slasher, and funded for the aggregator and guild stakes
};

/// One node's standing on the ledger.
struct ledger_standing {
  ledger::amount balance, stake, rewards;  ///< rewards: settled so far, claimed or not
  std::uint64_t round_units = 0;           ///< attested for the round asked about
};

class simulation_ledger {
 public:
  /// Loads or creates each participant's wallet, writes `<state>/genesis.yaml` (every node funded,
  /// epochs of `epoch_seconds`) and creates `<state>/ledger.sqlite` afresh (an earlier run's ledger and
  /// the nodes' outboxes are removed: a new simulation is a new chain).
  simulation_ledger(const std::filesystem::path& state, const std::vector<simulation_participant>& nodes,
                    std::int64_t epoch_seconds);

  /// What the genesis gives each node: enough for an aggregator's stake and its guild stake.
  static ledger::amount participant_funds();

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, ledger::address>& addresses() const { return addresses_; }
  ledger::sqlite_ledger& ledger() { return *ledger_; }

  bool jurisdiction_exists(const std::string& name);
  ledger_standing standing(const std::string& node, const std::string& jurisdiction, std::int64_t round);

  /// Waits until every epoch that closed rounds is final (printing what it waits for), then claims
  /// every node's rewards, each once. Returns the total claimed per node.
  std::map<std::string, ledger::amount> claim_rewards();

 private:
  std::filesystem::path path_;
  std::map<std::string, ledger::wallet> wallets_;
  std::map<std::string, ledger::address> addresses_;
  std::unique_ptr<ledger::sqlite_ledger> ledger_;
};

}  // namespace atn
