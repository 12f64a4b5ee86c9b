#include "runtime/ledger/emission.hpp"
#include "runtime/ledger/wallet.hpp"

#include <catch2/catch.hpp>

using namespace atn::ledger;

TEST_CASE("epoch budgets decay by 9900 bps with an integer floor each epoch", "[ledger][emission]") {
  CHECK(epoch_budget(amount::atn(10000), 9900, 1) == amount::atn(10000));
  CHECK(epoch_budget(amount::atn(10000), 9900, 2) == amount::atn(9900));
  CHECK(epoch_budget(amount::atn(10000), 9900, 3) == amount::atn(9801));
  // The floor is taken every epoch: 101 → floor(99.99) = 99 → floor(98.01) = 98.
  const auto units = [](unsigned v) { return amount::from_units(uint256(v)); };
  CHECK(epoch_budget(units(101), 9900, 2) == units(99));
  CHECK(epoch_budget(units(101), 9900, 3) == units(98));
  CHECK(epoch_budget(units(101), 10000, 50) == units(101));
  // Budgets never grow and eventually reach 0.
  CHECK(epoch_budget(units(101), 9900, 100000) == units(0));
}

TEST_CASE("a round's share and rewards follow the formula, floor included, never above the share",
          "[ledger][emission]") {
  CHECK(round_share(amount::atn(9900), 4) == amount::parse("2475"));
  CHECK(round_share(amount::from_units(uint256(10)), 3) == amount::from_units(uint256(3)));
  CHECK(round_share(amount::atn(1), 0).is_zero());

  const address s1 = wallet::generate().addr(), s2 = wallet::generate().addr(), c1 = wallet::generate().addr();
  round_result r;
  r.jurisdiction = "j";
  r.round = 1;
  r.solvers = {{s1, uint256(500), 10}, {s2, uint256(250), 10}};
  r.coordinators = {{c1, uint256(250), 0}};
  std::map<address, std::uint64_t> attested{{s1, 10}, {s2, 4}};
  const auto att = [&](const address& a) { return attested.count(a) ? attested.at(a) : 0; };

  const amount share = amount::atn(100);
  auto rewards = round_rewards(share, r, att);
  CHECK(rewards.at(s1) == amount::atn(50));  // full weight, fully attested
  CHECK(rewards.at(s2) == amount::atn(10));  // 250 × 4/10 = 100 of W = 1000
  CHECK(rewards.at(c1) == amount::atn(25));
  // The unattested 15 ATN are not handed to the others.
  amount paid;
  for (const auto& [who, v] : rewards) paid += v;
  CHECK(paid == amount::atn(85));

  // Over-attestation earns nothing extra; no attestation earns nothing.
  attested[s2] = 1000;
  CHECK(round_rewards(share, r, att).at(s2) == amount::atn(25));
  attested.erase(s1);
  CHECK(round_rewards(share, r, att).count(s1) == 0);

  // Floors: a share of 10 units over weights 1:1:1 pays 3 each, 1 unit unminted.
  r.solvers = {{s1, uint256(1), 1}, {s2, uint256(1), 1}};
  r.coordinators = {{c1, uint256(1), 0}};
  attested = {{s1, 1}, {s2, 1}};
  rewards = round_rewards(amount::from_units(uint256(10)), r, att);
  CHECK(rewards.at(s1).units() == 3);
  CHECK(rewards.at(s2).units() == 3);
  CHECK(rewards.at(c1).units() == 3);
  // No weight: nothing.
  r.solvers.clear();
  r.coordinators.clear();
  CHECK(round_rewards(share, r, att).empty());
}
