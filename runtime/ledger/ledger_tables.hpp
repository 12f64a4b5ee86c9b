// The SQLite ledger's schema and typed access to its rows: what the rules read and write, with
// amounts stored as decimal TEXT of smallest units (never REAL) and addresses as lowercase hex. No
// rule lives here; ledger_rules decides, this file only stores.
#pragma once

#include "runtime/ledger/ledger.hpp"
#include "runtime/ledger/sqlite_db.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atn::ledger {

/// Tables in the order the state digest dumps them, each with its ORDER BY (the audit table is not
/// state and is not listed).
struct table_order {
  const char* table;
  const char* order_by;
};
const std::vector<table_order>& state_tables();

struct stored_round {
  std::string jurisdiction;
  std::uint64_t round = 0;
  std::string solvers, coordinators;  ///< close_round's fields as submitted
};

struct member_row {
  std::string jurisdiction;
  amount stake;
};

struct audit_row {
  std::int64_t seq = 0;
  std::string tx;  ///< encode_signed bytes
  std::string tx_hash;
  std::uint64_t epoch = 0;
  std::int64_t time = 0;
};

class ledger_tables {
 public:
  explicit ledger_tables(sqlite_db& db) : db_(db) {}
  static void create_schema(sqlite_db& db);

  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);
  amount total(const std::string& key);  ///< genesis_supply, minted, burned
  void set_total(const std::string& key, const amount& v);

  amount balance(const address& a);
  std::uint64_t nonce(const address& a);
  void set_balance(const address& a, const amount& v);
  void bump_nonce(const address& a);

  std::map<role, role_params> roles();
  void set_role(role r, const role_params& p);

  std::optional<stake_info> stake(const address& a);
  void put_stake(const address& a, const stake_info& s);
  void delete_stake(const address& a);

  std::uint64_t usage(const address& caller, std::uint64_t epoch);
  void add_usage(const address& caller, const address& service, std::uint64_t epoch, std::uint64_t units);
  std::uint64_t round_usage(const address& caller, const std::string& jurisdiction, std::uint64_t round);
  void add_round_usage(const address& caller, const std::string& jurisdiction, std::uint64_t round,
                       std::uint64_t units);

  bool round_closed(const std::string& jurisdiction, std::uint64_t round);
  std::optional<std::uint64_t> round_epoch(const std::string& jurisdiction, std::uint64_t round);
  void put_round(const stored_round& r, std::uint64_t epoch);
  std::vector<stored_round> rounds_in(std::uint64_t epoch);

  /// Rounds closed in and rewards minted for an epoch (0 and 0 when nothing happened in it).
  std::uint64_t epoch_rounds(std::uint64_t epoch);
  amount epoch_minted(std::uint64_t epoch);
  void count_round(std::uint64_t epoch);
  void set_epoch_minted(std::uint64_t epoch, const amount& v);
  /// Epochs in (after, before) with at least one round, ascending.
  std::vector<std::uint64_t> epochs_with_rounds(std::uint64_t after, std::uint64_t before);

  std::optional<reward_entry> reward(const address& a, std::uint64_t epoch);
  void put_reward(const address& a, std::uint64_t epoch, const amount& v);
  void mark_claimed(const address& a, std::uint64_t epoch);
  std::vector<reward_entry> rewards_of(const address& a);

  std::optional<jurisdiction_info> jurisdiction(const std::string& name);  ///< members not filled
  void put_jurisdiction(const jurisdiction_info& j);
  void delete_jurisdiction(const std::string& name);
  std::vector<jurisdiction_info> jurisdictions();  ///< members filled
  /// The jurisdiction `a` aggregates, if any.
  std::optional<std::string> aggregated_by(const address& a);
  std::optional<member_row> membership(const address& a);
  void add_member(const address& a, const std::string& jurisdiction, const amount& stake);
  void remove_member(const address& a);
  std::uint64_t member_count(const std::string& jurisdiction);

  /// Sums of the stored amounts (a row that does not parse throws amount_error naming it).
  supply_totals totals();

  /// `value` is the receipt's, kept so find_transaction can answer with it.
  void append_audit(const std::string& tx, const hash256& tx_hash, std::uint64_t epoch, std::int64_t time,
                    const amount& value);
  /// The receipt of the audit row with this transaction hash, if any.
  std::optional<receipt> applied_transaction(const hash256& tx_hash);
  std::vector<audit_row> audit_rows();

 private:
  sqlite_db& db_;
};

}  // namespace atn::ledger
