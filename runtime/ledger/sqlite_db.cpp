#include "runtime/ledger/sqlite_db.hpp"

#include "runtime/ledger/ledger.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace atn::ledger {

sqlite_db::sqlite_db(const std::filesystem::path& path, bool create, int busy_timeout_ms, std::string label)
    : path_(path), label_(std::move(label)) {
  const bool memory = path == ":memory:";
  if (create && !memory) {
    // An empty file is a valid empty database; O_EXCL makes "refuses an existing file" race-free.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST)
        throw std::runtime_error(label_ + " " + path.string() + " exists already; a " + label_ + " is created once");
      throw std::runtime_error("cannot create " + label_ + " " + path.string() + ": " + std::strerror(errno));
    }
    ::close(fd);
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    if (rc == SQLITE_CANTOPEN && label_ == "ledger")
      throw std::runtime_error("no ledger at " + path.string() + "; `atn-node ledger init --genesis FILE` creates one");
    throw std::runtime_error("cannot open " + label_ + " " + path.string() + ": " + why);
  }
  sqlite3_extended_result_codes(db_, 0);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

sqlite_db::~sqlite_db() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

void sqlite_db::check(int rc, std::string_view what) const {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
  const std::string msg = label_ + " " + path_.string() + ": " + sqlite3_errmsg(db_) + " (" + std::string(what) + ")";
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) throw ledger_unavailable(msg + "; it stayed busy, retry");
  throw std::runtime_error(msg);
}

void sqlite_db::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  check(rc, sql);
}

bool sqlite_db::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

sqlite_db::statement sqlite_db::query(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* s = nullptr;
    check(sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), sql);
    it = cache_.emplace(sql, s).first;
  }
  return statement(*this, it->second);
}

sqlite_db::statement::~statement() {
  if (!s_) return;
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

sqlite_db::statement& sqlite_db::statement::bind(int i, std::string_view text) {
  db_->check(sqlite3_bind_text(s_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT), "bind");
  return *this;
}
sqlite_db::statement& sqlite_db::statement::bind(int i, std::int64_t v) {
  db_->check(sqlite3_bind_int64(s_, i, v), "bind");
  return *this;
}
sqlite_db::statement& sqlite_db::statement::bind_blob(int i, std::string_view bytes) {
  db_->check(sqlite3_bind_blob(s_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT), "bind");
  return *this;
}
sqlite_db::statement& sqlite_db::statement::bind_null(int i) {
  db_->check(sqlite3_bind_null(s_, i), "bind");
  return *this;
}

bool sqlite_db::statement::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->check(rc, sqlite3_sql(s_));
  return false;
}

void sqlite_db::statement::run() {
  while (step()) {}
}

std::string sqlite_db::statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}
std::string sqlite_db::statement::blob(int col) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col))) : std::string();
}
std::int64_t sqlite_db::statement::integer(int col) const { return sqlite3_column_int64(s_, col); }
bool sqlite_db::statement::is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
int sqlite_db::statement::columns() const { return sqlite3_column_count(s_); }
int sqlite_db::statement::column_type(int col) const { return sqlite3_column_type(s_, col); }

}  // namespace atn::ledger
