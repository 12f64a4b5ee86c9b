#include "actors/aggregator.hpp"

#include "data/log_escape.hpp"
#include "messages/bridge_messages.hpp"
#include "messages/treasury_messages.hpp"
#include "model/checkpoint.hpp"
#include "runtime/protocol/commit_book.hpp"
#include "runtime/protocol/commitment.hpp"
#include "runtime/protocol/round_journal.hpp"
#include "runtime/protocol/yuma_epoch.hpp"
#include "runtime/util/file_util.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <cmath>
#include <set>

namespace atn {
namespace fs = std::filesystem;

namespace {

using steady = std::chrono::steady_clock;

struct revealed_delta {
  std::int64_t samples = 0;
  fs::path file;  // spilled: memory stays O(model) however many solvers reveal
};

struct aggregator_state {
  round_aggregator_options opt;
  caf::actor bridge, observer, treasury;
  bool awaiting_network = false;  // the round closed; its network model has not come yet
  std::int64_t round = 0;
  std::int64_t rounds_done = 0;
  std::string version;
  named_tensors weights;
  yuma_matrix bonds;
  round_phase phase = round_phase::closed;
  std::uint64_t phase_seq = 0;  // stale timeouts carry an older number
  std::unique_ptr<commit_book> deltas, scores;
  std::map<std::string, revealed_delta> reveals;
  std::map<std::string, std::int64_t> report_units;  // accepted solver → training steps credited
  std::map<std::string, std::vector<double>> score_vectors;
  round_report report;
  steady::time_point opened, commits_closed;
  static inline const char* name = "aggregator";
};

using self_ptr = caf::stateful_actor<aggregator_state>*;

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

fs::path round_dir(const aggregator_state& st) { return st.opt.state_dir / ("round-" + std::to_string(st.round)); }

void broadcast(self_ptr self, wire_message m) {
  self->send(self->state.bridge, outbound_message{broadcast_peer, std::move(m)});
}

void reject(self_ptr self, const std::string& node, reject_reason reason, const std::string& detail) {
  auto& st = self->state;
  spdlog::warn("round {}: {} from '{}' rejected ({}){}{}", st.round,
               st.phase == round_phase::closed ? "message" : to_string(st.phase), log_escape(node), to_string(reason),
               detail.empty() ? "" : ": ", log_escape(detail));
  st.report.rejected.emplace(node, reason);  // the first reason stays
}

void arm_timeout(self_ptr self, std::chrono::milliseconds timeout) {
  auto& st = self->state;
  self->delayed_send(self, timeout, phase_timeout_atom::value, st.round, ++st.phase_seq);
}

void open_round(self_ptr self);
void close_commits(self_ptr self);
void close_reveals(self_ptr self);
void close_score_commits(self_ptr self);
void finish_round(self_ptr self);
void next_round(self_ptr self);
void settle_on_ledger(self_ptr self);

void open_round(self_ptr self) {
  auto& st = self->state;
  st.report = round_report{};
  st.report.jurisdiction = st.opt.jurisdiction;
  st.report.round = st.round;
  st.report.previous_version = st.version;
  std::set<std::string> solvers(st.opt.solvers.begin(), st.opt.solvers.end());
  std::set<std::string> coordinators(st.opt.coordinators.begin(), st.opt.coordinators.end());
  st.deltas = std::make_unique<commit_book>(delta_commit_domain, st.opt.jurisdiction, st.round, st.version, solvers);
  st.scores =
      std::make_unique<commit_book>(scores_commit_domain, st.opt.jurisdiction, st.round, st.version, coordinators);
  st.reveals.clear();
  st.report_units.clear();
  st.score_vectors.clear();
  fs::remove_all(round_dir(st));
  fs::create_directories(round_dir(st));
  st.phase = round_phase::commit;
  st.opened = steady::now();

  round_open_msg open;
  open.version = st.version;
  open.task = st.opt.task;
  open.solvers = st.opt.solvers;
  open.coordinators = st.opt.coordinators;
  const auto t0 = now_ms();
  open.commit_deadline_ms = t0 + st.opt.commit_timeout.count();
  open.reveal_deadline_ms = open.commit_deadline_ms + st.opt.reveal_timeout.count();
  open.score_commit_deadline_ms = open.reveal_deadline_ms + st.opt.score_commit_timeout.count();
  open.score_reveal_deadline_ms = open.score_commit_deadline_ms + st.opt.score_reveal_timeout.count();
  open.weights = st.weights;
  spdlog::info("round {} open: model {}, {} solvers, {} coordinators, {} steps", st.round, st.version.substr(0, 12),
               st.opt.solvers.size(), st.opt.coordinators.size(), st.opt.task.steps);
  broadcast(self, to_wire(open, st.opt.jurisdiction, st.round));
  arm_timeout(self, st.opt.commit_timeout);
  if (st.opt.solvers.empty()) close_commits(self);
}

void close_commits(self_ptr self) {
  auto& st = self->state;
  // Commitments voided by an early reveal are left out of the set everyone checks against.
  std::map<std::string, digest256> set;
  for (const auto& [node, c] : st.deltas->commits())
    if (!st.report.rejected.count(node)) set.emplace(node, c);
  st.deltas->close(&set);
  st.report.commits = set.size();
  st.phase = round_phase::reveal;
  st.commits_closed = steady::now();
  st.report.train_seconds = seconds_since(st.opened);
  for (const auto& s : st.opt.solvers)
    if (!set.count(s) && !st.report.rejected.count(s))
      reject(self, s, reject_reason::no_commitment, "no commitment before the deadline");
  broadcast(self, to_wire(phase_msg{round_phase::reveal, set}, st.opt.jurisdiction, st.round));
  arm_timeout(self, st.opt.reveal_timeout);
  if (set.empty()) close_reveals(self);
}

void close_reveals(self_ptr self) {
  auto& st = self->state;
  for (const auto& node : st.deltas->unrevealed())
    if (!st.report.rejected.count(node)) reject(self, node, reject_reason::missing, "committed but never revealed");
  st.report.reveals = st.reveals.size();
  st.phase = round_phase::score_commit;
  broadcast(self, to_wire(phase_msg{round_phase::score_commit, {}}, st.opt.jurisdiction, st.round));
  arm_timeout(self, st.opt.score_commit_timeout);
  if (st.opt.coordinators.empty()) close_score_commits(self);
}

void close_score_commits(self_ptr self) {
  auto& st = self->state;
  std::map<std::string, digest256> set;
  for (const auto& [node, c] : st.scores->commits())
    if (!st.report.rejected.count(node)) set.emplace(node, c);
  st.scores->close(&set);
  st.phase = round_phase::score_reveal;
  broadcast(self, to_wire(phase_msg{round_phase::score_reveal, set}, st.opt.jurisdiction, st.round));
  arm_timeout(self, st.opt.score_reveal_timeout);
  if (set.empty()) finish_round(self);
}

// Yuma over uids = coordinators then solvers; only coordinators hold stake, so only they validate.
yuma_output run_consensus(aggregator_state& st) {
  const auto nc = st.opt.coordinators.size(), ns = st.opt.solvers.size(), n = nc + ns;
  yuma_input in;
  in.stake.assign(n, 0.0);
  in.weights.assign(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < nc; ++i) {
    const auto& c = st.opt.coordinators[i];
    auto it = st.opt.stake.find(c);
    auto sv = st.score_vectors.find(c);
    // As subtensor masks inactive validators: no accepted score vector, no stake in this epoch.
    if (sv == st.score_vectors.end()) continue;
    in.stake[i] = it == st.opt.stake.end() ? 1.0 : it->second;
    for (std::size_t j = 0; j < ns; ++j) in.weights[i][nc + j] = sv->second[j];
  }
  if (st.bonds.size() == n) in.bonds = st.bonds;
  in.kappa = st.opt.kappa;
  in.bonds_moving_average = st.opt.bonds_moving_average;
  in.bonds_penalty = st.opt.bonds_penalty;
  auto out = run_yuma_epoch(in);
  st.bonds = out.bonds;
  st.report.uids = st.opt.coordinators;
  st.report.uids.insert(st.report.uids.end(), st.opt.solvers.begin(), st.opt.solvers.end());
  st.report.stake = in.stake;
  st.report.server_emission = out.server_emission;
  st.report.validator_emission = out.validator_emission;
  return out;
}

void finish_round(self_ptr self) {
  auto& st = self->state;
  const auto protocol_end = steady::now();
  st.report.protocol_seconds = std::chrono::duration<double>(protocol_end - st.commits_closed).count();
  for (const auto& node : st.scores->unrevealed())
    if (!st.report.rejected.count(node))
      reject(self, node, reject_reason::missing, "committed scores but never revealed");
  st.report.score_reveals = st.score_vectors.size();
  st.phase = round_phase::closed;

  auto yuma = run_consensus(st);
  st.report.consensus = yuma.consensus;
  st.report.incentive = yuma.incentive;
  st.report.dividends = yuma.dividends;

  const auto nc = st.opt.coordinators.size();
  aggregator_options acc_options;
  acc_options.rule = st.opt.rule;
  acc_options.trim_fraction = st.opt.trim_fraction;
  acc_options.spill_dir = round_dir(st);
  delta_aggregator acc(acc_options);
  for (std::size_t j = 0; j < st.opt.solvers.size(); ++j) {
    const auto& s = st.opt.solvers[j];
    auto it = st.reveals.find(s);
    if (it == st.reveals.end() || st.report.rejected.count(s)) continue;
    const double incentive = yuma.incentive[nc + j];
    if (!(incentive > 0)) {
      reject(self, s, reject_reason::no_incentive, "the coordinators' consensus gave it no weight");
      continue;
    }
    auto bytes = read_file(it->second.file);
    auto ckpt = decode_checkpoint(std::vector<std::uint8_t>(bytes->begin(), bytes->end()), it->second.file.string());
    acc.add(ckpt.tensors, incentive * static_cast<double>(std::max<std::int64_t>(it->second.samples, 1)));
    st.report.accepted.push_back(s);
    st.report.samples += it->second.samples;
    st.report_units[s] = std::min(ckpt.steps, st.opt.task.steps);
  }
  if (acc.contributing() > 0) {
    st.weights = add(st.weights, acc.finish());
    st.version = to_hex(blake2b_256(st.weights));
  }
  st.report.version = st.version;
  if (st.opt.evaluate) {
    auto e = st.opt.evaluate(st.weights);
    st.report.held_out_loss = e.loss;
    st.report.held_out_cosine = e.cosine;
  }
  write_round_journal(st.opt.state_dir, {st.round + 1, st.version, st.bonds}, st.weights, model_config{});
  fs::remove_all(round_dir(st));

  round_result_msg result;
  result.previous_version = st.report.previous_version;
  result.version = st.version;
  result.uids = st.report.uids;
  result.stake = st.report.stake;
  result.consensus = st.report.consensus;
  result.incentive = st.report.incentive;
  result.dividends = st.report.dividends;
  result.accepted = st.report.accepted;
  result.rejected = st.report.rejected;
  result.held_out_loss = st.report.held_out_loss;
  result.weights = st.weights;
  broadcast(self, to_wire(result, st.opt.jurisdiction, st.round));
  st.report.aggregate_seconds = seconds_since(protocol_end);
  spdlog::info("round {} closed: {} accepted, {} rejected, model {}", st.round, st.report.accepted.size(),
               st.report.rejected.size(), st.version.substr(0, 12));
  self->send(st.observer, st.report);
  ++st.rounds_done;
  if (st.treasury) settle_on_ledger(self);
  if (!st.opt.network_aggregator.empty()) {
    jurisdiction_model_msg j{st.version, st.report.samples, st.weights};
    self->send(st.bridge, outbound_message{st.opt.network_aggregator, to_wire(j, st.opt.jurisdiction, st.round)});
    st.awaiting_network = true;
    self->delayed_send(self, st.opt.network_timeout, network_timeout_atom::value, st.round);
    spdlog::info("round {}: model sent to the network aggregator '{}'; waiting for the network model", st.round,
                 st.opt.network_aggregator);
    return;
  }
  next_round(self);
}

void next_round(self_ptr self) {
  auto& st = self->state;
  ++st.round;
  if (st.round > st.opt.rounds) {
    self->send(st.observer, round_done_atom::value, st.rounds_done);
    return;
  }
  open_round(self);
}

// The network model of the round just closed: the next round starts from it.
void on_network_model(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  if (m.from != st.opt.network_aggregator || !st.awaiting_network || m.round != st.round) {
    spdlog::warn("aggregator: network_model from '{}' for round {} ignored (expected from '{}' for round {}{})",
                 log_escape(m.from), m.round, st.opt.network_aggregator, st.round,
                 st.awaiting_network ? "" : ", none awaited");
    return;
  }
  auto n = parse_network_model(m);
  if (!n) return spdlog::warn("aggregator: network_model refused: {}", log_escape(n.error()));
  const auto hash = to_hex(blake2b_256(n->weights));
  if (hash != n->version)
    return spdlog::warn("aggregator: network_model refused: weights hash to {}, not the announced {}", hash,
                        log_escape(n->version));
  require_same_layout(n->weights, st.weights, "network model");
  st.awaiting_network = false;
  st.weights = std::move(n->weights);
  st.version = n->version;
  write_round_journal(st.opt.state_dir, {st.round + 1, st.version, st.bonds}, st.weights, model_config{});
  spdlog::info("round {}: network model {} (from {} jurisdictions) is the next round's model", st.round,
               st.version.substr(0, 12), n->jurisdictions.size());
  next_round(self);
}

// The round on the ledger: close_round with the Yuma weights, and the protocol's slashes.
void settle_on_ledger(self_ptr self) {
  auto& st = self->state;
  const auto& r = st.report;
  const auto nc = st.opt.coordinators.size();
  auto address_of = [&](const std::string& node) -> const std::string* {
    auto it = st.opt.ledger_addresses.find(node);
    return it == st.opt.ledger_addresses.end() ? nullptr : &it->second;
  };
  close_round_request close;
  close.key = st.opt.node_id + "/close/" + st.opt.jurisdiction + "/" + std::to_string(st.round);
  close.jurisdiction = st.opt.jurisdiction;
  close.round = st.round;
  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < r.uids.size(); ++i) {
    const auto* a = address_of(r.uids[i]);
    const bool coordinator = i < nc;
    const double share = coordinator ? r.validator_emission[i] : r.server_emission[i];
    const auto units = st.report_units.find(r.uids[i]);
    if (!a) {
      if (share > 0) unknown.push_back(r.uids[i]);
      continue;
    }
    ledger_share s{*a, emission_weight(share), units == st.report_units.end() ? 0 : units->second};
    if (!coordinator && units == st.report_units.end()) s.weight = "0";  // rejected: no reward
    (coordinator ? close.coordinators : close.solvers).push_back(std::move(s));
  }
  if (!unknown.empty())
    spdlog::warn("round {}: no wallet address for {} node(s) with a share ({}...): they earn nothing on the ledger",
                 st.round, unknown.size(), unknown.front());
  self->send(st.treasury, std::move(close));
  if (st.opt.slash_fraction_bps == 0) return;
  for (const auto& [node, why] : r.rejected) {
    if (why != reject_reason::missing && why != reject_reason::commitment_mismatch) continue;
    const auto* a = address_of(node);
    if (!a) continue;
    self->send(
        st.treasury,
        slash_request{st.opt.node_id + "/slash/" + st.opt.jurisdiction + "/" + std::to_string(st.round) + "/" + node,
                      *a, st.opt.slash_fraction_bps,
                      "round " + std::to_string(st.round) + " of " + st.opt.jurisdiction + ": " + to_string(why)});
  }
}

// --- inbound ---------------------------------------------------------------------------------

void on_commit(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  auto c = parse_commit(m);
  if (!c) return reject(self, m.from, reject_reason::malformed, c.error());
  auto& book = c->kind == commit_kind::delta ? *st.deltas : *st.scores;
  const bool in_phase =
      c->kind == commit_kind::delta ? st.phase == round_phase::commit : st.phase == round_phase::score_commit;
  if (!in_phase && book.closed()) return reject(self, m.from, reject_reason::late_commit, "");
  if (!in_phase)
    return reject(self, m.from, reject_reason::early_reveal, "a score commitment before the reveals closed");
  if (auto why = book.commit(m.from, c->commitment)) return reject(self, m.from, *why, "");
  const auto expected = c->kind == commit_kind::delta ? st.opt.solvers.size() : st.opt.coordinators.size();
  if (book.commits().size() == expected) {
    if (c->kind == commit_kind::delta)
      close_commits(self);
    else
      close_score_commits(self);
  }
}

void on_reveal(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  if (st.phase == round_phase::commit) {
    // Revealing before the commit phase closed lets others copy: the commitment is void.
    return reject(self, m.from, reject_reason::early_reveal, "revealed before the commit phase closed");
  }
  if (st.phase != round_phase::reveal) {
    // Marked missing when the phase closed; now we know it came, too late.
    auto it = st.report.rejected.find(m.from);
    if (it != st.report.rejected.end() && it->second == reject_reason::missing) st.report.rejected.erase(it);
    return reject(self, m.from, reject_reason::late_reveal, "after the reveal phase closed");
  }
  // One reveal per solver: a refused one is not followed by a second try.
  if (st.report.rejected.count(m.from)) return reject(self, m.from, reject_reason::duplicate_reveal, "");
  auto r = parse_reveal(m);
  if (!r) return reject(self, m.from, reject_reason::malformed, r.error());
  try {
    require_same_layout(r->delta, st.weights, "delta from " + m.from);
  } catch (const std::exception& e) {
    return reject(self, m.from, reject_reason::layout_mismatch, e.what());
  }
  if (auto why = st.deltas->reveal(m.from, blake2b_256(r->delta), r->salt)) return reject(self, m.from, *why, "");
  if (!all_finite(r->delta)) return reject(self, m.from, reject_reason::non_finite, "the delta holds NaN or Inf");
  const auto file = round_dir(st) / (m.from + ".delta");
  auto bytes = encode_checkpoint(checkpoint{model_config{}, r->steps, "delta of " + m.from, r->delta});
  write_file_atomic(file, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  st.reveals[m.from] = revealed_delta{r->samples, file};
  if (st.deltas->unrevealed().empty()) close_reveals(self);
}

void on_score_reveal(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  if (st.phase != round_phase::score_reveal) {
    const bool early =
        st.phase == round_phase::reveal || st.phase == round_phase::commit || st.phase == round_phase::score_commit;
    return reject(self, m.from, early ? reject_reason::early_reveal : reject_reason::late_reveal, "scores");
  }
  auto s = parse_score_reveal(m);
  if (!s) return reject(self, m.from, reject_reason::malformed, s.error());
  if (s->solvers != st.opt.solvers)
    return reject(self, m.from, reject_reason::malformed, "scores not over this round's solvers in order");
  for (double v : s->scores)
    if (!std::isfinite(v) || v < 0)
      return reject(self, m.from, reject_reason::non_finite, "a score is negative or not finite");
  if (auto why = st.scores->reveal(m.from, scores_hash(s->solvers, s->scores), s->salt))
    return reject(self, m.from, *why, "");
  st.score_vectors[m.from] = s->scores;
  st.report.verify_seconds = std::max(st.report.verify_seconds, s->verify_seconds);
  if (st.scores->unrevealed().empty()) finish_round(self);
}

void on_inbound(self_ptr self, const inbound_message& in) {
  auto& st = self->state;
  const auto& m = in.message;
  if (m.type == round_type::network_model) {
    try {
      on_network_model(self, m);
    } catch (const std::exception& e) {
      spdlog::warn("aggregator: network_model from '{}' refused: {}", log_escape(m.from), e.what());
    }
    return;
  }
  if (m.jurisdiction != st.opt.jurisdiction || m.round != st.round) {
    spdlog::warn("aggregator: {} from '{}' for {} round {} ignored (wrong_round: now {} round {})", log_escape(m.type),
                 log_escape(m.from), m.jurisdiction, m.round, st.opt.jurisdiction, st.round);
    return;
  }
  try {
    if (m.type == round_type::commit)
      on_commit(self, m);
    else if (m.type == round_type::reveal)
      on_reveal(self, m);
    else if (m.type == round_type::score_reveal)
      on_score_reveal(self, m);
    else
      spdlog::warn("aggregator: {} from '{}' is not for the aggregator; ignored", log_escape(m.type),
                   log_escape(m.from));
  } catch (const std::exception& e) {
    reject(self, m.from, reject_reason::error, e.what());
  }
}

caf::behavior aggregator(self_ptr self, round_aggregator_options opt, caf::actor bridge, caf::actor observer,
                         caf::actor treasury) {
  auto& st = self->state;
  st.opt = std::move(opt);
  st.bridge = std::move(bridge);
  st.observer = std::move(observer);
  st.treasury = std::move(treasury);
  fs::create_directories(st.opt.state_dir);
  if (auto journal = read_round_journal(st.opt.state_dir)) {
    st.round = journal->first.next_round;
    st.version = journal->first.version;
    st.bonds = journal->first.bonds;
    st.weights = std::move(journal->second);
    spdlog::info("aggregator: resuming at round {} from model {} (journal in {})", st.round, st.version.substr(0, 12),
                 st.opt.state_dir.string());
  } else {
    st.round = 1;
    st.weights = st.opt.initial_weights;
    canonicalize(st.weights);
    st.version = to_hex(blake2b_256(st.weights));
    write_round_journal(st.opt.state_dir, {st.round, st.version, {}}, st.weights, model_config{});
  }
  if (st.opt.evaluate) {
    round_report baseline;
    baseline.jurisdiction = st.opt.jurisdiction;
    baseline.round = st.round - 1;
    baseline.version = st.version;
    auto e = st.opt.evaluate(st.weights);
    baseline.held_out_loss = e.loss;
    baseline.held_out_cosine = e.cosine;
    self->send(st.observer, baseline);
  }
  if (st.round > st.opt.rounds) {
    spdlog::info("aggregator: the journal is past round {}; nothing to run", st.opt.rounds);
    self->send(st.observer, round_done_atom::value, std::int64_t{0});
  } else {
    open_round(self);
  }
  return {
      [=](const inbound_message& in) { on_inbound(self, in); },
      [=](network_timeout_atom, std::int64_t round) {
        auto& st = self->state;
        if (!st.awaiting_network || round != st.round) return;
        spdlog::warn(
            "round {}: no network model from '{}' within {} s; the next round starts from this "
            "jurisdiction's own model",
            st.round, st.opt.network_aggregator, st.opt.network_timeout.count() / 1000.0);
        st.awaiting_network = false;
        next_round(self);
      },
      [=](const treasury_outcome& o) {
        if (o.state == "refused") spdlog::warn("aggregator: the ledger refused {}: {}", o.key, o.detail);
      },
      [=](phase_timeout_atom, std::int64_t round, std::uint64_t seq) {
        auto& st = self->state;
        if (round != st.round || seq != st.phase_seq) return;  // that phase already closed
        spdlog::info("round {}: {} deadline passed", st.round, to_string(st.phase));
        switch (st.phase) {
          case round_phase::commit:
            close_commits(self);
            break;
          case round_phase::reveal:
            close_reveals(self);
            break;
          case round_phase::score_commit:
            close_score_commits(self);
            break;
          case round_phase::score_reveal:
            finish_round(self);
            break;
          case round_phase::closed:
            break;
        }
      },
  };
}

}  // namespace

caf::actor spawn_aggregator(caf::actor_system& system, round_aggregator_options options, caf::actor bridge,
                            caf::actor observer, aggregator_thread thread, caf::actor treasury) {
  if (thread == aggregator_thread::scheduler)
    return system.spawn(aggregator, std::move(options), std::move(bridge), std::move(observer), std::move(treasury));
  return system.spawn<caf::detached>(aggregator, std::move(options), std::move(bridge), std::move(observer),
                                     std::move(treasury));
}

}  // namespace atn
