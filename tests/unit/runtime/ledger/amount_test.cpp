#include "runtime/ledger/amount.hpp"

#include <catch2/catch.hpp>

using atn::ledger::amount;
using atn::ledger::amount_error;
using atn::ledger::uint256;

TEST_CASE("amounts parse and print ATN decimals exactly", "[ledger][amount]") {
  CHECK(amount::parse("12.5 ATN").units_string() == "12500000000000000000");
  CHECK(amount::parse("12.5").to_string() == "12.5 ATN");
  CHECK(amount::parse("50").to_string() == "50 ATN");
  CHECK(amount::parse("0.000000000000000001 ATN").units_string() == "1");
  CHECK(amount::parse(".5").to_string() == "0.5 ATN");
  CHECK(amount::atn(10000).to_string() == "10000 ATN");
  CHECK(amount::from_units(uint256(1)).to_string() == "0.000000000000000001 ATN");
  CHECK(amount::parse_units("1234").units() == 1234);
  // The largest uint256 round-trips; one more unit is refused.
  const std::string max = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
  CHECK(amount::parse_units(max).units_string() == max);
  CHECK_THROWS_AS(amount::parse_units(max.substr(0, max.size() - 1) + "6"), amount_error);
}

TEST_CASE("malformed amounts are refused with the accepted form", "[ledger][amount]") {
  for (const char* bad : {"", "ATN", "1.", "-1", "1e3", "1.0000000000000000001", "12,5", "0x10", " . "})
    CHECK_THROWS_AS(amount::parse(bad), amount_error);
  CHECK_THROWS_WITH(amount::parse("12,5"), Catch::Contains("\"12,5\"") && Catch::Contains("at most 18 decimals"));
  CHECK_THROWS_AS(amount::parse_units("01"), amount_error);
  CHECK_THROWS_AS(amount::parse_units("1.5"), amount_error);
}

TEST_CASE("amount arithmetic refuses overflow and underflow", "[ledger][amount]") {
  const amount max = amount::from_units((std::numeric_limits<uint256>::max)());
  CHECK_THROWS_AS(max + amount::from_units(1), amount_error);
  CHECK_THROWS_AS(amount::atn(1) - amount::atn(2), amount_error);
  CHECK((amount::atn(3) - amount::atn(2)) == amount::atn(1));
  CHECK((amount::parse("0.1") + amount::parse("0.2")) == amount::parse("0.3"));  // no float drift
  CHECK(atn::ledger::mul_div_floor(uint256(10), uint256(9900), uint256(10000)) == 9);
  CHECK_THROWS_AS(atn::ledger::mul_div_floor(uint256(1), uint256(1), uint256(0)), amount_error);
  // 512-bit intermediate: max × 2 / 2 = max.
  CHECK(atn::ledger::mul_div_floor(max.units(), uint256(2), uint256(2)) == max.units());
}
