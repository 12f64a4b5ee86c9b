#include "runtime/storage/feed_write_health.hpp"

#include <catch2/catch.hpp>

using namespace atn;
using namespace std::chrono_literals;
using kind = feed_write_health::note::kind;

TEST_CASE("feed_write_health says once that writes fail, reminds once a minute, and says when they work (issue 18)",
          "[feed_write_health]") {
  feed_write_health h(60s);
  const auto t0 = feed_write_health::clock::time_point{} + 1h;
  CHECK_FALSE(h.succeeded(t0));  // working all along: nothing to say
  CHECK_FALSE(h.failing());
  CHECK(h.failing_since_ms() == 0);

  const std::string efbig = "write /s/feed/text/seg-000000000001.log: File too large";
  auto n = h.failed(efbig, t0, 1'700'000'000'000);
  REQUIRE(n);
  CHECK(n->what == kind::failing);
  CHECK(n->text == "feed writes fail: " + efbig + "; nothing is acknowledged, the readers keep the records and retry");
  CHECK(h.failing());
  CHECK(h.error() == efbig);
  CHECK(h.failing_since_ms() == 1'700'000'000'000);

  // Retries four times a second for a minute: one reminder, not 240 lines.
  int lines = 0;
  for (auto t = t0 + 250ms; t < t0 + 61s; t += 250ms) lines += h.failed(efbig, t, 0).has_value();
  CHECK(lines == 1);
  CHECK(h.failures() == 1 + 243);
  CHECK(h.failing_since_ms() == 1'700'000'000'000);  // the start of the run, not the last failure

  // A different cause is a change worth a line.
  n = h.failed("write x: No space left on device", t0 + 62s, 0);
  REQUIRE(n);
  CHECK(n->what == kind::failing);
  CHECK(n->text == "feed writes now fail with: write x: No space left on device");

  n = h.succeeded(t0 + 75s);
  REQUIRE(n);
  CHECK(n->what == kind::recovered);
  CHECK(n->text == "feed writes work again after 75 s; 245 batches had been refused");
  CHECK_FALSE(h.failing());
  CHECK(h.error().empty());
  CHECK(h.failing_since_ms() == 0);
  CHECK_FALSE(h.succeeded(t0 + 76s));

  // A later failure starts a new run with its own line.
  n = h.failed(efbig, t0 + 100s, 1'700'000'100'000);
  REQUIRE(n);
  CHECK(n->what == kind::failing);
  CHECK(h.failing_since_ms() == 1'700'000'100'000);
  CHECK(h.failures() == 1);
}

TEST_CASE("feed_write_health reminds on the interval's grid", "[feed_write_health]") {
  feed_write_health h(10s);
  const auto t0 = feed_write_health::clock::time_point{} + 1h;
  REQUIRE(h.failed("e", t0, 1));
  CHECK_FALSE(h.failed("e", t0 + 9s, 0));
  auto n = h.failed("e", t0 + 25s, 0);  // two reminders' worth of time: one line
  REQUIRE(n);
  CHECK(n->what == kind::still_failing);
  CHECK(n->text == "feed writes still fail after 25 s (3 batches refused): e");
  CHECK_FALSE(h.failed("e", t0 + 29s, 0));
  CHECK(h.failed("e", t0 + 30s, 0));
}
