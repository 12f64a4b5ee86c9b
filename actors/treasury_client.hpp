// The treasury client: the one actor that talks to the ledger. It owns the node's wallet, its handle
// on the ledger and the durable outbox (runtime/ledger/outbox), so what the node owes the ledger
// survives a crash and is sent exactly once. Detached: every ledger call blocks (SQLite, later RPC).
#pragma once

#include "runtime/ledger/ledger.hpp"
#include "runtime/ledger/wallet.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace atn {

struct treasury_options {
  std::string node_id;
  std::shared_ptr<ledger::ledger> ledger;  ///< handed over: only this actor uses it from now on
  std::shared_ptr<const ledger::wallet> wallet;
  std::filesystem::path outbox_path;
  /// How long to wait before sending again while the ledger is busy or unreachable.
  std::chrono::milliseconds retry_interval{1000};
};

/// Spawns the treasury client (detached). Handles:
/// - attest_training → treasury_outcome: enqueues attest_usage for the training under its key (a key
///   seen before is not sent again) and delivers the outbox; "queued" while the ledger is unavailable,
///   and then the client retries every retry_interval until the outbox is empty;
/// - close_round_request → treasury_outcome: close_round with the round's Yuma weights (the aggregator);
/// - slash_request → treasury_outcome: slash the fraction of the participant's stake it holds when the
///   request first comes (a key seen before is not sent again); "refused" when it holds none;
/// - treasury_status_atom → treasury_status.
/// On start it delivers what a previous run left in the outbox.
caf::actor spawn_treasury_client(caf::actor_system& system, treasury_options options);

/// The outbox key of a training attestation: "<node>/attest/<jurisdiction or solo>/<round>".
std::string attestation_key(const std::string& node_id, const std::string& jurisdiction, std::int64_t round);

}  // namespace atn
