// The aggregator on the ledger: a round played against the real aggregator actor, with a real
// treasury client over a real SQLite ledger. The round closes on the ledger with the Yuma weights, and
// the solver that committed and never revealed is slashed by the configured fraction of its stake.
#include "actors/aggregator.hpp"
#include "actors/treasury_client.hpp"
#include "messages/bridge_messages.hpp"
#include "runtime/ledger/sqlite_ledger.hpp"
#include "runtime/protocol/commitment.hpp"
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"

#include <cstdint>  // first: CAF 0.17.6's headers use std::uint64_t without including it

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>

using namespace atn;
using namespace std::chrono_literals;
using ledger::amount;

namespace {

named_tensors model(float a, float b) {
  return {named_tensor{"w", {2}, std::make_shared<const std::vector<float>>(std::vector<float>{a, b})}};
}

inbound_message as_from(wire_message m, const std::string& node) {
  m.from = node;
  return {std::move(m), 0, 0};
}

// The next outbound message of `type` the aggregator sends (others are skipped).
wire_message next_sent(caf::scoped_actor& self, const std::string& type) {
  for (;;) {
    std::optional<wire_message> got;
    self->receive([&](const outbound_message& m) { got = m.message; }, [](const round_report&) {},
                  caf::after(10s) >> [&] { FAIL("the aggregator sent no " << type); });
    if (got && got->type == type) return *got;
  }
}

}  // namespace

TEST_CASE("a closed round goes to the ledger with its Yuma weights, and an unrevealed commitment is slashed",
          "[aggregator][ledger]") {
  test::temp_dir dir{"atn_aggregator_ledger"};
  const auto agg = test::wallet_no(4), alice = test::wallet_no(1), bob = test::wallet_no(2), carol = test::wallet_no(3);
  ledger::genesis g;
  g.slashers = {agg.addr()};  // the aggregator may slash
  g.balances = {{agg.addr(), amount::atn(3000)},
                {alice.addr(), amount::atn(1000)},
                {bob.addr(), amount::atn(1000)},
                {carol.addr(), amount::atn(1000)}};
  const auto path = dir.path / "ledger.sqlite";
  {
    auto l = ledger::sqlite_ledger::create(path, g, ledger::system_clock_seconds());
    ledger::submit_as(*l, agg, ledger::tx::stake(ledger::role::aggregator, amount::atn(1000)));
    ledger::submit_as(*l, agg, ledger::tx::create_jurisdiction("default", ledger::specialisation::text));
    for (const auto* w : {&alice, &bob}) {
      ledger::submit_as(*l, *w, ledger::tx::stake(ledger::role::solver, amount::atn(50)));
      ledger::submit_as(*l, *w, ledger::tx::join_jurisdiction("default"));
    }
    ledger::submit_as(*l, carol, ledger::tx::stake(ledger::role::coordinator, amount::atn(500)));
    ledger::submit_as(*l, carol, ledger::tx::join_jurisdiction("default"));
    // alice trained the round and attests it, as her solver would.
    ledger::submit_as(*l, alice, ledger::tx::attest_usage(agg.addr(), 4, "default", 1));
  }

  caf::actor_system_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  treasury_options t;
  t.node_id = "aggregator";
  t.ledger = ledger::sqlite_ledger::open(path, ledger::system_clock_seconds());
  t.wallet = std::make_shared<const ledger::wallet>(agg);
  t.outbox_path = dir.path / "outbox.sqlite";
  auto treasury = spawn_treasury_client(system, t);

  round_aggregator_options o;
  o.solvers = {"solver-1", "solver-2"};
  o.coordinators = {"coordinator-1"};
  o.task.steps = 4;
  o.rounds = 1;
  o.commit_timeout = 10s;
  o.reveal_timeout = 300ms;  // solver-2 never reveals
  o.score_commit_timeout = o.score_reveal_timeout = 10s;
  o.state_dir = dir.path / "aggregator";
  o.initial_weights = model(1, 1);
  o.ledger_addresses = {{"solver-1", alice.addr().to_string()},
                        {"solver-2", bob.addr().to_string()},
                        {"coordinator-1", carol.addr().to_string()}};
  o.slash_fraction_bps = 1000;  // 10 %
  auto aggregator = spawn_aggregator(system, o, self, self, aggregator_thread::own, treasury);

  const auto open = parse_round_open(next_sent(self, round_type::open));
  REQUIRE(open);
  const auto delta = model(0.5f, -0.5f);
  const auto salt = fresh_salt();
  for (const char* s : {"solver-1", "solver-2"}) {
    const auto c = commitment_of(delta_commit_domain, s, "default", 1, open->version, blake2b_256(delta), salt);
    self->send(aggregator, as_from(to_wire(commit_msg{commit_kind::delta, c}, "default", 1), s));
  }
  next_sent(self, round_type::phase);  // the reveal phase
  reveal_msg reveal;
  reveal.salt = salt;
  reveal.samples = 8;
  reveal.steps = 4;
  reveal.delta = delta;
  self->send(aggregator, as_from(to_wire(reveal, "default", 1), "solver-1"));
  next_sent(self, round_type::phase);  // reveals closed at the deadline: solver-2 is missing

  const std::vector<double> scores{1.0, 0.0};
  const auto score_salt = fresh_salt();
  const auto sc = commitment_of(scores_commit_domain, "coordinator-1", "default", 1, open->version,
                                scores_hash(o.solvers, scores), score_salt);
  self->send(aggregator, as_from(to_wire(commit_msg{commit_kind::scores, sc}, "default", 1), "coordinator-1"));
  next_sent(self, round_type::phase);  // score reveal phase
  score_reveal_msg sr;
  sr.salt = score_salt;
  sr.solvers = o.solvers;
  sr.scores = scores;
  self->send(aggregator, as_from(to_wire(sr, "default", 1), "coordinator-1"));
  const auto result = parse_round_result(next_sent(self, round_type::result));
  REQUIRE(result);
  CHECK(result->rejected.at("solver-2") == reject_reason::missing);

  // The treasury client applies both transactions; watch the ledger until it has.
  auto l = ledger::sqlite_ledger::open(path, ledger::system_clock_seconds());
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while ((!l->round_epoch("default", 1) || l->stake_of(bob.addr())->value == amount::atn(50)) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  REQUIRE(l->round_epoch("default", 1));
  CHECK(l->epoch(*l->round_epoch("default", 1)).rounds == 1);
  const auto bob_stake = l->stake_of(bob.addr());
  REQUIRE(bob_stake);
  CHECK(bob_stake->value == amount::atn(45));                   // 10 % of 50 ATN burned
  CHECK_FALSE(l->is_active(bob.addr(), ledger::role::solver));  // below the minimum now
  CHECK(l->stake_of(alice.addr())->value == amount::atn(50));   // the one who revealed keeps all
  CHECK(l->totals().burned == amount::atn(5));
  CHECK(l->check_invariants().empty());
  CHECK(l->audit().ok);
  self->send_exit(aggregator, caf::exit_reason::user_shutdown);
  self->send_exit(treasury, caf::exit_reason::user_shutdown);
}
