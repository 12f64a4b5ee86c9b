#include "messages/reject_reason.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace atn;

TEST_CASE("every reject reason reads back from its text", "[reject_reason]") {
  for (auto r : all_reject_reasons) {
    auto back = parse_reject_reason(to_string(r));
    REQUIRE(back);
    CHECK(*back == r);
  }
  // The texts stored traces and scripts hold stay what they were.
  CHECK(std::string(to_string(reject_reason::late_reveal)) == "late_reveal");
  CHECK(std::string(to_string(reject_reason::no_incentive)) == "no_incentive");
  CHECK(std::string(to_string(reject_reason::error)) == "error");
}

TEST_CASE("an unknown reject reason is refused with its text", "[reject_reason]") {
  auto r = parse_reject_reason("too_slow");
  REQUIRE_FALSE(r);
  CHECK(r.error().find("'too_slow'") != std::string::npos);
}
