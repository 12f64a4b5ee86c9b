#include "runtime/ledger/genesis_yaml.hpp"
#include "runtime/ledger/wallet.hpp"

#include <catch2/catch.hpp>

using namespace atn::ledger;

TEST_CASE("genesis YAML: amounts in ATN, defaults, roles overridden, canonical text round-trips", "[ledger][genesis]") {
  const std::string a = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
  const std::string b = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359";
  const genesis g = parse_genesis_yaml(
      "chain_name: sim-1\n"
      "genesis_time: 1800000000\n"
      "epoch_length_seconds: 60\n"
      "initial_epoch_budget: 12.5 ATN\n"
      "governance: " +
      a +
      "\n"
      "slashers: [" +
      b +
      "]\n"
      "balances:\n  " +
      a + ": 1000 ATN\n  " + b +
      ": \"0.000000000000000001\"\n"
      "roles:\n  solver: {minimum: 10 ATN, lockup_seconds: 30}\n");
  CHECK(g.chain_name == "sim-1");
  CHECK(g.genesis_time == 1800000000);
  CHECK(g.epoch_length_seconds == 60);
  CHECK(g.initial_epoch_budget == amount::parse("12.5"));
  CHECK(g.decay_bps == 9900);  // default
  CHECK(g.guild_stake == amount::atn(500));
  CHECK(*g.governance == address::parse(a));
  CHECK(g.slashers.at(0) == address::parse(b));
  CHECK(g.balances.at(address::parse(a)) == amount::atn(1000));
  CHECK(g.balances.at(address::parse(b)).units() == 1);
  CHECK(g.roles.at(role::solver).minimum == amount::atn(10));
  CHECK(g.roles.at(role::solver).lockup_seconds == 30);
  CHECK(g.roles.at(role::validator).minimum == amount::atn(10000));  // default kept

  const std::string text = genesis_canonical_text(g);
  const genesis back = parse_genesis_yaml(text);
  CHECK(genesis_canonical_text(back) == text);
  CHECK(genesis_chain_id(back) == keccak256(text));
  // The chain id binds every value.
  genesis changed = back;
  changed.balances[address::parse(a)] += amount::from_units(uint256(1));
  CHECK(genesis_chain_id(changed) != genesis_chain_id(back));
}

TEST_CASE("genesis YAML errors name the key and the value", "[ledger][genesis]") {
  const auto error_of = [](const std::string& text) {
    try {
      parse_genesis_yaml(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(error_of("initial_epoch_budget: 12.5.3 ATN\n"),
             Catch::Contains("initial_epoch_budget") && Catch::Contains("12.5.3"));
  CHECK_THAT(error_of("balances:\n  0x1234: 5 ATN\n"), Catch::Contains("balances.0x1234"));
  CHECK_THAT(error_of("balances:\n  0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed: -5\n"),
             Catch::Contains("balances.0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") && Catch::Contains("-5"));
  CHECK_THAT(error_of("epoch_lenght_seconds: 5\n"), Catch::Contains("epoch_lenght_seconds is not a genesis key"));
  CHECK_THAT(error_of("epoch_length_seconds: 0\n"), Catch::Contains("epoch_length_seconds \"0\" is out of range"));
  CHECK_THAT(error_of("decay_bps: 12000\n"), Catch::Contains("decay_bps"));
  CHECK_THAT(error_of("roles:\n  wizard: {minimum: 1 ATN}\n"), Catch::Contains("roles.wizard is not a role"));
  CHECK_THAT(error_of("chain_name: \"a b\"\n"), Catch::Contains("chain_name"));
  CHECK_THAT(error_of("[1, 2]"), Catch::Contains("map"));
}
