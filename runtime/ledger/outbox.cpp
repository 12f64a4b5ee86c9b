#include "runtime/ledger/outbox.hpp"

#include "runtime/ledger/sqlite_db.hpp"

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace atn::ledger {

namespace {

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

outbox_entry read_entry(const sqlite_db::statement& s) {
  outbox_entry e;
  e.key = s.text(0);
  e.body.kind = s.text(1);
  e.body.fields = nlohmann::json::parse(s.text(2)).get<std::map<std::string, std::string>>();
  e.state = parse_state(s.text(3));
  if (!s.is_null(4)) e.nonce = static_cast<std::uint64_t>(s.integer(4));
  e.signed_bytes = s.blob(5);
  const std::string hash = s.blob(6);
  if (hash.size() == e.tx_hash.size()) std::copy(hash.begin(), hash.end(), e.tx_hash.begin());
  e.detail = s.text(7);
  e.epoch = static_cast<std::uint64_t>(s.integer(8));
  e.enqueued_at = s.integer(9);
  return e;
}

}  // namespace

std::string outbox_state_name(outbox_state s) { return state_text(s); }

// The file is made when missing (an outbox starts empty), then opened as any SQLite file is here.
static std::unique_ptr<sqlite_db> open_outbox(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open treasury outbox " + path.string() + ": " + std::strerror(errno));
  ::close(fd);
  return std::make_unique<sqlite_db>(path, false, 5000, "treasury outbox");
}

outbox::outbox(const std::filesystem::path& path) : db_(open_outbox(path)) {
  db_->exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE,"
      " kind TEXT NOT NULL, fields TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', nonce INTEGER,"
      " signed BLOB, tx_hash BLOB, detail TEXT NOT NULL DEFAULT '', epoch INTEGER NOT NULL DEFAULT 0,"
      " enqueued_at INTEGER NOT NULL);");
}

outbox::~outbox() = default;

std::filesystem::path outbox::default_path(const std::filesystem::path& state_dir) {
  return state_dir / "treasury_outbox.sqlite";
}

bool outbox::enqueue(const std::string& key, const tx_body& body, std::int64_t now) {
  db_->query("INSERT INTO outbox (key, kind, fields, enqueued_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key) DO NOTHING")
      .bind(1, key)
      .bind(2, body.kind)
      .bind(3, nlohmann::json(body.fields).dump())
      .bind(4, now)
      .run();
  return sqlite3_changes(db_->handle()) == 1;
}

std::optional<outbox_entry> outbox::find(const std::string& key) {
  auto s = db_->query(std::string("SELECT ") + columns + " FROM outbox WHERE key = ?1");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return read_entry(s);
}

std::vector<outbox_entry> outbox::pending() {
  auto s = db_->query(std::string("SELECT ") + columns + " FROM outbox WHERE state = 'pending' ORDER BY seq");
  std::vector<outbox_entry> out;
  while (s.step()) out.push_back(read_entry(s));
  return out;
}

std::size_t outbox::pending_count() {
  auto s = db_->query("SELECT count(*) FROM outbox WHERE state = 'pending'");
  s.step();
  return static_cast<std::size_t>(s.integer(0));
}

void outbox::record_signed(const std::string& key, std::uint64_t nonce, const std::string& bytes, const hash256& hash) {
  db_->query("UPDATE outbox SET nonce = ?2, signed = ?3, tx_hash = ?4 WHERE key = ?1")
      .bind(1, key)
      .bind(2, static_cast<std::int64_t>(nonce))
      .bind_blob(3, bytes)
      .bind_blob(4, std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()))
      .run();
}

void outbox::record_final(const std::string& key, outbox_state state, const std::string& detail, std::uint64_t epoch) {
  db_->query("UPDATE outbox SET state = ?2, detail = ?3, epoch = ?4 WHERE key = ?1")
      .bind(1, key)
      .bind(2, state_text(state))
      .bind(3, detail)
      .bind(4, static_cast<std::int64_t>(epoch))
      .run();
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
