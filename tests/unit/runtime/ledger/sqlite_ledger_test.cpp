// The SQLite ledger's rules, one by one, and each refusal leaving the whole state as it was.
#include "runtime/ledger/genesis_yaml.hpp"
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"

#include <sqlite3.h>

#include <fstream>

using namespace atn::ledger;
using atn::test::ledger_fixture;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE_METHOD(ledger_fixture, "a ledger file is created once, in WAL mode, and opens with the same state",
                 "[ledger][sqlite]") {
  CHECK(l->id() == genesis_chain_id(l->genesis_params()));
  CHECK(l->balance(alice.addr()) == amount::atn(1000));
  CHECK(l->totals().total_supply() == amount::atn(5100));
  CHECK_THROWS_WITH(sqlite_ledger::create(path(), g, clock()), Catch::Contains("exists already"));
  CHECK_THROWS_WITH(sqlite_ledger::open(dir.path / "none.sqlite", clock()),
                    Catch::Contains("atn-node ledger init --genesis FILE"));
  ok(alice, tx::transfer(bob.addr(), amount::atn(1)));
  const auto digest = l->state_digest();
  auto again = sqlite_ledger::open(path(), clock());
  CHECK(again->id() == l->id());
  CHECK(again->state_digest() == digest);
  CHECK(again->next_nonce(alice.addr()) == 1);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path().c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "wal");
  sqlite3_finalize(s);
  // Amounts are stored as decimal text of smallest units, never REAL.
  REQUIRE(sqlite3_prepare_v2(db, "SELECT typeof(balance), balance FROM accounts WHERE address = ?1", -1, &s, nullptr) ==
          SQLITE_OK);
  const std::string a = alice.addr().to_lower();
  sqlite3_bind_text(s, 1, a.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "text");
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 1))) == "999000000000000000000");
  sqlite3_finalize(s);
  sqlite3_close(db);

  std::ofstream(dir.path / "junk.sqlite") << "not a database at all, just text that is long enough";
  CHECK_THROWS_WITH(sqlite_ledger::open(dir.path / "junk.sqlite", clock()), Catch::Contains("is not an atn ledger"));
}

TEST_CASE_METHOD(ledger_fixture, "transfers move exact amounts; an overdraft is refused", "[ledger][sqlite]") {
  ok(alice, tx::transfer(carol.addr(), amount::parse("0.000000000000000001")));
  CHECK(l->balance(carol.addr()) == amount::parse("100.000000000000000001"));
  const auto msg = refused(carol, tx::transfer(bob.addr(), amount::atn(150)), refusal::insufficient_balance);
  CHECK(contains(msg, "balance 100.000000000000000001 ATN < 150 ATN"));
  refused(alice, {"transfer", {{"to", bob.addr().to_lower()}, {"amount", "-5"}}}, refusal::malformed);
  refused(alice, {"mint", {}}, refusal::malformed);
}

