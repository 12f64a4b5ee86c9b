// The zmq_bridge: the only actor that touches a socket. Every node binds one ZMQ_ROUTER on its
// listen endpoint and connects one ZMQ_DEALER per configured peer, whose routing id is this
// node's id; so a message queues on the peer's DEALER until the peer is up, and the ROUTER learns
// who sent each message from the connection, not from the message.
#pragma once

#include "runtime/transport/bridge_config.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/fwd.hpp>

namespace atn {

/// Spawns a detached bridge that binds, connects and then loops: it polls its ROUTER (a few ms at a
/// time), decodes what arrives, refuses messages from ids that are not configured peers
/// ("unknown_sender") or whose `from` is not the connection's id ("sender_mismatch"), counts codec
/// rejects by reason, logs each refusal naming the sender, and sends every accepted message to
/// `inbound_handler` as an `inbound_message`. Between polls it handles:
/// - `outbound_message` → sets `from` to this node, encodes once and sends to that peer or, for
///   `broadcast_peer`, to every peer (frames shared, not copied);
/// - `bridge_stats_atom` → replies with a `bridge_stats`.
/// When `options.trace_file` is set it records every message in and out (runtime/message_trace).
/// When `options.curve` is set every connection is CURVE-encrypted and the ROUTER admits only the
/// configured peers' public keys (through a ZAP handler it serves itself; others are counted as
/// "curve_denied"). A message's sender is then the peer whose key its connection presented, not
/// the routing id (its DEALERs present none); a connection that presents another peer's id than its
/// key's is refused ("impersonation"), and a plaintext connection fails its handshake
/// ("handshake_failed", counted from the ROUTER's monitor, as is any failed handshake).
/// The ROUTER reads no frame over the codec's frame limit (ZMQ_MAXMSGSIZE applies per frame) and
/// holds at most `max_queued_per_connection` whole messages per connection.
/// It stops on an exit message or when `inbound_handler` goes down, closing its sockets. When it
/// cannot start (bad options, an endpoint it cannot bind or connect, a trace it cannot create) it
/// logs why and quits at once with an error naming the endpoint: `sec::cannot_open_port` for a
/// bind failure, `sec::invalid_argument` otherwise.
caf::actor spawn_zmq_bridge(caf::actor_system& system, bridge_options options, caf::actor inbound_handler);

}  // namespace atn
