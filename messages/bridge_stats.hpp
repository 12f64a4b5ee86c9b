// The zmq_bridge's counters, as it replies to a bridge_stats_atom (torch-free).
#pragma once

#include "messages/wire_codec.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>

#include <map>
#include <string>

namespace atn {

/// Everything the bridge counted since it started.
struct bridge_stats {
  wire_stats received;                ///< messages accepted (passed on to the handler), codec rejects by reason
  std::uint64_t sent_messages = 0;    ///< messages handed to a peer's socket (a broadcast counts per peer)
  std::uint64_t sent_bytes = 0;       ///< bytes of those messages, all frames
  std::uint64_t unknown_sender = 0;   ///< refused: routing id not a configured peer
  std::uint64_t sender_mismatch = 0;  ///< refused: envelope `from` differs from the routing id
  std::uint64_t send_failures = 0;    ///< outbound messages not sent: unknown peer, encode error, socket error
  std::uint64_t trace_failures = 0;   ///< messages the trace could not record
  std::uint64_t curve_denied = 0;     ///< CURVE handshakes refused: a public key not on the allow-list
  /// Refused: a CURVE connection presenting another id than the peer its key belongs to.
  std::uint64_t impersonation = 0;
  /// Connections whose handshake failed before any key was checked: plaintext (or another mechanism)
  /// to a CURVE node, a CURVE client to a plaintext node, or not ZeroMQ at all.
  std::uint64_t handshake_failed = 0;

  /// "received: accepted=3 rejected=1 (malformed=1); sent=4 (5.2 MB) unknown_sender=1 ...".
  std::string summary() const;

  /// Every counter by name, as the node's status file shows them: "accepted", "accepted_bytes",
  /// "sent_messages", "sent_bytes", "unknown_sender", "sender_mismatch", "curve_denied",
  /// "impersonation", "handshake_failed", "send_failures", "trace_failures", and "rejected_<reason>" for each codec reason that occurred.
  std::map<std::string, std::uint64_t> counters() const;
};

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::bridge_stats)
