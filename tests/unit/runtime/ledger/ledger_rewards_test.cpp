// Epochs, settlement and claims on the SQLite ledger, checked against rewards computed by hand from
// ARCHITECTURE.md's formula (the numbers below are worked out in the comments, not by emission.hpp).
#include "tests/unit/runtime/ledger/ledger_fixture.hpp"

using namespace atn::ledger;
using atn::test::ledger_fixture;

namespace {
round_result result(std::uint64_t round, std::vector<round_share> solvers, std::vector<round_share> coordinators) {
  round_result r;
  r.jurisdiction = "j";
  r.round = round;
  r.solvers = std::move(solvers);
  r.coordinators = std::move(coordinators);
  return r;
}
}  // namespace

TEST_CASE_METHOD(ledger_fixture, "rewards follow the formula, are minted at settlement and claimed once when final",
                 "[ledger][sqlite][rewards]") {
  const wallet& s1 = alice;
  const wallet& s2 = bob;
  const wallet& c = carol;
  const address agg = aggregator.addr();
  ok(aggregator, tx::stake(role::aggregator, amount::atn(1000)));
  ok(aggregator, tx::create_jurisdiction("j", specialisation::text));

  // Epoch 1: budget 1000 ATN, two rounds, so each round's share is 500 ATN.
  ok(s1, tx::attest_usage(agg, 10, "j", 1));
  ok(s2, tx::attest_usage(agg, 4, "j", 1));
  // Round 1: W = 600 + 300 + 100 = 1000. s1 attested all 10 of 10 units: 500 × 600/1000 = 300 ATN.
  // s2 attested 4 of 8: eff = floor(300 × 4/8) = 150, 500 × 150/1000 = 75 ATN. c: 500 × 100/1000 = 50 ATN.
  ok(aggregator, tx::close_round(result(1, {{s1.addr(), uint256(600), 10}, {s2.addr(), uint256(300), 8}},
                                        {{c.addr(), uint256(100), 0}})));
  // Round 2: W = 3. s1 attested 3 of 5: eff = floor(1 × 3/5) = 0; s2 none; c: floor(500 ATN / 3) =
  // 166.666666666666666666 ATN (units floored).
  ok(s1, tx::attest_usage(agg, 3, "j", 2));
  ok(aggregator,
     tx::close_round(result(2, {{s1.addr(), uint256(1), 5}, {s2.addr(), uint256(1), 5}}, {{c.addr(), uint256(1), 0}})));
  auto msg = ledger_fixture::refused(s1, tx::claim_reward(1), refusal::epoch_not_final);
  CHECK(msg.find("epoch 1 ends at " + std::to_string(t0 + epoch_length)) != std::string::npos);

  // Epoch 2: budget floor(1000 × 0.99) = 990 ATN, seven rounds: share floor(990 ATN / 7) =
  // 141.428571428571428571 ATN each, all to s1 (sole weight, fully attested).
  *now = t0 + epoch_length;
  CHECK(l->current_epoch() == 2);
  CHECK(l->epoch(1).final);
  CHECK_FALSE(l->epoch(1).settled);  // nothing has been submitted since epoch 1 ended
  CHECK(l->rewards_of(s1.addr()).empty());
  for (std::uint64_t r = 3; r <= 9; ++r) {
    ok(s1, tx::attest_usage(agg, 1, "j", r));  // the first of these settles epoch 1
    ok(aggregator, tx::close_round(result(r, {{s1.addr(), uint256(1), 1}}, {})));
  }
  CHECK(l->epoch(1).settled);
  CHECK(l->epoch(1).minted == amount::parse("591.666666666666666666"));
  CHECK(l->rewards_of(s1.addr()).at(0).value == amount::atn(300));
  CHECK(l->rewards_of(s2.addr()).at(0).value == amount::atn(75));
  CHECK(l->rewards_of(c.addr()).at(0).value == amount::parse("216.666666666666666666"));

  // Epoch 3: no rounds, nothing minted. Epoch 4: budget 990 → 980.1 → 970.299 ATN, one round; s2's
  // solver weight credits 0 units (earns nothing), c gets 970.299 × 5/10 = 485.1495 ATN.
  *now = t0 + 3 * epoch_length + 5;
  CHECK(l->epoch(4).budget == amount::parse("970.299"));
  ok(aggregator, tx::close_round(result(10, {{s2.addr(), uint256(5), 0}}, {{c.addr(), uint256(5), 0}})));
  CHECK(l->epoch(2).minted == amount::parse("989.999999999999999997"));
  CHECK(l->epoch(3).settled);
  CHECK(l->epoch(3).minted.is_zero());

  // Claims: once each, only when final.
  const amount before = l->balance(s1.addr());
  CHECK(ok(s1, tx::claim_reward(1)).value == amount::atn(300));
  CHECK(l->balance(s1.addr()) == before + amount::atn(300));
  msg = ledger_fixture::refused(s1, tx::claim_reward(1), refusal::already_claimed);
  CHECK(msg.find("claimed already") != std::string::npos);
  ok(s1, tx::claim_reward(2));
  CHECK(l->balance(s1.addr()) == before + amount::parse("1289.999999999999999997"));
  ledger_fixture::refused(s1, tx::claim_reward(3), refusal::nothing_to_claim);
  ledger_fixture::refused(c, tx::claim_reward(4), refusal::epoch_not_final);
  CHECK(l->rewards_of(s1.addr()).at(0).claimed);

  *now = t0 + 4 * epoch_length;
  ok(c, tx::claim_reward(4));
  CHECK(l->balance(c.addr()) == amount::parse("100") + amount::parse("485.1495"));
  const auto t = l->totals();
  CHECK(t.minted ==
        amount::parse("591.666666666666666666") + amount::parse("989.999999999999999997") + amount::parse("485.1495"));
  CHECK(t.unclaimed_rewards == amount::atn(75) + amount::parse("216.666666666666666666"));
  // Minted never exceeds the budgets.
  for (std::uint64_t n = 1; n <= 4; ++n) CHECK(l->epoch(n).minted <= l->epoch(n).budget);
}
