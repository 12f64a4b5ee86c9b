#include "data/civil_time.hpp"

#include <catch2/catch.hpp>

using namespace atn;

namespace {
void check_round_trip(std::int64_t year, unsigned month, unsigned day, std::int64_t days) {
  CHECK(days_from_civil(year, month, day) == days);
  const civil_date c = civil_from_days(days);
  CHECK(c.year == year);
  CHECK(c.month == month);
  CHECK(c.day == day);
}
}  // namespace

TEST_CASE("civil_time maps known dates to days since 1970-01-01 and back", "[civil_time]") {
  check_round_trip(1970, 1, 1, 0);
  check_round_trip(1969, 12, 31, -1);
  check_round_trip(2000, 3, 1, 11017);
  check_round_trip(2000, 2, 29, 11016);  // leap day of a year divisible by 400
  check_round_trip(2024, 2, 29, 19782);  // ordinary leap day
  check_round_trip(1900, 3, 1, -25508);  // 1900 has no 29 February
  check_round_trip(1900, 2, 28, -25509);
  check_round_trip(0, 3, 1, -719468);     // start of the algorithm's era 0
  check_round_trip(-1, 12, 31, -719529);  // negative year (1 BC is year 0)
  check_round_trip(-400, 2, 29, -865566);
}

TEST_CASE("civil_time round-trips every day over four centuries", "[civil_time]") {
  for (std::int64_t z = -146097 * 2; z <= 146097 * 2; z += 7) {
    const civil_date c = civil_from_days(z);
    REQUIRE(days_from_civil(c.year, c.month, c.day) == z);
  }
}
