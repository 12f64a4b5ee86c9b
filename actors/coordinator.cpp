#include "actors/coordinator.hpp"

#include "data/log_escape.hpp"
#include "messages/bridge_messages.hpp"
#include "model/schedules.hpp"
#include "model/vl_jepa_trainer.hpp"
#include "runtime/protocol/commit_book.hpp"
#include "runtime/protocol/commitment.hpp"
#include "runtime/protocol/delta_checks.hpp"
#include "runtime/training/batch_source.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>

namespace atn {
namespace {

struct coordinator_state {
  coordinator_options opt;
  std::shared_ptr<vl_jepa_trainer> engine;
  std::shared_ptr<batch_source> batches;
  std::vector<training_batch> held_out;
  caf::actor bridge;

  std::int64_t round = 0;
  std::string version;
  round_open_msg open;
  std::unique_ptr<commit_book> deltas;
  std::vector<inbound_message> held;  // reveals that came before the aggregator closed the commits
  named_tensors reference;
  double base_loss = 0;
  std::map<std::string, delta_assessment> verdicts;
  std::map<std::string, double> losses;
  std::optional<score_reveal_msg> scores;
  digest256 score_commitment{};
  double verify_seconds = 0;
  static inline const char* name = "coordinator";
};

using self_ptr = caf::stateful_actor<coordinator_state>*;

void send_all(self_ptr self, wire_message m) {
  self->send(self->state.bridge, outbound_message{broadcast_peer, std::move(m)});
}

// The JEPA loss of the modalities present (their mean).
double jepa_loss(const step_metrics& m) {
  double sum = 0;
  int n = 0;
  for (const auto* mm : {&m.text, &m.visual})
    if (mm->present) sum += mm->loss, ++n;
  return n ? sum / n : m.loss;
}

double held_out_loss(coordinator_state& st, const named_tensors& weights) {
  st.engine->load_shared_weights(weights);
  return jepa_loss(st.engine->evaluate(st.held_out, st.opt.mask_seed));
}

// FLTrust's server update: a few steps from the global model on the coordinator's own data.
named_tensors reference_update(coordinator_state& st) {
  st.engine->load_shared_weights(st.open.weights);
  st.engine->reset_optimizer();
  auto& train = st.engine->train();
  train.steps = st.opt.reference_steps;
  train.learning_rate = st.open.task.learning_rate;
  for (std::int64_t step = 1; step <= st.opt.reference_steps; ++step) {
    auto batch = st.batches->next(st.open.task.modalities);
    if (!batch) throw std::runtime_error("no training data of the round's modalities for the reference update");
    st.engine->train_step(*batch);
    st.engine->update_targets(ema_momentum_at(step, st.opt.reference_steps, train.ema_start, train.ema_end));
  }
  return subtract(st.engine->shared_weights(), st.open.weights);
}

void on_open(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  auto open = parse_round_open(m);
  if (!open)
    return spdlog::warn("{}: round_open from '{}' refused: {}", st.opt.node_id, log_escape(m.from),
                        log_escape(open.error()));
  if (to_hex(blake2b_256(open->weights)) != open->version)
    return spdlog::warn("{}: round_open from '{}' refused: weights do not hash to {}", st.opt.node_id,
                        log_escape(m.from), log_escape(open->version));
  st.round = m.round;
  st.version = open->version;
  st.open = std::move(*open);
  st.deltas = std::make_unique<commit_book>(delta_commit_domain, st.opt.jurisdiction, st.round, st.version,
                                            std::set<std::string>(st.open.solvers.begin(), st.open.solvers.end()));
  st.held.clear();
  st.verdicts.clear();
  st.losses.clear();
  st.scores.reset();
  st.verify_seconds = 0;
  // Measured now, while the solvers train: the baseline loss and the reference direction.
  st.base_loss = held_out_loss(st, st.open.weights);
  st.reference = reference_update(st);
  spdlog::info("{}: round {} reference update ready (held-out loss of the global model {:.4f})", st.opt.node_id,
               st.round, st.base_loss);
}

void check_reveal(self_ptr self, const wire_message& m);

// Times what verifying one reveal costs (reported with the scores: protocol time that is work).
void verify(self_ptr self, const wire_message& m) {
  const auto start = std::chrono::steady_clock::now();
  check_reveal(self, m);
  self->state.verify_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void check_reveal(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  auto reject = [&](reject_reason reason, const std::string& detail) {
    spdlog::warn("{}: round {}: reveal from '{}' rejected ({}){}{}", st.opt.node_id, st.round, log_escape(m.from),
                 to_string(reason), detail.empty() ? "" : ": ", log_escape(detail));
    delta_assessment a;
    a.verdict = delta_verdict::reject(reason, detail);
    st.verdicts.emplace(m.from, a);  // the first verdict on a sender stands
  };
  auto r = parse_reveal(m);
  if (!r) return reject(reject_reason::malformed, r.error());
  auto assessment = assess_delta(r->delta, st.reference);
  if (!assessment.verdict.accepted) return reject(assessment.verdict.reason, assessment.verdict.detail);
  if (auto why = st.deltas->reveal(m.from, blake2b_256(r->delta), r->salt)) return reject(*why, "");
  const double loss = held_out_loss(st, add(st.open.weights, r->delta));
  st.losses[m.from] = loss;
  if (loss > st.base_loss * (1 + st.opt.loss_tolerance)) {
    return reject(reject_reason::loss_increase,
                  "held-out loss " + std::to_string(loss) + " against " + std::to_string(st.base_loss));
  }
  st.verdicts.emplace(m.from, assessment);
}

void commit_scores(self_ptr self) {
  auto& st = self->state;
  std::vector<std::string> order;
  std::vector<delta_assessment> accepted;
  for (auto& [node, a] : st.verdicts)
    if (a.verdict.accepted) order.push_back(node), accepted.push_back(a);
  apply_norm_rule(accepted, l2_norm(st.reference));
  for (std::size_t i = 0; i < order.size(); ++i) st.verdicts[order[i]] = accepted[i];
  score_reveal_msg s;
  s.solvers = st.open.solvers;
  for (const auto& solver : st.open.solvers) {
    auto it = st.verdicts.find(solver);
    s.scores.push_back(it != st.verdicts.end() && it->second.verdict.accepted ? it->second.trust : 0.0);
    if (it != st.verdicts.end() && !it->second.verdict.accepted)
      spdlog::info("{}: round {}: '{}' scores 0 ({})", st.opt.node_id, st.round, log_escape(solver),
                   to_string(it->second.verdict.reason));
  }
  s.salt = fresh_salt();
  s.verify_seconds = st.verify_seconds;
  st.score_commitment = commitment_of(scores_commit_domain, st.opt.node_id, st.opt.jurisdiction, st.round, st.version,
                                      scores_hash(s.solvers, s.scores), s.salt);
  st.scores = std::move(s);
  send_all(self, to_wire(commit_msg{commit_kind::scores, st.score_commitment}, st.opt.jurisdiction, st.round));
}

void on_phase(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  auto p = parse_phase(m);
  if (!p)
    return spdlog::warn("{}: phase from '{}' refused: {}", st.opt.node_id, log_escape(m.from), log_escape(p.error()));
  if (!st.deltas || m.round != st.round) return;
  switch (p->phase) {
    case round_phase::reveal: {
      st.deltas->close(&p->commits);
      if (st.deltas->disagreements())
        spdlog::warn("{}: round {}: {} commitments we saw differ from the aggregator's set", st.opt.node_id, st.round,
                     st.deltas->disagreements());
      auto held = std::move(st.held);
      st.held.clear();
      for (const auto& in : held) verify(self, in.message);
      break;
    }
    case round_phase::score_commit:
      commit_scores(self);
      break;
    case round_phase::score_reveal: {
      auto it = p->commits.find(st.opt.node_id);
      if (!st.scores || it == p->commits.end() || it->second != st.score_commitment) {
        spdlog::warn("{}: round {}: our score commitment is not in the aggregator's set; not revealing", st.opt.node_id,
                     st.round);
        return;
      }
      send_all(self, to_wire(*st.scores, st.opt.jurisdiction, st.round));
      break;
    }
    default:
      break;
  }
}

caf::behavior coordinator(self_ptr self, coordinator_options opt, std::shared_ptr<vl_jepa_trainer> engine,
                          std::shared_ptr<batch_source> batches, std::vector<training_batch> held_out,
                          caf::actor bridge) {
  auto& st = self->state;
  st.opt = std::move(opt);
  st.engine = std::move(engine);
  st.batches = std::move(batches);
  st.held_out = std::move(held_out);
  st.bridge = std::move(bridge);
  return {
      [=](const inbound_message& in) {
        auto& st = self->state;
        const auto& m = in.message;
        if (m.jurisdiction != st.opt.jurisdiction) return;
        try {
          if (m.type == round_type::open)
            on_open(self, m);
          else if (m.type == round_type::phase)
            on_phase(self, m);
          else if (m.round != st.round || !st.deltas)
            return;
          else if (m.type == round_type::commit) {
            auto c = parse_commit(m);
            if (c && c->kind == commit_kind::delta) st.deltas->commit(m.from, c->commitment);
          } else if (m.type == round_type::reveal) {
            if (st.deltas->closed())
              verify(self, m);
            else
              st.held.push_back(in);  // the aggregator's phase message may still be on its way
          }
        } catch (const std::exception& e) {
          spdlog::error("{}: {} from '{}' failed: {}", st.opt.node_id, log_escape(m.type), log_escape(m.from),
                        e.what());
        }
      },
  };
}

}  // namespace

caf::actor spawn_coordinator(caf::actor_system& system, coordinator_options options,
                             std::shared_ptr<vl_jepa_trainer> engine, std::shared_ptr<batch_source> batches,
                             std::vector<training_batch> held_out, caf::actor bridge) {
  return system.spawn<caf::detached>(coordinator, std::move(options), std::move(engine), std::move(batches),
                                     std::move(held_out), std::move(bridge));
}

}  // namespace atn
