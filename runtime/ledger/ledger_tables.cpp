#include "runtime/ledger/ledger_tables.hpp"

#include <limits>
#include <stdexcept>

namespace atn::ledger {

namespace {
constexpr std::int64_t max_units = std::numeric_limits<std::int64_t>::max();

std::int64_t sql_int(std::uint64_t v) {
  if (v > static_cast<std::uint64_t>(max_units)) throw std::overflow_error("a count exceeds 2^63 - 1");
  return static_cast<std::int64_t>(v);
}

std::string key(const address& a) { return a.to_lower(); }

amount stored_amount(const sqlite_db::statement& s, int col, const char* where) {
  const std::string text = s.text(col);
  try {
    return amount::parse_units(text);
  } catch (const amount_error&) {
    throw amount_error(std::string(where) + " holds \"" + text + "\", not a non-negative count of units");
  }
}

std::uint64_t add_checked(std::uint64_t a, std::uint64_t b) {
  if (b > static_cast<std::uint64_t>(max_units) - a) throw std::overflow_error("attested units exceed 2^63 - 1");
  return a + b;
}
}  // namespace

const std::vector<table_order>& state_tables() {
  static const std::vector<table_order> tables = {
      {"meta", "key"},
      {"totals", "key"},
      {"accounts", "address"},
      {"roles", "role"},
      {"stakes", "address"},
      {"epochs", "number"},
      {"usage", "caller, service, epoch"},
      {"round_usage", "caller, jurisdiction, round"},
      {"rounds", "jurisdiction, round"},
      {"rewards", "address, epoch"},
      {"jurisdictions", "name"},
      {"members", "address"},
  };
  return tables;
}

void ledger_tables::create_schema(sqlite_db& db) {
  db.exec(R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE totals(key TEXT PRIMARY KEY, units TEXT NOT NULL);
CREATE TABLE accounts(address TEXT PRIMARY KEY, balance TEXT NOT NULL, nonce INTEGER NOT NULL);
CREATE TABLE roles(role TEXT PRIMARY KEY, minimum TEXT NOT NULL, lockup_seconds INTEGER NOT NULL);
CREATE TABLE stakes(address TEXT PRIMARY KEY, role TEXT NOT NULL, amount TEXT NOT NULL,
                    staked_at INTEGER NOT NULL, unstake_requested_at INTEGER, active INTEGER NOT NULL);
CREATE TABLE epochs(number INTEGER PRIMARY KEY, rounds INTEGER NOT NULL, minted TEXT NOT NULL);
CREATE TABLE usage(caller TEXT, service TEXT, epoch INTEGER, units INTEGER NOT NULL,
                   PRIMARY KEY(caller, service, epoch));
CREATE TABLE round_usage(caller TEXT, jurisdiction TEXT, round INTEGER, units INTEGER NOT NULL,
                         PRIMARY KEY(caller, jurisdiction, round));
CREATE TABLE rounds(jurisdiction TEXT, round INTEGER, epoch INTEGER NOT NULL, solvers TEXT NOT NULL,
                    coordinators TEXT NOT NULL, PRIMARY KEY(jurisdiction, round));
CREATE INDEX rounds_by_epoch ON rounds(epoch);
CREATE TABLE rewards(address TEXT, epoch INTEGER, amount TEXT NOT NULL, claimed INTEGER NOT NULL,
                     PRIMARY KEY(address, epoch));
CREATE TABLE jurisdictions(name TEXT PRIMARY KEY, specialisation TEXT NOT NULL, aggregator TEXT NOT NULL,
                           treasury TEXT NOT NULL);
CREATE TABLE members(address TEXT PRIMARY KEY, jurisdiction TEXT NOT NULL, stake TEXT NOT NULL);
CREATE TABLE audit(seq INTEGER PRIMARY KEY, tx BLOB NOT NULL, tx_hash BLOB NOT NULL UNIQUE,
                   epoch INTEGER NOT NULL, time INTEGER NOT NULL, value TEXT NOT NULL DEFAULT '0');
)sql");
}

std::optional<std::string> ledger_tables::meta(const std::string& k) {
  auto s = db_.query("SELECT value FROM meta WHERE key = ?1");
  s.bind(1, k);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void ledger_tables::set_meta(const std::string& k, const std::string& value) {
  db_.query("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(1, k)
      .bind(2, value)
      .run();
}

amount ledger_tables::total(const std::string& k) {
  auto s = db_.query("SELECT units FROM totals WHERE key = ?1");
  s.bind(1, k);
  return s.step() ? stored_amount(s, 0, "totals") : amount();
}

void ledger_tables::set_total(const std::string& k, const amount& v) {
  db_.query("INSERT INTO totals(key, units) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET units = excluded.units")
      .bind(1, k)
      .bind(2, v.units_string())
      .run();
}

amount ledger_tables::balance(const address& a) {
  auto s = db_.query("SELECT balance FROM accounts WHERE address = ?1");
  s.bind(1, key(a));
  return s.step() ? stored_amount(s, 0, "accounts.balance") : amount();
}

std::uint64_t ledger_tables::nonce(const address& a) {
  auto s = db_.query("SELECT nonce FROM accounts WHERE address = ?1");
  s.bind(1, key(a));
  return s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
}

void ledger_tables::set_balance(const address& a, const amount& v) {
  db_.query(
         "INSERT INTO accounts(address, balance, nonce) VALUES(?1, ?2, 0) "
         "ON CONFLICT(address) DO UPDATE SET balance = excluded.balance")
      .bind(1, key(a))
      .bind(2, v.units_string())
      .run();
}

void ledger_tables::bump_nonce(const address& a) {
  db_.query(
         "INSERT INTO accounts(address, balance, nonce) VALUES(?1, '0', 1) "
         "ON CONFLICT(address) DO UPDATE SET nonce = nonce + 1")
      .bind(1, key(a))
      .run();
}

std::map<role, role_params> ledger_tables::roles() {
  std::map<role, role_params> out;
  auto s = db_.query("SELECT role, minimum, lockup_seconds FROM roles");
  while (s.step()) {
    const auto r = parse_role(s.text(0));
    if (!r) throw std::runtime_error("ledger " + db_.path().string() + ": unknown role \"" + s.text(0) + "\" stored");
    out[*r] = role_params{stored_amount(s, 1, "roles.minimum"), s.integer(2)};
  }
  return out;
}

void ledger_tables::set_role(role r, const role_params& p) {
  db_.query(
         "INSERT INTO roles(role, minimum, lockup_seconds) VALUES(?1, ?2, ?3) "
         "ON CONFLICT(role) DO UPDATE SET minimum = excluded.minimum, lockup_seconds = excluded.lockup_seconds")
      .bind(1, role_name(r))
      .bind(2, p.minimum.units_string())
      .bind(3, p.lockup_seconds)
      .run();
}

std::optional<stake_info> ledger_tables::stake(const address& a) {
  auto s = db_.query("SELECT role, amount, staked_at, unstake_requested_at, active FROM stakes WHERE address = ?1");
  s.bind(1, key(a));
  if (!s.step()) return std::nullopt;
  stake_info st;
  const auto r = parse_role(s.text(0));
  if (!r) throw std::runtime_error("ledger " + db_.path().string() + ": unknown role \"" + s.text(0) + "\" stored");
  st.r = *r;
  st.value = stored_amount(s, 1, "stakes.amount");
  st.staked_at = s.integer(2);
  if (!s.is_null(3)) st.unstake_requested_at = s.integer(3);
  st.active = s.integer(4) != 0;
  return st;
}

void ledger_tables::put_stake(const address& a, const stake_info& st) {
  auto s = db_.query(
      "INSERT OR REPLACE INTO stakes(address, role, amount, staked_at, unstake_requested_at, active) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  s.bind(1, key(a)).bind(2, role_name(st.r)).bind(3, st.value.units_string()).bind(4, st.staked_at);
  if (st.unstake_requested_at)
    s.bind(5, *st.unstake_requested_at);
  else
    s.bind_null(5);
  s.bind(6, std::int64_t{st.active ? 1 : 0}).run();
}

void ledger_tables::delete_stake(const address& a) {
  db_.query("DELETE FROM stakes WHERE address = ?1").bind(1, key(a)).run();
}

std::uint64_t ledger_tables::usage(const address& caller, std::uint64_t epoch) {
  auto s = db_.query("SELECT units FROM usage WHERE caller = ?1 AND epoch = ?2");
  s.bind(1, key(caller)).bind(2, sql_int(epoch));
  std::uint64_t sum = 0;
  while (s.step()) sum = add_checked(sum, static_cast<std::uint64_t>(s.integer(0)));
  return sum;
}

void ledger_tables::add_usage(const address& caller, const address& service, std::uint64_t epoch, std::uint64_t units) {
  std::uint64_t now = 0;
  {
    auto s = db_.query("SELECT units FROM usage WHERE caller = ?1 AND service = ?2 AND epoch = ?3");
    s.bind(1, key(caller)).bind(2, key(service)).bind(3, sql_int(epoch));
    if (s.step()) now = static_cast<std::uint64_t>(s.integer(0));
  }
  db_.query("INSERT OR REPLACE INTO usage(caller, service, epoch, units) VALUES(?1, ?2, ?3, ?4)")
      .bind(1, key(caller))
      .bind(2, key(service))
      .bind(3, sql_int(epoch))
      .bind(4, sql_int(add_checked(now, units)))
      .run();
}

std::uint64_t ledger_tables::round_usage(const address& caller, const std::string& jurisdiction, std::uint64_t round) {
  auto s = db_.query("SELECT units FROM round_usage WHERE caller = ?1 AND jurisdiction = ?2 AND round = ?3");
  s.bind(1, key(caller)).bind(2, jurisdiction).bind(3, sql_int(round));
  return s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
}

void ledger_tables::add_round_usage(const address& caller, const std::string& jurisdiction, std::uint64_t round,
                                    std::uint64_t units) {
  const std::uint64_t now = round_usage(caller, jurisdiction, round);
  db_.query("INSERT OR REPLACE INTO round_usage(caller, jurisdiction, round, units) VALUES(?1, ?2, ?3, ?4)")
      .bind(1, key(caller))
      .bind(2, jurisdiction)
      .bind(3, sql_int(round))
      .bind(4, sql_int(add_checked(now, units)))
      .run();
}

bool ledger_tables::round_closed(const std::string& jurisdiction, std::uint64_t round) {
  auto s = db_.query("SELECT 1 FROM rounds WHERE jurisdiction = ?1 AND round = ?2");
  s.bind(1, jurisdiction).bind(2, sql_int(round));
  return s.step();
}

std::optional<std::uint64_t> ledger_tables::round_epoch(const std::string& jurisdiction, std::uint64_t round) {
  auto s = db_.query("SELECT epoch FROM rounds WHERE jurisdiction = ?1 AND round = ?2");
  s.bind(1, jurisdiction).bind(2, sql_int(round));
  if (!s.step()) return std::nullopt;
  return static_cast<std::uint64_t>(s.integer(0));
}

void ledger_tables::put_round(const stored_round& r, std::uint64_t epoch) {
  db_.query("INSERT INTO rounds(jurisdiction, round, epoch, solvers, coordinators) VALUES(?1, ?2, ?3, ?4, ?5)")
      .bind(1, r.jurisdiction)
      .bind(2, sql_int(r.round))
      .bind(3, sql_int(epoch))
      .bind(4, r.solvers)
      .bind(5, r.coordinators)
      .run();
}

std::vector<stored_round> ledger_tables::rounds_in(std::uint64_t epoch) {
  auto s = db_.query(
      "SELECT jurisdiction, round, solvers, coordinators FROM rounds WHERE epoch = ?1 ORDER BY jurisdiction, round");
  s.bind(1, sql_int(epoch));
  std::vector<stored_round> out;
  while (s.step()) out.push_back({s.text(0), static_cast<std::uint64_t>(s.integer(1)), s.text(2), s.text(3)});
  return out;
}

std::uint64_t ledger_tables::epoch_rounds(std::uint64_t epoch) {
  auto s = db_.query("SELECT rounds FROM epochs WHERE number = ?1");
  s.bind(1, sql_int(epoch));
  return s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
}

amount ledger_tables::epoch_minted(std::uint64_t epoch) {
  auto s = db_.query("SELECT minted FROM epochs WHERE number = ?1");
  s.bind(1, sql_int(epoch));
  return s.step() ? stored_amount(s, 0, "epochs.minted") : amount();
}

void ledger_tables::count_round(std::uint64_t epoch) {
  db_.query(
         "INSERT INTO epochs(number, rounds, minted) VALUES(?1, 1, '0') "
         "ON CONFLICT(number) DO UPDATE SET rounds = rounds + 1")
      .bind(1, sql_int(epoch))
      .run();
}

void ledger_tables::set_epoch_minted(std::uint64_t epoch, const amount& v) {
  db_.query("UPDATE epochs SET minted = ?2 WHERE number = ?1").bind(1, sql_int(epoch)).bind(2, v.units_string()).run();
}

std::vector<std::uint64_t> ledger_tables::epochs_with_rounds(std::uint64_t after, std::uint64_t before) {
  auto s = db_.query("SELECT number FROM epochs WHERE number > ?1 AND number < ?2 AND rounds > 0 ORDER BY number");
  s.bind(1, sql_int(after)).bind(2, sql_int(before));
  std::vector<std::uint64_t> out;
  while (s.step()) out.push_back(static_cast<std::uint64_t>(s.integer(0)));
  return out;
}

std::optional<reward_entry> ledger_tables::reward(const address& a, std::uint64_t epoch) {
  auto s = db_.query("SELECT amount, claimed FROM rewards WHERE address = ?1 AND epoch = ?2");
  s.bind(1, key(a)).bind(2, sql_int(epoch));
  if (!s.step()) return std::nullopt;
  return reward_entry{epoch, stored_amount(s, 0, "rewards.amount"), s.integer(1) != 0};
}

void ledger_tables::put_reward(const address& a, std::uint64_t epoch, const amount& v) {
  db_.query("INSERT INTO rewards(address, epoch, amount, claimed) VALUES(?1, ?2, ?3, 0)")
      .bind(1, key(a))
      .bind(2, sql_int(epoch))
      .bind(3, v.units_string())
      .run();
}

void ledger_tables::mark_claimed(const address& a, std::uint64_t epoch) {
  db_.query("UPDATE rewards SET claimed = 1 WHERE address = ?1 AND epoch = ?2")
      .bind(1, key(a))
      .bind(2, sql_int(epoch))
      .run();
}

std::vector<reward_entry> ledger_tables::rewards_of(const address& a) {
  auto s = db_.query("SELECT epoch, amount, claimed FROM rewards WHERE address = ?1 ORDER BY epoch");
  s.bind(1, key(a));
  std::vector<reward_entry> out;
  while (s.step())
    out.push_back({static_cast<std::uint64_t>(s.integer(0)), stored_amount(s, 1, "rewards.amount"), s.integer(2) != 0});
  return out;
}

std::optional<jurisdiction_info> ledger_tables::jurisdiction(const std::string& name) {
  auto s = db_.query("SELECT specialisation, aggregator, treasury FROM jurisdictions WHERE name = ?1");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  jurisdiction_info j;
  j.name = name;
  j.spec = parse_specialisation(s.text(0)).value_or(specialisation::text);
  j.aggregator = address::parse(s.text(1));
  j.treasury = stored_amount(s, 2, "jurisdictions.treasury");
  return j;
}

void ledger_tables::put_jurisdiction(const jurisdiction_info& j) {
  db_.query("INSERT OR REPLACE INTO jurisdictions(name, specialisation, aggregator, treasury) VALUES(?1, ?2, ?3, ?4)")
      .bind(1, j.name)
      .bind(2, specialisation_name(j.spec))
      .bind(3, key(j.aggregator))
      .bind(4, j.treasury.units_string())
      .run();
}

void ledger_tables::delete_jurisdiction(const std::string& name) {
  db_.query("DELETE FROM jurisdictions WHERE name = ?1").bind(1, name).run();
}

std::vector<jurisdiction_info> ledger_tables::jurisdictions() {
  std::vector<std::string> names;
  {
    auto s = db_.query("SELECT name FROM jurisdictions ORDER BY name");
    while (s.step()) names.push_back(s.text(0));
  }
  std::vector<jurisdiction_info> out;
  for (const auto& n : names) {
    auto j = *jurisdiction(n);
    auto s = db_.query("SELECT address FROM members WHERE jurisdiction = ?1 ORDER BY address");
    s.bind(1, n);
    while (s.step()) j.members.push_back(address::parse(s.text(0)));
    out.push_back(std::move(j));
  }
  return out;
}

std::optional<std::string> ledger_tables::aggregated_by(const address& a) {
  auto s = db_.query("SELECT name FROM jurisdictions WHERE aggregator = ?1");
  s.bind(1, key(a));
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

std::optional<member_row> ledger_tables::membership(const address& a) {
  auto s = db_.query("SELECT jurisdiction, stake FROM members WHERE address = ?1");
  s.bind(1, key(a));
  if (!s.step()) return std::nullopt;
  return member_row{s.text(0), stored_amount(s, 1, "members.stake")};
}

void ledger_tables::add_member(const address& a, const std::string& jurisdiction, const amount& stake) {
  db_.query("INSERT INTO members(address, jurisdiction, stake) VALUES(?1, ?2, ?3)")
      .bind(1, key(a))
      .bind(2, jurisdiction)
      .bind(3, stake.units_string())
      .run();
}

void ledger_tables::remove_member(const address& a) {
  db_.query("DELETE FROM members WHERE address = ?1").bind(1, key(a)).run();
}

std::uint64_t ledger_tables::member_count(const std::string& jurisdiction) {
  auto s = db_.query("SELECT COUNT(*) FROM members WHERE jurisdiction = ?1");
  s.bind(1, jurisdiction);
  s.step();
  return static_cast<std::uint64_t>(s.integer(0));
}

supply_totals ledger_tables::totals() {
  supply_totals t;
  t.genesis_supply = total("genesis_supply");
  t.minted = total("minted");
  t.burned = total("burned");
  const auto sum = [&](const std::string& sql, const char* where) {
    amount acc;
    auto s = db_.query(sql);
    while (s.step()) acc += stored_amount(s, 0, where);
    return acc;
  };
  t.balances = sum("SELECT balance FROM accounts", "accounts.balance");
  t.stakes = sum("SELECT amount FROM stakes", "stakes.amount");
  t.treasuries = sum("SELECT treasury FROM jurisdictions", "jurisdictions.treasury");
  t.unclaimed_rewards = sum("SELECT amount FROM rewards WHERE claimed = 0", "rewards.amount");
  return t;
}

void ledger_tables::append_audit(const std::string& tx, const hash256& tx_hash, std::uint64_t epoch, std::int64_t time,
                                 const amount& value) {
  db_.query("INSERT INTO audit(tx, tx_hash, epoch, time, value) VALUES(?1, ?2, ?3, ?4, ?5)")
      .bind_blob(1, tx)
      .bind_blob(2, std::string_view(reinterpret_cast<const char*>(tx_hash.data()), tx_hash.size()))
      .bind(3, sql_int(epoch))
      .bind(4, time)
      .bind(5, value.units_string())
      .run();
}

std::optional<receipt> ledger_tables::applied_transaction(const hash256& tx_hash) {
  auto s = db_.query("SELECT epoch, value FROM audit WHERE tx_hash = ?1");
  s.bind_blob(1, std::string_view(reinterpret_cast<const char*>(tx_hash.data()), tx_hash.size()));
  if (!s.step()) return std::nullopt;
  receipt r;
  r.tx_hash = tx_hash;
  r.epoch = static_cast<std::uint64_t>(s.integer(0));
  r.value = amount::parse_units(s.text(1));
  return r;
}

std::vector<audit_row> ledger_tables::audit_rows() {
  auto s = db_.query("SELECT seq, tx, tx_hash, epoch, time FROM audit ORDER BY seq");
  std::vector<audit_row> out;
  while (s.step())
    out.push_back({s.integer(0), s.blob(1), s.blob(2), static_cast<std::uint64_t>(s.integer(3)), s.integer(4)});
  return out;
}

}  // namespace atn::ledger
