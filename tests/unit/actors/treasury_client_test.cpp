#include "actors/treasury_client.hpp"
#include "messages/treasury_messages.hpp"
#include "runtime/ledger/outbox.hpp"
#include "runtime/ledger/sqlite_db.hpp"
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <thread>

using namespace atn;
using namespace std::chrono_literals;
using ledger::amount;

namespace {

treasury_options options_for(test::ledger_fixture& f, const ledger::wallet& w) {
  treasury_options o;
  o.node_id = "solver-1";
  o.ledger = ledger::sqlite_ledger::open(f.path(), f.clock());
  o.wallet = std::make_shared<const ledger::wallet>(w);
  o.outbox_path = f.dir.path / "outbox.sqlite";
  o.retry_interval = 20ms;
  return o;
}

std::optional<treasury_outcome> attest(caf::scoped_actor& self, const caf::actor& client, const attest_training& a) {
  std::optional<treasury_outcome> out;
  self->request(client, 10s, a).receive([&](const treasury_outcome& o) { out = o; }, [](caf::error&) {});
  return out;
}

std::optional<treasury_status> status_of(caf::scoped_actor& self, const caf::actor& client) {
  std::optional<treasury_status> out;
  self->request(client, 10s, treasury_status_atom::value)
      .receive([&](const treasury_status& s) { out = s; }, [](caf::error&) {});
  return out;
}

}  // namespace

TEST_CASE("the treasury client attests a round's training once per key and reports the node's standing",
          "[treasury_client]") {
  test::ledger_fixture f;
  f.ok(f.aggregator, ledger::tx::create_jurisdiction("default", ledger::specialisation::text));
  f.ok(f.aggregator, ledger::tx::stake(ledger::role::aggregator, amount::atn(1000)));  // an active service
  f.ok(f.alice, ledger::tx::stake(ledger::role::solver, amount::atn(50)));
  f.ok(f.alice, ledger::tx::join_jurisdiction("default"));

  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  auto client = spawn_treasury_client(system, options_for(f, f.alice));

  const attest_training a{attestation_key("solver-1", "default", 4), "default", 4, 25};
  const auto first = attest(self, client, a);
  REQUIRE(first);
  CHECK(first->state == "applied");
  const auto second = attest(self, client, a);  // the same key: not sent again
  REQUIRE(second);
  CHECK(second->state == "applied");
  CHECK(f.l->attested_round_units(f.alice.addr(), "default", 4) == 25);

  const auto s = status_of(self, client);
  REQUIRE(s);
  CHECK(s->address == f.alice.addr().to_string());
  CHECK(s->balance == "900 ATN");  // 1000 − 50 stake − 50 member stake
  CHECK(s->stake_active);
  CHECK(s->attested_units == 25);
  CHECK(s->pending == 0);
  self->send_exit(client, caf::exit_reason::user_shutdown);
}

TEST_CASE("a refusal comes back with the ledger's reason", "[treasury_client]") {
  test::ledger_fixture f;
  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  auto client = spawn_treasury_client(system, options_for(f, f.carol));  // no stake: not an active service
  const auto out = attest(self, client, {attestation_key("solver-1", "", 1), "", 1, 10});
  REQUIRE(out);
  CHECK(out->state == "refused");
  CHECK_FALSE(out->detail.empty());
  self->send_exit(client, caf::exit_reason::user_shutdown);
}

TEST_CASE("while the ledger is locked an attestation is queued, and sent when it frees", "[treasury_client]") {
  test::ledger_fixture f;
  f.ok(f.alice, ledger::tx::stake(ledger::role::solver, amount::atn(50)));
  auto o = options_for(f, f.alice);
  o.ledger = ledger::sqlite_ledger::open(f.path(), f.clock(), /*busy_timeout_ms=*/50);

  // Another process holds the ledger's write lock.
  ledger::sqlite_db locker(f.path(), false, 1000);
  locker.exec("BEGIN IMMEDIATE");

  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  auto client = spawn_treasury_client(system, o);
  const auto out = attest(self, client, {attestation_key("solver-1", "", 1), "", 1, 10});
  REQUIRE(out);
  CHECK(out->state == "queued");
  CHECK(out->detail.find("unavailable") != std::string::npos);

  locker.exec("COMMIT");
  // The client retries by itself: await the attestation on the ledger.
  bool applied = false;
  for (int i = 0; i < 500 && !applied; ++i) {
    applied = status_of(self, client)->pending == 0;
    if (!applied) std::this_thread::sleep_for(10ms);
  }
  CHECK(applied);
  CHECK(f.l->attested_units(f.alice.addr(), f.l->current_epoch()) == 10);
  self->send_exit(client, caf::exit_reason::user_shutdown);
}
