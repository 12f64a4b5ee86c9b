#include "runtime/transport/refusal_log_limiter.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace atn;
using namespace std::chrono_literals;

namespace {

refusal_log_options five_per_10s() {
  refusal_log_options o;
  o.first_lines = 5;
  o.summary_interval = 10s;
  return o;
}

}  // namespace

TEST_CASE("refusal_log_limiter writes the first lines, then one summary per interval with the count (issue 18)",
          "[refusal_log_limiter]") {
  refusal_log_limiter limiter(five_per_10s());
  const auto t0 = refusal_log_limiter::clock::time_point{} + 1h;
  std::size_t written = 0;
  for (int i = 0; i < 10000; ++i) written += limiter.admit("x", "bad_version", t0 + std::chrono::microseconds(i));
  CHECK(written == 5);
  CHECK(limiter.due(t0 + 9s).empty());  // the interval has not passed

  auto s = limiter.due(t0 + 10s);
  REQUIRE(s.size() == 1);
  CHECK(s[0].peer == "x");
  CHECK(s[0].reason == "bad_version");
  CHECK(s[0].held_back == 9995);
  CHECK(s[0].span == 10s);
  CHECK(limiter.due(t0 + 10s).empty());  // counted once

  // Still flooding: summaries only, no more full lines.
  for (int i = 0; i < 100; ++i) CHECK_FALSE(limiter.admit("x", "bad_version", t0 + 12s));
  CHECK(limiter.due(t0 + 19s).empty());
  s = limiter.due(t0 + 20s);
  REQUIRE(s.size() == 1);
  CHECK(s[0].held_back == 100);

  // Quiet for a whole interval: forgotten, and the next refusal is written in full again.
  CHECK(limiter.due(t0 + 30s).empty());
  CHECK(limiter.tracked() == 0);
  CHECK(limiter.admit("x", "bad_version", t0 + 31s));
}

TEST_CASE("refusal_log_limiter keeps each peer and reason apart", "[refusal_log_limiter]") {
  refusal_log_limiter limiter(five_per_10s());
  const auto t0 = refusal_log_limiter::clock::time_point{} + 1h;
  std::size_t written = 0;
  for (int i = 0; i < 7; ++i) {
    written += limiter.admit("a", "malformed", t0);
    written += limiter.admit("a", "unknown_type", t0);
    written += limiter.admit("b", "malformed", t0 + 1s);
  }
  CHECK(written == 15);
  auto s = limiter.due(t0 + 10s);
  REQUIRE(s.size() == 2);  // b's interval ends a second later
  CHECK(s[0].peer == "a");
  CHECK(s[0].reason == "malformed");
  CHECK(s[0].held_back == 2);
  CHECK(s[1].reason == "unknown_type");
  s = limiter.due(t0 + 11s);
  REQUIRE(s.size() == 1);
  CHECK(s[0].peer == "b");
  CHECK(s[0].held_back == 2);
}

TEST_CASE("refusal_log_limiter bounds the pairs it tracks: invented sender ids share one entry",
          "[refusal_log_limiter]") {
  refusal_log_options o = five_per_10s();
  o.max_keys = 3;
  refusal_log_limiter limiter(o);
  const auto t0 = refusal_log_limiter::clock::time_point{} + 1h;
  std::size_t written = 0;
  for (int i = 0; i < 1000; ++i) written += limiter.admit("id-" + std::to_string(i), "unknown_sender", t0);
  CHECK(limiter.tracked() == 4);
  CHECK(written == 3 + 5);
  const auto s = limiter.flush(t0 + 1s);
  REQUIRE(s.size() == 1);
  CHECK(s[0].peer == other_peers);
  CHECK(s[0].held_back == 1000 - 3 - 5);
  CHECK(s[0].span == 1s);
}

TEST_CASE("refusal_log_limiter flush reports what is held back before the interval ends", "[refusal_log_limiter]") {
  refusal_log_limiter limiter(five_per_10s());
  const auto t0 = refusal_log_limiter::clock::time_point{} + 1h;
  for (int i = 0; i < 6; ++i) limiter.admit("a", "malformed", t0);
  limiter.admit("b", "malformed", t0);  // nothing held back: no summary
  const auto s = limiter.flush(t0 + 2s);
  REQUIRE(s.size() == 1);
  CHECK(s[0].peer == "a");
  CHECK(s[0].held_back == 1);
  CHECK(limiter.flush(t0 + 3s).empty());
}
