#include "actors/network_aggregator.hpp"

#include "actors/aggregator.hpp"
#include "data/log_escape.hpp"
#include "messages/bridge_messages.hpp"
#include "model/checkpoint.hpp"
#include "runtime/protocol/delta_aggregator.hpp"
#include "runtime/util/file_util.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <spdlog/spdlog.h>
#include <caf/all.hpp>

#include <chrono>

namespace atn {
namespace fs = std::filesystem;

namespace {

using steady = std::chrono::steady_clock;

struct network_state {
  network_aggregator_options opt;
  caf::actor bridge, observer;
  // Inputs by round, then jurisdiction: rounds of different jurisdictions may overlap by one.
  std::map<std::int64_t, std::map<std::string, std::pair<std::int64_t, named_tensors>>> inputs;
  std::map<std::int64_t, steady::time_point> first_input;
  std::int64_t published = 0;  // the last round whose network model went out
  static inline const char* name = "network_aggregator";
};
using self_ptr = caf::stateful_actor<network_state>*;

void write_model(const fs::path& file, const named_tensors& weights, const std::string& note) {
  const auto bytes = encode_checkpoint(checkpoint{model_config{}, 0, note, weights});
  fs::create_directories(file.parent_path());
  write_file_atomic(file, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void publish(self_ptr self, std::int64_t round) {
  auto& st = self->state;
  auto& models = st.inputs[round];
  network_model_msg out;
  out.weights = network_average(models);
  out.version = to_hex(blake2b_256(out.weights));
  for (const auto& [name, input] : models) {
    out.jurisdictions.push_back(name);
    out.versions.push_back(to_hex(blake2b_256(input.second)));
    out.samples.push_back(input.first);
  }
  write_model(st.opt.state_dir / ("round-" + std::to_string(round)) / "network.ckpt", out.weights,
              "network model of round " + std::to_string(round));
  network_report report{
      round,        out.version, out.jurisdictions,
      out.versions, out.samples, std::chrono::duration<double>(steady::now() - st.first_input[round]).count()};
  self->send(st.bridge, outbound_message{broadcast_peer, to_wire(out, round)});
  spdlog::info("network round {}: model {} from {} jurisdictions", round, out.version.substr(0, 12),
               out.jurisdictions.size());
  st.inputs.erase(round);
  st.first_input.erase(round);
  st.published = std::max(st.published, round);
  self->send(st.observer, std::move(report));
  if (round >= st.opt.rounds) self->send(st.observer, round_done_atom::value, round);
}

void on_model(self_ptr self, const wire_message& m) {
  auto& st = self->state;
  auto refuse = [&](const std::string& why) {
    spdlog::warn("network: jurisdiction_model from '{}' for '{}' round {} refused: {}", log_escape(m.from),
                 log_escape(m.jurisdiction), m.round, log_escape(why));
  };
  if (m.type != round_type::jurisdiction_model) return refuse("not a jurisdiction_model (" + m.type + ")");
  const auto agg = st.opt.aggregators.find(m.jurisdiction);
  if (agg == st.opt.aggregators.end()) return refuse("not a jurisdiction of this network");
  if (agg->second != m.from) return refuse("its aggregator is '" + agg->second + "'");
  if (m.round <= st.published) return refuse("round " + std::to_string(st.published) + " was published already");
  auto j = parse_jurisdiction_model(m);
  if (!j) return refuse(j.error());
  if (to_hex(blake2b_256(j->weights)) != j->version) return refuse("the weights do not hash to its version");
  if (!all_finite(j->weights)) return refuse("the model holds NaN or Inf");
  auto& round = st.inputs[m.round];
  for (const auto& [name, other] : round) {
    try {
      require_same_layout(j->weights, other.second, "model of " + m.jurisdiction);
    } catch (const std::exception& e) {
      return refuse(e.what());
    }
    break;
  }
  if (round.empty()) st.first_input[m.round] = steady::now();
  write_model(st.opt.state_dir / ("round-" + std::to_string(m.round)) / (m.jurisdiction + ".ckpt"), j->weights,
              "model of " + m.jurisdiction + " after round " + std::to_string(m.round) + ", " +
                  std::to_string(j->samples) + " samples");
  round[m.jurisdiction] = {j->samples, std::move(j->weights)};
  spdlog::info("network round {}: model of '{}' ({} samples), {} of {}", m.round, m.jurisdiction, j->samples,
               round.size(), st.opt.aggregators.size());
  if (round.size() == st.opt.aggregators.size()) publish(self, m.round);
}

caf::behavior network_aggregator(self_ptr self, network_aggregator_options opt, caf::actor bridge,
                                 caf::actor observer) {
  auto& st = self->state;
  st.opt = std::move(opt);
  st.bridge = std::move(bridge);
  st.observer = std::move(observer);
  fs::create_directories(st.opt.state_dir);
  spdlog::info("network aggregator: {} jurisdictions, {} rounds", st.opt.aggregators.size(), st.opt.rounds);
  return {
      [=](const inbound_message& in) {
        try {
          on_model(self, in.message);
        } catch (const std::exception& e) {
          spdlog::error("network: {} from '{}' failed: {}", log_escape(in.message.type), log_escape(in.message.from),
                        e.what());
        }
      },
  };
}

}  // namespace

named_tensors network_average(const std::map<std::string, std::pair<std::int64_t, named_tensors>>& models) {
  std::int64_t total = 0;
  for (const auto& [name, input] : models) total += input.first;
  delta_aggregator acc(aggregator_options{});
  for (const auto& [name, input] : models) acc.add(input.second, total > 0 ? static_cast<double>(input.first) : 1.0);
  return acc.finish();
}

caf::actor spawn_network_aggregator(caf::actor_system& system, network_aggregator_options options, caf::actor bridge,
                                    caf::actor observer) {
  return system.spawn<caf::detached>(network_aggregator, std::move(options), std::move(bridge), std::move(observer));
}

}  // namespace atn
