// The genesis file of `atn-node ledger init --genesis FILE`: YAML in, and a canonical text out whose
// keccak256 is the ledger's chain id (so every signature binds the exact starting state). The
// canonical text is itself genesis YAML: a ledger stores it and `ledger audit` parses it back to
// replay from the same start.
//
//   chain_name: atn-local            # letters, digits, '.', '_', '-'
//   genesis_time: 0                  # Unix seconds; 0: the time of `ledger init`
//   epoch_length_seconds: 86400
//   initial_epoch_budget: 10000 ATN
//   decay_bps: 9900
//   guild_stake: 500 ATN
//   member_stake: 50 ATN
//   governance: 0x…                  # optional: may set role parameters
//   slashers: [0x…]
//   balances: {0x…: 1000 ATN}
//   roles: {solver: {minimum: 50 ATN, lockup_seconds: 259200}}   # overrides issue 15's defaults
#pragma once

#include "runtime/ledger/ledger.hpp"

#include <string>
#include <string_view>

namespace atn::ledger {

/// Parses genesis YAML; throws std::invalid_argument naming the key and the bad value (an unknown key
/// included, so a typo is not silently ignored).
genesis parse_genesis_yaml(std::string_view text);

/// The canonical form: fixed key order, lowercase addresses in order, amounts exact in ATN, every
/// role listed. parse_genesis_yaml(genesis_canonical_text(g)) gives g back.
std::string genesis_canonical_text(const genesis& g);

/// keccak256 of the canonical text.
chain_id genesis_chain_id(const genesis& g);

}  // namespace atn::ledger
