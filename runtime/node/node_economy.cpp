#include "runtime/node/node_economy.hpp"

#include "actors/treasury_client.hpp"
#include "runtime/ledger/outbox.hpp"
#include "runtime/node/economy_entry.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace atn {
namespace fs = std::filesystem;

namespace {

ledger::role ledger_role(node_role r) {
  switch (r) {
    case node_role::solver:
      return ledger::role::solver;
    case node_role::coordinator:
      return ledger::role::coordinator;
    case node_role::aggregator:
      return ledger::role::aggregator;
    case node_role::network:
      break;
  }
  throw std::invalid_argument(std::string("the ") + to_string(r) + " role has no stake on the ledger");
}

}  // namespace

economy_status economy_status_of(const treasury_status& t, const std::string& ledger_file) {
  economy_status e;
  e.enabled = true;
  e.ledger = ledger_file;
  e.address = t.address;
  e.balance = t.balance;
  e.stake = t.stake;
  e.stake_active = t.stake_active;
  e.attested_units = t.attested_units;
  e.pending = t.pending;
  e.applied = t.applied;
  e.refused = t.refused;
  e.last_error = t.last_error;
  e.ledger_us = t.ledger_us;
  return e;
}

node_economy join_economy(caf::actor_system& system, const federation_node_options& o) {
  economy_request r;
  r.state_dir = o.state_dir;
  r.ledger_path = o.economy.ledger_file;
  r.role = ledger_role(o.role);
  r.jurisdiction = o.jurisdiction;
  r.auto_stake = o.economy.auto_stake;
  r.opt_out = ", or run with --no-ledger to take part without earning";
  // Nodes of one simulation start together: a busy ledger is waited for a while, not given up at once.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  economy_entry entry;
  for (;;) {
    try {
      entry = enter_economy(r);
      break;
    } catch (const economy_closed& e) {
      if (!e.busy || std::chrono::steady_clock::now() > give_up) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // another process holds the write lock
    }
  }
  spdlog::info("{}: ledger {}: {}", o.id, entry.ledger_path.string(), entry.standing);

  treasury_options t;
  t.node_id = o.id;
  t.ledger = std::move(entry.ledger);
  t.wallet = entry.wallet;
  t.outbox_path = ledger::outbox::default_path(o.state_dir);
  return {spawn_treasury_client(system, std::move(t)), entry.wallet->addr().to_string(), entry.ledger_path.string()};
}

}  // namespace atn
