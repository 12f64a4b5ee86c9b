// The network aggregator: with several jurisdictions, each jurisdiction's aggregator sends it the
// model its round produced; once every jurisdiction's model of a round is in, it averages them,
// weighted by the samples each aggregated, and sends the network model back to every aggregator, whose
// next round starts from it. Torch-free.
#pragma once

#include "runtime/protocol/round_options.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

namespace atn {

/// Spawns the network aggregator (detached: it decodes, averages and writes whole models). It takes
/// `inbound_message`s (jurisdiction_model), sends network_model to every aggregator through `bridge`,
/// each `network_report` and finally `(round_done_atom, rounds)` to `observer`. A model from a node that
/// is not the jurisdiction's configured aggregator, of another layout, with NaN/Inf or whose hash is
/// not its version is refused and logged. Inputs and outputs are written under `state_dir`.
caf::actor spawn_network_aggregator(caf::actor_system& system, network_aggregator_options options, caf::actor bridge,
                                    caf::actor observer);

/// The samples-weighted average of the jurisdictions' models in name order (equal weights when no
/// jurisdiction has samples); what the network aggregator publishes.
named_tensors network_average(const std::map<std::string, std::pair<std::int64_t, named_tensors>>& models);

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::network_report)
