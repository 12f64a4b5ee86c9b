// What the zmq_bridge needs to know: who this node is, where it listens, and who its peers are.
#pragma once

#include "messages/wire_codec.hpp"
#include "runtime/transport/refusal_log_limiter.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace atn {

/// One configured peer: its node id (the routing id its DEALER presents) and the endpoint its
/// ROUTER listens on.
struct peer_endpoint {
  std::string id;               ///< node id: 1 to 255 bytes
  std::string endpoint;         ///< "tcp://host:port" or "ipc:///path"
  std::string public_key = {};  ///< its CURVE public key (Z85, 40 characters); needed when CURVE is on
};

/// A CURVE key pair, Z85-encoded (40 characters each).
struct curve_key_pair {
  std::string public_key;
  std::string secret_key;
};

/// Configuration of one node's bridge.
struct bridge_options {
  std::string node_id;               ///< this node's id: its DEALERs' routing id, `from` of what it sends
  std::string listen;                ///< the endpoint its ROUTER binds
  std::vector<peer_endpoint> peers;  ///< the only nodes it accepts messages from and sends to
  wire_limits limits;                ///< what inbound messages must satisfy
  std::optional<std::filesystem::path> trace_file;  ///< when set, every message in and out is recorded
  /// When set, connections are CURVE-encrypted: the ROUTER is a CURVE server that admits only the
  /// peers' public keys, and a message's sender is the peer whose key its connection presented;
  /// every DEALER checks its peer's key.
  std::optional<curve_key_pair> curve;
  /// Whole messages one connection may have waiting at the ROUTER before ZeroMQ stops reading from
  /// it (its receive high-water mark): what a peer the node is slow to read can make it hold, at
  /// most this many messages of at most `limits.max_message_bytes`. Nothing is dropped: the sender
  /// waits. A round has a handful of messages per peer in flight.
  int max_queued_per_connection = 16;
  /// How many refusal lines are logged: the first few per (peer, reason), then periodic counts.
  refusal_log_options refusal_log;
  /// How often a peer that is not connected is reported as such ("still trying").
  std::chrono::milliseconds peer_report_interval{10000};
};

}  // namespace atn
