#include "runtime/node/federation_node.hpp"

#include "actors/coordinator.hpp"
#include "actors/ema_updater.hpp"
#include "actors/network_aggregator.hpp"
#include "actors/solver.hpp"
#include "actors/trainer.hpp"
#include "actors/zmq_bridge.hpp"
#include "messages/bridge_messages.hpp"
#include "messages/bridge_stats.hpp"
#include "messages/treasury_messages.hpp"
#include "messages/wire_codec.hpp"
#include "model/schedules.hpp"
#include "model/vl_jepa_trainer.hpp"
#include "runtime/node/node_economy.hpp"
#include "runtime/node/node_status.hpp"
#include "runtime/protocol/round_report_json.hpp"
#include "runtime/training/training_data.hpp"
#include "runtime/transport/curve_keys.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <deque>
#include <iostream>
#include <optional>
#include <thread>

#include <unistd.h>

namespace atn {
namespace fs = std::filesystem;

namespace {

using set_target_atom = caf::atom_constant<caf::atom("settarget")>;

constexpr auto status_every = std::chrono::seconds(1);

std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The node's status file (`atn-node status` reads it): who it is and its bridge's counters, the
// refusals among them. Returns the counters it wrote, empty when the bridge did not answer.
std::map<std::string, std::uint64_t> write_federation_status(caf::actor_system& system, const caf::actor& bridge,
                                                             const node_economy& economy,
                                                             const federation_node_options& o, std::int64_t started_ms,
                                                             const std::string& activity, bool& warned) {
  node_status st;
  st.pid = ::getpid();
  st.started_ms = started_ms;
  st.activity = activity;
  {
    // A scoped actor per query: an answer that comes after its timeout dies with it.
    caf::scoped_actor q{system};
    q->request(bridge, std::chrono::seconds(1), bridge_stats_atom::value)
        .receive([&](const bridge_stats& b) { st.bridge = b.counters(); }, [](const caf::error&) {});
    if (economy.treasury)
      q->request(economy.treasury, std::chrono::seconds(1), treasury_status_atom::value)
          .receive([&](const treasury_status& t) { st.economy = economy_status_of(t, economy.ledger_file); },
                   [](const caf::error&) {});
    else if (o.role != node_role::network)
      st.economy.emplace();  // --no-ledger: `status` says the economy is off
  }
  st.updated_ms = unix_ms();
  try {
    write_node_status(o.state_dir, st);
  } catch (const std::exception& e) {
    if (!warned) spdlog::warn("{}: cannot write the status file: {}", o.id, e.what());
    warned = true;
  }
  return st.bridge;
}

// Holds what the bridge receives until the role actor exists (each needs the other's handle).
struct relay_state {
  caf::actor target;
  std::deque<inbound_message> waiting;
  static inline const char* name = "inbound_relay";
};

caf::behavior inbound_relay(caf::stateful_actor<relay_state>* self) {
  return {
      [=](set_target_atom, caf::actor target) {
        auto& st = self->state;
        st.target = std::move(target);
        self->monitor(st.target);
        for (auto& m : st.waiting) self->send(st.target, std::move(m));
        st.waiting.clear();
      },
      [=](inbound_message& m) {
        auto& st = self->state;
        if (st.target)
          self->send(st.target, std::move(m));
        else
          st.waiting.push_back(std::move(m));
      },
  };
}

std::vector<training_sample> first(const std::vector<training_sample>& v, std::size_t n) {
  return {v.begin(), v.begin() + std::min(n, v.size())};
}

// Held-out batches of the kinds a task trains on.
std::vector<training_batch> held_out_batches(const sample_split& held, const modality_set& m, std::int64_t batch,
                                             std::size_t per_kind, const model_config& model) {
  std::vector<training_batch> out;
  auto add = [&](const std::vector<training_sample>& v) {
    for (auto& b : make_batches(first(v, per_kind), batch, model)) out.push_back(std::move(b));
  };
  if (m.text) add(held.text);
  if (m.visual) add(held.visual);
  if (m.text && m.visual) add(held.multimodal);
  return out;
}

double present_loss(const step_metrics& m, double modality_metrics::*field) {
  double sum = 0;
  int n = 0;
  for (const auto* mm : {&m.text, &m.visual})
    if (mm->present) sum += mm->*field, ++n;
  return n ? sum / n : -1;
}

// One node trained on the union of the data from the same initial model, for the parity check.
model_evaluation central_baseline(vl_jepa_trainer& engine, const named_tensors& initial, const training_data& data,
                                  const round_aggregator_options& ao, std::int64_t steps, std::int64_t batch,
                                  std::uint64_t seed) {
  engine.load_shared_weights(initial);
  engine.reset_optimizer();
  engine.train().steps = steps;
  engine.train().learning_rate = ao.task.learning_rate;
  sample_pool_source source(data.train, engine.model(), batch, seed);
  for (std::int64_t step = 1; step <= steps; ++step) {
    auto b = source.next(ao.task.modalities);
    if (!b) throw std::runtime_error("parity: no training samples of the task's modalities");
    engine.train_step(*b);
    engine.update_targets(ema_momentum_at(step, steps, engine.train().ema_start, engine.train().ema_end));
  }
  return ao.evaluate(engine.shared_weights());
}

// Waits (up to 30 s) until the treasury client has sent what it holds — the last round's close_round
// came just before the end — and logs the node's standing; what is still pending stays in the outbox.
void drain_treasury(caf::scoped_actor& self, const caf::actor& treasury, const std::string& id) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    std::optional<treasury_status> status;
    self->request(treasury, std::chrono::seconds(30), treasury_status_atom::value)
        .receive([&](const treasury_status& s) { status = s; }, [](const caf::error&) {});
    if (!status) return;
    if (status->pending == 0 || std::chrono::steady_clock::now() > give_up) {
      spdlog::info(
          "{}: ledger: wallet {} balance {}, stake {}, {} applied, {} refused, {} pending, {:.1f} ms in "
          "ledger calls{}{}",
          id, status->address, status->balance, status->stake.empty() ? "none" : status->stake, status->applied,
          status->refused, status->pending, status->ledger_us / 1000.0,
          status->last_error.empty() ? "" : "; last error: ", status->last_error);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the client retries on its own clock
  }
}

}  // namespace

