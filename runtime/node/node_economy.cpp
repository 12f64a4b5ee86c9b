#include "runtime/node/node_economy.hpp"

#include "actors/treasury_client.hpp"
#include "runtime/ledger/gate.hpp"
#include "runtime/ledger/outbox.hpp"
#include "runtime/ledger/sqlite_ledger.hpp"

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

fs::path ledger_path_for(const economy_options& economy, const fs::path& state_dir) {
  if (!economy.ledger_file.empty()) return economy.ledger_file;
  return fs::absolute(state_dir).lexically_normal().parent_path() / "ledger.sqlite";
}

node_economy join_economy(caf::actor_system& system, const federation_node_options& o) {
  const auto wallet_file = ledger::wallet::default_path(o.state_dir);
  if (!fs::exists(wallet_file))
    throw std::runtime_error("no wallet at " + wallet_file.string() +
                             "; create it with `atn-node wallet new --state-dir " + o.state_dir.string() +
                             "`, or run with --no-ledger to take part without earning");
  auto w = std::make_shared<const ledger::wallet>(ledger::wallet::load(wallet_file));
  const auto ledger_file = ledger_path_for(o.economy, o.state_dir);
  if (!fs::exists(ledger_file))
    throw std::runtime_error("ledger unreachable: no ledger at " + ledger_file.string() +
                             "; create it with `atn-node ledger init --genesis FILE --ledger " + ledger_file.string() +
                             "`, or run with --no-ledger to take part without earning");
  std::shared_ptr<ledger::ledger> l = ledger::sqlite_ledger::open(ledger_file, ledger::system_clock_seconds());

  ledger::gate_options g;
  g.r = ledger_role(o.role);
  g.jurisdiction = o.jurisdiction;
  g.auto_stake = o.economy.auto_stake;
  g.state_dir = o.state_dir.string();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    try {
      const auto gate = ledger::pass_gate(*l, *w, g);
      if (!gate.open) throw std::runtime_error(gate.message);
      spdlog::info("{}: {}", o.id, gate.message);
      break;
    } catch (const ledger::ledger_unavailable& e) {
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error("ledger " + ledger_file.string() + " stayed busy for 30 s: " + e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // another process holds the write lock
    }
  }

  treasury_options t;
  t.node_id = o.id;
  t.ledger = std::move(l);
  t.wallet = w;
  t.outbox_path = ledger::outbox::default_path(o.state_dir);
  return {spawn_treasury_client(system, std::move(t)), w->addr().to_string()};
}

}  // namespace atn
