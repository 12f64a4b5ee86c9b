#include "runtime/ledger/sqlite_ledger.hpp"

#include "runtime/ledger/emission.hpp"
#include "runtime/ledger/genesis_yaml.hpp"
#include "runtime/ledger/ledger_rules.hpp"
#include "runtime/ledger/ledger_tables.hpp"
#include "runtime/ledger/sqlite_db.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <stdexcept>

namespace atn::ledger {

namespace {
constexpr const char* format_marker = "atn-ledger-sqlite 1";

// Whole-state reads run in one read transaction, so they see one snapshot while other processes write.
class read_snapshot {
 public:
  explicit read_snapshot(sqlite_db& db) : db_(db) { db_.exec("BEGIN"); }
  ~read_snapshot() {
    if (db_.in_transaction()) sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
  }
  read_snapshot(const read_snapshot&) = delete;
  read_snapshot& operator=(const read_snapshot&) = delete;

 private:
  sqlite_db& db_;
};

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void set_pragmas(sqlite_db& db) {
  // FULL: a committed transaction survives a power cut, as a ledger must; the benchmark compares
  // against plain inserts with the same setting.
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA foreign_keys = OFF");
}
}  // namespace

sqlite_ledger::sqlite_ledger(std::unique_ptr<sqlite_db> db, clock_fn clock)
    : db_(std::move(db)), clock_(std::move(clock)) {}

sqlite_ledger::~sqlite_ledger() = default;

const std::filesystem::path& sqlite_ledger::path() const { return db_->path(); }

std::unique_ptr<sqlite_ledger> sqlite_ledger::create(const std::filesystem::path& path, genesis g, clock_fn clock,
                                                     int busy_timeout_ms) {
  if (g.genesis_time == 0) g.genesis_time = clock();
  const bool memory = path == ":memory:";
  auto db = std::make_unique<sqlite_db>(path, true, busy_timeout_ms);
  try {
    if (!memory) db->exec("PRAGMA journal_mode = WAL");  // persistent: every later connection uses WAL
    set_pragmas(*db);
    db->exec("BEGIN IMMEDIATE");
    ledger_tables::create_schema(*db);
    ledger_tables t(*db);
    const std::string text = genesis_canonical_text(g);
    t.set_meta("format", format_marker);
    t.set_meta("genesis", text);
    t.set_meta("chain_id", to_hex(keccak256(text)));
    t.set_meta("settled_through", "0");
    for (role r : all_roles) {
      const auto it = g.roles.find(r);
      t.set_role(r, it == g.roles.end() ? role_params{} : it->second);
    }
    amount supply;
    for (const auto& [a, v] : g.balances) {
      t.set_balance(a, v);
      supply += v;
    }
    t.set_total("genesis_supply", supply);
    t.set_total("minted", amount());
    t.set_total("burned", amount());
    db->exec("COMMIT");
  } catch (...) {
    db.reset();
    if (!memory) {
      std::remove(path.c_str());
      std::remove((path.string() + "-wal").c_str());
      std::remove((path.string() + "-shm").c_str());
    }
    throw;
  }
  std::unique_ptr<sqlite_ledger> l(new sqlite_ledger(std::move(db), std::move(clock)));
  l->load_meta();
  return l;
}

std::unique_ptr<sqlite_ledger> sqlite_ledger::open(const std::filesystem::path& path, clock_fn clock,
                                                   int busy_timeout_ms) {
  auto db = std::make_unique<sqlite_db>(path, false, busy_timeout_ms);
  try {
    set_pragmas(*db);
  } catch (const ledger_unavailable&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + " is not an atn ledger (" + e.what() + ")");
  }
  std::unique_ptr<sqlite_ledger> l(new sqlite_ledger(std::move(db), std::move(clock)));
  l->load_meta();
  return l;
}

void sqlite_ledger::load_meta() {
  ledger_tables t(*db_);
  std::optional<std::string> format, text, chain_hex;
  try {
    read_snapshot snap(*db_);
    format = t.meta("format");
    text = t.meta("genesis");
    chain_hex = t.meta("chain_id");
  } catch (const ledger_unavailable&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(path().string() + " is not an atn ledger (" + e.what() + ")");
  }
  if (format != std::string(format_marker) || !text || !chain_hex)
    throw std::runtime_error(path().string() + " is not an atn ledger (no \"" + format_marker + "\" marker)");
  genesis_ = parse_genesis_yaml(*text);
  from_hex(*chain_hex, chain_.data(), chain_.size(), "stored chain id");
  if (keccak256(*text) != chain_)
    throw std::runtime_error("ledger " + path().string() + ": its chain id does not match its genesis (file damaged)");
}

