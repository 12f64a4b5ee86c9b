// The ledger interface: the economy's state (balances, stakes, epochs and emission, usage
// attestations, round rewards, jurisdictions) and the only way to change it, a signed transaction.
// `sqlite_ledger` is the embedded backend every process of a one-machine simulation shares; an EVM
// chain is meant to sit behind the same interface (chain id, nonces, Ethereum addresses, 256-bit
// amounts). The rules are issue 15's; ARCHITECTURE.md ("The ledger") states them and the reward
// formula.
#pragma once

#include "runtime/ledger/amount.hpp"
#include "runtime/ledger/crypto.hpp"
#include "runtime/ledger/transaction.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace atn::ledger {

/// Why a transaction was refused. A refused transaction changes nothing (not even the nonce).
enum class refusal {
  bad_signature,  ///< the signature does not recover `from`
  bad_nonce,      ///< nonce ≠ the sender's next nonce (a replay, or one skipped)
  malformed,      ///< unknown kind, missing or unparsable field
  insufficient_balance,
  below_minimum,   ///< stake under the role's minimum
  already_staked,  ///< a second stake while one is held
  no_stake,
  unstake_pending,     ///< add_to_stake / request_unstake after a request
  no_unstake_request,  ///< unstake without request_unstake
  locked,              ///< unstake before the lock-up ended
  not_authorised,      ///< slash by a non-slasher, governance by a non-governor, close_round by a non-aggregator
  inactive_service,    ///< attest_usage for a service without an active stake
  epoch_not_final,     ///< claim before the epoch ended
  nothing_to_claim,
  already_claimed,
  unknown_jurisdiction,
  jurisdiction_exists,
  already_member,  ///< joining twice, or a member / aggregator of another jurisdiction
  not_member,
  aggregator_has_members,  ///< the aggregator leaving while members remain
  round_closed,            ///< close_round twice for one round
};
std::string refusal_name(refusal r);

/// A refused transaction: `what()` names the bad input and what fixes it.
struct ledger_refusal : std::runtime_error {
  ledger_refusal(refusal c, const std::string& message) : std::runtime_error(message), code(c) {}
  refusal code;
};

/// The ledger was busy or unreachable (retry later); nothing was applied.
struct ledger_unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Seconds since the Unix epoch; injectable so tests and replays control time.
using clock_fn = std::function<std::int64_t()>;
clock_fn system_clock_seconds();

struct role_params {
  amount minimum;
  std::int64_t lockup_seconds = 0;
};
/// Issue 15's defaults (proposer 100 ATN / 7 d … validator 10000 / 21 d).
std::map<role, role_params> default_role_params();

/// Everything a ledger starts from (`ledger init --genesis FILE`).
struct genesis {
  std::string chain_name = "atn-local";
  std::int64_t genesis_time = 0;  ///< 0: the clock's now at init
  std::int64_t epoch_length_seconds = 86400;
  amount initial_epoch_budget = amount::atn(10000);
  std::uint32_t decay_bps = 9900;  ///< budget(n) = floor(budget(n−1) × decay_bps / 10000)
  amount guild_stake = amount::atn(500);
  amount member_stake = amount::atn(50);
  std::optional<address> governance;  ///< may set role parameters
  std::vector<address> slashers;
  std::map<address, amount> balances;
  std::map<role, role_params> roles = default_role_params();
};
// Read from YAML and made canonical (its keccak256 is the chain id) by runtime/ledger/genesis_yaml.hpp.

struct stake_info {
  role r = role::solver;
  amount value;
  std::int64_t staked_at = 0;
  std::optional<std::int64_t> unstake_requested_at;
  bool active = false;  ///< false after request_unstake or after a slash below the minimum
};

struct epoch_info {
  std::uint64_t number = 0;  ///< 1-based
  std::int64_t start = 0, end = 0;
  amount budget;
  bool final = false;        ///< the epoch's time has passed (its rewards are claimable)
  bool settled = false;      ///< rewards were computed and minted (done by the first transaction after it ended)
  std::uint64_t rounds = 0;  ///< rounds closed in it
  amount minted;
};

struct reward_entry {
  std::uint64_t epoch = 0;
  amount value;
  bool claimed = false;
};

struct jurisdiction_info {
  std::string name;
  specialisation spec = specialisation::text;
  address aggregator;
  amount treasury;  ///< guild stake + member stakes
  std::vector<address> members;
};

struct supply_totals {
  amount genesis_supply, minted, burned;
  amount balances, stakes, treasuries, unclaimed_rewards;
  /// genesis + minted − burned (throws amount_error when burned exceeds the rest)
  amount total_supply() const { return genesis_supply + minted - burned; }
};

struct audit_report {
  bool ok = false;
  std::uint64_t transactions = 0;  ///< audit rows replayed
  std::vector<std::string> problems;
  hash256 live_digest{}, replayed_digest{};
};

struct receipt {
  hash256 tx_hash{};
  std::uint64_t epoch = 0;  ///< the epoch the transaction was applied in
  amount value;             ///< for claim_reward: the amount paid; slash: burned; unstake/leave: refunded
};

class ledger {
 public:
  virtual ~ledger() = default;

  /// keccak256 of the genesis's canonical text; signatures bind it.
  virtual chain_id id() = 0;

  /// Checks signature and nonce, applies the transaction atomically with its audit row, or throws
  /// ledger_refusal (nothing changed) or ledger_unavailable (busy; retry).
  virtual receipt submit(const signed_transaction& stx) = 0;

  /// The receipt of an applied transaction by its hash (transaction_hash), or nullopt when the
  /// ledger never applied it; what lets an outbox resubmit exactly once after a crash.
  virtual std::optional<receipt> find_transaction(const hash256& tx_hash) = 0;

  virtual std::uint64_t next_nonce(const address& who) = 0;
  virtual amount balance(const address& who) = 0;
  virtual std::optional<stake_info> stake_of(const address& who) = 0;
  /// Stake active, of role `r`, and ≥ the role's current minimum.
  virtual bool is_active(const address& who, role r) = 0;
  virtual std::map<role, role_params> roles() = 0;
  virtual std::uint64_t current_epoch() = 0;
  virtual epoch_info epoch(std::uint64_t number) = 0;
  /// Units `who` attested in `epoch` (all services), and for one round of a jurisdiction.
  virtual std::uint64_t attested_units(const address& who, std::uint64_t epoch) = 0;
  virtual std::uint64_t attested_round_units(const address& who, const std::string& jurisdiction,
                                             std::uint64_t round) = 0;
  /// The epoch in which a jurisdiction's round was closed (close_round applied), or nullopt.
  virtual std::optional<std::uint64_t> round_epoch(const std::string& jurisdiction, std::uint64_t round) = 0;
  /// Settled rewards of `who`, by epoch.
  virtual std::vector<reward_entry> rewards_of(const address& who) = 0;
  virtual std::vector<jurisdiction_info> jurisdictions() = 0;
  virtual supply_totals totals() = 0;

  /// keccak256 of a canonical dump of the whole state (every table but the audit rows).
  virtual hash256 state_digest() = 0;
  /// The invariants on the current state; empty when they hold.
  virtual std::vector<std::string> check_invariants() = 0;
  /// Replays every audit row from genesis into a fresh in-memory ledger (checking each signature and
  /// the invariants after each), then compares its digest with the live one.
  virtual audit_report audit() = 0;
};

/// Convenience for a process acting for its wallet: signs `body` with the next nonce and submits.
receipt submit_as(ledger& l, const class wallet& w, const tx_body& body);

}  // namespace atn::ledger
