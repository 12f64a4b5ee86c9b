// A coordinator's side of the round: verify every revealed delta on its own held-out data (loss
// change when applied to the global model, cosine against its own reference update, NaN/Inf,
// layout, norm outliers), turn the verdicts into a score vector over the round's solvers, and
// commit-reveal that vector so no coordinator can copy another's. Consensus itself is computed by
// the aggregator (and by anyone, from the revealed vectors: it is deterministic).
#pragma once

#include "messages/round_messages.hpp"
#include "model/training_batch.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace atn {

class vl_jepa_trainer;
class batch_source;

struct yuma_voter_options {
  std::string node_id;
  std::string jurisdiction = "default";
  /// Steps of the coordinator's own reference update per round (FLTrust's server update).
  std::int64_t reference_steps = 10;
  /// A delta whose held-out loss is more than this fraction above the global model's scores 0.
  double loss_tolerance = 0.05;
  std::uint64_t mask_seed = 7;  ///< masks of the held-out evaluation, fixed so losses compare
};

/// Spawns the voter (detached: it trains and evaluates in its own thread). `engine` runs the
/// reference update on `batches` and the held-out evaluations on `held_out`.
caf::actor spawn_yuma_voter(caf::actor_system& system, yuma_voter_options options,
                            std::shared_ptr<vl_jepa_trainer> engine, std::shared_ptr<batch_source> batches,
                            std::vector<training_batch> held_out, caf::actor bridge);

}  // namespace atn
