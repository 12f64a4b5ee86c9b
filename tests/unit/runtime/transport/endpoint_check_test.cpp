#include "runtime/transport/endpoint_check.hpp"

#include <catch2/catch.hpp>

using atn::endpoint_problem;

TEST_CASE("endpoint_problem refuses endpoints ZeroMQ would wait on forever (issue 18)", "[endpoint]") {
  CHECK_FALSE(endpoint_problem("tcp://127.0.0.1:5555"));
  CHECK_FALSE(endpoint_problem("tcp://solver-1.lan:5555"));
  CHECK_FALSE(endpoint_problem("tcp://[::1]:5555"));
  CHECK_FALSE(endpoint_problem("ipc:///tmp/atn.sock"));
  CHECK_FALSE(endpoint_problem("tcp://*:5555", true));

  // The endpoint: both the address and the port are out of range.
  REQUIRE(endpoint_problem("tcp://256.1.1.1:99999"));
  CHECK_THAT(*endpoint_problem("tcp://256.1.1.1:99999"), Catch::Contains("99999"));
  CHECK_THAT(*endpoint_problem("tcp://256.1.1.1:80"), Catch::Contains("256.1.1.1"));
  CHECK(endpoint_problem("tcp://1.2.3:80"));
  CHECK(endpoint_problem("tcp://host"));
  CHECK(endpoint_problem("tcp://host:0"));
  CHECK(endpoint_problem("tcp://:80"));
  CHECK(endpoint_problem("tcp://*:5555"));  // not for a peer
  CHECK(endpoint_problem("udp://host:80"));
  CHECK(endpoint_problem("host:80"));
  CHECK(endpoint_problem("ipc://"));
}
