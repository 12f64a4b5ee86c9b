// One federation node as an OS process: its data slice, its model engine, the actor of its role
// (solver, coordinator or aggregator) and the zmq_bridge that connects it to its peers.
#pragma once

#include "actors/aggregator.hpp"
#include "runtime/config/federation_options.hpp"

#include <atomic>
#include <string>

namespace atn {

/// Runs the node until the aggregator's rounds are done (aggregator) or `stop` turns true (any
/// role). Returns the process exit code; errors are logged naming their cause. Every second it
/// writes `<state_dir>/status.json` (runtime/node/node_status) with its bridge's counters, so
/// `atn-node status` shows what was accepted, sent and refused; the last counters are logged at exit.
int run_federation_node(const federation_node_options& options, const std::atomic<bool>& stop);

}  // namespace atn
