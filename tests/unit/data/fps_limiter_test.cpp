#include "data/fps_limiter.hpp"

#include <catch2/catch.hpp>

using namespace atn;

TEST_CASE("fps_limiter drops frames closer than 1/fps to the last accepted one, per source", "[fps_limiter]") {
  fps_limiter limit(2.0);  // 500 ms
  CHECK(limit.interval_ms() == 500.0);
  CHECK(limit.accept("a", 10000));
  CHECK_FALSE(limit.accept("a", 10100));
  CHECK_FALSE(limit.accept("a", 10499));
  CHECK(limit.accept("b", 10499));  // another source has its own clock
  CHECK(limit.accept("a", 10500));  // exactly 1/fps away
  CHECK_FALSE(limit.would_accept("a", 10900));
  CHECK_FALSE(limit.accept("a", 10900));
  CHECK_FALSE(limit.accept("a", 10100));  // an older frame close to the last accepted one
  CHECK(limit.accept("a", 11000));
  CHECK(limit.accepted() == 4);
  CHECK(limit.dropped() == 4);
}

TEST_CASE("fps_limiter goes by frame time, not arrival", "[fps_limiter]") {
  fps_limiter limit(1.0);
  // A burst delivered at once but captured a second apart is all kept.
  for (std::int64_t t = 0; t < 5; ++t) CHECK(limit.accept("screen", 1000000 + t * 1000));
  CHECK(limit.dropped() == 0);
}

TEST_CASE("fps_limiter without a cap or a time accepts everything", "[fps_limiter]") {
  fps_limiter none(0);
  for (int i = 0; i < 10; ++i) CHECK(none.accept("a", 5));
  CHECK(none.dropped() == 0);
  fps_limiter capped(1.0);
  CHECK(capped.accept("a", 1000));
  CHECK(capped.accept("a", -1));
  CHECK(capped.accept("a", -1));
  CHECK_FALSE(capped.accept("a", 1500));  // unknown times did not move the reference
  CHECK(capped.dropped() == 1);
}
