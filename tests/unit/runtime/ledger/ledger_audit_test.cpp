// `audit()` replays the audit rows from the stored genesis into an in-memory ledger: a good file passes,
// and a row or a balance edited behind the ledger's back (with the sqlite3 API, as an attacker with the
// file would) is found.
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"

#include <sqlite3.h>

using namespace atn::ledger;
using atn::test::ledger_fixture;

namespace {
void run_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// A history touching every table: stakes, a jurisdiction, attestations, rounds over two epochs, a
// settlement, a claim, a slash.
std::uint64_t busy_history(ledger_fixture& f) {
  f.ok(f.aggregator, tx::stake(role::aggregator, amount::atn(1000)));
  f.ok(f.aggregator, tx::create_jurisdiction("j", specialisation::text));
  f.ok(f.alice, tx::join_jurisdiction("j"));
  f.ok(f.alice, tx::stake(role::solver, amount::atn(50)));
  f.ok(f.bob, tx::stake(role::coordinator, amount::atn(500)));
  f.ok(f.alice, tx::attest_usage(f.aggregator.addr(), 9, "j", 1));
  round_result r;
  r.jurisdiction = "j";
  r.round = 1;
  r.solvers = {{f.alice.addr(), uint256(7), 9}};
  r.coordinators = {{f.bob.addr(), uint256(3), 0}};
  f.ok(f.aggregator, tx::close_round(r));
  *f.now += ledger_fixture::epoch_length;
  f.ok(f.alice, tx::claim_reward(1));
  f.ok(f.slasher, tx::slash(f.bob.addr(), amount::atn(20), "unrevealed scores"));
  f.ok(f.carol, tx::transfer(f.alice.addr(), amount::parse("0.5")));
  return 10;
}
}  // namespace

TEST_CASE_METHOD(ledger_fixture, "audit replays every row of a good ledger to the same digest",
                 "[ledger][sqlite][audit]") {
  const auto rows = busy_history(*this);
  refused(alice, tx::claim_reward(1), refusal::already_claimed);  // refusals leave no audit row
  auto fresh = sqlite_ledger::open(path(), clock());
  const auto rep = fresh->audit();
  for (const auto& p : rep.problems) UNSCOPED_INFO(p);
  CHECK(rep.ok);
  CHECK(rep.transactions == rows);
  CHECK(rep.live_digest == rep.replayed_digest);
  CHECK(rep.live_digest == l->state_digest());
}

TEST_CASE_METHOD(ledger_fixture, "audit detects a tampered audit row", "[ledger][sqlite][audit]") {
  busy_history(*this);
  // Raise the amount in the transfer's signed bytes (the last row): "500000000000000000" → "900…".
  run_sql(path(),
          "UPDATE audit SET tx = substr(tx, 1, instr(tx, CAST('500000000000000000' AS BLOB)) - 1) || "
          "CAST('9' AS BLOB) || substr(tx, instr(tx, CAST('500000000000000000' AS BLOB)) + 1) "
          "WHERE seq = (SELECT max(seq) FROM audit)");
  const auto rep = l->audit();
  CHECK_FALSE(rep.ok);
  bool named = false;
  for (const auto& p : rep.problems) named |= p.find("audit row 10") != std::string::npos;
  CHECK(named);
}

TEST_CASE_METHOD(ledger_fixture, "audit detects a balance edited without a transaction, and a deleted row",
                 "[ledger][sqlite][audit]") {
  busy_history(*this);
  run_sql(path(), "UPDATE accounts SET balance = '1' || balance WHERE address = '" + carol.addr().to_lower() + "'");
  auto rep = l->audit();
  CHECK_FALSE(rep.ok);
  CHECK(rep.live_digest != rep.replayed_digest);
  CHECK_FALSE(l->check_invariants().empty());  // supply no longer adds up

  ledger_fixture other;
  busy_history(other);
  run_sql(other.path(), "DELETE FROM audit WHERE seq = 4");
  rep = other.l->audit();
  CHECK_FALSE(rep.ok);
  // Rows 1-3 and bob's row 5 replay; alice's next row (6) has a nonce that skips the deleted one.
  CHECK(rep.transactions == 4);
}
