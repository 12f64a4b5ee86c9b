#include "runtime/protocol/round_report_json.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

using namespace atn;

namespace {

round_report sample_report() {
  round_report r;
  r.jurisdiction = "lan";
  r.round = 3;
  r.previous_version = "aa11";
  r.version = "bb22";
  r.commits = 3;
  r.reveals = 2;
  r.score_reveals = 1;
  r.accepted = {"solver-1", "solver-2"};
  r.rejected = {{"solver-3", reject_reason::late_reveal}, {"coordinator-2", reject_reason::no_incentive}};
  r.uids = {"coordinator-1", "solver-1", "solver-2"};
  r.stake = {1, 0, 0};
  r.consensus = {0, 0.4, 0.6};
  r.incentive = {0, 0.1 + 0.2, 0.7};  // a double that needs every digit to read back exactly
  r.dividends = {1, 0, 0};
  r.held_out_loss = 2.5;
  r.held_out_cosine = 0.25;
  r.train_seconds = 1.5;
  r.protocol_seconds = 0.75;
  r.aggregate_seconds = 0.125;
  r.verify_seconds = 0.5;
  return r;
}

}  // namespace

TEST_CASE("a round report reads back as written", "[round_report_json]") {
  const auto r = sample_report();
  const auto line = round_report_json(r);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find("\"solver-3\":\"late_reveal\"") != std::string::npos);  // the reason's wire text
  auto back = parse_round_report(line);
  REQUIRE(back);
  CHECK(back->jurisdiction == r.jurisdiction);
  CHECK(back->round == r.round);
  CHECK(back->previous_version == r.previous_version);
  CHECK(back->version == r.version);
  CHECK(back->commits == r.commits);
  CHECK(back->reveals == r.reveals);
  CHECK(back->score_reveals == r.score_reveals);
  CHECK(back->accepted == r.accepted);
  CHECK(back->rejected == r.rejected);
  CHECK(back->uids == r.uids);
  CHECK(back->stake == r.stake);
  CHECK(back->consensus == r.consensus);
  CHECK(back->incentive == r.incentive);
  CHECK(back->dividends == r.dividends);
  CHECK(back->held_out_loss == r.held_out_loss);
  CHECK(back->held_out_cosine == r.held_out_cosine);
  CHECK(back->train_seconds == r.train_seconds);
  CHECK(back->protocol_seconds == r.protocol_seconds);
  CHECK(back->aggregate_seconds == r.aggregate_seconds);
  CHECK(back->verify_seconds == r.verify_seconds);
}

TEST_CASE("a non-finite loss is written as null and read back as unmeasured", "[round_report_json]") {
  auto r = sample_report();
  r.held_out_loss = std::numeric_limits<double>::quiet_NaN();
  const auto line = round_report_json(r);
  CHECK(line.find("\"held_out_loss\":null") != std::string::npos);
  auto back = parse_round_report(line);
  REQUIRE(back);
  CHECK(back->held_out_loss == -1);
}

TEST_CASE("a line that is not a round report is refused, saying why", "[round_report_json]") {
  CHECK_FALSE(parse_round_report("not json"));
  CHECK_FALSE(parse_round_report("{\"round\": 1}"));
  auto r = sample_report();
  auto line = round_report_json(r);
  line.replace(line.find("late_reveal"), std::string("late_reveal").size(), "too_slow");
  auto bad = parse_round_report(line);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("'too_slow'") != std::string::npos);
}

TEST_CASE("the parity line reads back, and neither line passes for the other", "[round_report_json]") {
  const parity_report p{120, 0.4375, 0.25};
  const auto line = parity_report_json(p);
  CHECK(line.rfind("{\"parity\":", 0) == 0);
  const auto back = parse_parity_report(line);
  REQUIRE(back);
  CHECK(back->central_steps == 120);
  CHECK(back->central_loss == 0.4375);
  CHECK(back->central_cosine == 0.25);

  CHECK_FALSE(parse_round_report(line));
  CHECK_FALSE(parse_parity_report(round_report_json(round_report{})));
}

TEST_CASE("a parity loss that is not finite reads back as not measured", "[round_report_json]") {
  const auto back = parse_parity_report(parity_report_json({8, std::nan(""), 0.5}));
  REQUIRE(back);
  CHECK(back->central_loss == -1);
}
