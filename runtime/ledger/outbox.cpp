#include "runtime/ledger/outbox.hpp"

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

namespace atn::ledger {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error("treasury outbox " + path.string() + ": " + what + ": " +
                           (db ? sqlite3_errmsg(db) : "out of memory"));
}

// One prepared statement, finalized on scope exit.
class statement {
 public:
  statement(sqlite3* db, const std::filesystem::path& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail(db_, path_, sql);
  }
  ~statement() { sqlite3_finalize(s_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, const std::string& text) {
    sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  statement& bind_blob(int i, const void* data, std::size_t size) {
    sqlite3_bind_blob(s_, i, data, static_cast<int>(size), SQLITE_TRANSIENT);
    return *this;
  }
  statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  /// True while a row is there.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail(db_, path_, "step");
    return false;
  }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  bool null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  const std::filesystem::path& path_;
  sqlite3_stmt* s_ = nullptr;
};

const char* state_text(outbox_state s) {
  switch (s) {
    case outbox_state::pending:
      return "pending";
    case outbox_state::applied:
      return "applied";
    case outbox_state::refused:
      return "refused";
  }
  return "?";
}

outbox_state parse_state(const std::string& s) {
  if (s == "applied") return outbox_state::applied;
  if (s == "refused") return outbox_state::refused;
  return outbox_state::pending;
}

constexpr const char* columns = "key, kind, fields, state, nonce, signed, tx_hash, detail, epoch, enqueued_at";

outbox_entry read_entry(const statement& s) {
  outbox_entry e;
  e.key = s.text(0);
  e.body.kind = s.text(1);
  e.body.fields = nlohmann::json::parse(s.text(2)).get<std::map<std::string, std::string>>();
  e.state = parse_state(s.text(3));
  if (!s.null(4)) e.nonce = static_cast<std::uint64_t>(s.integer(4));
  e.signed_bytes = s.text(5);
  const std::string hash = s.text(6);
  if (hash.size() == e.tx_hash.size()) std::copy(hash.begin(), hash.end(), e.tx_hash.begin());
  e.detail = s.text(7);
  e.epoch = static_cast<std::uint64_t>(s.integer(8));
  e.enqueued_at = s.integer(9);
  return e;
}

}  // namespace

std::string outbox_state_name(outbox_state s) { return state_text(s); }

outbox::outbox(const std::filesystem::path& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open treasury outbox " + path.string() + ": " + why);
  }
  sqlite3_busy_timeout(db_, 5000);
  char* error = nullptr;
  const char* schema =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,"
      " kind TEXT NOT NULL, fields TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', nonce INTEGER,"
      " signed BLOB, tx_hash BLOB, detail TEXT NOT NULL DEFAULT '', epoch INTEGER NOT NULL DEFAULT 0,"
      " enqueued_at INTEGER NOT NULL);";
  if (sqlite3_exec(db_, schema, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    sqlite3_close(db_);
    throw std::runtime_error("cannot open treasury outbox " + path.string() + ": " + why);
  }
}

outbox::~outbox() { sqlite3_close(db_); }

std::filesystem::path outbox::default_path(const std::filesystem::path& state_dir) {
  return state_dir / "treasury_outbox.sqlite";
}

bool outbox::enqueue(const std::string& key, const tx_body& body, std::int64_t now) {
  statement s(db_, path_,
              "INSERT INTO outbox (key, kind, fields, enqueued_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO "
              "NOTHING");
  s.bind(1, key).bind(2, body.kind).bind(3, nlohmann::json(body.fields).dump()).bind(4, now).step();
  return sqlite3_changes(db_) == 1;
}

std::optional<outbox_entry> outbox::find(const std::string& key) {
  statement s(db_, path_, (std::string("SELECT ") + columns + " FROM outbox WHERE key = ?1").c_str());
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return read_entry(s);
}

std::vector<outbox_entry> outbox::pending() {
  statement s(db_, path_,
              (std::string("SELECT ") + columns + " FROM outbox WHERE state = 'pending' ORDER BY seq").c_str());
  std::vector<outbox_entry> out;
  while (s.step()) out.push_back(read_entry(s));
  return out;
}

std::size_t outbox::pending_count() {
  statement s(db_, path_, "SELECT count(*) FROM outbox WHERE state = 'pending'");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

void outbox::record_signed(const std::string& key, std::uint64_t nonce, const std::string& bytes, const hash256& hash) {
  statement s(db_, path_, "UPDATE outbox SET nonce = ?2, signed = ?3, tx_hash = ?4 WHERE key = ?1");
  s.bind(1, key).bind(2, static_cast<std::int64_t>(nonce));
  s.bind_blob(3, bytes.data(), bytes.size()).bind_blob(4, hash.data(), hash.size()).step();
}

void outbox::record_final(const std::string& key, outbox_state state, const std::string& detail, std::uint64_t epoch) {
  statement s(db_, path_, "UPDATE outbox SET state = ?2, detail = ?3, epoch = ?4 WHERE key = ?1");
  s.bind(1, key).bind(2, std::string(state_text(state))).bind(3, detail).bind(4, static_cast<std::int64_t>(epoch));
  s.step();
}

delivery_report outbox::deliver(ledger& l, const wallet& w) {
  delivery_report report;
  auto entries = pending();
  std::size_t done = 0;
  try {
    const chain_id chain = l.id();
    for (auto& e : entries) {
      // A nonce taken by another of the wallet's transactions (a command run by hand) is re-signed;
      // a bounded number of times, since each try can lose the race again.
      for (int attempt = 0;; ++attempt) {
        if (e.nonce) {
          if (auto applied = l.find_transaction(e.tx_hash)) {  // the crash came after the ledger committed
            record_final(e.key, outbox_state::applied, applied->value.to_string(), applied->epoch);
            e.state = outbox_state::applied;
            break;
          }
        }
        const std::uint64_t next = l.next_nonce(w.addr());
        if (!e.nonce || *e.nonce != next) {
          const auto stx = sign_transaction(w, chain, next, e.body);
          e.nonce = next;
          e.signed_bytes = encode_signed(chain, stx);
          e.tx_hash = transaction_hash(chain, stx);
          record_signed(e.key, next, e.signed_bytes, e.tx_hash);  // on disk before the ledger sees it
        }
        try {
          const auto r = l.submit(decode_signed(chain, e.signed_bytes));
          record_final(e.key, outbox_state::applied, r.value.to_string(), r.epoch);
          e.state = outbox_state::applied;
          e.detail = r.value.to_string();
          e.epoch = r.epoch;
          break;
        } catch (const ledger_refusal& refused) {
          if (refused.code == refusal::bad_nonce && attempt < 3) continue;
          record_final(e.key, outbox_state::refused, refused.what(), 0);
          e.state = outbox_state::refused;
          e.detail = refused.what();
          break;
        }
      }
      (e.state == outbox_state::applied ? report.applied : report.refused).push_back(e);
      ++done;
    }
  } catch (const ledger_unavailable& busy) {
    report.unavailable = busy.what();
  }
  report.still_pending = entries.size() - done;
  return report;
}

}  // namespace atn::ledger