TEST_CASE_METHOD(ledger_fixture, "stake by role: minimum, one stake, add, request, lock-up, unstake",
                 "[ledger][sqlite]") {
  auto msg = refused(alice, tx::stake(role::solver, amount::atn(49)), refusal::below_minimum);
  CHECK(contains(msg, "49 ATN < the solver minimum 50 ATN"));
  msg = refused(carol, tx::stake(role::coordinator, amount::atn(500)), refusal::insufficient_balance);
  CHECK(contains(msg, "balance 100 ATN < 500 ATN"));
  refused(alice, {"stake", {{"role", "wizard"}, {"amount", "1"}}}, refusal::malformed);
  refused(alice, tx::unstake(), refusal::no_stake);
  refused(alice, tx::add_to_stake(amount::atn(1)), refusal::no_stake);

  ok(alice, tx::stake(role::solver, amount::atn(60)));
  CHECK(l->balance(alice.addr()) == amount::atn(940));
  CHECK(l->is_active(alice.addr(), role::solver));
  CHECK_FALSE(l->is_active(alice.addr(), role::coordinator));
  msg = refused(alice, tx::stake(role::solver, amount::atn(50)), refusal::already_staked);
  CHECK(contains(msg, "already holds a solver stake of 60 ATN"));
  ok(alice, tx::add_to_stake(amount::atn(15)));
  CHECK(l->stake_of(alice.addr())->value == amount::atn(75));

  refused(alice, tx::unstake(), refusal::no_unstake_request);
  *now += 10;
  const std::int64_t requested = *now;
  ok(alice, tx::request_unstake());
  CHECK_FALSE(l->is_active(alice.addr(), role::solver));
  CHECK(*l->stake_of(alice.addr())->unstake_requested_at == requested);
  refused(alice, tx::request_unstake(), refusal::unstake_pending);
  refused(alice, tx::add_to_stake(amount::atn(1)), refusal::unstake_pending);
  *now = requested + 3 * 86400 - 1;  // the solver lock-up is 3 days
  msg = refused(alice, tx::unstake(), refusal::locked);
  CHECK(contains(msg, "(1 s from now)"));
  *now += 1;
  CHECK(ok(alice, tx::unstake()).value == amount::atn(75));
  CHECK_FALSE(l->stake_of(alice.addr()));
  CHECK(l->balance(alice.addr()) == amount::atn(1000));
}

TEST_CASE_METHOD(ledger_fixture, "slashing by an authorised slasher burns, and below the minimum deactivates",
                 "[ledger][sqlite]") {
  ok(bob, tx::stake(role::solver, amount::atn(70)));
  auto msg = refused(alice, tx::slash(bob.addr(), amount::atn(10), "no reveal"), refusal::not_authorised);
  CHECK(contains(msg, "not an authorised slasher"));
  refused(slasher, tx::slash(carol.addr(), amount::atn(10), "no reveal"), refusal::no_stake);
  CHECK(ok(slasher, tx::slash(bob.addr(), amount::atn(15), "no reveal")).value == amount::atn(15));
  CHECK(l->is_active(bob.addr(), role::solver));  // 55 ≥ 50
  ok(slasher, tx::slash(bob.addr(), amount::atn(10), "bad reveal"));
  CHECK(l->stake_of(bob.addr())->value == amount::atn(45));
  CHECK_FALSE(l->is_active(bob.addr(), role::solver));
  CHECK_FALSE(l->stake_of(bob.addr())->active);
  refused(bob, tx::add_to_stake(amount::atn(10)), refusal::no_stake);  // inactive: unstake it first
  const auto t = l->totals();
  CHECK(t.burned == amount::atn(25));
  CHECK(t.total_supply() == amount::atn(5075));
  // Slashing more than the stake burns what is there.
  CHECK(ok(slasher, tx::slash(bob.addr(), amount::atn(1000), "gone")).value == amount::atn(45));
  CHECK_FALSE(l->stake_of(bob.addr()));
}

TEST_CASE_METHOD(ledger_fixture, "governance sets role parameters; nobody else can", "[ledger][sqlite]") {
  ok(alice, tx::stake(role::solver, amount::atn(60)));
  refused(alice, tx::set_role_params(role::solver, amount::atn(1), 0), refusal::not_authorised);
  ok(gov, tx::set_role_params(role::solver, amount::atn(80), 60));
  CHECK(l->roles().at(role::solver).minimum == amount::atn(80));
  CHECK(l->roles().at(role::solver).lockup_seconds == 60);
  CHECK_FALSE(l->is_active(alice.addr(), role::solver));  // 60 < the new minimum
  refused(bob, tx::stake(role::solver, amount::atn(79)), refusal::below_minimum);
  ok(alice, tx::request_unstake());
  *now += 60;
  ok(alice, tx::unstake());  // the new 60 s lock-up
}

