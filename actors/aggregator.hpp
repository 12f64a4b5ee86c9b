// The aggregator of a jurisdiction: the round's clock and its last step. It opens each round with the
// global model, closes each phase when every participant has spoken or its deadline passes, checks
// every commitment and reveal, runs Yuma consensus over the coordinators' revealed scores, averages
// the accepted deltas into the next global model and publishes it. Torch-free: the held-out check of
// the new model, when wanted, is a callback.
#pragma once

#include "runtime/protocol/round_options.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace atn {

using round_done_atom = caf::atom_constant<caf::atom("rnddone")>;
using phase_timeout_atom = caf::atom_constant<caf::atom("phasetmo")>;
using network_timeout_atom = caf::atom_constant<caf::atom("nettmo")>;

/// Where the aggregator runs. A node gives it its own thread: its handlers evaluate models, decode
/// checkpoints and fsync the journal, which must not stall the actors that share the scheduler. A
/// replay runs it on CAF's deterministic test scheduler, where a detached actor would escape the
/// script's ordering.
enum class aggregator_thread { own, scheduler };

/// Spawns the aggregator. It sends `outbound_message`s to `bridge`, takes `inbound_message`s, and
/// sends each `round_report` and finally `(round_done_atom, rounds)` to `observer`. It resumes from
/// the journal in `state_dir` (the last published model, bonds and round number): a round cut short
/// by a restart is opened again. With a `treasury` (actors/treasury_client) each closed round goes to
/// the ledger (close_round with the Yuma weights) with the protocol's slashes; with
/// `options.network_aggregator` each round's model goes to the network aggregator and the next round
/// starts from the network model.
caf::actor spawn_aggregator(caf::actor_system& system, round_aggregator_options options, caf::actor bridge,
                            caf::actor observer, aggregator_thread thread = aggregator_thread::own,
                            caf::actor treasury = {});

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::round_report)
