#include "messages/round_messages.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace atn;

TEST_CASE("a round result's refusals travel as their reason texts", "[round_messages]") {
  round_result_msg r;
  r.previous_version = "aa";
  r.version = "bb";
  r.uids = {"coordinator-1", "solver-1", "solver-2"};
  r.stake = {1, 0, 0};
  r.consensus = r.incentive = r.dividends = {0, 1, 0};
  r.accepted = {"solver-1"};
  r.rejected = {{"solver-2", reject_reason::commitment_mismatch}};
  const auto wire = to_wire(r, "default", 3);
  CHECK(wire.fields.at("rejected").as_map().at("solver-2").as_string() == "commitment_mismatch");

  const auto back = parse_round_result(wire);
  REQUIRE(back);
  CHECK(back->rejected == r.rejected);
  CHECK(back->accepted == r.accepted);
}

TEST_CASE("a round result naming an unknown reason is refused, naming the field and the word", "[round_messages]") {
  round_result_msg r;
  r.rejected = {{"solver-2", reject_reason::late_reveal}};
  auto wire = to_wire(r, "default", 3);
  wire_value::map forged;
  forged.emplace("solver-2", std::string("too_slow"));
  wire.fields.at("rejected") = wire_value(forged);

  const auto back = parse_round_result(wire);
  REQUIRE_FALSE(back);
  CHECK(back.error().find("'rejected'") != std::string::npos);
  CHECK(back.error().find("too_slow") != std::string::npos);
}
