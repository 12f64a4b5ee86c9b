// A solver's side of the round: train from the round's global model, commit to the delta, reveal it
// once the aggregator has closed the commit phase with our commitment in its set.
#pragma once

#include "runtime/protocol/round_options.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

namespace atn {

/// Spawns the solver. `trainer` is a trainer actor (actors/trainer.hpp), the only owner of the model
/// engine: each round's global weights go to it inside the train_task. It takes `inbound_message`s
/// and sends `outbound_message`s to `bridge`. With a `treasury` (actors/treasury_client) it attests
/// each round's completed training steps there, under the round's key.
caf::actor spawn_solver(caf::actor_system& system, solver_options options, caf::actor trainer, caf::actor bridge,
                        caf::actor treasury = {});

}  // namespace atn
