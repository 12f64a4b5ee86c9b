// A thin owner of one SQLite connection for the ledger: prepared statements cached by their SQL (a
// submit runs a dozen, and preparing them each time would cost more than the statements), errors
// turned into exceptions that name the file and the statement, and SQLITE_BUSY / SQLITE_LOCKED
// (after the busy timeout) turned into ledger_unavailable so a caller knows to retry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace atn::ledger {

class sqlite_db {
 public:
  /// Opens `path` (":memory:" for a private in-memory database). `create`: the file must not exist
  /// and is made exclusively; otherwise it must exist. Throws std::runtime_error naming the path.
  /// `label` names the file in every message ("ledger", "treasury outbox").
  sqlite_db(const std::filesystem::path& path, bool create, int busy_timeout_ms, std::string label = "ledger");
  ~sqlite_db();
  sqlite_db(const sqlite_db&) = delete;
  sqlite_db& operator=(const sqlite_db&) = delete;

  /// Runs one or more statements without results.
  void exec(const std::string& sql);
  bool in_transaction() const;
  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() { return db_; }

  /// A cached prepared statement in use; reset (bindings cleared) when it goes out of scope. One
  /// statement text is in use at most once at a time.
  class statement {
   public:
    statement(sqlite_db& db, sqlite3_stmt* s) : db_(&db), s_(s) {}
    statement(statement&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
    ~statement();
    statement& bind(int i, std::string_view text);
    statement& bind(int i, std::int64_t v);
    statement& bind_blob(int i, std::string_view bytes);
    statement& bind_null(int i);
    /// Steps once: true when a row is there to read.
    bool step();
    /// Steps to completion (a write).
    void run();
    std::string text(int col) const;
    std::string blob(int col) const;
    std::int64_t integer(int col) const;
    bool is_null(int col) const;
    int columns() const;
    int column_type(int col) const;

   private:
    sqlite_db* db_;
    sqlite3_stmt* s_;
  };
  statement query(const std::string& sql);

  /// Throws for a non-OK code: ledger_unavailable when busy or locked, else std::runtime_error.
  void check(int rc, std::string_view what) const;

 private:
  std::filesystem::path path_;
  std::string label_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace atn::ledger
