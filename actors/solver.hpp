// A solver's side of the round: train from the round's global model, commit to the delta, reveal it
// once the aggregator has closed the commit phase with our commitment in its set.
#pragma once

#include "messages/round_messages.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace atn {

class vl_jepa_trainer;

/// How a Byzantine solver corrupts its delta (for simulations of attacks).
enum class delta_attack {
  none,
  random,    ///< Gaussian noise with the honest delta's norm
  scale,     ///< the honest delta times 20
  signflip,  ///< minus the honest delta
  little,    ///< "a little is enough": a small step against the honest direction (−0.25·Δ)
};

/// Inverse of the names above ("none", "random", ...); std::invalid_argument naming the text.
delta_attack parse_delta_attack(const std::string& text);
named_tensors apply_attack(const named_tensors& delta, delta_attack attack, std::uint64_t seed);

struct solver_options {
  std::string node_id;
  std::string jurisdiction = "default";
  delta_attack attack = delta_attack::none;
  std::uint64_t seed = 1;
};

/// Spawns the solver. `trainer` is a trainer actor over `engine` (actors/trainer.hpp): the solver
/// loads the round's weights into the engine only while the trainer is idle. It takes
/// `inbound_message`s and sends `outbound_message`s to `bridge`.
caf::actor spawn_solver(caf::actor_system& system, solver_options options, std::shared_ptr<vl_jepa_trainer> engine,
                        caf::actor trainer, caf::actor bridge);

}  // namespace atn
