#include "runtime/ledger/gate.hpp"
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"

#include <catch2/catch.hpp>

using namespace atn;
using ledger::amount;

TEST_CASE("the gate stakes the solver minimum itself when the balance allows", "[gate]") {
  test::ledger_fixture f;
  const auto r = ledger::pass_gate(*f.l, f.alice, {});
  CHECK(r.open);
  CHECK(r.transactions.size() == 1);
  CHECK(f.l->is_active(f.alice.addr(), ledger::role::solver));
  CHECK(f.l->balance(f.alice.addr()) == amount::atn(950));
  CHECK(r.message.find("staked 50 ATN as solver") != std::string::npos);
  // A second pass finds the stake and submits nothing.
  const auto again = ledger::pass_gate(*f.l, f.alice, {});
  CHECK(again.open);
  CHECK(again.transactions.empty());
}

TEST_CASE("the gate stays closed on a balance below the minimum and says by how much", "[gate]") {
  test::ledger_fixture f;
  f.ok(f.carol, ledger::tx::transfer(f.bob.addr(), amount::parse("88 ATN")));  // carol keeps 12 ATN
  const auto before = f.l->state_digest();
  const auto r = ledger::pass_gate(*f.l, f.carol, {});
  CHECK_FALSE(r.open);
  CHECK(r.message.find("balance 12 ATN < 50 ATN") != std::string::npos);
  CHECK(f.l->state_digest() == before);
}

TEST_CASE("without auto_stake the gate names the command that stakes", "[gate]") {
  test::ledger_fixture f;
  ledger::gate_options o;
  o.auto_stake = false;
  o.state_dir = "/tmp/node-a";
  const auto r = ledger::pass_gate(*f.l, f.alice, o);
  CHECK_FALSE(r.open);
  CHECK(r.message.find("atn-node stake solver 50 ATN --state-dir /tmp/node-a") != std::string::npos);
  CHECK_FALSE(f.l->stake_of(f.alice.addr()));
}

TEST_CASE("the gate joins the node's jurisdiction, and refuses one that does not exist", "[gate]") {
  test::ledger_fixture f;
  f.ok(f.aggregator, ledger::tx::create_jurisdiction("vision", ledger::specialisation::visual));
  ledger::gate_options o;
  o.jurisdiction = "vision";
  const auto r = ledger::pass_gate(*f.l, f.alice, o);
  CHECK(r.open);
  CHECK(r.transactions.size() == 2);  // stake, join
  const auto js = f.l->jurisdictions();
  REQUIRE(js.size() == 1);
  CHECK(js[0].members == std::vector<ledger::address>{f.alice.addr()});

  o.jurisdiction = "audio";
  const auto missing = ledger::pass_gate(*f.l, f.bob, o);
  CHECK_FALSE(missing.open);
  CHECK(missing.message.find("jurisdiction 'audio' does not exist") != std::string::npos);
}

TEST_CASE("a stake being unstaked keeps the gate closed", "[gate]") {
  test::ledger_fixture f;
  f.ok(f.alice, ledger::tx::stake(ledger::role::solver, amount::atn(50)));
  f.ok(f.alice, ledger::tx::request_unstake());
  const auto r = ledger::pass_gate(*f.l, f.alice, {});
  CHECK_FALSE(r.open);
  CHECK(r.message.find("being unstaked") != std::string::npos);
}

TEST_CASE("an aggregator's gate stakes as aggregator and founds its jurisdiction; a taken one stays closed", "[gate]") {
  test::ledger_fixture f;
  ledger::gate_options o;
  o.r = ledger::role::aggregator;
  o.jurisdiction = "vision";
  o.spec = ledger::specialisation::visual;
  const auto before = f.l->balance(f.aggregator.addr());
  const auto r = ledger::pass_gate(*f.l, f.aggregator, o);
  INFO(r.message);
  REQUIRE(r.open);
  CHECK(r.transactions.size() == 2);  // stake, create
  CHECK(f.l->is_active(f.aggregator.addr(), ledger::role::aggregator));
  const auto js = f.l->jurisdictions();
  REQUIRE(js.size() == 1);
  CHECK(js[0].name == "vision");
  CHECK(js[0].spec == ledger::specialisation::visual);
  CHECK(js[0].aggregator == f.aggregator.addr());
  CHECK(f.l->balance(f.aggregator.addr()) == before - amount::atn(1000) - amount::atn(500));
  // Passing again submits nothing: it is the jurisdiction's aggregator already.
  CHECK(ledger::pass_gate(*f.l, f.aggregator, o).transactions.empty());

  // Another aggregator for the same jurisdiction is refused, naming the one it has.
  f.ok(f.bob, ledger::tx::stake(ledger::role::aggregator, amount::atn(1000)));
  const auto digest = f.l->state_digest();
  const auto taken = ledger::pass_gate(*f.l, f.bob, o);
  CHECK_FALSE(taken.open);
  CHECK(taken.message.find("has the aggregator " + f.aggregator.addr().to_string()) != std::string::npos);
  CHECK(f.l->state_digest() == digest);
}
