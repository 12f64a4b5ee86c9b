// Typed messages to and from the treasury client, the one actor that talks to the ledger. Amounts
// travel as ATN text ("12.5 ATN"): messages/ sits below the ledger's amount type, and text is exact.
#pragma once

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <string>

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
  std::string last_error;  ///< the last refusal or unavailability, empty when none
};

using treasury_status_atom = caf::atom_constant<caf::atom("trsstat")>;
using treasury_deliver_atom = caf::atom_constant<caf::atom("trsdeliv")>;

}  // namespace atn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::attest_training)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::treasury_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(atn::treasury_status)