TEST_CASE_METHOD(ledger_fixture, "attest_usage needs an active service, counts per epoch and per round",
                 "[ledger][sqlite]") {
  auto msg = refused(alice, tx::attest_usage(bob.addr(), 5), refusal::inactive_service);
  CHECK(contains(msg, "has no active stake"));
  // 0 units does nothing, whatever the service.
  const auto before = l->attested_units(alice.addr(), 1);
  ok(alice, tx::attest_usage(bob.addr(), 0));
  CHECK(l->attested_units(alice.addr(), 1) == before);
  ok(bob, tx::stake(role::inference_provider, amount::atn(200)));
  ok(alice, tx::attest_usage(bob.addr(), 5));
  ok(alice, tx::attest_usage(bob.addr(), 7));
  CHECK(l->attested_units(alice.addr(), 1) == 12);
  *now += epoch_length;
  ok(alice, tx::attest_usage(bob.addr(), 1));
  CHECK(l->attested_units(alice.addr(), 1) == 12);
  CHECK(l->attested_units(alice.addr(), 2) == 1);
  // Training for a round is attested to the jurisdiction's aggregator.
  ok(aggregator, tx::stake(role::aggregator, amount::atn(1000)));
  ok(aggregator, tx::create_jurisdiction("vision", specialisation::visual));
  ok(alice, tx::attest_usage(aggregator.addr(), 4, "vision", 7));
  ok(alice, tx::attest_usage(aggregator.addr(), 2, "vision", 7));
  CHECK(l->attested_round_units(alice.addr(), "vision", 7) == 6);
  CHECK(l->attested_round_units(alice.addr(), "vision", 8) == 0);
  refused(alice, tx::attest_usage(bob.addr(), 4, "vision", 7), refusal::malformed);  // not its aggregator
  refused(alice, tx::attest_usage(aggregator.addr(), 4, "nowhere", 7), refusal::unknown_jurisdiction);
  // A service whose stake is being unstaked is inactive.
  ok(bob, tx::request_unstake());
  refused(alice, tx::attest_usage(bob.addr(), 1), refusal::inactive_service);
}

TEST_CASE_METHOD(ledger_fixture, "jurisdictions: create, join, leave, listed with members and aggregator",
                 "[ledger][sqlite]") {
  auto msg = refused(carol, tx::create_jurisdiction("text-1", specialisation::text), refusal::insufficient_balance);
  CHECK(contains(msg, "balance 100 ATN < 500 ATN"));
  ok(aggregator, tx::create_jurisdiction("text-1", specialisation::text));
  CHECK(l->balance(aggregator.addr()) == amount::atn(2500));
  refused(alice, tx::create_jurisdiction("text-1", specialisation::visual), refusal::jurisdiction_exists);
  refused(alice, {"create_jurisdiction", {{"name", "x"}, {"specialisation", "audio"}}}, refusal::malformed);
  refused(alice, tx::join_jurisdiction("nowhere"), refusal::unknown_jurisdiction);
  ok(alice, tx::join_jurisdiction("text-1"));
  ok(bob, tx::join_jurisdiction("text-1"));
  CHECK(l->balance(alice.addr()) == amount::atn(950));
  msg = refused(alice, tx::join_jurisdiction("text-1"), refusal::already_member);
  CHECK(contains(msg, "jurisdiction leave text-1"));
  refused(aggregator, tx::join_jurisdiction("text-1"), refusal::already_member);

  auto js = l->jurisdictions();
  REQUIRE(js.size() == 1);
  CHECK(js[0].name == "text-1");
  CHECK(js[0].spec == specialisation::text);
  CHECK(js[0].aggregator == aggregator.addr());
  CHECK(js[0].treasury == amount::atn(600));
  CHECK(js[0].members.size() == 2);

  msg = refused(aggregator, tx::leave_jurisdiction("text-1"), refusal::aggregator_has_members);
  CHECK(contains(msg, "2 member(s) remain"));
  refused(carol, tx::leave_jurisdiction("text-1"), refusal::not_member);
  CHECK(ok(alice, tx::leave_jurisdiction("text-1")).value == amount::atn(50));
  CHECK(l->balance(alice.addr()) == amount::atn(1000));
  ok(bob, tx::leave_jurisdiction("text-1"));
  CHECK(ok(aggregator, tx::leave_jurisdiction("text-1")).value == amount::atn(500));
  CHECK(l->balance(aggregator.addr()) == amount::atn(3000));
  CHECK(l->jurisdictions().empty());
  ok(alice, tx::create_jurisdiction("text-1", specialisation::multimodal));  // the name is free again
}

