// Issue 15's rules as the SQLite backend applies them: one function per transaction kind over the
// stored tables, and the settlement of ended epochs. The caller (sqlite_ledger::submit) has checked
// the signature and the nonce and holds the write transaction; a refusal throws ledger_refusal and the
// caller rolls everything back.
#pragma once

#include "runtime/ledger/ledger.hpp"
#include "runtime/ledger/ledger_tables.hpp"

#include <cstdint>

namespace atn::ledger {

/// Settles every epoch before `current_epoch` not yet settled: each round closed in it pays its share
/// of the epoch's budget by emission.hpp's formula, minted into unclaimed rewards. The epochs settled
/// through are kept in meta "settled_through".
void settle_ended_epochs(ledger_tables& t, const genesis& g, std::uint64_t current_epoch);

/// The epoch number every epoch up to which is settled.
std::uint64_t settled_through(ledger_tables& t);

/// Applies `tx` (already authenticated) at time `now` in epoch `epoch`; throws ledger_refusal naming
/// the bad input and what fixes it.
receipt apply_rule(ledger_tables& t, const genesis& g, const transaction& tx, std::int64_t now, std::uint64_t epoch);

}  // namespace atn::ledger
