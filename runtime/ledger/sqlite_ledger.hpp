// The embedded ledger: one SQLite file (WAL, busy timeout) that every process of a one-machine
// simulation shares. Each submit is one `BEGIN IMMEDIATE` write transaction: signature, nonce,
// settlement of ended epochs, the rule, the audit row (the signed bytes, their hash, the epoch and
// time applied), the nonce bump; a refusal rolls all of it back. A database still busy after the
// timeout gives ledger_unavailable. Schema and rules: ledger_tables, ledger_rules; ARCHITECTURE.md,
// "The ledger". One object serves one thread.
#pragma once

#include "runtime/ledger/ledger.hpp"

#include <filesystem>
#include <memory>

namespace atn::ledger {

class sqlite_db;

class sqlite_ledger final : public ledger {
 public:
  static constexpr int default_busy_timeout_ms = 10000;

  /// Creates the ledger file at `path` (":memory:" for a private in-memory one) from `g`; a
  /// genesis_time of 0 becomes the clock's now. Refuses an existing file (std::runtime_error).
  static std::unique_ptr<sqlite_ledger> create(const std::filesystem::path& path, genesis g, clock_fn clock,
                                               int busy_timeout_ms = default_busy_timeout_ms);
  /// Opens an existing ledger; throws std::runtime_error naming the path when it is missing or is not
  /// a ledger.
  static std::unique_ptr<sqlite_ledger> open(const std::filesystem::path& path, clock_fn clock,
                                             int busy_timeout_ms = default_busy_timeout_ms);
  ~sqlite_ledger() override;

  /// The genesis it was created from (genesis_time resolved).
  const genesis& genesis_params() const { return genesis_; }
  const std::filesystem::path& path() const;

  chain_id id() override { return chain_; }
  receipt submit(const signed_transaction& stx) override;
  std::optional<receipt> find_transaction(const hash256& tx_hash) override;
  std::uint64_t next_nonce(const address& who) override;
  amount balance(const address& who) override;
  std::optional<stake_info> stake_of(const address& who) override;
  bool is_active(const address& who, role r) override;
  std::map<role, role_params> roles() override;
  std::uint64_t current_epoch() override;
  epoch_info epoch(std::uint64_t number) override;
  std::uint64_t attested_units(const address& who, std::uint64_t epoch) override;
  std::uint64_t attested_round_units(const address& who, const std::string& jurisdiction, std::uint64_t round) override;
  std::optional<std::uint64_t> round_epoch(const std::string& jurisdiction, std::uint64_t round) override;
  std::vector<reward_entry> rewards_of(const address& who) override;
  std::vector<jurisdiction_info> jurisdictions() override;
  supply_totals totals() override;
  hash256 state_digest() override;
  std::vector<std::string> check_invariants() override;
  audit_report audit() override;

 private:
  sqlite_ledger(std::unique_ptr<sqlite_db> db, clock_fn clock);
  void load_meta();
  hash256 digest_in_transaction();

  std::unique_ptr<sqlite_db> db_;
  clock_fn clock_;
  genesis genesis_;
  chain_id chain_{};
};

}  // namespace atn::ledger
