#pragma once

#include <cstdint>

// Calendar arithmetic on the proleptic Gregorian calendar, UTC (H. Hinnant's algorithms), shared
// by the ATN timestamp parser and the sample-data generator so both agree on every date.
namespace atn {

struct civil_date {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Days since 1970-01-01 of the date; negative before it. Valid for any year an int64 day count holds.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);

// The date `days` days after 1970-01-01 (before it when negative).
civil_date civil_from_days(std::int64_t days);

}  // namespace atn