receipt sqlite_ledger::submit(const signed_transaction& stx) {
  const std::int64_t now = clock_();
  const std::uint64_t epoch = epoch_at(genesis_.genesis_time, genesis_.epoch_length_seconds, now);
  const transaction& tx = stx.tx;
  // The signature is checked before the write lock is taken: it needs no state.
  bool signed_by_sender = false;
  try {
    signed_by_sender = recover_signer(signing_hash(chain_, tx), stx.sig) == tx.from;
  } catch (const crypto_error&) {}
  if (!signed_by_sender)
    throw ledger_refusal(refusal::bad_signature, "the signature of this " + tx.kind + " was not made by its sender " +
                                                     tx.from.to_string() + " for this ledger's chain id");
  const std::string bytes = encode_signed(chain_, stx);
  receipt r;
  r.tx_hash = keccak256(bytes);
  db_->exec("BEGIN IMMEDIATE");
  try {
    ledger_tables t(*db_);
    const std::uint64_t expected = t.nonce(tx.from);
    if (tx.nonce != expected)
      throw ledger_refusal(refusal::bad_nonce,
                           "nonce " + std::to_string(tx.nonce) + " of " + tx.from.to_string() +
                               " but its next nonce is " + std::to_string(expected) +
                               (tx.nonce < expected ? " (a replayed transaction)" : " (one skipped)"));
    settle_ended_epochs(t, genesis_, epoch);
    const receipt applied = apply_rule(t, genesis_, tx, now, epoch);
    r.value = applied.value;
    r.epoch = epoch;
    t.bump_nonce(tx.from);
    t.append_audit(bytes, r.tx_hash, epoch, now, r.value);
    db_->exec("COMMIT");
  } catch (...) {
    if (db_->in_transaction()) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return r;
}

std::optional<receipt> sqlite_ledger::find_transaction(const hash256& tx_hash) {
  return ledger_tables(*db_).applied_transaction(tx_hash);
}
std::uint64_t sqlite_ledger::next_nonce(const address& who) { return ledger_tables(*db_).nonce(who); }
amount sqlite_ledger::balance(const address& who) { return ledger_tables(*db_).balance(who); }
std::optional<stake_info> sqlite_ledger::stake_of(const address& who) { return ledger_tables(*db_).stake(who); }

bool sqlite_ledger::is_active(const address& who, role r) {
  read_snapshot snap(*db_);
  ledger_tables t(*db_);
  const auto s = t.stake(who);
  if (!s || !s->active || s->r != r) return false;
  const auto params = t.roles();
  const auto it = params.find(r);
  return s->value >= (it == params.end() ? amount() : it->second.minimum);
}

std::map<role, role_params> sqlite_ledger::roles() { return ledger_tables(*db_).roles(); }

std::uint64_t sqlite_ledger::current_epoch() {
  return epoch_at(genesis_.genesis_time, genesis_.epoch_length_seconds, clock_());
}

epoch_info sqlite_ledger::epoch(std::uint64_t number) {
  if (number == 0) throw std::invalid_argument("epochs count from 1");
  read_snapshot snap(*db_);
  ledger_tables t(*db_);
  epoch_info e;
  e.number = number;
  e.start = epoch_start(genesis_.genesis_time, genesis_.epoch_length_seconds, number);
  e.end = epoch_start(genesis_.genesis_time, genesis_.epoch_length_seconds, number + 1);
  e.budget = epoch_budget(genesis_.initial_epoch_budget, genesis_.decay_bps, number);
  e.final = clock_() >= e.end;
  e.settled = number <= settled_through(t);
  e.rounds = t.epoch_rounds(number);
  e.minted = t.epoch_minted(number);
  return e;
}

std::uint64_t sqlite_ledger::attested_units(const address& who, std::uint64_t epoch) {
  return ledger_tables(*db_).usage(who, epoch);
}

std::uint64_t sqlite_ledger::attested_round_units(const address& who, const std::string& jurisdiction,
                                                  std::uint64_t round) {
  return ledger_tables(*db_).round_usage(who, jurisdiction, round);
}

std::optional<std::uint64_t> sqlite_ledger::round_epoch(const std::string& jurisdiction, std::uint64_t round) {
  return ledger_tables(*db_).round_epoch(jurisdiction, round);
}

std::vector<reward_entry> sqlite_ledger::rewards_of(const address& who) { return ledger_tables(*db_).rewards_of(who); }

std::vector<jurisdiction_info> sqlite_ledger::jurisdictions() {
  read_snapshot snap(*db_);
  return ledger_tables(*db_).jurisdictions();
}

supply_totals sqlite_ledger::totals() {
  read_snapshot snap(*db_);
  return ledger_tables(*db_).totals();
}

hash256 sqlite_ledger::digest_in_transaction() {
  // Every column as a type byte and its value (integers 8 bytes big-endian, text and blobs
  // length-prefixed), rows in primary-key order, tables in a fixed order.
  std::string dump;
  for (const auto& [table, order_by] : state_tables()) {
    dump += "table ";
    dump += table;
    dump += '\0';
    auto s = db_->query(std::string("SELECT * FROM ") + table + " ORDER BY " + order_by);
    while (s.step()) {
      dump += 'R';
      for (int c = 0; c < s.columns(); ++c) {
        const int type = s.column_type(c);
        dump += static_cast<char>(type);
        if (type == SQLITE_INTEGER) {
          const auto v = static_cast<std::uint64_t>(s.integer(c));
          for (int i = 7; i >= 0; --i) dump += static_cast<char>((v >> (8 * i)) & 0xff);
        } else if (type != SQLITE_NULL) {
          const std::string v = type == SQLITE_BLOB ? s.blob(c) : s.text(c);
          put_u32(dump, static_cast<std::uint32_t>(v.size()));
          dump += v;
        }
      }
    }
  }
  return keccak256(dump);
}

hash256 sqlite_ledger::state_digest() {
  read_snapshot snap(*db_);
  return digest_in_transaction();
}

std::vector<std::string> sqlite_ledger::check_invariants() {
  std::vector<std::string> problems;
  read_snapshot snap(*db_);
  ledger_tables t(*db_);
  try {
    const supply_totals s = t.totals();
    const amount issued = s.genesis_supply + s.minted;
    if (s.burned > issued) {
      problems.push_back("burned " + s.burned.to_string() + " exceeds genesis + minted " + issued.to_string());
    } else {
      const amount held = s.balances + s.stakes + s.treasuries + s.unclaimed_rewards;
      if (held != s.total_supply())
        problems.push_back("balances " + s.balances.to_string() + " + stakes " + s.stakes.to_string() +
                           " + treasuries " + s.treasuries.to_string() + " + unclaimed rewards " +
                           s.unclaimed_rewards.to_string() + " = " + held.to_string() + " != total supply " +
                           s.total_supply().to_string() + " (genesis " + s.genesis_supply.to_string() + " + minted " +
                           s.minted.to_string() + " - burned " + s.burned.to_string() + ")");
    }
    // A jurisdiction's treasury is its guild stake plus its members' stakes.
    for (const auto& j : t.jurisdictions()) {
      amount expected = genesis_.guild_stake;
      auto m = db_->query("SELECT stake FROM members WHERE jurisdiction = ?1");
      m.bind(1, j.name);
      while (m.step()) expected += amount::parse_units(m.text(0));
      if (expected != j.treasury)
        problems.push_back("jurisdiction \"" + j.name + "\" holds " + j.treasury.to_string() + " but its guild and " +
                           "member stakes sum to " + expected.to_string());
    }
  } catch (const amount_error& e) {
    problems.push_back(std::string("a stored amount is not a non-negative count of units: ") + e.what());
  }
  return problems;
}

audit_report sqlite_ledger::audit() {
  audit_report rep;
  std::vector<audit_row> rows;
  std::string genesis_text;
  {
    read_snapshot snap(*db_);
    ledger_tables t(*db_);
    rows = t.audit_rows();
    genesis_text = t.meta("genesis").value_or("");
    rep.live_digest = digest_in_transaction();
  }
  for (const auto& p : check_invariants()) rep.problems.push_back("live state: " + p);
  const genesis g = parse_genesis_yaml(genesis_text);
  if (genesis_chain_id(g) != chain_) rep.problems.push_back("the stored genesis does not hash to the chain id");
  auto now = std::make_shared<std::int64_t>(g.genesis_time);
  auto replay = create(":memory:", g, [now] { return *now; });
  for (const auto& row : rows) {
    const std::string at = "audit row " + std::to_string(row.seq);
    signed_transaction stx;
    try {
      stx = decode_signed(chain_, row.tx);
    } catch (const std::invalid_argument& e) {
      rep.problems.push_back(at + ": not a signed transaction of this ledger: " + e.what());
      break;
    }
    const std::string what =
        at + " (" + stx.tx.kind + " by " + stx.tx.from.to_string() + ", nonce " + std::to_string(stx.tx.nonce) + ")";
    const hash256 h = transaction_hash(chain_, stx);
    if (row.tx_hash != std::string(reinterpret_cast<const char*>(h.data()), h.size()))
      rep.problems.push_back(what + ": its stored hash is not the hash of its bytes");
    *now = row.time;
    try {
      const receipt r = replay->submit(stx);
      if (r.epoch != row.epoch)
        rep.problems.push_back(what + ": applied in epoch " + std::to_string(row.epoch) + " but replays in epoch " +
                               std::to_string(r.epoch));
    } catch (const ledger_refusal& e) {
      rep.problems.push_back(what + ": refused on replay (" + refusal_name(e.code) + "): " + e.what());
      break;  // later rows depend on this one; their failures would only echo it
    }
    ++rep.transactions;
    for (const auto& p : replay->check_invariants()) rep.problems.push_back("after " + what + ": " + p);
  }
  rep.replayed_digest = replay->state_digest();
  if (rep.replayed_digest != rep.live_digest)
    rep.problems.push_back("the live state (digest " + to_hex(rep.live_digest) +
                           ") differs from the replayed audit rows (digest " + to_hex(rep.replayed_digest) + ")");
  rep.ok = rep.problems.empty();
  return rep;
}

}  // namespace atn::ledger
