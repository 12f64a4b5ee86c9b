#include "actors/solver.hpp"

#include "actors/treasury_client.hpp"
#include "data/log_escape.hpp"
#include "messages/bridge_messages.hpp"
#include "messages/treasury_messages.hpp"
#include "runtime/protocol/commitment.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <cmath>
#include <optional>
#include <random>

namespace atn {

namespace {

struct pending_reveal {
  std::int64_t round = 0;
  digest256 commitment{};
  reveal_msg reveal;
};

struct solver_state {
  solver_options opt;
  caf::actor trainer, bridge, treasury;
  bool training = false;
  std::optional<std::pair<std::int64_t, round_open_msg>> queued;  // an open that came while training
  std::int64_t round = 0;
  std::string version;
  bool commit_closed = false;
  std::optional<pending_reveal> pending;
  static inline const char* name = "solver";
};

using self_ptr = caf::stateful_actor<solver_state>*;

void send_all(self_ptr self, wire_message m) {
  self->send(self->state.bridge, outbound_message{broadcast_peer, std::move(m)});
}

void start_training(self_ptr self, std::int64_t round, round_open_msg open) {
  auto& st = self->state;
  st.round = round;
  st.version = open.version;
  st.commit_closed = false;
  st.pending.reset();
  st.training = true;
  train_task task;
  task.task_id = "round-" + std::to_string(round);
  task.steps = open.task.steps;
  task.modalities = open.task.modalities;
  task.learning_rate = open.task.learning_rate;
  task.base_version = open.version;
  task.base_weights = std::move(open.weights);
  spdlog::info("{}: round {} training {} steps from model {}", st.opt.node_id, round, task.steps,
               open.version.substr(0, 12));
  self->send(st.trainer, std::move(task));
}

void on_open(self_ptr self, const wire_message& m) {
  auto open = parse_round_open(m);
  if (!open)
    return spdlog::warn("{}: round_open from '{}' refused: {}", self->state.opt.node_id, log_escape(m.from),
                        log_escape(open.error()));
  const auto hash = to_hex(blake2b_256(open->weights));
  if (hash != open->version)
    return spdlog::warn("{}: round_open from '{}' refused: weights hash to {}, not the announced {}",
                        self->state.opt.node_id, log_escape(m.from), hash, log_escape(open->version));
  auto& st = self->state;
  if (st.training) {
    st.queued = std::make_pair(m.round, std::move(*open));  // the trainer takes one task at a time
    return;
  }
  start_training(self, m.round, std::move(*open));
}

void try_reveal(self_ptr self) {
  auto& st = self->state;
  if (!st.pending || !st.commit_closed || st.pending->round != st.round) return;
  send_all(self, to_wire(st.pending->reveal, st.opt.jurisdiction, st.round));
  spdlog::info("{}: round {} revealed", st.opt.node_id, st.round);
  st.pending.reset();
}

void on_trained(self_ptr self, train_result result) {
  auto& st = self->state;
  st.training = false;
  if (result.task_id == "round-" + std::to_string(st.round) && !st.commit_closed) {
    auto delta = st.opt.corrupt_delta ? st.opt.corrupt_delta(result.delta, st.round) : result.delta;
    pending_reveal p;
    p.round = st.round;
    p.reveal.salt = fresh_salt();
    p.reveal.samples = result.samples;
    p.reveal.steps = result.steps;
    const auto& mm = result.last.text.present ? result.last.text : result.last.visual;
    p.reveal.loss = mm.loss;
    p.reveal.cosine = mm.cosine;
    p.commitment = commitment_of(delta_commit_domain, st.opt.node_id, st.opt.jurisdiction, st.round, st.version,
                                 blake2b_256(delta), p.reveal.salt);
    p.reveal.delta = std::move(delta);
    send_all(self, to_wire(commit_msg{commit_kind::delta, p.commitment}, st.opt.jurisdiction, st.round));
    spdlog::info("{}: round {} committed after {} steps in {:.1f} s", st.opt.node_id, st.round, result.steps,
                 result.seconds);
    st.pending = std::move(p);
    // The training is done whatever becomes of the delta: attest it (once per round, by its key).
    if (st.treasury && result.steps > 0)
      self->send(st.treasury, attest_training{attestation_key(st.opt.node_id, st.opt.jurisdiction, st.round),
                                              st.opt.jurisdiction, st.round, result.steps});
  } else {
    spdlog::warn("{}: training for {} finished after the commit phase closed; delta dropped", st.opt.node_id,
                 result.task_id);
  }
  if (st.queued) {
    auto q = std::move(*st.queued);
    st.queued.reset();
    start_training(self, q.first, std::move(q.second));
  }
}

void on_phase(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  auto p = parse_phase(m);
  if (!p)
    return spdlog::warn("{}: phase from '{}' refused: {}", st.opt.node_id, log_escape(m.from), log_escape(p.error()));
  if (m.round != st.round || p->phase != round_phase::reveal) return;
  st.commit_closed = true;
  if (!st.pending) return;
  auto it = p->commits.find(st.opt.node_id);
  if (it == p->commits.end() || it->second != st.pending->commitment) {
    spdlog::warn("{}: round {}: the aggregator's commit set lacks our commitment; not revealing", st.opt.node_id,
                 st.round);
    st.pending.reset();
    return;
  }
  try_reveal(self);
}

void on_result(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  auto r = parse_round_result(m);
  if (!r)
    return spdlog::warn("{}: round_result from '{}' refused: {}", st.opt.node_id, log_escape(m.from),
                        log_escape(r.error()));
  const auto hash = to_hex(blake2b_256(r->weights));
  if (hash != r->version)
    return spdlog::warn("{}: round {} result refused: weights hash to {}, not {}", st.opt.node_id, m.round, hash,
                        r->version);
  auto rejected = r->rejected.find(st.opt.node_id);
  const bool accepted = std::find(r->accepted.begin(), r->accepted.end(), st.opt.node_id) != r->accepted.end();
  spdlog::info("{}: round {} closed, our delta {}; new model {}", st.opt.node_id, m.round,
               accepted ? "accepted"
                        : (rejected != r->rejected.end() ? "rejected (" + std::string(to_string(rejected->second)) + ")"
                                                         : "not used"),
               r->version.substr(0, 12));
}

caf::behavior solver(self_ptr self, solver_options opt, caf::actor trainer, caf::actor bridge, caf::actor treasury) {
  auto& st = self->state;
  st.opt = std::move(opt);
  st.trainer = std::move(trainer);
  st.bridge = std::move(bridge);
  st.treasury = std::move(treasury);
  return {
      [=](const inbound_message& in) {
        const auto& m = in.message;
        if (m.jurisdiction != self->state.opt.jurisdiction) return;
        try {
          if (m.type == round_type::open)
            on_open(self, m);
          else if (m.type == round_type::phase)
            on_phase(self, m);
          else if (m.type == round_type::result)
            on_result(self, m);
        } catch (const std::exception& e) {
          spdlog::error("{}: {} from '{}' failed: {}", self->state.opt.node_id, log_escape(m.type), log_escape(m.from),
                        e.what());
        }
      },
      [=](const train_progress&) {},
      [=](const treasury_outcome& o) {
        if (o.state == "refused")
          spdlog::warn("{}: the ledger refused {}: {}", self->state.opt.node_id, o.key, o.detail);
      },
      [=](train_result& r) { on_trained(self, std::move(r)); },
      [=](const train_failure& f) {
        self->state.training = false;
        spdlog::error("{}: training failed: {}", self->state.opt.node_id, f.reason);
      },
  };
}

}  // namespace

caf::actor spawn_solver(caf::actor_system& system, solver_options options, caf::actor trainer, caf::actor bridge,
                        caf::actor treasury) {
  return system.spawn(solver, std::move(options), std::move(trainer), std::move(bridge), std::move(treasury));
}

}  // namespace atn
