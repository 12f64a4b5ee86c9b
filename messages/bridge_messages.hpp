// What actors exchange with the zmq_bridge (torch-free): messages to send to other nodes and
// messages received from them. Only the bridge serializes; in-process tensors stay shared buffers.
#pragma once

#include "messages/wire_message.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>

namespace atn {

/// The `to` of an outbound message that goes to every configured peer.
inline constexpr const char* broadcast_peer = "*";

/// A message for another node (or every peer): sent by any actor to the bridge.
struct outbound_message {
  std::string to = broadcast_peer;  ///< a peer's node id, or broadcast_peer
  wire_message message;             ///< message.from is set by the bridge to this node's id
};

/// A message from another node that passed the codec's checks and the sender check.
struct inbound_message {
  wire_message message;
  std::int64_t received_ms = 0;  ///< Unix ms when the bridge took it off the socket
  std::uint64_t bytes = 0;       ///< size on the wire
};

/// Asks the bridge for its counters (replies with a bridge_stats).
using bridge_stats_atom = caf::atom_constant<caf::atom("brgstats")>;

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::outbound_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::inbound_message)