int run_federation_node(const federation_node_options& o, const std::atomic<bool>& stop) {
  // Every role receives deltas or models over the wire: decode into reused heap pages.
  if (!keep_freed_memory_for_transfers())
    spdlog::warn("{}: this C library cannot keep freed memory; large transfers decode into fresh pages", o.id);
  configure_torch_threads(o.threads);
  fs::create_directories(o.state_dir);
  // CURVE unless turned off by name: the node's key pair, made on its first start (`atn-node keygen`).
  std::optional<curve_key_pair> curve;
  if (o.insecure_plaintext) {
    spdlog::warn(
        "{}: CURVE is OFF (--insecure-plaintext): peers are not authenticated and traffic is not encrypted; "
        "whoever reaches {} can speak as any peer",
        o.id, o.listen);
  } else {
    curve = load_or_create_curve_keys(o.state_dir);
    spdlog::info("{}: CURVE on: this node's public key is {}; {} peers' keys admitted", o.id, curve->public_key,
                 o.peers.size());
  }
  const auto model = model_preset(o.preset);
  train_config train;
  train.batch_size = o.batch;
  train.seed = o.seed;
  train.threads = o.threads;

  // Data: solvers and coordinators train on their slice; coordinators and the aggregator measure
  // on held-out sessions (each coordinator its own slice of them).
  input_report problems;
  training_data_options data_options;
  data_options.atn_dir = o.data_dir;
  data_options.images_dir = o.images_dir;
  data_options.model = model;
  data_options.modalities = o.aggregator.task.modalities;
  if (o.role != node_role::aggregator) {
    data_options.train_slice = o.slice;
    data_options.train_slices = o.slices;
  }
  if (o.role == node_role::coordinator) {
    data_options.held_out_slice = o.slice;
    data_options.held_out_slices = o.slices;
  }
  auto data = std::make_shared<training_data>();
  if (o.role != node_role::network) {  // the network aggregator averages models; it holds no data
    *data = load_training_data(data_options, problems);
    spdlog::info("{} ({}): {} training and {} held-out samples from {} (slice {}/{}); input problems: {}", o.id,
                 to_string(o.role), data->train.size(), data->held_out.size(), o.data_dir.string(), o.slice + 1,
                 o.slices, problems.summary());
  }

  auto engine = std::make_shared<vl_jepa_trainer>(model, train);
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};

  auto relay = system.spawn(inbound_relay);
  bridge_options bridge_opt;
  bridge_opt.node_id = o.id;
  bridge_opt.listen = o.listen;
  bridge_opt.peers = o.peers;
  bridge_opt.limits.allowed_types = round_message_types();
  bridge_opt.limits.expected_layout = layout_of(engine->shared_weights());
  bridge_opt.trace_file = o.trace;
  bridge_opt.curve = curve;
  auto bridge = spawn_zmq_bridge(system, bridge_opt, relay);
  self->monitor(bridge);

  // The economy: the gate for this node's role, then the treasury client that attests and closes rounds.
  node_economy economy;
  if (o.role != node_role::network) {
    if (o.economy.enabled) {
      try {
        economy = join_economy(system, o);
      } catch (const std::exception& e) {
        spdlog::error("{}: {}", o.id, e.what());
        self->send_exit(bridge, caf::exit_reason::user_shutdown);
        self->send_exit(relay, caf::exit_reason::user_shutdown);
        return 1;
      }
    } else {
      spdlog::warn(
          "{}: running without a ledger (--no-ledger): nothing this node does is attested, rewarded or "
          "slashed",
          o.id);
    }
  }

  caf::actor role_actor;
  round_aggregator_options aggregator_options;  // kept for the parity run
  std::shared_ptr<batch_source> batches;
  std::vector<training_batch> held_out;
  switch (o.role) {
    case node_role::solver: {
      batches = std::make_shared<sample_pool_source>(data->train, model, o.batch, o.seed);
      auto ema = spawn_ema_updater(system, train.ema_start, train.ema_end);
      auto trainer = spawn_trainer(system, engine, batches, ema);
      auto so = o.solver;
      so.node_id = o.id;
      so.jurisdiction = o.jurisdiction;
      if (o.attack != delta_attack::none)  // a simulated Byzantine solver (runtime/adversary)
        so.corrupt_delta = [attack = o.attack, seed = o.seed](const named_tensors& delta, std::int64_t round) {
          return apply_attack(delta, attack, seed + static_cast<std::uint64_t>(round));
        };
      role_actor = spawn_solver(system, so, trainer, bridge, economy.treasury);  // the trainer owns the engine
      break;
    }
    case node_role::coordinator: {
      batches = std::make_shared<sample_pool_source>(data->train, model, o.batch, o.seed);
      held_out = held_out_batches(data->held_out, o.aggregator.task.modalities, o.batch,
                                  static_cast<std::size_t>(o.eval_samples), model);
      if (held_out.empty()) throw std::runtime_error(o.id + ": no held-out samples in its slice to verify on");
      auto vo = o.coordinator;
      vo.node_id = o.id;
      vo.jurisdiction = o.jurisdiction;
      role_actor = spawn_coordinator(system, vo, engine, batches, std::move(held_out), bridge);
      break;
    }
    case node_role::aggregator: {
      auto ao = o.aggregator;
      ao.node_id = o.id;
      ao.jurisdiction = o.jurisdiction;
      ao.state_dir = o.state_dir / "aggregator";
      ao.initial_weights = engine->shared_weights();
      auto eval = held_out_batches(data->held_out, ao.task.modalities, o.batch,
                                   static_cast<std::size_t>(o.eval_samples), model);
      if (!eval.empty()) {
        ao.evaluate = [engine, eval](const named_tensors& weights) {
          engine->load_shared_weights(weights);
          auto m = engine->evaluate(eval, 7);
          return model_evaluation{present_loss(m, &modality_metrics::loss), present_loss(m, &modality_metrics::cosine)};
        };
      }
      aggregator_options = ao;
      role_actor = spawn_aggregator(system, ao, bridge, self, aggregator_thread::own, economy.treasury);
      break;
    }
    case node_role::network: {
      auto no = o.network;
      no.node_id = o.id;
      no.state_dir = o.state_dir / "network";
      role_actor = spawn_network_aggregator(system, no, bridge, self);
      break;
    }
  }
  self->send(relay, set_target_atom::value, role_actor);
  self->monitor(role_actor);

  int exit_code = 0;
  bool running = true;
  const std::int64_t started_ms = unix_ms();
  const std::string activity =
      std::string(to_string(o.role)) + " '" + o.id + "' of jurisdiction '" + o.jurisdiction + "'";
  bool status_warned = false;
  auto last_status = std::chrono::steady_clock::time_point{};
  while (running && !stop.load()) {
    if (std::chrono::steady_clock::now() - last_status >= status_every) {
      write_federation_status(system, bridge, economy, o, started_ms, activity, status_warned);
      last_status = std::chrono::steady_clock::now();
    }
    self->receive(
        [&](const round_report& r) {
          if (o.json_reports) std::cout << round_report_json(r) << std::endl;
        },
        [&](const network_report& r) {
          if (o.json_reports) std::cout << network_report_json(r) << std::endl;
        },
        [&](round_done_atom, std::int64_t rounds) {
          spdlog::info("{}: {} rounds done", o.id, rounds);
          running = false;
        },
        [&](caf::down_msg& d) {
          if (d.source == bridge)
            spdlog::error("{}: the bridge stopped: {}", o.id, system.render(d.reason));
          else
            spdlog::error("{}: the {} actor stopped: {}", o.id, to_string(o.role), system.render(d.reason));
          exit_code = 1;
          running = false;
        },
        caf::after(std::chrono::milliseconds(200)) >> [] {});
  }
  // Let the last broadcast (the final round_result) leave before the sockets close.
  if (o.role == node_role::aggregator) {
    self->request(bridge, std::chrono::seconds(5), bridge_stats_atom::value)
        .receive([](const caf::message&) {}, [](caf::error&) {});
  }
  // The last counters, in the status file and the log.
  const auto counters = write_federation_status(system, bridge, economy, o, started_ms, "stopped", status_warned);
  if (!counters.empty()) spdlog::info("{}: {}", o.id, render_bridge_counters(counters));
  if (exit_code == 0 && !stop.load() && o.role == node_role::aggregator && o.parity_steps > 0 &&
      aggregator_options.evaluate) {
    spdlog::info("{}: parity: training one node on the union of the data for {} steps", o.id, o.parity_steps);
    auto central = central_baseline(*engine, aggregator_options.initial_weights, *data, aggregator_options,
                                    o.parity_steps, o.batch, o.seed);
    const parity_report parity{o.parity_steps, central.loss, central.cosine};
    if (o.json_reports) std::cout << parity_report_json(parity) << std::endl;
  }
  self->send_exit(role_actor, caf::exit_reason::user_shutdown);
  if (economy.treasury) {
    drain_treasury(self, economy.treasury, o.id);
    write_federation_status(system, bridge, economy, o, started_ms, "stopped",
                            status_warned);  // the ledger's last word
    self->send_exit(economy.treasury, caf::exit_reason::user_shutdown);
    self->wait_for(economy.treasury);
  }
  self->send_exit(bridge, caf::exit_reason::user_shutdown);
  self->send_exit(relay, caf::exit_reason::user_shutdown);
  return exit_code;
}

}  // namespace atn
