#include "runtime/transport/peer_link_watch.hpp"

#include <catch2/catch.hpp>

using namespace atn;
using namespace std::chrono_literals;

TEST_CASE("peer_link_watch reports a peer that is not connected once per interval until it connects (issue 18)",
          "[peer_link_watch]") {
  const auto t0 = peer_link_watch::clock::time_point{} + 1h;
  peer_link_watch w("aggregator", "tcp://10.9.9.9:5555", 10s, t0);
  CHECK_FALSE(w.check(t0));
  CHECK_FALSE(w.check(t0 + 9s));
  for (int i = 0; i < 3; ++i) w.retried();
  auto line = w.check(t0 + 10s);
  REQUIRE(line);
  CHECK(*line == "peer 'aggregator' at tcp://10.9.9.9:5555 not connected after 10 s; still trying (3 attempts failed)");
  CHECK_FALSE(w.check(t0 + 15s));  // once per interval
  // A late check does not make up for the reports it missed.
  line = w.check(t0 + 35s);
  REQUIRE(line);
  CHECK_THAT(*line, Catch::Contains("after 35 s"));
  CHECK_FALSE(w.check(t0 + 39s));
  CHECK(w.check(t0 + 40s));

  CHECK(w.connected(t0 + 42s) == "peer 'aggregator' at tcp://10.9.9.9:5555 connected after 42 s");
  CHECK(w.is_connected());
  CHECK_FALSE(w.check(t0 + 60s));  // connected: nothing to say
}

TEST_CASE("peer_link_watch says when a link drops and when it is back, with the last handshake problem",
          "[peer_link_watch]") {
  const auto t0 = peer_link_watch::clock::time_point{} + 1h;
  peer_link_watch w("b", "ipc:///tmp/b.sock", 2s, t0);
  CHECK_FALSE(w.disconnected(t0));  // never up: a failed dial is not news
  w.connected(t0 + 100ms);
  auto line = w.disconnected(t0 + 5s);
  REQUIRE(line);
  CHECK(*line == "peer 'b' at ipc:///tmp/b.sock disconnected; reconnecting");
  w.handshake_failed("the peer refused this node's CURVE key (ZAP 400)");
  w.retried();
  CHECK_FALSE(w.check(t0 + 6s));
  line = w.check(t0 + 7s);
  REQUIRE(line);
  CHECK(*line ==
        "peer 'b' at ipc:///tmp/b.sock not connected after 2 s; still trying (2 attempts failed; last: the peer "
        "refused this node's CURVE key (ZAP 400))");
  CHECK(w.connected(t0 + 8500ms) == "peer 'b' at ipc:///tmp/b.sock connected again after 3.5 s");
  CHECK(w.failed_attempts() == 0);
}
