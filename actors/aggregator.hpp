// The aggregator of a jurisdiction: the round's clock and its last step. It opens each round with the
// global model, closes each phase when every participant has spoken or its deadline passes, checks
// every commitment and reveal, runs Yuma consensus over the coordinators' revealed scores, averages
// the accepted deltas into the next global model and publishes it. Torch-free: the held-out check of
// the new model, when wanted, is a callback.
#pragma once

#include "messages/round_messages.hpp"
#include "runtime/delta_aggregator.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace atn {

/// What one round came to, for the operator's table (sent to the observer after each round).
struct round_report {
  std::string jurisdiction;
  std::int64_t round = 0;
  std::string previous_version, version;
  std::size_t commits = 0, reveals = 0, score_reveals = 0;
  std::vector<std::string> accepted;
  std::map<std::string, std::string> rejected;  ///< node → first reason
  std::vector<std::string> uids;                ///< coordinators then solvers
  std::vector<double> stake, consensus, incentive, dividends;
  double held_out_loss = -1, held_out_cosine = -1;  ///< of the new model, -1 without an evaluator
  double train_seconds = 0;      ///< open → commit phase closed (solvers training)
  double protocol_seconds = 0;   ///< commit phase closed → score reveals closed (reveal, verify, vote)
  double aggregate_seconds = 0;  ///< consensus, averaging, hashing, publishing
  double verify_seconds = 0;     ///< of protocol_seconds, the slowest coordinator's verification work
};

/// Held-out loss and cosine of a model.
struct model_evaluation {
  double loss = -1, cosine = -1;
};

struct round_aggregator_options {
  std::string node_id = "aggregator";
  std::string jurisdiction = "default";
  std::vector<std::string> solvers, coordinators;
  std::map<std::string, double> stake;  ///< per coordinator; absent = 1
  round_task_spec task;
  std::int64_t rounds = 1;              ///< the last round to run (counted from the journal); then `done`
  std::chrono::milliseconds commit_timeout{60000}, reveal_timeout{30000}, score_commit_timeout{60000},
      score_reveal_timeout{30000};
  aggregation_rule rule = aggregation_rule::fedavg;
  double trim_fraction = 0.1;
  double kappa = 32767.0 / 65535.0, bonds_moving_average = 0.9, bonds_penalty = 1.0;
  /// Journal, spilled reveals and the published models; created if missing.
  std::filesystem::path state_dir;
  /// The first global model when the journal has none.
  named_tensors initial_weights;
  /// Optional: the held-out check of each new global model (blocking; runs in the actor).
  std::function<model_evaluation(const named_tensors&)> evaluate;
};

using round_done_atom = caf::atom_constant<caf::atom("rnddone")>;
using phase_timeout_atom = caf::atom_constant<caf::atom("phasetmo")>;

/// Spawns the aggregator. It sends `outbound_message`s to `bridge`, takes `inbound_message`s, and
/// sends each `round_report` and finally `(round_done_atom, rounds)` to `observer`. It resumes from
/// the journal in `state_dir` (the last published model, bonds and round number): a round cut short
/// by a restart is opened again.
caf::actor spawn_aggregator(caf::actor_system& system, round_aggregator_options options, caf::actor bridge,
                            caf::actor observer);

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::round_report)
