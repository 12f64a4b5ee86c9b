// The emission rules, as pure integer functions the backends share (ARCHITECTURE.md, "The ledger"):
// epoch budgets decaying by decay_bps, each round's share of its epoch's budget, and a round's
// rewards from its Yuma weights and the solvers' attested training units. Every division floors; what
// a floor or an unattested solver leaves is never minted.
#pragma once

#include "runtime/ledger/amount.hpp"
#include "runtime/ledger/transaction.hpp"

#include <cstdint>
#include <functional>
#include <map>

namespace atn::ledger {

/// The epoch (1-based) that time `t` falls in: epoch n runs [genesis + (n−1)·length, genesis + n·length);
/// a time before genesis counts as epoch 1.
std::uint64_t epoch_at(std::int64_t genesis_time, std::int64_t length, std::int64_t t);
/// Start of epoch n (its end is the start of n + 1).
std::int64_t epoch_start(std::int64_t genesis_time, std::int64_t length, std::uint64_t n);

/// Budget of epoch n (1-based): B(1) = initial, B(n) = floor(B(n−1) × decay_bps / 10000).
amount epoch_budget(const amount& initial, std::uint32_t decay_bps, std::uint64_t n);

/// One round's share of an epoch in which `rounds` rounds closed: floor(budget / rounds); 0 rounds: 0.
amount round_share(const amount& budget, std::uint64_t rounds);

/// A round's rewards. W = Σ solver weights + Σ coordinator weights (0: nothing is paid).
/// Solver i with weight w_i, credited units u_i and attested units a_i for this round:
///   eff_i = u_i = 0 ? 0 : floor(w_i × min(a_i, u_i) / u_i),  reward_i = floor(share × eff_i / W).
/// Coordinator j: reward_j = floor(share × w_j / W). An address listed twice gets the sum.
/// `attested(who)` gives a_i. Σ rewards ≤ share.
std::map<address, amount> round_rewards(const amount& share, const round_result& result,
                                        const std::function<std::uint64_t(const address&)>& attested);

}  // namespace atn::ledger
