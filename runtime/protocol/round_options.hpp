// What each round role is configured with, and what a round reports: plain data shared by the
// actors that play the roles (actors/), the configuration that fills them in (runtime/config/) and
// the node that wires them (runtime/node/), so none of those needs another's headers.
#pragma once

#include "messages/reject_reason.hpp"
#include "messages/round_messages.hpp"
#include "runtime/protocol/delta_aggregator.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace atn {

struct solver_options {
  std::string node_id;
  std::string jurisdiction = "default";
  /// Simulations only: what an attacking solver does to its delta before committing to it (the
  /// round number as second argument). Empty for an honest solver.
  std::function<named_tensors(const named_tensors& delta, std::int64_t round)> corrupt_delta;
};

struct coordinator_options {
  std::string node_id;
  std::string jurisdiction = "default";
  /// Steps of the coordinator's own reference update per round (FLTrust's server update).
  std::int64_t reference_steps = 10;
  /// A delta whose held-out loss is more than this fraction above the global model's scores 0.
  double loss_tolerance = 0.05;
  std::uint64_t mask_seed = 7;  ///< masks of the held-out evaluation, fixed so losses compare
};

/// What one round came to, for the operator's table (sent to the observer after each round).
struct round_report {
  std::string jurisdiction;
  std::int64_t round = 0;
  std::string previous_version, version;
  std::size_t commits = 0, reveals = 0, score_reveals = 0;
  std::int64_t samples = 0;  ///< training samples behind the accepted deltas
  std::vector<std::string> accepted;
  std::map<std::string, reject_reason> rejected;  ///< node → first reason
  std::vector<std::string> uids;                  ///< coordinators then solvers
  std::vector<double> stake, consensus, incentive, dividends;
  /// Yuma's emission shares by uid: what the ledger's close_round weights are made of (solvers by
  /// server_emission, coordinators by validator_emission; messages/treasury_messages emission_weight).
  std::vector<double> server_emission, validator_emission;
  double held_out_loss = -1, held_out_cosine = -1;  ///< of the new model, -1 without an evaluator
  double train_seconds = 0;                         ///< open → commit phase closed (solvers training)
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
  std::int64_t rounds = 1;  ///< the last round to run (counted from the journal); then `done`
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

  /// The economy (when the node has a treasury client): each participant's wallet address by node
  /// id, for the round's close_round and slashes; a participant without one earns nothing here.
  std::map<std::string, std::string> ledger_addresses;
  /// Share of the stake slashed, in basis points, for a commitment never revealed or whose reveal
  /// does not match it (default 1 %; 0: no slashing).
  std::uint32_t slash_fraction_bps = 100;

  /// With several jurisdictions: the network aggregator's node id. After each round the aggregator
  /// sends it the jurisdiction's model and starts the next round from the network model it returns
  /// (or, after `network_timeout`, from its own, saying so). Empty: one jurisdiction, no network step.
  std::string network_aggregator;
  std::chrono::milliseconds network_timeout{120000};
};

/// The network aggregator's part: which aggregator speaks for which jurisdiction, and how many rounds.
struct network_aggregator_options {
  std::string node_id = "network";
  std::map<std::string, std::string> aggregators;  ///< jurisdiction → its aggregator's node id
  std::int64_t rounds = 1;                         ///< the last round to average; then `done`
  /// Each round's inputs and output are written here as checkpoints (round-N/<jurisdiction>.ckpt,
  /// round-N/network.ckpt), so anyone can check the average.
  std::filesystem::path state_dir;
};

/// What one network round came to (the network aggregator's observer gets it).
struct network_report {
  std::int64_t round = 0;
  std::string version;
  std::vector<std::string> jurisdictions, versions;
  std::vector<std::int64_t> samples;
  double seconds = 0;  ///< first input received → network model sent
};

}  // namespace atn
