#include "actors/treasury_client.hpp"

#include "messages/treasury_messages.hpp"
#include "runtime/ledger/outbox.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <chrono>
#include <ctime>

namespace atn {
namespace {

struct treasury_state {
  treasury_options opt;
  std::unique_ptr<ledger::outbox> box;
  std::uint64_t applied = 0, refused = 0;
  std::string last_error;
  std::uint64_t ledger_us = 0;  // in deliver(): what the node's transactions cost it
  bool retry_scheduled = false;
  static inline const char* name = "treasury_client";
};
using self_ptr = caf::stateful_actor<treasury_state>*;

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Sends what the outbox holds; schedules a retry while the ledger is unavailable.
ledger::delivery_report deliver(self_ptr self) {
  auto& st = self->state;
  const auto t0 = std::chrono::steady_clock::now();
  auto report = st.box->deliver(*st.opt.ledger, *st.opt.wallet);
  st.ledger_us += static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  for (const auto& e : report.applied) {
    ++st.applied;
    spdlog::info("{}: ledger applied {} ({}) in epoch {}", st.opt.node_id, e.key, e.body.kind, e.epoch);
  }
  for (const auto& e : report.refused) {
    ++st.refused;
    st.last_error = e.key + ": " + e.detail;
    spdlog::warn("{}: ledger refused {} ({}): {}", st.opt.node_id, e.key, e.body.kind, e.detail);
  }
  if (report.unavailable) {
    st.last_error = "ledger unavailable: " + *report.unavailable;
    if (!st.retry_scheduled) {
      spdlog::warn("{}: ledger unavailable ({}); {} transaction(s) kept in the outbox, retrying every {} ms",
                   st.opt.node_id, *report.unavailable, report.still_pending, st.opt.retry_interval.count());
      st.retry_scheduled = true;
      self->delayed_send(self, st.opt.retry_interval, treasury_deliver_atom::value);
    }
  }
  return report;
}

treasury_outcome outcome_of(self_ptr self, const std::string& key) {
  treasury_outcome out;
  out.key = key;
  const auto e = self->state.box->find(key);
  if (!e) return out;
  out.state = e->state == ledger::outbox_state::pending ? "queued" : ledger::outbox_state_name(e->state);
  out.detail = e->state == ledger::outbox_state::pending ? self->state.last_error : e->detail;
  out.epoch = e->epoch;
  return out;
}

// Enqueues `body` under `key` and sends what the outbox holds; the request's outcome.
treasury_outcome enqueue_and_deliver(self_ptr self, const std::string& key, const ledger::tx_body& body) {
  self->state.box->enqueue(key, body, now_seconds());
  deliver(self);
  return outcome_of(self, key);
}

ledger::round_share share_of(const ledger_share& s) {
  return {ledger::address::parse(s.address), ledger::uint256(s.weight), static_cast<std::uint64_t>(s.units)};
}

treasury_outcome refused_here(const std::string& key, const std::string& why) {
  spdlog::warn("treasury: {} not sent: {}", key, why);
  return {key, "refused", why, 0};
}

caf::behavior treasury_client(self_ptr self, treasury_options opt) {
  self->state.opt = std::move(opt);
  self->state.box = std::make_unique<ledger::outbox>(self->state.opt.outbox_path);
  if (const auto left = self->state.box->pending_count())
    spdlog::info("{}: {} transaction(s) left in the outbox by a previous run; sending them", self->state.opt.node_id,
                 left);
  deliver(self);
  return {
      [=](const attest_training& a) {
        auto& st = self->state;
        if (a.units <= 0) return outcome_of(self, a.key);
        // The jurisdiction's aggregator is the service a round's training is attested to; in solo
        // mode the node is its own service (its solver stake makes it an active one).
        ledger::address service = st.opt.wallet->addr();
        for (const auto& j : st.opt.ledger->jurisdictions())
          if (j.name == a.jurisdiction) service = j.aggregator;
        return enqueue_and_deliver(self, a.key,
                                   ledger::tx::attest_usage(service, static_cast<std::uint64_t>(a.units),
                                                            a.jurisdiction, static_cast<std::uint64_t>(a.round)));
      },
      [=](const close_round_request& c) {
        ledger::round_result r;
        r.jurisdiction = c.jurisdiction;
        r.round = static_cast<std::uint64_t>(c.round);
        try {
          for (const auto& s : c.solvers) r.solvers.push_back(share_of(s));
          for (const auto& s : c.coordinators) r.coordinators.push_back(share_of(s));
        } catch (const std::exception& e) {  // a malformed address or weight: the sender's bug
          return refused_here(c.key, std::string("malformed round result: ") + e.what());
        }
        return enqueue_and_deliver(self, c.key, ledger::tx::close_round(r));
      },
      [=](const slash_request& s) {
        auto& st = self->state;
        if (st.box->find(s.key)) return outcome_of(self, s.key);  // decided before: the amount stays
        try {
          const auto who = ledger::address::parse(s.address);
          const auto stake = st.opt.ledger->stake_of(who);
          const auto value = stake ? ledger::amount::from_units(ledger::mul_div_floor(
                                         stake->value.units(), ledger::uint256(s.fraction_bps), ledger::uint256(10000)))
                                   : ledger::amount{};
          if (value == ledger::amount{}) return refused_here(s.key, "no stake of " + s.address + " to slash");
          spdlog::info("{}: slashing {} of {} ({})", st.opt.node_id, value.to_string(), s.address, s.reason);
          return enqueue_and_deliver(self, s.key, ledger::tx::slash(who, value, s.reason));
        } catch (const ledger::ledger_unavailable& e) {
          return refused_here(s.key, std::string("the stake could not be read (ledger unavailable: ") + e.what() + ")");
        } catch (const std::invalid_argument& e) {
          return refused_here(s.key, e.what());
        }
      },
      [=](treasury_deliver_atom) {
        self->state.retry_scheduled = false;
        deliver(self);
      },
      [=](treasury_status_atom) {
        auto& st = self->state;
        treasury_status s;
        const auto& me = st.opt.wallet->addr();
        s.address = me.to_string();
        s.pending = st.box->pending_count();
        s.applied = st.applied;
        s.refused = st.refused;
        s.last_error = st.last_error;
        s.ledger_us = st.ledger_us;
        try {
          s.balance = st.opt.ledger->balance(me).to_string();
          if (const auto stake = st.opt.ledger->stake_of(me)) {
            s.stake = stake->value.to_string() + " " + ledger::role_name(stake->r);
            s.stake_active = stake->active;
          }
          s.attested_units = st.opt.ledger->attested_units(me, st.opt.ledger->current_epoch());
        } catch (const ledger::ledger_unavailable& e) {
          s.last_error = std::string("ledger unavailable: ") + e.what();
        }
        return s;
      },
  };
}

}  // namespace

std::string attestation_key(const std::string& node_id, const std::string& jurisdiction, std::int64_t round) {
  return node_id + "/attest/" + (jurisdiction.empty() ? std::string("solo") : jurisdiction) + "/" +
         std::to_string(round);
}

caf::actor spawn_treasury_client(caf::actor_system& system, treasury_options options) {
  return system.spawn<caf::detached>(treasury_client, std::move(options));
}

}  // namespace atn
