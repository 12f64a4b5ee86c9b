// A coordinator's side of the round: verify every revealed delta on its own held-out data (loss
// change when applied to the global model, cosine against its own reference update, NaN/Inf,
// layout, norm outliers), turn the verdicts into a score vector over the round's solvers, and
// commit-reveal that vector so no coordinator can copy another's. Consensus itself is computed by
// the aggregator (and by anyone, from the revealed vectors: it is deterministic).
#pragma once

#include "model/training_batch.hpp"
#include "runtime/protocol/round_options.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace atn {

class vl_jepa_trainer;
class batch_source;

/// Spawns the coordinator (detached: it trains and evaluates in its own thread). `engine` runs the
/// reference update on `batches` and the held-out evaluations on `held_out`.
caf::actor spawn_coordinator(caf::actor_system& system, coordinator_options options,
                             std::shared_ptr<vl_jepa_trainer> engine, std::shared_ptr<batch_source> batches,
                             std::vector<training_batch> held_out, caf::actor bridge);

}  // namespace atn
