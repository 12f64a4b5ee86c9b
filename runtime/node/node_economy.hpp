// A federation node's entry into the economy: its wallet, the ledger, the gate for its role and the
// treasury client that from then on is the only one talking to the ledger.
#pragma once

#include "messages/treasury_messages.hpp"
#include "runtime/config/federation_options.hpp"
#include "runtime/node/node_status.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <filesystem>
#include <string>

namespace atn {

struct node_economy {
  caf::actor treasury;      ///< actors/treasury_client
  std::string address;      ///< the wallet's address
  std::string ledger_file;  ///< the ledger it uses
};

/// The status file's economy object from the treasury client's status.
economy_status economy_status_of(const treasury_status& t, const std::string& ledger_file);

/// Enters the economy for the node's role in its jurisdiction (runtime/node/economy_entry: wallet,
/// ledger, gate — staking, joining or founding it with auto_stake) and spawns the treasury client with
/// its outbox under the state dir. A closed gate throws economy_closed with one line naming what is
/// missing and the command that fixes it. A busy ledger is retried for up to 30 s.
node_economy join_economy(caf::actor_system& system, const federation_node_options& o);

}  // namespace atn