TEST_CASE_METHOD(ledger_fixture, "a bad signature, another chain, a replayed or skipped nonce are refused",
                 "[ledger][sqlite]") {
  // Signed by bob but claiming to be alice.
  auto forged = sign_transaction(bob, l->id(), 0, tx::transfer(bob.addr(), amount::atn(500)));
  forged.tx.from = alice.addr();
  refused_stx(forged, refusal::bad_signature);
  // A damaged signature.
  auto damaged = sign_transaction(alice, l->id(), 0, tx::transfer(bob.addr(), amount::atn(5)));
  damaged.sig[5] ^= 0x40;
  refused_stx(damaged, refusal::bad_signature);
  // A field changed after signing.
  auto edited = sign_transaction(alice, l->id(), 0, tx::transfer(bob.addr(), amount::atn(5)));
  edited.tx.fields["amount"] = amount::atn(500).units_string();
  refused_stx(edited, refusal::bad_signature);
  // Signed for another ledger.
  chain_id other = l->id();
  other[0] ^= 1;
  refused_stx(sign_transaction(alice, other, 0, tx::transfer(bob.addr(), amount::atn(5))), refusal::bad_signature);

  const auto good = sign_transaction(alice, l->id(), 0, tx::transfer(bob.addr(), amount::atn(5)));
  l->submit(good);
  auto msg = refused_stx(good, refusal::bad_nonce);
  CHECK(contains(msg, "replayed"));
  msg = refused_stx(sign_transaction(alice, l->id(), 5, tx::transfer(bob.addr(), amount::atn(5))), refusal::bad_nonce);
  CHECK(contains(msg, "its next nonce is 1"));
  CHECK(l->balance(bob.addr()) == amount::atn(1005));
}

TEST_CASE_METHOD(ledger_fixture, "close_round: only the aggregator, once per round", "[ledger][sqlite]") {
  ok(aggregator, tx::create_jurisdiction("j", specialisation::text));
  round_result r;
  r.jurisdiction = "j";
  r.round = 1;
  r.solvers = {{alice.addr(), uint256(1), 1}};
  refused(alice, tx::close_round(r), refusal::not_authorised);
  ok(aggregator, tx::close_round(r));
  CHECK(l->epoch(1).rounds == 1);
  auto msg = refused(aggregator, tx::close_round(r), refusal::round_closed);
  CHECK(contains(msg, "round 1 of \"j\" is closed already"));
  r.jurisdiction = "k";
  refused(aggregator, tx::close_round(r), refusal::unknown_jurisdiction);
  refused(aggregator, {"close_round", {{"jurisdiction", "j"}, {"round", "2"}, {"solvers", "nonsense"}}},
          refusal::malformed);
}

TEST_CASE_METHOD(ledger_fixture, "a ledger still busy after the timeout is unavailable, and nothing changed",
                 "[ledger][sqlite]") {
  auto impatient = sqlite_ledger::open(path(), clock(), 50);
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path().c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto before = impatient->state_digest();  // reads go on while another process writes
  CHECK_THROWS_AS(submit_as(*impatient, alice, tx::transfer(bob.addr(), amount::atn(1))), ledger_unavailable);
  REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  CHECK(impatient->state_digest() == before);
  submit_as(*impatient, alice, tx::transfer(bob.addr(), amount::atn(1)));
  CHECK(l->balance(bob.addr()) == amount::atn(1001));
}
