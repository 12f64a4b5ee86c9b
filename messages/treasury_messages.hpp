// Typed messages to and from the treasury client, the one actor that talks to the ledger. Amounts
// travel as ATN text ("12.5 ATN"): messages/ sits below the ledger's amount type, and text is exact.
#pragma once

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>
#include <vector>

namespace atn {

/// Attest the training a node completed: `units` steps for (jurisdiction, round) — in solo mode the
/// jurisdiction is empty and the round is the training cycle. `key` is the idempotency key: a second
/// attestation under the same key is not sent again.
struct attest_training {
  std::string key;
  std::string jurisdiction;
  std::int64_t round = 0;
  std::int64_t units = 0;
};

/// One participant's part of a closed round for the ledger: its wallet address (0x-hex), its Yuma
/// weight as a decimal integer (emission_weight) and, for a solver, the training steps the round
/// credits it with.
struct ledger_share {
  std::string address;
  std::string weight;
  std::int64_t units = 0;
};

/// A Yuma emission share (0…1) as the integer weight the ledger's reward formula takes: round(share ×
/// 10^12). Shares of one round are compared only with each other, so the scale cancels out.
std::string emission_weight(double share);

/// Close a jurisdiction's round on the ledger with its Yuma result (the aggregator sends it): solvers
/// weighted by server_emission, coordinators by validator_emission.
struct close_round_request {
  std::string key;
  std::string jurisdiction;
  std::int64_t round = 0;
  std::vector<ledger_share> solvers, coordinators;
};

/// Slash `fraction_bps` / 10000 of a participant's stake (the aggregator sends it for a commitment that
/// was never revealed or whose reveal did not match). Nothing is sent for a participant without stake.
struct slash_request {
  std::string key;
  std::string address;
  std::uint32_t fraction_bps = 0;
  std::string reason;
};

/// What became of a request: "applied" (with the epoch), "refused" (detail: the ledger's reason) or
/// "queued" (the ledger is busy or unreachable; detail says why; the client retries by itself).
struct treasury_outcome {
  std::string key;
  std::string state;
  std::string detail;
  std::uint64_t epoch = 0;
};

/// The node's standing on the ledger, for `status`.
struct treasury_status {
  std::string address;
  std::string balance, stake;  ///< ATN text; stake empty when none
  bool stake_active = false;
  std::uint64_t attested_units = 0;  ///< in the current epoch
  std::uint64_t pending = 0;         ///< outbox entries not yet applied or refused
  std::uint64_t applied = 0, refused = 0;
  std::string last_error;       ///< the last refusal or unavailability, empty when none
  std::uint64_t ledger_us = 0;  ///< time spent waiting on the ledger for the node's transactions since start (µs)
};

using treasury_status_atom = caf::atom_constant<caf::atom("trsstat")>;
using treasury_deliver_atom = caf::atom_constant<caf::atom("trsdeliv")>;

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::attest_training)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::treasury_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::treasury_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::close_round_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::slash_request)
